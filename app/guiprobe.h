// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace fe {

class MainWindow;

// For the end-to-end GUI tests (--probe FILE): writes where the main window's parts are on the screen (global
// rectangles of the filter bar, table rows, pills, dashboard panels) and what they show (counts, pills, focus, the
// current alert, when the dashboard first showed the store's data: dashboardShownMs since the process started) as
// JSON, a few times a second, replacing the file atomically. The tests drive the real window with
// X key and mouse events (xdotool) at those places and read the outcome back. Writes nothing else and reads nothing.
class GuiProbe : public QObject
{
    Q_OBJECT

public:
    GuiProbe(MainWindow *window, const QString &path, QObject *parent = nullptr);
    ~GuiProbe() override;

    // The state as JSON (also what is written).
    QByteArray snapshot() const;

private:
    void write();

    MainWindow *m_window;
    QString m_path;
    qint64 m_dashboardShownMs = -1;   // since the process started: the dashboard's first result with alerts
    QTimer m_timer;
};

} // namespace fe
