// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/ingestpipeline.h"

#include "ingest/ecs/ecsrecordmapper.h"
#include "ingest/syslog/cefdecoder.h"
#include "model/alertstore.h"
#include "model/recordcodec.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <vector>


namespace fe {

namespace {

constexpr int s_maxDistinctDiagnostics = 1000;
constexpr int s_storeAttempts = 3;
// Rows the writer adds to the full-text index per idle step (tens of ms; then it looks at the queue again).
constexpr qint64 s_idleIndexRows = 10000;
// Room beyond maxBatchAlerts in a transaction's list: a source's last batch may end past the commit threshold.
constexpr qsizetype s_batchSlack = 2048;

struct MappedBatch
{
    quint64 seq = 0;
    AlertBatch alerts;
    QVector<QPair<QString, QByteArray>> checkpoints;
};

qint64 frameBytes(const RawBatch &batch)
{
    qint64 bytes = 0;
    for (const RawFrame &frame : batch.frames)
        bytes += frame.data.size() + 64;   // + per-frame overhead, so empty frames still count
    return bytes;
}

// A rejection reason as a short category for the counters: the mapper's text up to its first detail.
QString reasonCategory(QString error)
{
    if (error.isEmpty())
        return QStringLiteral("rejected");
    for (const QLatin1String context : {QLatin1String("syslog message: "), QLatin1String("message: ")}) {
        if (error.startsWith(context))
            error.remove(0, context.size());
    }
    qsizetype cut = error.size();
    if (const qsizetype at = error.indexOf(QLatin1String(" at byte")); at > 0)
        cut = at;
    for (const QChar stop : {QLatin1Char(':'), QLatin1Char('('), QLatin1Char(';'), QLatin1Char(',')}) {
        const qsizetype at = error.indexOf(stop);
        if (at > 0)
            cut = qMin(cut, at);
    }
    return error.left(qMin<qsizetype>(cut, 60)).trimmed();
}

QString frameLocation(const RawFrame &frame, MapOptions::Input input)
{
    if (input == MapOptions::Input::Logfile && frame.offset >= 0)
        return frame.origin + QStringLiteral(" (byte %1)").arg(frame.offset);
    return frame.origin;
}

} // namespace

struct IngestPipeline::Private
{
    // Raw queue: sources → mappers. Bounded by bytes.
    std::mutex rawMutex;
    std::condition_variable rawNotFull;
    std::condition_variable rawNotEmpty;
    std::deque<std::pair<quint64, RawBatch>> raw;   // guarded by rawMutex
    qint64 rawBytes = 0;                            // guarded by rawMutex
    quint64 nextSeq = 0;                            // guarded by rawMutex
    bool rawClosed = true;                          // guarded by rawMutex
    // Committed alerts, freed by a mapper: tens of thousands of strings are not the writer's job.
    std::vector<AlertBatch> garbage;                // guarded by rawMutex

    // Mapped queue: mappers → writer. Bounded by batches.
    std::mutex mappedMutex;
    std::condition_variable mappedNotFull;
    std::condition_variable mappedNotEmpty;
    std::deque<MappedBatch> mapped;   // guarded by mappedMutex
    int mappersRunning = 0;           // guarded by mappedMutex

    // Commit progress: every batch with seq < committedSeq is stored.
    std::mutex commitMutex;
    std::condition_variable committed;
    quint64 committedSeq = 0;   // guarded by commitMutex

    // Counters and diagnostics.
    mutable std::mutex statsMutex;
    PipelineStats stats;                          // guarded by statsMutex (queued is computed on read)
    QVector<Diagnostic> diagnostics;              // guarded by statsMutex
    QHash<QString, qsizetype> diagnosticIndex;    // guarded by statsMutex
    QHash<QString, Diagnostic> freshDiagnostics;  // guarded by statsMutex: since the last emission
    qint64 droppedDiagnostics = 0;                // guarded by statsMutex
    qint64 storedFirstId = 0;                     // guarded by statsMutex: since the last emission
    qint64 storedLastId = 0;                      // guarded by statsMutex

    std::atomic<qint64> commits = 0;

    std::vector<QThread *> mappers;
    QThread *writer = nullptr;
    QTimer statsTimer;
    bool running = false;

    void addStats(const PipelineStats &delta)
    {
        std::lock_guard lock(statsMutex);
        stats += delta;
    }

    void addDiagnostic(const Diagnostic &diagnostic)
    {
        std::lock_guard lock(statsMutex);
        const QString key = diagnostic.source + QLatin1Char('\x1f') + diagnostic.location + QLatin1Char('\x1f')
            + diagnostic.text;
        const auto it = diagnosticIndex.constFind(key);
        if (it != diagnosticIndex.cend()) {
            diagnostics[*it].count += diagnostic.count;
        } else if (diagnostics.size() < s_maxDistinctDiagnostics) {
            diagnosticIndex.insert(key, diagnostics.size());
            diagnostics.append(diagnostic);
        } else {
            droppedDiagnostics += diagnostic.count;
        }
        auto fresh = freshDiagnostics.find(key);
        if (fresh != freshDiagnostics.end())
            fresh->count += diagnostic.count;
        else if (freshDiagnostics.size() < s_maxDistinctDiagnostics)
            freshDiagnostics.insert(key, diagnostic);
    }

    // The next raw batch for a mapper; false when the queue is closed and empty. Frees the writer's
    // committed batches on the way (outside the lock).
    bool popRaw(quint64 *seq, RawBatch *batch)
    {
        while (true) {
            std::vector<AlertBatch> reclaim;
            std::unique_lock lock(rawMutex);
            rawNotEmpty.wait(lock, [this] { return !raw.empty() || rawClosed || !garbage.empty(); });
            reclaim.swap(garbage);
            if (!raw.empty()) {
                *seq = raw.front().first;
                *batch = std::move(raw.front().second);
                raw.pop_front();
                rawBytes -= frameBytes(*batch);
                lock.unlock();
                rawNotFull.notify_all();
                return true;
            }
            if (reclaim.empty())
                return false;
            lock.unlock();
            reclaim.clear();
        }
    }

    // Writer: hands a committed batch to the mappers to free. One waiting batch at most: when the mappers
    // have not taken the previous one yet, the writer frees this one itself (memory stays bounded).
    void discard(AlertBatch batch)
    {
        {
            std::lock_guard lock(rawMutex);
            if (garbage.empty() && !rawClosed) {
                garbage.push_back(std::move(batch));
                rawNotEmpty.notify_one();
                return;
            }
        }
        batch.clear();
    }

    void pushMapped(MappedBatch batch, int maxBatches)
    {
        std::unique_lock lock(mappedMutex);
        mappedNotFull.wait(lock, [&] { return static_cast<int>(mapped.size()) < maxBatches; });
        mapped.push_back(std::move(batch));
        mappedNotEmpty.notify_one();
    }

    void mapperLoop(const MapOptions &baseOptions, int maxBatches, std::shared_ptr<RecordCodec> codec)
    {
        quint64 seq = 0;
        RawBatch batch;
        MapOptions options = baseOptions;
        // The origin of the previous frame: a batch's frames mostly share it (one connection, one file).
        AlertOrigin origin;
        QString originName;
        MapOptions::Input originInput = MapOptions::Input::Tcp;
        bool haveOrigin = false;
        while (popRaw(&seq, &batch)) {
            MappedBatch out;
            out.seq = seq;
            out.checkpoints = std::move(batch.checkpoints);
            out.alerts.reserve(batch.frames.size());
            PipelineStats delta;
            options.input = batch.input;
            // The read time of the batch: the document's event.ingested (and the time of an alert without one), kept
            // with each alert so that its document derives the same later.
            options.readTimeMs = baseOptions.readTimeMs > 0 ? baseOptions.readTimeMs : QDateTime::currentMSecsSinceEpoch();
            for (const RawFrame &frame : std::as_const(batch.frames)) {
                if (batch.input == MapOptions::Input::Tcp) {
                    options.sourceAddress = frame.origin;
                } else {
                    options.logFilePath = frame.origin;
                    options.logOffset = frame.offset;
                }
                MapResult result = mapFrame(frame.data, options);
                if (result.status == MapResult::Status::Alert) {
                    if (!haveOrigin || originInput != batch.input || originName != frame.origin) {
                        origin = EcsRecordMapper::origin(options, frame.origin);
                        originName = frame.origin;
                        originInput = batch.input;
                        haveOrigin = true;
                    }
                    EcsRecordMapper::keepOriginal(&result.alert, frame.data, origin, options, *codec);
                }
                switch (result.status) {
                case MapResult::Status::Alert:
                    ++delta.decoded;
                    if (!result.error.isEmpty()) {
                        addDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("ingest"),
                                       frameLocation(frame, batch.input),
                                       QStringLiteral("stored as a pipeline error: ") + result.error, 1});
                    }
                    out.alerts.append(std::move(result.alert));
                    break;
                case MapResult::Status::Skipped:
                    // A file may hold Falco's own log lines; on a syslog port, text that is neither syslog
                    // nor JSON is bad input.
                    if (batch.input == MapOptions::Input::Tcp && !frame.data.startsWith('<')
                        && !frame.data.startsWith('{') && !frame.data.trimmed().isEmpty()) {
                        delta.reject(QStringLiteral("not syslog"));
                        addDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("ingest"), frame.origin,
                                       QStringLiteral("not syslog: \"%1\"")
                                           .arg(QString::fromUtf8(frame.data.left(60)).simplified()),
                                       1});
                    } else {
                        ++delta.skipped;
                    }
                    break;
                case MapResult::Status::Rejected:
                    delta.reject(reasonCategory(result.error));
                    addDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("ingest"),
                                   frameLocation(frame, batch.input), result.error, 1});
                    break;
                }
            }
            addStats(delta);
            pushMapped(std::move(out), maxBatches);
        }
        std::lock_guard lock(mappedMutex);
        --mappersRunning;
        mappedNotEmpty.notify_all();
    }

    void writerLoop(AlertStore *store, int maxAlerts, int maxAgeMs)
    {
        std::map<quint64, MappedBatch> early;   // out-of-order batches from parallel mappers
        quint64 next = 0;
        AlertBatch pending;
        QVector<QPair<QString, QByteArray>> pendingCheckpoints;
        quint64 pendingThrough = 0;   // batches < pendingThrough are in pending
        bool havePending = false;
        // AlertStore::insert leaves the full-text index of large batches (a burst) to indexPending(): the writer
        // catches up whenever the queue is empty.
        bool indexBehind = false;
        QElapsedTimer age;

        auto commit = [&] {
            if (!havePending)
                return;
            PipelineStats delta;
            InsertResult result;
            QString error;
            bool ok = pending.isEmpty();
            for (int attempt = 1; !ok && attempt <= s_storeAttempts; ++attempt) {
                error.clear();
                result = store->insert(pending, &error);
                ok = error.isEmpty();
                if (!ok && attempt < s_storeAttempts)
                    QThread::msleep(200 * attempt);
            }
            if (ok) {
                commits.fetch_add(1, std::memory_order_relaxed);
                indexBehind = indexBehind || result.stored > 0;
                delta.stored = result.stored;
                delta.duplicates = result.duplicates;
                for (const auto &[key, value] : std::as_const(pendingCheckpoints))
                    store->setState(key, value);
            } else {
                delta.reject(QStringLiteral("store error"), pending.size());
                addDiagnostic({Diagnostic::Severity::Error, QStringLiteral("store"), store->path(),
                               QStringLiteral("%1 alerts could not be stored: %2").arg(pending.size()).arg(error), 1});
            }
            {
                std::lock_guard lock(statsMutex);
                stats += delta;
                if (result.stored > 0) {
                    if (storedFirstId == 0)
                        storedFirstId = result.firstId;
                    storedLastId = result.lastId;
                }
            }
            discard(std::move(pending));
            pending = AlertBatch();
            pendingCheckpoints.clear();
            havePending = false;
            {
                std::lock_guard lock(commitMutex);
                committedSeq = pendingThrough;
            }
            committed.notify_all();
        };

        while (true) {
            MappedBatch batch;
            bool got = false;
            bool finished = false;
            {
                std::unique_lock lock(mappedMutex);
                auto ready = [this] { return !mapped.empty() || mappersRunning == 0; };
                if (havePending) {
                    const auto left = std::chrono::milliseconds(qMax<qint64>(0, maxAgeMs - age.elapsed()));
                    mappedNotEmpty.wait_for(lock, left, ready);
                } else if (!indexBehind) {
                    mappedNotEmpty.wait(lock, ready);
                }
                if (!mapped.empty()) {
                    batch = std::move(mapped.front());
                    mapped.pop_front();
                    got = true;
                    mappedNotFull.notify_all();
                } else {
                    finished = mappersRunning == 0;
                }
            }
            if (got) {
                early.emplace(batch.seq, std::move(batch));
                for (auto it = early.find(next); it != early.end(); it = early.find(next)) {
                    if (!havePending) {
                        havePending = true;
                        age.start();
                    }
                    if (pending.isEmpty()) {
                        pending = std::move(it->second.alerts);   // the first batch of a transaction: no per-alert move
                    } else {
                        // Room for the whole transaction at once, not a reallocation (and a move of every alert so
                        // far) each time the list grows while the listener's batches arrive.
                        const qsizetype needed = pending.size() + it->second.alerts.size();
                        if (pending.capacity() < needed)
                            pending.reserve(qMax<qsizetype>(needed, maxAlerts + s_batchSlack));
                        pending.append(std::move(it->second.alerts));
                    }
                    pendingCheckpoints.append(std::move(it->second.checkpoints));
                    early.erase(it);
                    pendingThrough = ++next;
                    // A run of batches that parallel mappers finished early is stored in transactions of maxAlerts,
                    // not as one.
                    if (pending.size() >= maxAlerts)
                        commit();
                }
            }
            if (havePending && (pending.size() >= maxAlerts || age.elapsed() >= maxAgeMs || finished))
                commit();
            if (finished)
                break;
            if (!got && !havePending && indexBehind) {
                // Idle: a chunk of the full-text index that large batches left behind, then look at the queue again.
                QString error;
                const qint64 indexed = store->indexPending(s_idleIndexRows, &error);
                indexBehind = indexed == s_idleIndexRows;
                if (indexed < 0) {
                    addDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("store"), store->path(),
                                   QStringLiteral("full-text indexing failed (searches stay exact): %1").arg(error), 1});
                }
            }
        }
    }
};

IngestPipeline::IngestPipeline(const IngestConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , d(std::make_unique<Private>())
{
    qRegisterMetaType<fe::PipelineStats>();
    qRegisterMetaType<fe::Diagnostic>();
    qRegisterMetaType<QVector<fe::Diagnostic>>();
    d->statsTimer.setInterval(qMax(50, m_config.statsIntervalMs));
    connect(&d->statsTimer, &QTimer::timeout, this, &IngestPipeline::emitStats);
}

IngestPipeline::~IngestPipeline()
{
    stop();
}

bool IngestPipeline::start(QString *error)
{
    if (d->running)
        return true;

    // The writer's store lives and dies in the writer thread (one connection per thread).
    std::promise<QString> opened;
    std::future<QString> openResult = opened.get_future();
    std::shared_ptr<RecordCodec> codec;
    const int maxAlerts = qMax(1, m_config.maxBatchAlerts);
    const int maxAgeMs = qMax(1, m_config.maxBatchAgeMs);
    const qint64 indexBacklog = m_config.maxIndexBacklog;
    const qint64 pageCacheKeep = m_config.pageCacheKeepBytes;
    const QString dbPath = m_config.dbPath;
    {
        std::lock_guard lock(d->rawMutex);
        d->rawClosed = false;
    }
    int mapperCount = m_config.mapperThreads;
    // One mapper per core beyond the writer's. Measured on 2 cores (bench_listener, FE_BENCH_LISTENER_MAPPERS):
    // 1 mapper 36-39k alerts/s, 2 mappers 17-23k/s — three busy threads on two cores cost 30-50 % more CPU per
    // alert (cache and scheduling) than the parallelism gains.
    if (mapperCount <= 0)
        mapperCount = qBound(1, QThread::idealThreadCount() - 1, 8);
    m_mapperThreads = mapperCount;
    {
        std::lock_guard lock(d->mappedMutex);
        d->mappersRunning = mapperCount;
    }

    Private *p = d.get();
    d->writer = QThread::create([p, &opened, &codec, dbPath, maxAlerts, maxAgeMs, indexBacklog, pageCacheKeep] {
        AlertStore store;
        QString openError;
        if (!store.open(dbPath, AlertStore::OpenMode::ReadWrite, &openError)) {
            opened.set_value(openError.isEmpty() ? QStringLiteral("cannot open the store") : openError);
            return;
        }
        store.setIndexBacklogLimit(indexBacklog);
        store.setPageCacheDropBehind(pageCacheKeep);
        codec = store.codec();
        opened.set_value(QString());
        p->writerLoop(&store, maxAlerts, maxAgeMs);
    });
    d->writer->setObjectName(QStringLiteral("fe-store-writer"));
    d->writer->start();
    const QString openError = openResult.get();
    if (!openError.isEmpty()) {
        d->writer->wait();
        delete d->writer;
        d->writer = nullptr;
        std::lock_guard lock(d->rawMutex);
        d->rawClosed = true;
        if (error)
            *error = QStringLiteral("%1: %2").arg(dbPath, openError);
        return false;
    }

    const MapOptions options = m_config.mapOptions;
    const int maxBatches = qMax(2, m_config.maxQueuedBatches);
    for (int i = 0; i < mapperCount; ++i) {
        QThread *thread = QThread::create([p, options, maxBatches, codec] { p->mapperLoop(options, maxBatches, codec); });
        thread->setObjectName(QStringLiteral("fe-mapper-%1").arg(i));
        thread->start();
        d->mappers.push_back(thread);
    }
    d->running = true;
    d->statsTimer.start();
    return true;
}

void IngestPipeline::stop()
{
    if (!d->running)
        return;
    {
        std::lock_guard lock(d->rawMutex);
        d->rawClosed = true;
    }
    d->rawNotEmpty.notify_all();
    d->rawNotFull.notify_all();
    for (QThread *thread : d->mappers) {
        thread->wait();
        delete thread;
    }
    d->mappers.clear();
    d->writer->wait();
    delete d->writer;
    d->writer = nullptr;
    d->garbage.clear();   // the mappers are gone (guarded by rawMutex: no other thread runs now)
    d->running = false;
    d->statsTimer.stop();
    emitStats();
}

bool IngestPipeline::isRunning() const
{
    return d->running;
}

bool IngestPipeline::submit(RawBatch batch)
{
    const qint64 bytes = frameBytes(batch);
    std::unique_lock lock(d->rawMutex);
    // A batch bigger than the whole budget still goes through alone, so a huge frame cannot deadlock.
    d->rawNotFull.wait(lock, [&] {
        return d->rawClosed || d->raw.empty() || d->rawBytes + bytes <= m_config.maxQueuedBytes;
    });
    if (d->rawClosed)
        return false;
    d->rawBytes += bytes;
    d->raw.emplace_back(d->nextSeq++, std::move(batch));
    d->rawNotEmpty.notify_one();
    return true;
}

bool IngestPipeline::waitForStored(int timeoutMs)
{
    quint64 target = 0;
    {
        std::lock_guard lock(d->rawMutex);
        target = d->nextSeq;
    }
    std::unique_lock lock(d->commitMutex);
    return d->committed.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                                 [&] { return d->committedSeq >= target; });
}

void IngestPipeline::reportSourceStats(const PipelineStats &delta)
{
    d->addStats(delta);
}

void IngestPipeline::reportDiagnostic(const Diagnostic &diagnostic)
{
    d->addDiagnostic(diagnostic);
}

PipelineStats IngestPipeline::stats() const
{
    PipelineStats snapshot;
    {
        std::lock_guard lock(d->statsMutex);
        snapshot = d->stats;
    }
    qint64 queuedFrames = 0;
    {
        std::lock_guard lock(d->rawMutex);
        for (const auto &entry : d->raw)
            queuedFrames += entry.second.frames.size();
    }
    {
        std::lock_guard lock(d->mappedMutex);
        for (const MappedBatch &batch : d->mapped)
            queuedFrames += batch.alerts.size();
    }
    snapshot.queued = queuedFrames;
    return snapshot;
}

qint64 IngestPipeline::commits() const
{
    return d->commits.load(std::memory_order_relaxed);
}

int IngestPipeline::mapperThreads() const
{
    return m_mapperThreads;
}

QVector<Diagnostic> IngestPipeline::diagnostics() const
{
    std::lock_guard lock(d->statsMutex);
    QVector<Diagnostic> all = d->diagnostics;
    if (d->droppedDiagnostics > 0) {
        all.append({Diagnostic::Severity::Warning, QStringLiteral("ingest"), QString(),
                    QStringLiteral("more problems of other kinds (not listed)"), d->droppedDiagnostics});
    }
    return all;
}

void IngestPipeline::emitStats()
{
    QVector<Diagnostic> fresh;
    qint64 firstId = 0;
    qint64 lastId = 0;
    {
        std::lock_guard lock(d->statsMutex);
        fresh.reserve(d->freshDiagnostics.size());
        for (const Diagnostic &diagnostic : std::as_const(d->freshDiagnostics))
            fresh.append(diagnostic);
        d->freshDiagnostics.clear();
        firstId = d->storedFirstId;
        lastId = d->storedLastId;
        d->storedFirstId = 0;
        d->storedLastId = 0;
    }
    Q_EMIT statsChanged(stats());
    if (!fresh.isEmpty())
        Q_EMIT diagnosticsReported(fresh);
    if (lastId > 0)
        Q_EMIT alertsStored(firstId, lastId);
}

} // namespace fe
