// SPDX-License-Identifier: Apache-2.0
#include "ui/filterstate.h"

#include <QDateTime>

namespace fe {

namespace {
constexpr int s_maxRangeHistory = 20;
}

QVector<FilterState::Preset> FilterState::relativePresets()
{
    constexpr qint64 minute = 60000, hour = 60 * minute, day = 24 * hour;
    return {
        {tr("Last 15 minutes"), 15 * minute}, {tr("Last hour"), hour},      {tr("Last 4 hours"), 4 * hour},
        {tr("Last 24 hours"), day},           {tr("Last 7 days"), 7 * day}, {tr("Last 30 days"), 30 * day},
        {tr("Last 90 days"), 90 * day},       {tr("Last year"), 365 * day}, {tr("All time"), 0},
    };
}

FilterState::FilterState(QObject *parent)
    : QObject(parent)
{
}

void FilterState::setQuery(const QString &query)
{
    if (query == m_query)
        return;
    m_query = query;
    Q_EMIT changed();
}

void FilterState::setRelativeRange(qint64 ms)
{
    ms = std::max<qint64>(0, ms);
    if (m_relativeMs == ms)
        return;
    m_relativeMs = ms;
    Q_EMIT changed();
}

void FilterState::setAbsoluteRange(qint64 fromMs, qint64 toMs)
{
    if (m_relativeMs < 0 && m_fromMs == fromMs && m_toMs == toMs)
        return;
    m_relativeMs = -1;
    m_fromMs = fromMs;
    m_toMs = toMs;
    Q_EMIT changed();
}

void FilterState::zoomToRange(qint64 fromMs, qint64 toMs)
{
    if (toMs <= fromMs || (m_relativeMs < 0 && m_fromMs == fromMs && m_toMs == toMs))
        return;
    m_rangeHistory.append({m_relativeMs, m_fromMs, m_toMs});
    if (m_rangeHistory.size() > s_maxRangeHistory)
        m_rangeHistory.removeFirst();
    m_relativeMs = -1;
    m_fromMs = fromMs;
    m_toMs = toMs;
    Q_EMIT changed();
}

void FilterState::back()
{
    if (m_rangeHistory.isEmpty())
        return;
    const Range r = m_rangeHistory.takeLast();
    m_relativeMs = r.relativeMs;
    m_fromMs = r.fromMs;
    m_toMs = r.toMs;
    Q_EMIT changed();
}

QString FilterState::rangeLabel() const
{
    return rangeLabel(m_relativeMs, m_fromMs, m_toMs);
}

QString FilterState::rangeLabel(qint64 relativeMs, qint64 fromMs, qint64 toMs)
{
    if (relativeMs >= 0) {
        for (const Preset &p : relativePresets()) {
            if (p.ms == relativeMs)
                return p.label;
        }
        return tr("Last %1 minutes").arg(relativeMs / 60000);
    }
    // Seconds only when the range needs them (a brushed range is rarely on a whole minute).
    const bool whole = fromMs % 60000 == 0 && toMs % 60000 == 0;
    const QString format = whole ? QStringLiteral("yyyy-MM-dd HH:mm") : QStringLiteral("yyyy-MM-dd HH:mm:ss");
    return QDateTime::fromMSecsSinceEpoch(fromMs).toString(format) + QStringLiteral(" → ")
        + QDateTime::fromMSecsSinceEpoch(toMs).toString(format);
}

void FilterState::addPill(const FilterPill &pill)
{
    for (FilterPill &p : m_pills) {
        if (!p.sameCondition(pill))
            continue;
        if (p.exclude == pill.exclude)
            return;
        p.exclude = pill.exclude;   // filtering out what was filtered in (or back) flips the pill
        Q_EMIT changed();
        return;
    }
    m_pills.append(pill);
    Q_EMIT changed();
}

void FilterState::setPills(const QVector<FilterPill> &pills)
{
    if (pills == m_pills)
        return;
    m_pills = pills;
    Q_EMIT changed();
}

void FilterState::removePill(int index)
{
    if (index < 0 || index >= m_pills.size())
        return;
    m_pills.removeAt(index);
    Q_EMIT changed();
}

void FilterState::invertPill(int index)
{
    if (index < 0 || index >= m_pills.size())
        return;
    m_pills[index].exclude = !m_pills.at(index).exclude;
    Q_EMIT changed();
}

void FilterState::addClause(const QString &field, const QString &value, bool exclude)
{
    addPill(FilterPill::match(field, value, exclude));
}

void FilterState::set(const QString &query, qint64 relativeMs, qint64 fromMs, qint64 toMs, const QVector<FilterPill> &pills)
{
    m_query = query;
    m_relativeMs = relativeMs < 0 ? -1 : relativeMs;
    m_fromMs = relativeMs < 0 ? fromMs : 0;
    m_toMs = relativeMs < 0 ? toMs : 0;
    m_pills = pills;
    Q_EMIT changed();
}

AlertFilter FilterState::filter(qint64 nowMs) const
{
    AlertFilter f;
    f.query = effectiveQuery();
    if (m_relativeMs > 0) {
        const qint64 now = nowMs > 0 ? nowMs : QDateTime::currentMSecsSinceEpoch();
        f.fromMs = now - m_relativeMs;
    } else if (m_relativeMs < 0) {
        f.fromMs = m_fromMs;
        f.toMs = m_toMs;
    }
    return f;
}

void FilterState::clear()
{
    const bool wasEmpty = m_query.isEmpty() && m_pills.isEmpty() && m_relativeMs == 0;
    m_query.clear();
    m_pills.clear();
    m_relativeMs = 0;
    m_rangeHistory.clear();
    if (!wasEmpty)
        Q_EMIT changed();
}

} // namespace fe
