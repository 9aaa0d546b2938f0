// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/fileimporter.h"

#include "ingest/ecs/ecsrecordmapper.h"
#include "ingest/sources/linereader.h"
#include "model/alertstore.h"
#include "model/recordcodec.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QThread>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace fe {

namespace {

// Raw bytes per unit of work. Small enough that the chunks in flight (a few per mapper) and their mapped
// alerts (ECS JSON plus the columns, ~3x the raw size) stay at a few tens of MB whatever the input size;
// large enough that handing a chunk between threads costs nothing next to mapping its ~300 lines.
constexpr qint64 s_chunkBytes = 512 << 10;
// A new store's compression dictionary is trained on this many of the first lines (or on what the first
// s_maxHeldBytes of input hold).
constexpr int s_trainingLines = 2000;
constexpr qint64 s_maxHeldBytes = 16 << 20;

struct InputFile
{
    QString path;    // as opened ("-" for stdin)
    QString label;   // as shown in diagnostics
    QString logPath; // log.file.path (absolute), empty for stdin
    AlertOrigin origin;   // what the store keeps of where its alerts came from
};

struct WorkItem
{
    qint64 seq = 0;
    const InputFile *input = nullptr;
    LineChunk chunk;
    bool readError = false;   // the input ended with an error after these lines
    QString readErrorText;
};

struct MappedItem
{
    AlertBatch alerts;
    QVector<Diagnostic> diagnostics;   // in line order, with any read error last
    qint64 lines = 0, skipped = 0, rejected = 0;
    QMap<QString, qint64> rejectedByReason;
};

// Rotation-aware ordering: falco.log.3.gz, falco.log.2, falco.log.1, falco.log (oldest first).
struct RotationKey
{
    QString dir, base;
    int rotation = 0;
    QString name;
};

bool acceptedName(const QString &fileName, RotationKey *key)
{
    static const QRegularExpression rotated(QStringLiteral("^(.+\\.(?:log|json|jsonl))\\.(\\d{1,6})$"));
    static const QRegularExpression plain(QStringLiteral("^.+\\.(?:log|json|jsonl)$"));
    QString name = fileName;
    const bool gz = name.endsWith(QLatin1String(".gz"));
    if (gz)
        name.chop(3);
    key->name = fileName;
    if (const auto m = rotated.match(name); m.hasMatch()) {
        key->base = m.captured(1);
        key->rotation = m.captured(2).toInt();
        return true;
    }
    key->base = name;
    key->rotation = 0;
    return plain.match(name).hasMatch() || gz;
}

Diagnostic makeDiagnostic(Diagnostic::Severity severity, const QString &location, const QString &text)
{
    return {severity, QStringLiteral("import"), location, text, 1};
}

} // namespace

FileImporter::FileImporter(const ImportOptions &options, QObject *parent) : QObject(parent), m_options(options)
{
    qRegisterMetaType<fe::PipelineStats>();
    qRegisterMetaType<fe::Diagnostic>();
}

FileImporter::~FileImporter() = default;

void FileImporter::cancel()
{
    m_cancel = true;
}

ImportSummary FileImporter::summary() const
{
    return m_summary;
}

QVector<Diagnostic> FileImporter::diagnostics() const
{
    return m_diagnostics;
}

QStringList FileImporter::expandPaths(const QStringList &paths, QVector<Diagnostic> *errors)
{
    QStringList out;
    for (const QString &path : paths) {
        if (path == QStringLiteral("-")) {
            out << path;
            continue;
        }
        const QFileInfo info(path);
        if (!info.exists()) {
            if (errors)
                errors->append(makeDiagnostic(Diagnostic::Severity::Error, path, QStringLiteral("no such file or directory")));
            continue;
        }
        if (!info.isDir()) {
            out << path;
            continue;
        }
        if (!info.isReadable() || !info.isExecutable()) {
            if (errors)
                errors->append(makeDiagnostic(Diagnostic::Severity::Error, path, QStringLiteral("directory is not readable")));
            continue;
        }
        std::vector<RotationKey> keys;
        QDirIterator it(path, QDir::Files | QDir::Readable | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            RotationKey key;
            if (!acceptedName(it.fileName(), &key))
                continue;
            key.dir = QFileInfo(file).path();
            keys.push_back(key);
        }
        std::sort(keys.begin(), keys.end(), [](const RotationKey &a, const RotationKey &b) {
            if (a.dir != b.dir)
                return a.dir < b.dir;
            if (a.base != b.base)
                return a.base < b.base;
            if (a.rotation != b.rotation)
                return a.rotation > b.rotation;   // older rotations (higher numbers) first
            return a.name < b.name;
        });
        for (const RotationKey &key : keys)
            out << key.dir + QLatin1Char('/') + key.name;
    }
    return out;
}

bool FileImporter::run(const QStringList &paths)
{
    QElapsedTimer clock;
    clock.start();
    m_cancel = false;
    m_summary = {};
    m_diagnostics.clear();

    auto report = [this](const Diagnostic &diag) {
        if (m_diagnostics.size() < m_options.maxKeptDiagnostics)
            m_diagnostics.append(diag);
        Q_EMIT diagnostic(diag);
    };

    QVector<Diagnostic> pathErrors;
    const QStringList files = expandPaths(paths, &pathErrors);
    for (const Diagnostic &diag : pathErrors)
        report(diag);
    m_summary.failedPaths += pathErrors.size();

    // The store is opened by the writer thread (one connection per thread), but before reading starts,
    // so a bad --db fails fast.
    std::unique_ptr<AlertStore> store;
    if (!m_options.dbPath.isEmpty()) {
        store = std::make_unique<AlertStore>();
        store->setPageCacheDropBehind(m_options.pageCacheKeepBytes);
        QString error;
        if (!store->open(m_options.dbPath, AlertStore::OpenMode::ReadWrite, &error)) {
            m_summary.storeFailed = true;
            m_summary.storeError = error;
            report(makeDiagnostic(Diagnostic::Severity::Error, m_options.dbPath, QStringLiteral("cannot open the store: ") + error));
            m_summary.elapsedMs = clock.elapsed();
            Q_EMIT finished(false);
            return false;
        }
    }

    qint64 bytesTotal = 0;
    std::vector<InputFile> inputs;
    inputs.reserve(size_t(files.size()));
    for (const QString &file : files) {
        InputFile input;
        input.path = file;
        input.label = file == QStringLiteral("-") ? QStringLiteral("<stdin>") : file;
        if (file != QStringLiteral("-")) {
            input.logPath = QFileInfo(file).absoluteFilePath();
            bytesTotal += QFileInfo(file).size();
        }
        inputs.push_back(input);
    }

    const int mappers = m_options.mapperThreads > 0 ? m_options.mapperThreads : std::max(1, QThread::idealThreadCount());
    const qint64 maxInFlight = qint64(mappers) * 3 + 2;
    MapOptions baseOptions = m_options.mapOptions;
    const bool logfileInput = baseOptions.input == MapOptions::Input::Logfile;
    if (baseOptions.readTimeMs <= 0)
        baseOptions.readTimeMs = QDateTime::currentMSecsSinceEpoch();
    for (InputFile &input : inputs)
        input.origin = EcsRecordMapper::origin(baseOptions, logfileInput ? input.logPath : QString());
    // With a store, each alert keeps its original (compressed with the store's dictionary) and its facts; its
    // document is derived when read. Without one (the alert sink of `map`), the documents are the output.
    const std::shared_ptr<RecordCodec> codec = store ? store->codec() : nullptr;
    bool dictionaryPending = store && codec && codec->activeDictionary() == 0;
    const qint64 maxLine = m_options.maxLineBytes;
    const QString tooLongReason = QStringLiteral("line longer than %1 bytes").arg(maxLine);

    // Shared state between reader, mappers and writer; all guarded by mutex.
    std::mutex mutex;
    std::condition_variable workReady, resultReady, spaceReady;
    std::deque<std::unique_ptr<WorkItem>> work;
    std::map<qint64, MappedItem> results;
    qint64 inFlight = 0;
    bool readingDone = false;
    bool writerStopped = false;   // the sink asked to stop, or the store failed
    qint64 totalSeq = 0;

    auto mapperLoop = [&]() {
        for (;;) {
            std::unique_ptr<WorkItem> item;
            {
                std::unique_lock lock(mutex);
                workReady.wait(lock, [&] { return !work.empty() || readingDone; });
                if (work.empty())
                    return;
                item = std::move(work.front());
                work.pop_front();
            }
            MappedItem mapped;
            MapOptions options = baseOptions;
            if (logfileInput)
                options.logFilePath = item->input->logPath;
            mapped.alerts.reserve(item->chunk.lines.size());
            for (const LineChunk::Line &line : std::as_const(item->chunk.lines)) {
                ++mapped.lines;
                // Built only for a diagnostic: most lines never need it.
                const auto location = [&] { return item->input->label + QLatin1Char(':') + QString::number(line.number); };
                if (line.tooLong) {
                    ++mapped.rejected;
                    mapped.rejectedByReason[QStringLiteral("line too long")] += 1;
                    mapped.diagnostics.append(makeDiagnostic(Diagnostic::Severity::Warning, location(), tooLongReason));
                    continue;
                }
                options.logOffset = logfileInput && !item->input->logPath.isEmpty() ? line.offset : -1;
                const QByteArrayView original(item->chunk.data.constData() + line.begin, line.length);
                MapResult result = mapLine(original, options);
                switch (result.status) {
                case MapResult::Status::Alert:
                    if (codec)
                        EcsRecordMapper::keepOriginal(&result.alert, original, item->input->origin, options, *codec);
                    mapped.alerts.append(std::move(result.alert));
                    break;
                case MapResult::Status::Skipped: ++mapped.skipped; break;
                case MapResult::Status::Rejected:
                    ++mapped.rejected;
                    mapped.rejectedByReason[result.error] += 1;
                    mapped.diagnostics.append(makeDiagnostic(Diagnostic::Severity::Warning, location(), result.error));
                    break;
                }
            }
            if (item->readError) {
                mapped.diagnostics.append(makeDiagnostic(Diagnostic::Severity::Error, item->input->label,
                                                         QStringLiteral("read error: ") + item->readErrorText));
            }
            {
                std::lock_guard lock(mutex);
                results.emplace(item->seq, std::move(mapped));
            }
            resultReady.notify_one();
        }
    };

    ImportSummary &sum = m_summary;
    std::mutex statsMutex;   // guards sum.stats / counters the reader reads for progress
    QString storeError;

    auto writerLoop = [&]() {
        AlertBatch pending;
        pending.reserve(m_options.batchSize);
        auto flush = [&]() -> bool {
            if (pending.isEmpty())
                return true;
            bool ok = true;
            if (store) {
                QString error;
                const InsertResult r = store->insert(pending, &error);
                if (!error.isEmpty()) {
                    storeError = error;
                    ok = false;
                }
                std::lock_guard lock(statsMutex);
                sum.stored += r.stored;
                sum.duplicates += r.duplicates;
            }
            if (ok && m_options.alertSink && !m_options.alertSink(pending))
                ok = false;
            pending.clear();
            return ok;
        };
        bool stopped = false;
        for (qint64 next = 0;; ++next) {
            MappedItem item;
            {
                std::unique_lock lock(mutex);
                resultReady.wait(lock, [&] { return results.count(next) || (readingDone && next >= totalSeq); });
                if (!results.count(next))
                    break;
                item = std::move(results[next]);
                results.erase(next);
                --inFlight;
            }
            spaceReady.notify_one();
            if (stopped)
                continue;   // drain so the reader and mappers can finish
            for (const Diagnostic &diag : std::as_const(item.diagnostics))
                report(diag);
            {
                std::lock_guard lock(statsMutex);
                sum.read += item.lines;
                sum.alerts += item.alerts.size();
                sum.skipped += item.skipped;
                sum.rejected += item.rejected;
                for (auto it = item.rejectedByReason.cbegin(); it != item.rejectedByReason.cend(); ++it)
                    sum.stats.reject(it.key(), it.value());
            }
            pending.append(std::move(item.alerts));
            if (pending.size() >= m_options.batchSize && !flush())
                stopped = true;
            if (stopped) {
                std::lock_guard lock(mutex);
                writerStopped = true;
            }
        }
        if (!stopped && !flush()) {
            std::lock_guard lock(mutex);
            writerStopped = true;
        }
        if (store && m_options.optimizeAfter && storeError.isEmpty()) {
            QString error;
            if (!store->optimize(&error))
                storeError = error;
        }
    };

    // The writer uses the store opened above: hand the connection over to its thread (SQLite allows it as
    // long as only one thread uses it at a time).
    std::vector<std::thread> threads;
    for (int i = 0; i < mappers; ++i)
        threads.emplace_back(mapperLoop);
    std::thread writer(writerLoop);

    QElapsedTimer progressClock;
    progressClock.start();
    qint64 bytesBefore = 0;   // raw bytes of the inputs already finished
    auto emitProgress = [&](qint64 done) {
        PipelineStats stats;
        {
            std::lock_guard lock(statsMutex);
            stats = sum.stats;
            stats.received = stats.framed = sum.read;
            stats.decoded = sum.alerts;
            stats.skipped = sum.skipped;
            stats.stored = sum.stored;
            stats.duplicates = sum.duplicates;
        }
        Q_EMIT progress(done, bytesTotal, stats);
    };

    auto submit = [&](std::unique_ptr<WorkItem> item) -> bool {
        std::unique_lock lock(mutex);
        spaceReady.wait(lock, [&] { return inFlight < maxInFlight || writerStopped; });
        if (writerStopped)
            return false;
        item->seq = totalSeq++;
        ++inFlight;
        work.push_back(std::move(item));
        lock.unlock();
        workReady.notify_one();
        return true;
    };

    // The chunks read while a new store's dictionary waits for enough lines to be trained on.
    std::vector<std::unique_ptr<WorkItem>> held;
    std::vector<QByteArrayView> samples;
    qint64 heldBytes = 0;
    const auto trainAndRelease = [&]() -> bool {
        if (dictionaryPending) {
            QString why;
            // Too few or too short lines: the store trains one later from what it stores (AlertStore::insert).
            store->trainDictionary(samples, &why);
            dictionaryPending = false;
        }
        samples.clear();
        for (std::unique_ptr<WorkItem> &item : held) {
            if (!submit(std::move(item)))
                return false;
        }
        held.clear();
        return true;
    };

    bool stop = false;
    for (const InputFile &input : inputs) {
        if (stop || m_cancel)
            break;
        LineReader reader(maxLine);
        QString error;
        if (!reader.open(input.path, &error)) {
            ++sum.failedPaths;
            // Reported through the ordered stream so it lands between the files' own diagnostics.
            auto item = std::make_unique<WorkItem>();
            item->input = &input;
            item->readError = true;
            item->readErrorText = QStringLiteral("cannot open: ") + error;
            if (dictionaryPending)
                held.push_back(std::move(item));   // in order behind the chunks waiting for the dictionary
            else if (!submit(std::move(item)))
                stop = true;
            continue;
        }
        ++sum.files;
        for (;;) {
            auto item = std::make_unique<WorkItem>();
            item->input = &input;
            const int n = reader.read(&item->chunk, s_chunkBytes);
            if (reader.atEnd() && !reader.errorString().isEmpty()) {
                item->readError = true;
                item->readErrorText = reader.errorString();
            }
            const bool last = n == 0 || reader.atEnd();
            if (n > 0 || item->readError) {
                if (dictionaryPending) {
                    // A new store: its dictionary is trained on the first lines, before any is compressed, so that
                    // the workers compress with it from the start. The chunks wait here until there are enough.
                    for (const LineChunk::Line &line : std::as_const(item->chunk.lines)) {
                        if (!line.tooLong && samples.size() < size_t(s_trainingLines))
                            samples.emplace_back(item->chunk.data.constData() + line.begin, line.length);
                    }
                    heldBytes += item->chunk.data.size();
                    held.push_back(std::move(item));
                    if (samples.size() >= size_t(s_trainingLines) || heldBytes >= s_maxHeldBytes) {
                        if (!trainAndRelease()) {
                            stop = true;
                            break;
                        }
                    }
                } else if (!submit(std::move(item))) {
                    stop = true;
                    break;
                }
            }
            if (progressClock.elapsed() >= m_options.progressIntervalMs) {
                progressClock.restart();
                emitProgress(bytesBefore + reader.rawPosition());
            }
            if (last || m_cancel)
                break;
        }
        if (input.path != QStringLiteral("-"))
            bytesBefore += QFileInfo(input.path).size();
    }
    if (!stop && !trainAndRelease())
        stop = true;
    if (m_cancel)
        sum.cancelled = true;

    {
        std::lock_guard lock(mutex);
        readingDone = true;
    }
    workReady.notify_all();
    resultReady.notify_all();
    for (std::thread &t : threads)
        t.join();
    resultReady.notify_all();
    writer.join();

    if (!storeError.isEmpty()) {
        sum.storeFailed = true;
        sum.storeError = storeError;
        report(makeDiagnostic(Diagnostic::Severity::Error, m_options.dbPath, QStringLiteral("store error: ") + storeError));
    }
    sum.stats.received = sum.stats.framed = sum.read;
    sum.stats.decoded = sum.alerts;
    sum.stats.skipped = sum.skipped;
    sum.stats.stored = sum.stored;
    sum.stats.duplicates = sum.duplicates;
    sum.elapsedMs = clock.elapsed();
    emitProgress(bytesTotal);
    const bool ok = sum.failedPaths == 0 && !sum.storeFailed;
    Q_EMIT finished(ok);
    return ok;
}

} // namespace fe
