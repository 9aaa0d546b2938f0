// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/mapstoreengine.h"

#include "ingest/ecs/ecsrecordmapper.h"
#include "model/factinterner.h"
#include "model/recordcodec.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace fe {

namespace {

// A new store's compression dictionary is trained on this many of the first frames (or what the first
// s_maxHeldBytes of input hold), before any is compressed.
constexpr int s_trainingFrames = 2000;
constexpr qint64 s_maxHeldBytes = 16 << 20;
constexpr qsizetype s_maxSampleBytes = 64 << 10;   // the largest frame kept as a training sample
// Rows the live writer adds to the full-text index per idle step (tens of ms; then it looks at the queue again).
constexpr qint64 s_idleIndexRows = 10000;
// An import gives up on a store error after this many attempts; live ingest retries until it passes.
constexpr int s_importStoreAttempts = 3;
constexpr int s_maxRetryDelayMs = 5000;
// Per-unit overhead counted against the budget, so that units of empty frames still count.
constexpr qint64 s_frameOverhead = 64;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
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

struct MappedUnit
{
    quint64 seq = 0;
    qint64 bytes = 0;   // of the unit it came from: released when the writer takes it
    AlertBatch alerts;
    UnitReport report;
    QVector<QPair<QString, QByteArray>> checkpoints;
    qint64 frames = 0;
};

} // namespace

qint64 IngestUnit::bytes() const
{
    qint64 total = buffer.size() + qint64(frames.size()) * s_frameOverhead;
    for (const QByteArray &b : frameBuffers)
        total += b.size();
    return total;
}

struct MapStoreEngine::Private
{
    EngineConfig config;
    std::function<void(const UnitReport &)> unitReporter;
    std::function<void(const InsertResult &)> commitReporter;
    std::function<void(const Diagnostic &)> storeReporter;

    // The store: opened, used and closed by the writer thread; trainDictionary() also from the submitting thread
    // before any unit reached the writer (storeMutex).
    std::unique_ptr<AlertStore> store;
    std::mutex storeMutex;
    std::shared_ptr<RecordCodec> codec;
    std::shared_ptr<FactInterner> interner;

    std::mutex mutex;
    std::condition_variable unitReady;     // workers wait for units
    std::condition_variable mappedReady;   // the writer waits for mapped units
    std::condition_variable room;          // submit() waits for budget
    std::condition_variable committed;     // waitForStored()
    std::deque<std::pair<quint64, IngestUnit>> units;   // guarded by mutex
    std::map<quint64, MappedUnit> mapped;               // guarded by mutex (ordered by seq)
    // Committed alerts, freed by a worker: tens of thousands of records are not the writer's job.
    std::vector<QVector<AlertBatch>> garbage;           // guarded by mutex
    qint64 inFlight = 0;                 // guarded by mutex: bytes of units not yet taken by the writer
    qint64 queuedFrameCount = 0;         // guarded by mutex
    quint64 nextSeq = 0;                 // guarded by mutex
    quint64 committedSeq = 0;            // guarded by mutex: every unit below it is stored
    int workersRunning = 0;              // guarded by mutex
    bool closed = true;                  // guarded by mutex: no more units
    bool stopping = false;               // guarded by mutex: requestStop(), give a failing store up
    bool failed = false;                 // guarded by mutex: the writer gave up (import); submit() refuses
    QString storeError;                  // guarded by mutex
    qint64 unstored = 0;                 // guarded by mutex
    std::atomic<qint64> commits{0};

    // Dictionary training: units held back (by the submitting thread) until enough frames are seen.
    bool trainingPending = false;
    std::vector<IngestUnit> held;
    std::vector<QByteArray> samples;
    qint64 heldBytes = 0;

    std::vector<std::thread> workers;
    std::thread writer;
    bool running = false;

    void enqueue(IngestUnit unit)
    {
        const qint64 bytes = unit.bytes();
        std::unique_lock lock(mutex);
        // A unit bigger than the whole budget still goes through alone, so a huge frame cannot deadlock.
        room.wait(lock, [&] { return closed || failed || inFlight == 0 || inFlight + bytes <= config.maxInFlightBytes; });
        if (closed || failed)
            return;
        inFlight += bytes;
        queuedFrameCount += unit.frames.size();
        units.emplace_back(nextSeq++, std::move(unit));
        unitReady.notify_one();
    }

    void trainAndRelease()
    {
        if (trainingPending) {
            std::vector<QByteArrayView> views(samples.begin(), samples.end());
            std::lock_guard lock(storeMutex);
            // Too few or too short frames: the store trains one later from what it stores (AlertStore::insert).
            store->trainDictionary(views);
            trainingPending = false;
        }
        samples.clear();
        heldBytes = 0;
        for (IngestUnit &unit : held)
            enqueue(std::move(unit));
        held.clear();
    }

    void mapUnit(quint64 seq, IngestUnit &unit);
    void workerLoop();
    void writerLoop();
    bool commit(QVector<AlertBatch> &pending, qsizetype alerts, InsertResult *result, QString *error);
};

void MapStoreEngine::Private::mapUnit(quint64 seq, IngestUnit &unit)
{
    MappedUnit out;
    out.seq = seq;
    out.bytes = unit.bytes();
    out.frames = unit.frames.size();
    out.checkpoints = std::move(unit.checkpoints);
    out.alerts.reserve(unit.frames.size());
    UnitReport &report = out.report;
    MapOptions options = config.mapOptions;
    options.input = unit.input;
    options.buildDocument = !store;
    // The read time is part of the document (event.ingested, and the time of an alert without one): kept with each
    // alert, so that its document derives the same later.
    if (config.live || options.readTimeMs <= 0)
        options.readTimeMs = nowMs();
    const bool network = unit.input == MapOptions::Input::Tcp;
    // The origin of the previous frame: a unit's frames mostly share it.
    qint32 originIndex = -1;
    AlertOrigin origin;
    const auto location = [&](const IngestUnit::Frame &frame) {
        const QString &name = unit.origins.value(frame.origin);
        if (!unit.label.isEmpty())
            return frame.line > 0 ? unit.label + QLatin1Char(':') + QString::number(frame.line) : unit.label;
        return frame.offset >= 0 ? name + QStringLiteral(" (byte %1)").arg(frame.offset) : name;
    };
    const auto diagnostic = [&](Diagnostic::Severity severity, const IngestUnit::Frame &frame, const QString &text) {
        report.diagnostics.append({severity, config.live ? QStringLiteral("ingest") : QStringLiteral("import"),
                                   location(frame), text, 1});
    };
    for (const IngestUnit::Frame &frame : std::as_const(unit.frames)) {
        ++report.frames;
        if (frame.tooLong) {
            ++report.rejected;
            report.rejectedByReason[QStringLiteral("line too long")] += 1;
            diagnostic(Diagnostic::Severity::Warning, frame, unit.lineTooLong);
            continue;
        }
        const QString &name = unit.origins.value(frame.origin);
        if (network) {
            options.sourceAddress = name;
        } else {
            options.logFilePath = name;
            options.logOffset = name.isEmpty() ? -1 : frame.offset;
        }
        MapResult result = mapFrame(frame.bytes, options);
        switch (result.status) {
        case MapResult::Status::Alert:
            ++report.alerts;
            if (!result.error.isEmpty())
                diagnostic(Diagnostic::Severity::Warning, frame, QStringLiteral("stored as a pipeline error: ") + result.error);
            if (!result.warning.isEmpty())
                diagnostic(Diagnostic::Severity::Warning, frame, result.warning);
            if (codec) {
                if (frame.origin != originIndex) {
                    originIndex = frame.origin;
                    origin = EcsRecordMapper::origin(options, name);
                }
                EcsRecordMapper::keepOriginal(&result.alert, frame.bytes, origin, options, *codec);
                // The writer needs the stored form only: the facts as the interner's ids, not fourteen strings.
                Alert &mappedAlert = result.alert;
                interner->intern(&mappedAlert);
                Alert kept;
                kept.timestampMs = mappedAlert.timestampMs;
                kept.timeIsReceipt = mappedAlert.timeIsReceipt;
                kept.priority = mappedAlert.priority;
                kept.internedFacts = mappedAlert.internedFacts;
                kept.dedupeStorageKey = std::move(mappedAlert.dedupeStorageKey);
                kept.record = std::move(mappedAlert.record);
                kept.originalSize = mappedAlert.originalSize;
                kept.origin = mappedAlert.origin;
                kept.offset = mappedAlert.offset;
                kept.receivedMs = mappedAlert.receivedMs;
                out.alerts.append(std::move(kept));
                break;
            }
            out.alerts.append(std::move(result.alert));
            break;
        case MapResult::Status::Skipped:
            // A file may hold Falco's own log lines; on a syslog port, text that is neither syslog nor JSON is bad
            // input.
            if (network && !frame.bytes.startsWith('<') && !frame.bytes.startsWith('{')
                && !frame.bytes.trimmed().isEmpty()) {
                ++report.rejected;
                report.rejectedByReason[QStringLiteral("not syslog")] += 1;
                diagnostic(Diagnostic::Severity::Warning, frame,
                           QStringLiteral("not syslog: \"%1\"").arg(QString::fromUtf8(frame.bytes.first(qMin<qsizetype>(frame.bytes.size(), 60))).simplified()));
            } else {
                ++report.skipped;
            }
            break;
        case MapResult::Status::Rejected:
            ++report.rejected;
            report.rejectedByReason[reasonCategory(result.error)] += 1;
            diagnostic(Diagnostic::Severity::Warning, frame, result.error);
            break;
        }
    }
    if (!unit.readError.isEmpty())
        report.diagnostics.append({Diagnostic::Severity::Error, config.live ? QStringLiteral("ingest") : QStringLiteral("import"),
                                   unit.label.isEmpty() ? unit.origins.value(0) : unit.label, unit.readError, 1});
    std::lock_guard lock(mutex);
    mapped.emplace(seq, std::move(out));
    mappedReady.notify_one();
}

void MapStoreEngine::Private::workerLoop()
{
    while (true) {
        quint64 seq = 0;
        IngestUnit unit;
        std::vector<QVector<AlertBatch>> reclaim;
        {
            std::unique_lock lock(mutex);
            unitReady.wait(lock, [this] { return !units.empty() || closed || !garbage.empty(); });
            reclaim.swap(garbage);
            if (units.empty()) {
                if (!reclaim.empty())
                    continue;   // freed outside the lock, then back to waiting
                break;
            }
            seq = units.front().first;
            unit = std::move(units.front().second);
            units.pop_front();
        }
        reclaim.clear();
        mapUnit(seq, unit);
    }
    std::lock_guard lock(mutex);
    --workersRunning;
    mappedReady.notify_all();
}

// One transaction of pending alerts; a failure is retried (live: until it passes, or a few times more once the engine
// is closed or asked to stop; import: a few times). The sources wait meanwhile: the writer takes no more units.
bool MapStoreEngine::Private::commit(QVector<AlertBatch> &pending, qsizetype alerts, InsertResult *result,
                                     QString *error)
{
    *result = InsertResult();
    if (alerts == 0)
        return true;
    if (!store) {
        bool ok = true;
        for (const AlertBatch &batch : std::as_const(pending))
            ok = ok && (batch.isEmpty() || !config.sink || config.sink(batch));
        if (!ok && error)
            *error = QStringLiteral("the output was closed");
        return ok;
    }
    int delayMs = 200;
    bool reported = false;
    for (int attempt = 1;; ++attempt) {
        QString why;
        {
            std::lock_guard lock(storeMutex);
            *result = store->insert(pending, &why);
        }
        if (why.isEmpty()) {
            if (reported && storeReporter) {
                storeReporter({Diagnostic::Severity::Warning, QStringLiteral("store"), store->path(),
                               QStringLiteral("storing again after an error: %1 alerts stored").arg(result->stored), 1});
            }
            return true;
        }
        if (error)
            *error = why;
        bool stop = !config.live && attempt >= s_importStoreAttempts;
        if (config.live) {
            std::lock_guard lock(mutex);
            // Once the engine is closed or asked to stop, whichever batch this is (the last or one before it): a
            // store that still fails would otherwise hold finish(), and the sources, forever.
            stop = (closed || stopping) && attempt >= s_importStoreAttempts;
        }
        if (stop)
            return false;
        if (!reported && storeReporter) {
            storeReporter({Diagnostic::Severity::Error, QStringLiteral("store"), store->path(),
                           QStringLiteral("%1 alerts wait to be stored, retrying (the sources wait meanwhile): %2")
                               .arg(pending.size())
                               .arg(why),
                           1});
            reported = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        delayMs = std::min(delayMs * 2, s_maxRetryDelayMs);
    }
}

void MapStoreEngine::Private::writerLoop()
{
    quint64 next = 0;
    QVector<AlertBatch> pending;            // the units' alerts, stored in one transaction
    qsizetype pendingAlerts = 0;
    qint64 pendingBytes = 0;                // input bytes of the pending units
    std::vector<MappedUnit> pendingUnits;   // their reports and checkpoints, once committed
    quint64 pendingThrough = 0;
    bool indexBehind = false;
    bool stopped = false;   // a store error (import) or a closed sink: what comes is drained, not stored
    QElapsedTimer age;

    const auto flush = [&] {
        if (pendingUnits.empty())
            return;
        InsertResult result;
        QString why;
        const bool ok = stopped || commit(pending, pendingAlerts, &result, &why);
        if (ok && !stopped) {
            commits.fetch_add(1, std::memory_order_relaxed);
            indexBehind = indexBehind || result.stored > 0;
            if (store) {
                std::lock_guard lock(storeMutex);
                for (const MappedUnit &unit : pendingUnits) {
                    for (const auto &[key, value] : unit.checkpoints)
                        store->setState(key, value);
                }
            }
            if (commitReporter)
                commitReporter(result);
        } else if (!stopped) {
            stopped = true;
            std::lock_guard lock(mutex);
            failed = true;
            storeError = why;
            unstored += pendingAlerts;
            room.notify_all();
        } else {
            std::lock_guard lock(mutex);
            unstored += pendingAlerts;
        }
        if (unitReporter) {
            for (const MappedUnit &unit : pendingUnits)
                unitReporter(unit.report);
        }
        {
            // One batch waits for a worker to free it at most: when none took the last one yet, the writer frees
            // this one itself (memory stays bounded).
            std::lock_guard lock(mutex);
            if (garbage.empty() && workersRunning > 0) {
                garbage.push_back(std::move(pending));
                unitReady.notify_one();
            }
        }
        pending = QVector<AlertBatch>();
        pendingAlerts = 0;
        pendingBytes = 0;
        pendingUnits.clear();
        std::lock_guard lock(mutex);
        committedSeq = pendingThrough;
        committed.notify_all();
    };

    while (true) {
        MappedUnit unit;
        bool got = false;
        bool finished = false;
        {
            std::unique_lock lock(mutex);
            const auto ready = [&] { return mapped.count(next) > 0 || (workersRunning == 0 && units.empty()); };
            if (!pendingUnits.empty() && config.maxBatchAgeMs > 0) {
                const auto left = std::chrono::milliseconds(qMax<qint64>(0, config.maxBatchAgeMs - age.elapsed()));
                mappedReady.wait_for(lock, left, ready);
            } else if (!(config.live && indexBehind && pendingUnits.empty())) {
                mappedReady.wait(lock, ready);
            }
            const auto it = mapped.find(next);
            if (it != mapped.end()) {
                unit = std::move(it->second);
                mapped.erase(it);
                got = true;
                ++next;
                inFlight -= unit.bytes;
                queuedFrameCount -= unit.frames;
                room.notify_all();
            } else {
                finished = workersRunning == 0 && units.empty() && mapped.empty();
            }
        }
        if (got) {
            if (pendingUnits.empty())
                age.start();
            pendingAlerts += unit.alerts.size();
            pendingBytes += unit.bytes;
            pending.append(std::move(unit.alerts));   // the unit's list as it is: no per-alert move
            pendingUnits.push_back(std::move(unit));
            pendingThrough = next;
            // By count, and by the input's bytes: alerts of huge lines are many times their input once mapped,
            // and what waits for a commit is outside the budget of bytes in flight.
            if (pendingAlerts >= config.maxBatchAlerts || pendingBytes >= config.maxInFlightBytes)
                flush();
        }
        if (!pendingUnits.empty()
            && (finished || (config.maxBatchAgeMs > 0 && age.elapsed() >= config.maxBatchAgeMs)))
            flush();
        if (finished)
            break;
        if (!got && pendingUnits.empty() && config.live && indexBehind && store && !stopped) {
            // Idle: a chunk of the full-text index, then look at the queue again.
            QString error;
            qint64 indexed = 0;
            {
                std::lock_guard lock(storeMutex);
                indexed = store->indexPending(s_idleIndexRows, &error);
            }
            indexBehind = indexed == s_idleIndexRows;
            if (indexed < 0 && storeReporter) {
                storeReporter({Diagnostic::Severity::Warning, QStringLiteral("store"), store->path(),
                               QStringLiteral("full-text indexing failed (searches stay exact): %1").arg(error), 1});
            }
        }
    }
    if (store && config.optimizeAtEnd && !stopped) {
        QString error;
        std::lock_guard lock(storeMutex);
        if (!store->optimize(&error)) {
            std::lock_guard lock2(mutex);
            failed = true;
            storeError = error;
        }
    }
}

MapStoreEngine::MapStoreEngine(const EngineConfig &config)
    : d(std::make_unique<Private>())
{
    d->config = config;
}

MapStoreEngine::~MapStoreEngine()
{
    finish();
}

void MapStoreEngine::setUnitReporter(std::function<void(const UnitReport &)> reporter)
{
    d->unitReporter = std::move(reporter);
}

void MapStoreEngine::setCommitReporter(std::function<void(const InsertResult &)> reporter)
{
    d->commitReporter = std::move(reporter);
}

void MapStoreEngine::setStoreDiagnosticReporter(std::function<void(const Diagnostic &)> reporter)
{
    d->storeReporter = std::move(reporter);
}

bool MapStoreEngine::start(QString *error)
{
    if (d->running)
        return true;
    if (!d->config.dbPath.isEmpty()) {
        d->store = std::make_unique<AlertStore>();
        d->store->setIndexBacklogLimit(d->config.indexBacklog);
        d->store->setPageCacheDropBehind(d->config.pageCacheKeep);
        QString why;
        if (!d->store->open(d->config.dbPath, AlertStore::OpenMode::ReadWrite, &why)) {
            d->store.reset();
            if (error)
                *error = why;
            return false;
        }
        if (d->config.cacheBytes > 0)
            d->store->setCacheSize(d->config.cacheBytes);
        d->codec = d->store->codec();
        d->interner = d->store->interner();
        // Live sources' first alerts do not wait: the store trains its dictionary from what it stores.
        d->trainingPending = !d->config.live && d->codec->activeDictionary() == 0;
    }
    int workers = d->config.workers;
    if (workers <= 0) {
        // Live: one per core beyond the writer's (on 2 cores a third busy thread cost more per alert than it gave);
        // an import's writer has less to do per alert than its mappers.
        workers = d->config.live ? qBound(1, QThread::idealThreadCount() - 1, 8) : qBound(1, QThread::idealThreadCount(), 8);
    }
    {
        std::lock_guard lock(d->mutex);
        d->closed = false;
        d->stopping = false;
        d->failed = false;
        d->workersRunning = workers;
    }
    Private *p = d.get();
    for (int i = 0; i < workers; ++i) {
        d->workers.emplace_back([p, i] {
            QThread::currentThread()->setObjectName(QStringLiteral("fe-mapper-%1").arg(i));
            p->workerLoop();
        });
    }
    d->writer = std::thread([p] { p->writerLoop(); });
    d->running = true;
    return true;
}

bool MapStoreEngine::isRunning() const
{
    return d->running;
}

bool MapStoreEngine::submit(IngestUnit unit)
{
    {
        std::lock_guard lock(d->mutex);
        if (d->closed || d->failed)
            return false;
    }
    if (d->trainingPending) {
        for (const IngestUnit::Frame &frame : std::as_const(unit.frames)) {
            // Ordinary alerts teach the dictionary; a huge line would only hold memory until the training.
            if (!frame.tooLong && frame.bytes.size() <= s_maxSampleBytes && d->samples.size() < size_t(s_trainingFrames))
                d->samples.emplace_back(frame.bytes.toByteArray());
        }
        d->heldBytes += unit.bytes();
        d->held.push_back(std::move(unit));
        if (d->samples.size() >= size_t(s_trainingFrames) || d->heldBytes >= s_maxHeldBytes)
            d->trainAndRelease();
        return true;
    }
    d->enqueue(std::move(unit));
    std::lock_guard lock(d->mutex);
    return !d->failed;
}

void MapStoreEngine::requestStop()
{
    std::lock_guard lock(d->mutex);
    d->stopping = true;
}

void MapStoreEngine::finish()
{
    if (!d->running)
        return;
    d->trainAndRelease();
    {
        std::lock_guard lock(d->mutex);
        d->closed = true;
    }
    d->unitReady.notify_all();
    d->room.notify_all();
    for (std::thread &t : d->workers)
        t.join();
    d->workers.clear();
    d->writer.join();
    d->store.reset();
    d->running = false;
}

bool MapStoreEngine::waitForStored(int timeoutMs)
{
    std::unique_lock lock(d->mutex);
    const quint64 target = d->nextSeq;
    return d->committed.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return d->committedSeq >= target; });
}

QString MapStoreEngine::storeError() const
{
    std::lock_guard lock(d->mutex);
    return d->storeError;
}

qint64 MapStoreEngine::unstoredAlerts() const
{
    std::lock_guard lock(d->mutex);
    return d->unstored;
}

qint64 MapStoreEngine::queuedFrames() const
{
    std::lock_guard lock(d->mutex);
    return d->queuedFrameCount;
}

qint64 MapStoreEngine::commits() const
{
    return d->commits.load(std::memory_order_relaxed);
}

int MapStoreEngine::workerThreads() const
{
    return int(d->workers.size());
}

} // namespace fe
