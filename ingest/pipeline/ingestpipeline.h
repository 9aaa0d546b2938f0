// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "model/alertstore.h"
#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QByteArray>
#include <QObject>
#include <QPair>
#include <QString>
#include <QVector>

#include <memory>

namespace fe {

// One frame (TCP/UDP message or file line) read by a source, not yet decoded.
struct RawFrame
{
    QByteArray data;
    QString origin;        // peer "ip:port" (tcp/udp) or the file path (logfile)
    qint64 offset = -1;    // logfile: byte offset of the line in the file
};

// What a source hands to the pipeline in one go. Checkpoints (durable key/value state, e.g. a file's
// tail position) are written to the store after every alert of this batch and of the batches submitted
// before it is committed: a restart resumes after what is stored, never before.
struct RawBatch
{
    MapOptions::Input input = MapOptions::Input::Tcp;
    QVector<RawFrame> frames;
    QVector<QPair<QString, QByteArray>> checkpoints;
};

struct IngestConfig
{
    QString dbPath;
    MapOptions mapOptions;              // preserve flags, extra fields; input/address/path are set per frame
    int mapperThreads = 0;              // 0 = one per core beyond the writer's (at least 1, at most 8)
    // Bytes received and not yet stored (frames waiting for the mappers, being mapped, mapped and waiting for the
    // writer): sources block beyond it (MapStoreEngine). Deep queues cost more than memory: every alert goes through
    // memory that has left the CPU caches.
    qint64 maxQueuedBytes = 16 << 20;
    int maxBatchAlerts = 10000;         // the writer commits at this many alerts ...
    int maxBatchAgeMs = 200;            // ... or when the oldest uncommitted alert is this old
    // Outputs left for the full-text index: a burst is indexed when the writer is idle afterwards, but a writer that
    // is never idle (sustained overload) indexes as it stores beyond this many, so that text searches, which scan
    // the unindexed outputs, stay bounded (AlertStore::setIndexBacklogLimit; 0: no bound).
    qint64 maxIndexBacklog = 1000000;
    // The writer's store keeps this much of the newest part of its file in the page cache and drops the rest behind
    // its checkpoints (AlertStore::setPageCacheDropBehind; < 0: off): a long ingest recycles the pages it wrote.
    qint64 pageCacheKeepBytes = AlertStore::s_ingestPageCacheKeep;
    int statsIntervalMs = 1000;
};

// The ingest pipeline behind the live sources: the map-and-store engine (ingest/pipeline/mapstoreengine.h) in its
// live mode, with the counters and diagnostics a source's owner shows. Sources (any thread) submit raw frames; mapper
// threads decode and map them (mapFrame: syslog header, Falco JSON, Falcosidekick CEF); the single writer thread
// stores them in submission order, batched by count and age, and writes checkpoints.
// When the store falls behind, or cannot store (a full disk: the commit is retried until it passes), submit() blocks
// the source's thread, so a listener stops reading its sockets (TCP backpressure) and a tailer stops reading its
// files: memory stays bounded, nothing accepted is dropped. Stats and diagnostics reach the owner's thread as one
// value about once a second.
// The object lives in the owner's thread (GUI or CLI main); submit() and the report* methods are thread-safe.
class IngestPipeline : public QObject
{
    Q_OBJECT

public:
    explicit IngestPipeline(const IngestConfig &config, QObject *parent = nullptr);
    ~IngestPipeline() override;   // stop()

    // Opens the store (creating it) in the writer thread and starts the threads. false + error on failure.
    bool start(QString *error = nullptr);
    // Stores everything submitted so far, then ends the threads. Stop the sources first.
    void stop();
    // Thread-safe, before stopping the sources: a store that keeps failing (a full disk) is given up after a few
    // attempts rather than retried until it recovers, so that sources waiting for room (backpressure) can stop.
    // What could not be stored is counted: unstoredAlerts(), and rejected "pipeline stopped" for what the
    // sources could no longer submit.
    void requestStop();
    bool isRunning() const;
    const IngestConfig &config() const { return m_config; }

    // Thread-safe. Blocks while the queue is full. false when the pipeline is not running (nothing queued).
    bool submit(RawBatch batch);
    // Thread-safe: waits until everything submitted before the call is committed (or timeout). For tests
    // and for "flush" buttons; never called on a hot path.
    bool waitForStored(int timeoutMs);

    // Thread-safe, for sources: counters of their own stage (received, framed, connections delta,
    // rejected{reason}) and diagnostics (merged with repeats).
    void reportSourceStats(const PipelineStats &delta);
    void reportDiagnostic(const Diagnostic &diagnostic);

    // A snapshot of all counters (queued is computed now).
    PipelineStats stats() const;
    // Store transactions committed so far (stored / commits = rows per transaction; for benches).
    qint64 commits() const;
    // Alerts received that could not be stored: the store still failed when stop() was called (a full disk).
    qint64 unstoredAlerts() const;
    // After stop(): every alert a source read or received that is not in the store, unstoredAlerts() and what the
    // sources could no longer submit (rejected with s_stoppedReason).
    qint64 alertsLostAtStop() const;
    // The rejection reason of what a source could not submit once requestStop() gave the store up.
    static constexpr char s_stoppedReason[] = "pipeline stopped";
    // Mapper threads of the running pipeline (the writer is one more).
    int mapperThreads() const;
    // Every diagnostic so far, repeats merged (bounded: the first 1000 distinct ones, then one summary).
    QVector<Diagnostic> diagnostics() const;

Q_SIGNALS:
    // About once a second while running, and once after stop().
    void statsChanged(const fe::PipelineStats &stats);
    // New or repeated diagnostics since the last emission (same cadence as statsChanged).
    void diagnosticsReported(const QVector<fe::Diagnostic> &diagnostics);
    // Alerts were committed: ids firstId..lastId (batched with the stats cadence).
    void alertsStored(qint64 firstId, qint64 lastId);

private:
    void emitStats();

    struct Private;
    IngestConfig m_config;
    int m_mapperThreads = 0;
    qint64 m_commits = 0;    // after stop()
    qint64 m_unstored = 0;   // after stop()
    std::unique_ptr<Private> d;
};

} // namespace fe
