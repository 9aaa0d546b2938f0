// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/backoffpolicy.h"

#include <QRandomGenerator>

#include <algorithm>

namespace fe {

BackoffPolicy::BackoffPolicy(int baseMs, int maxMs)
    : m_baseMs(std::max(1, baseMs))
    , m_maxMs(std::max(m_baseMs, maxMs))
    , m_random([] { return QRandomGenerator::global()->generateDouble(); })
{
}

qint64 BackoffPolicy::ceilingMs(int attempt) const
{
    if (attempt <= 0)
        return 0;
    qint64 ceiling = m_baseMs;
    for (int i = 1; i < attempt && ceiling < m_maxMs; ++i)
        ceiling *= 2;
    return std::min<qint64>(ceiling, m_maxMs);
}

qint64 BackoffPolicy::delayMs(int attempt) const
{
    const qint64 ceiling = ceilingMs(attempt);
    const qint64 half = ceiling / 2;
    double r = m_random();
    if (!(r >= 0.0))   // also NaN
        r = 0.0;
    r = std::min(r, 1.0);
    return half + static_cast<qint64>(r * static_cast<double>(ceiling - half));
}

void BackoffPolicy::setRandomSource(std::function<double()> source)
{
    if (source)
        m_random = std::move(source);
}

} // namespace fe
