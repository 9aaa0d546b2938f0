// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "model/alert.h"
#include "model/alertstore.h"
#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QPair>
#include <QString>
#include <QVector>

#include <functional>
#include <memory>

namespace fe {

// What a source hands to the engine in one go: frames (file lines, received messages) in the order they were read.
struct IngestUnit
{
    struct Frame
    {
        QByteArrayView bytes;   // into buffer or frameBuffers
        qint64 offset = -1;     // a file line's byte offset, -1 otherwise
        qint64 line = 0;        // a file line's 1-based number (diagnostics say FILE:LINE), 0 otherwise
        qint32 origin = 0;      // index into origins
        bool tooLong = false;   // a line over the length limit: only its place is kept (rejected)
    };
    MapOptions::Input input = MapOptions::Input::Logfile;
    QVector<Frame> frames;
    QByteArray buffer;                  // the bytes the frames point into (a chunk of a file) ...
    QVector<QByteArray> frameBuffers;   // ... or one array per frame (received messages)
    QVector<QString> origins;           // per Frame::origin: the file's path ("" for stdin), or the peer "ip:port"
    QString label;                      // how diagnostics name a file ("FILE" of FILE:LINE); empty: the origin
    QString readError;                  // the input ended with this error after these frames
    QString lineTooLong;                // the rejection text of a tooLong frame
    // Durable state written once everything up to and including this unit is stored (a file's tail position).
    QVector<QPair<QString, QByteArray>> checkpoints;

    // Bytes it holds, for the bound on what is in flight.
    qint64 bytes() const;
};

struct EngineConfig
{
    QString dbPath;                      // the store; empty: no store, the alerts go to sink
    MapOptions mapOptions;               // preserve flags, --set fields; input, path, peer and offset are per frame
    int workers = 0;                     // mapping threads; 0: one per core beyond the writer's when live, per core else
    // Bytes read and not yet stored (units waiting, being mapped, mapped and waiting for the writer): submit() waits
    // beyond it, so a TCP sender waits (backpressure) and a file reader pauses; memory stays bounded whatever the input
    // (one unit larger than the whole budget still goes through, alone).
    qint64 maxInFlightBytes = 16 << 20;
    int maxBatchAlerts = 10000;          // a transaction commits at this many alerts ...
    int maxBatchAgeMs = 0;               // ... or when its oldest alert is this old (0: only at the end)
    bool live = false;                   // live sources: each unit's read time is when it was mapped; store errors
                                         // (a full disk) are retried until they pass or stop(); the full-text
                                         // index is built whenever the writer is idle
    qint64 indexBacklog = 0;             // AlertStore::setIndexBacklogLimit
    qint64 pageCacheKeep = -1;           // AlertStore::setPageCacheDropBehind
    qint64 cacheBytes = 0;               // AlertStore::setCacheSize; 0: the store's default
    bool optimizeAtEnd = false;          // AlertStore::optimize() after the last commit (imports)
    // Without a store: called with every batch of mapped alerts (with their documents), in input order, on the writer
    // thread. Return false to stop (stdout closed).
    std::function<bool(const AlertBatch &)> sink;
};

// What the engine learned of one unit, in input order (on the writer thread, after its alerts are committed).
struct UnitReport
{
    qint64 frames = 0;
    qint64 alerts = 0;
    qint64 skipped = 0;
    qint64 rejected = 0;
    QMap<QString, qint64> rejectedByReason;   // by short category (PipelineStats)
    QVector<Diagnostic> diagnostics;         // in frame order
};

// The one ordered map-and-store engine behind imports and live sources (Source → Framer → Decoder → Mapper → Sink):
//   submit() (any thread; blocks beyond maxInFlightBytes)
//   → worker threads: mapFrame() of each frame for its facts, its original compressed with the store's codec
//   → one writer thread: units in submission order, AlertStore::insert in transactions of maxBatchAlerts (or age),
//     then the units' checkpoints; reports per unit; the full-text index when idle (live).
// A new store's compression dictionary is trained on the first frames before any is compressed. Bad input becomes a
// diagnostic and never stops the engine; a store error stops it (import) or is retried until it passes (live:
// nothing received is dropped, the sources wait meanwhile).
class MapStoreEngine
{
public:
    explicit MapStoreEngine(const EngineConfig &config);
    ~MapStoreEngine();   // finish()
    MapStoreEngine(const MapStoreEngine &) = delete;
    MapStoreEngine &operator=(const MapStoreEngine &) = delete;

    // Called on the writer thread, in submission order, once a unit's alerts are committed (or handed to the sink).
    void setUnitReporter(std::function<void(const UnitReport &)> reporter);
    // Called on the writer thread after each commit: the ids stored and duplicates (for live notifications).
    void setCommitReporter(std::function<void(const InsertResult &)> reporter);
    // Called (any thread) for diagnostics that are not about a unit: store errors and their recovery.
    void setStoreDiagnosticReporter(std::function<void(const Diagnostic &)> reporter);

    // Opens the store in the writer thread and starts the threads. false + error when the store cannot be opened.
    bool start(QString *error = nullptr);
    bool isRunning() const;
    // Thread-safe. Blocks while the budget is spent. false when the engine is not running or has stopped on a store
    // error (nothing queued).
    bool submit(IngestUnit unit);
    // Stores everything submitted, then ends the threads (and optimizes, when asked). Idempotent.
    void finish();
    // Thread-safe: the engine is about to finish (a live source stops: SIGTERM). From now on a store that keeps failing
    // (a full disk) is given up after a few attempts instead of retried until it recovers, which also releases the
    // sources waiting for room in the queue, so that they can stop; what is then not stored is counted
    // (unstoredAlerts()). Without a failing store it changes nothing.
    void requestStop();
    // Thread-safe: waits until everything submitted before the call is committed (or timeout).
    bool waitForStored(int timeoutMs);

    // The first store error that stopped the engine (import), empty if none.
    QString storeError() const;
    // Alerts that could not be stored (live: still failing at finish()).
    qint64 unstoredAlerts() const;
    // Alerts mapped and waiting for the writer, and units waiting to be mapped (for the "queued" counter).
    qint64 queuedFrames() const;
    qint64 commits() const;
    int workerThreads() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
