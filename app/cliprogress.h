// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QElapsedTimer>
#include <QString>

namespace fe::cli {

// The progress of a long CLI step (a store conversion, the full-text index) on stderr. On a terminal, one line redrawn
// in place: a bar, the percentage, done/total and the rate. Otherwise (a log, a pipe) a plain line now and then and
// the last one, so that a log gets a few lines, not one per chunk:
//   Converting store to format 5: 42% (420000/1000000 alerts, 95000 alerts/s)
class CliProgress
{
public:
    // label: "Converting store to format 5"; quiet: nothing at all.
    explicit CliProgress(const QString &label, bool quiet = false);
    ~CliProgress();   // finish()

    // done of total alerts so far. The first call and done >= total always show.
    void update(qint64 done, qint64 total);
    // Ends the terminal line (the bar stays, as the last state). Idempotent.
    void finish();

    // Seconds between the lines written when stderr is not a terminal.
    static constexpr int LineIntervalMs = 1000;
    // Redraws of the terminal line at most this often.
    static constexpr int RedrawIntervalMs = 100;

private:
    QString text(qint64 done, qint64 total) const;

    QString m_label;
    bool m_quiet = false;
    bool m_terminal = false;
    bool m_drawn = false;      // a terminal line is open
    bool m_finished = false;
    qint64 m_lastDone = -1;
    qint64 m_lastTotal = -1;
    QElapsedTimer m_started;
    QElapsedTimer m_lastShown;
};

} // namespace fe::cli
