// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/listeneroptions.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace fe {

class MainWindow;

// Wires the GUI's sources pane to live ingest: "Listen for syslog" starts a SyslogListener with the options of
// the listener dialog, "Watch a file" a FileTailer, each with its own IngestPipeline into the window's database
// (SQLite takes one writer at a time; the pipelines wait their turn). Start/stop buttons stop and restart a
// source, Remove forgets it; its counters go to the pane and the status bar; stored alerts wake the forwarder.
//
// Sources belong to a database: the list (kind, options or paths, running or not) is kept in the settings per
// database path and saved on every change. restore() brings back the current database's sources (running ones
// are started: a watched file resumes from its checkpoint in the store); when the window opens another
// database, the sources of the old one stop — storing everything they received — and, once restore() has been
// called, the new database's sources come back.
class LiveSources : public QObject
{
    Q_OBJECT

public:
    explicit LiveSources(MainWindow *window, QObject *parent = nullptr);
    ~LiveSources() override;   // stops every source, storing what it received (the saved list keeps them running)

    // Returns the source's id ("tcp:<address>:<port>"), or "" when it could not be added. A listener that cannot
    // start stays in the list, stopped; error (when given) says why, else the status bar does.
    QString addListener(const ListenerOptions &options, QString *error = nullptr);
    void addFiles(const QStringList &paths);
    bool start(const QString &id, QString *error = nullptr);
    void stop(const QString &id);       // the analyst's stop: remembered as stopped
    void remove(const QString &id);     // stop and forget
    void stopAll();                     // stops without changing the saved list (shutdown, database switch)
    void restore();                     // the current database's saved sources; follows database switches from now on

    // The bound TCP port of a running listener (useful with port 0), else 0.
    quint16 listenerPort(const QString &id) const;
    // The options a listener was added with (default options for an id that is not a listener).
    ListenerOptions listenerOptions(const QString &id) const;

Q_SIGNALS:
    void alertsStored();

private:
    struct Source;
    void halt(const QString &id);       // stops the source, storing what it received; the saved list is unchanged
    void switchDatabase(const QString &path);
    void save() const;
    QString settingsKey(const QString &dbPath) const;

    MainWindow *m_window;
    QString m_dbPath;                   // the database the sources write to
    bool m_restoring = false;
    QStringList m_order;                // ids in the order they were added
    QHash<QString, std::shared_ptr<Source>> m_sources;
};

} // namespace fe
