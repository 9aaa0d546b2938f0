// SPDX-License-Identifier: Apache-2.0
#include "app/cliprogress.h"

#include "app/cliutil.h"

#include <algorithm>

namespace fe::cli {

CliProgress::CliProgress(const QString &label, bool quiet)
    : m_label(label)
    , m_quiet(quiet)
    , m_terminal(isTerminal(stderr))
{
    m_started.start();
}

CliProgress::~CliProgress()
{
    finish();
}

QString CliProgress::text(qint64 done, qint64 total) const
{
    const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
    const qint64 elapsedMs = m_started.elapsed();
    QString rate;
    // A rate over a few milliseconds says nothing.
    if (elapsedMs >= 200 && done > 0)
        rate = QStringLiteral(", %1 alerts/s").arg(qint64(double(done) * 1000.0 / double(elapsedMs)));
    return QStringLiteral("%1: %2% (%3/%4 alerts%5)")
        .arg(m_label)
        .arg(int(fraction * 100.0))
        .arg(done)
        .arg(total)
        .arg(rate);
}

void CliProgress::update(qint64 done, qint64 total)
{
    if (m_quiet || m_finished)
        return;
    const bool last = done >= total;
    const bool first = m_lastDone < 0;
    if (done == m_lastDone && total == m_lastTotal)
        return;
    const int interval = m_terminal ? RedrawIntervalMs : LineIntervalMs;
    if (!first && !last && m_lastShown.isValid() && m_lastShown.elapsed() < interval)
        return;
    m_lastShown.start();
    m_lastDone = done;
    m_lastTotal = total;
    if (!m_terminal) {
        writeErr(text(done, total) + QLatin1Char('\n'));
        std::fflush(stderr);
        return;
    }
    constexpr int width = 30;
    const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
    const int filled = int(fraction * width);
    writeErr(QStringLiteral("\r%1 [%2%3]\033[K")
                 .arg(text(done, total), QString(filled, QLatin1Char('#')), QString(width - filled, QLatin1Char('.'))));
    std::fflush(stderr);
    m_drawn = true;
}

void CliProgress::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_drawn)
        writeErr(QStringLiteral("\n"));
}

} // namespace fe::cli
