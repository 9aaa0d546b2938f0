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
    // Raw frames waiting for the mappers (sources block beyond it) and mapped batches (of up to 1024 alerts) waiting for
    // the writer. The mapped queue holds a little more than one transaction (maxBatchAlerts): the writer stores a
    // whole transaction at once (~100 ms for 10k alerts), and the mappers must be able to map the next one meanwhile,
    // or the writer waits for them after every commit (4 batches: the CPUs were 25% idle). Deeper costs more than
    // memory: at 64 MiB + 64 batches (~200 MB of alerts in flight) every alert went through memory that had left the
    // CPU caches or had just been faulted in (~15 us a fault on the 2-vCPU VM). bench_listener at 1M alerts:
    // 64 MiB + 64 batches 62.8-69.2k alerts/s (mapper 7.0-7.9 us per alert, writer 10.3-11.4); 16 MiB + 4 batches
    // 51-73k (5.0-7.6, 8.5-12.7); 16 MiB + 12 batches 77-84k (5.6-6.0, 9.1-9.8); 16 or 24 batches no better.
    qint64 maxQueuedBytes = 16 << 20;
    int maxQueuedBatches = 12;
    int maxBatchAlerts = 10000;         // the writer commits at this many alerts (10k rows/txn: perf.md S10) ...
    int maxBatchAgeMs = 200;            // ... or when the oldest uncommitted alert is this old
    // Outputs left for the full-text index: a burst is indexed when the writer is idle afterwards, but a writer that
    // is never idle (sustained overload) indexes as it stores beyond this many, so that text searches, which scan
    // the unindexed outputs, stay bounded (AlertStore::setIndexBacklogLimit; 0: no bound).
    qint64 maxIndexBacklog = 1000000;
    // The writer's store keeps this much of the newest part of its file in the page cache and drops the rest behind
    // its checkpoints (AlertStore::setPageCacheDropBehind; < 0: off). bench_listener at 1M alerts, alternating runs:
    // 512 MiB 82.2k and 84.0k alerts/s (checkpoint 1.3 us per alert) against 68.0k and 63.4k off (3.9-4.0); keeping
    // only 64 MiB made 72.9k and 77.4k against 512 MiB's 74.9k and 83.0k in the same minutes (the writer read back
    // pages it had let go).
    qint64 pageCacheKeepBytes = AlertStore::s_ingestPageCacheKeep;
    int statsIntervalMs = 1000;
};

// The ingest pipeline behind the live sources: sources (any thread) submit raw frames into a bounded
// queue; mapper threads decode and map them (mapFrame: syslog header, Falco JSON, Falcosidekick CEF);
// the single writer thread stores them in submission order, batched by count and age (one transaction per
// batch), and writes checkpoints. The writer does nothing but store: the committed alerts are freed by
// the mappers, which run in parallel on the other cores.
// When the store falls behind, submit() blocks the source's thread, so a listener stops reading its
// sockets (TCP backpressure) and a tailer stops reading its files: memory stays bounded, nothing accepted
// is dropped. Stats and diagnostics reach the owner's thread as one value about once a second.
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
    std::unique_ptr<Private> d;
};

} // namespace fe
