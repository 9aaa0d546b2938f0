// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace fe {

// Builds the full-text index of a store in the background. Imports and demo data leave their alerts' outputs out of
// the index (AlertStore::indexPending builds it afterwards; searches stay exact meanwhile, only slower), and a store
// converted from schema v4 starts without one: the GUI hands the work to this controller when it opens a store and
// after an import. A worker thread with its own ReadWrite store indexes in chunks of one transaction each and pauses
// between them, so that the other writers of the file (an import, live ingest, triage in the GUI thread), which wait
// for the write lock in SQLite's busy handler, get their turn: the pause is longer than the longest sleep of that
// handler. Progress comes back queued, at most about ten times a second.
class TextIndexer : public QObject
{
    Q_OBJECT

public:
    struct Config
    {
        qint64 chunkRows = 10000;    // outputs per transaction: the longest a GUI triage write waits
        // SQLite's page cache of the worker's connection. A chunk reads its outputs' pages once and writes a few
        // index pages; the default cache of a writer (model/schema.cpp) would only keep pages nobody reads again, in
        // the GUI's memory: the count of what waits alone fills it on a large store.
        qint64 cacheBytes = qint64(8) << 20;
        int minPauseMs = 120;        // after each chunk: above SQLite's longest busy-handler sleep (100 ms)
        int pausePercent = 25;       // or this share of the chunk's time, when longer
        int progressIntervalMs = 100;
    };

    explicit TextIndexer(QObject *parent = nullptr);
    explicit TextIndexer(const Config &config, QObject *parent = nullptr);
    ~TextIndexer() override;   // stop()

    // Indexes what waits in the store at path, stopping a run in progress first (its total would be out of date).
    // A store with nothing waiting finishes at once, without progress.
    void start(const QString &path);
    // Stops after the chunk in progress (one transaction) and waits for the worker. Nothing is lost: the next run
    // goes on from the index's watermark. No signal of a stopped run arrives after it returns.
    void stop();
    bool isRunning() const;
    QString path() const { return m_path; }

Q_SIGNALS:
    // indexed of total outputs so far; total is what waited when the run started. The first one comes at once.
    void progress(qint64 indexed, qint64 total);
    // The run ended: complete when nothing waits any more, else error says why (a stop() gives no signal).
    void finished(bool complete, const QString &error);

private:
    struct Run;
    void deliverProgress(quint64 generation, qint64 indexed, qint64 total);
    void deliverFinished(quint64 generation, bool complete, const QString &error);

    Config m_config;
    QString m_path;
    quint64 m_generation = 0;   // a stopped run's queued signals are dropped
    std::shared_ptr<Run> m_run;
    std::unique_ptr<QThread> m_thread;
};

} // namespace fe
