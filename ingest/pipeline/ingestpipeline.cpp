// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/ingestpipeline.h"

#include "ingest/pipeline/mapstoreengine.h"

#include <QHash>
#include <QTimer>

#include <mutex>

namespace fe {

namespace {

constexpr int s_maxDistinctDiagnostics = 1000;

} // namespace

struct IngestPipeline::Private
{
    std::unique_ptr<MapStoreEngine> engine;

    // Counters and diagnostics.
    mutable std::mutex statsMutex;
    PipelineStats stats;                          // guarded by statsMutex (queued is computed on read)
    QVector<Diagnostic> diagnostics;              // guarded by statsMutex
    QHash<QString, qsizetype> diagnosticIndex;    // guarded by statsMutex
    QHash<QString, Diagnostic> freshDiagnostics;  // guarded by statsMutex: since the last emission
    qint64 droppedDiagnostics = 0;                // guarded by statsMutex
    qint64 storedFirstId = 0;                     // guarded by statsMutex: since the last emission
    qint64 storedLastId = 0;                      // guarded by statsMutex

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
    EngineConfig config;
    config.dbPath = m_config.dbPath;
    config.mapOptions = m_config.mapOptions;
    config.workers = m_config.mapperThreads;
    config.maxInFlightBytes = m_config.maxQueuedBytes;
    config.maxBatchAlerts = qMax(1, m_config.maxBatchAlerts);
    config.maxBatchAgeMs = qMax(1, m_config.maxBatchAgeMs);
    config.live = true;
    config.indexBacklog = m_config.maxIndexBacklog;
    config.pageCacheKeep = m_config.pageCacheKeepBytes;
    d->engine = std::make_unique<MapStoreEngine>(config);
    Private *p = d.get();
    d->engine->setUnitReporter([p](const UnitReport &unit) {
        PipelineStats delta;
        delta.decoded = unit.alerts;
        delta.skipped = unit.skipped;
        for (auto it = unit.rejectedByReason.cbegin(); it != unit.rejectedByReason.cend(); ++it)
            delta.reject(it.key(), it.value());
        p->addStats(delta);
        for (const Diagnostic &diagnostic : unit.diagnostics)
            p->addDiagnostic(diagnostic);
    });
    d->engine->setCommitReporter([p](const InsertResult &result) {
        std::lock_guard lock(p->statsMutex);
        p->stats.stored += result.stored;
        p->stats.duplicates += result.duplicates;
        if (result.stored > 0) {
            if (p->storedFirstId == 0)
                p->storedFirstId = result.firstId;
            p->storedLastId = result.lastId;
        }
    });
    d->engine->setStoreDiagnosticReporter([p](const Diagnostic &diagnostic) { p->addDiagnostic(diagnostic); });
    QString why;
    if (!d->engine->start(&why)) {
        d->engine.reset();
        if (error)
            *error = QStringLiteral("%1: %2").arg(m_config.dbPath, why);
        return false;
    }
    m_mapperThreads = d->engine->workerThreads();
    d->running = true;
    d->statsTimer.start();
    return true;
}

void IngestPipeline::stop()
{
    if (!d->running)
        return;
    d->engine->finish();
    if (const qint64 lost = d->engine->unstoredAlerts(); lost > 0) {
        PipelineStats delta;
        delta.reject(QStringLiteral("store error"), lost);
        d->addStats(delta);
        d->addDiagnostic({Diagnostic::Severity::Error, QStringLiteral("store"), m_config.dbPath,
                          QStringLiteral("%1 alerts could not be stored: %2").arg(lost).arg(d->engine->storeError()), 1});
    }
    m_unstored = d->engine->unstoredAlerts();
    m_commits = d->engine->commits();
    d->engine.reset();
    d->running = false;
    d->statsTimer.stop();
    emitStats();
}

bool IngestPipeline::isRunning() const
{
    return d->running;
}

void IngestPipeline::requestStop()
{
    if (d->engine)
        d->engine->requestStop();
}

bool IngestPipeline::submit(RawBatch batch)
{
    if (!d->running)
        return false;
    IngestUnit unit;
    unit.input = batch.input;
    unit.checkpoints = std::move(batch.checkpoints);
    unit.frames.reserve(batch.frames.size());
    unit.frameBuffers.reserve(batch.frames.size());
    QHash<QString, qint32> origins;
    for (RawFrame &frame : batch.frames) {
        auto it = origins.constFind(frame.origin);
        if (it == origins.cend()) {
            it = origins.insert(frame.origin, qint32(unit.origins.size()));
            unit.origins.append(frame.origin);
        }
        unit.frameBuffers.append(std::move(frame.data));
        IngestUnit::Frame f;
        f.bytes = unit.frameBuffers.constLast();
        f.offset = batch.input == MapOptions::Input::Logfile ? frame.offset : -1;
        f.origin = *it;
        unit.frames.append(f);
    }
    return d->engine->submit(std::move(unit));
}

bool IngestPipeline::waitForStored(int timeoutMs)
{
    return d->engine ? d->engine->waitForStored(timeoutMs) : true;
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
    snapshot.queued = d->engine ? d->engine->queuedFrames() : 0;
    return snapshot;
}

qint64 IngestPipeline::commits() const
{
    return d->engine ? d->engine->commits() : m_commits;
}

qint64 IngestPipeline::unstoredAlerts() const
{
    return d->engine ? d->engine->unstoredAlerts() : m_unstored;
}

qint64 IngestPipeline::alertsLostAtStop() const
{
    return unstoredAlerts() + stats().rejectedByReason.value(QLatin1String(s_stoppedReason));
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
