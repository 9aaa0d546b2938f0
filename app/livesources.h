// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace fe {

class IngestPipeline;
class MainWindow;
class SyslogListener;
class FileTailer;

// Wires the GUI's sources pane to live ingest: "Listen for syslog" starts a SyslogListener on 127.0.0.1:9030,
// "Watch a file" a FileTailer, each with its own IngestPipeline into the window's database (SQLite takes one
// writer at a time; the pipelines wait their turn). Start/stop buttons stop and restart a source; its
// counters go to the pane and the status bar; stored alerts wake the forwarder.
class LiveSources : public QObject
{
    Q_OBJECT

public:
    explicit LiveSources(MainWindow *window, QObject *parent = nullptr);
    ~LiveSources() override;   // stops every source, storing what it received

    void addListener();
    void addFiles(const QStringList &paths);
    bool start(const QString &id, QString *error = nullptr);
    void stop(const QString &id);
    void stopAll();

Q_SIGNALS:
    void alertsStored();

private:
    struct Source;
    MainWindow *m_window;
    QHash<QString, std::shared_ptr<Source>> m_sources;
};

} // namespace fe
