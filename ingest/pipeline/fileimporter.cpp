// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/fileimporter.h"

#include "ingest/pipeline/mapstoreengine.h"
#include "ingest/sources/linereader.h"
#include "model/alertstore.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QThread>

#include <algorithm>
#include <memory>
#include <mutex>

namespace fe {

namespace {

// Raw bytes per unit of work: large enough that handing a chunk between threads costs nothing next to mapping its
// ~400 lines, small enough that a few per mapper stay well inside the engine's budget of bytes in flight.
constexpr qint64 s_chunkBytes = 512 << 10;
// The writer's SQLite cache during an import: enough for the hot pages of the dedupe index and the tables' right
// edges; the import's memory stays bounded whatever the file's size.
constexpr qint64 s_importCacheBytes = 24 << 20;

struct InputFile
{
    QString path;    // as opened ("-" for stdin)
    QString label;   // as shown in diagnostics
    QString logPath; // log.file.path (absolute), empty for stdin
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

    // Called from the reader thread (paths) and the engine's writer thread (units, in input order), never at once:
    // the writer reports a unit only after the reader submitted it.
    std::mutex reportMutex;
    auto report = [this, &reportMutex](const Diagnostic &diag) {
        std::lock_guard lock(reportMutex);
        if (m_diagnostics.size() < m_options.maxKeptDiagnostics)
            m_diagnostics.append(diag);
        Q_EMIT diagnostic(diag);
    };

    QVector<Diagnostic> pathErrors;
    const QStringList files = expandPaths(paths, &pathErrors);
    for (const Diagnostic &diag : pathErrors)
        report(diag);
    m_summary.failedPaths += pathErrors.size();

    MapOptions baseOptions = m_options.mapOptions;
    const bool logfileInput = baseOptions.input == MapOptions::Input::Logfile;
    if (baseOptions.readTimeMs <= 0)
        baseOptions.readTimeMs = QDateTime::currentMSecsSinceEpoch();

    EngineConfig config;
    config.dbPath = m_options.dbPath;
    config.mapOptions = baseOptions;
    config.workers = m_options.mapperThreads;
    config.maxBatchAlerts = m_options.batchSize;
    config.pageCacheKeep = m_options.pageCacheKeepBytes;
    config.cacheBytes = s_importCacheBytes;
    config.optimizeAtEnd = m_options.optimizeAfter;
    config.sink = m_options.alertSink;
    MapStoreEngine engine(config);

    ImportSummary &sum = m_summary;
    std::mutex statsMutex;   // guards sum's counters, which the reader reads for progress
    engine.setUnitReporter([&](const UnitReport &unit) {
        for (const Diagnostic &diag : unit.diagnostics)
            report(diag);
        std::lock_guard lock(statsMutex);
        sum.read += unit.frames;
        sum.alerts += unit.alerts;
        sum.skipped += unit.skipped;
        sum.rejected += unit.rejected;
        for (auto it = unit.rejectedByReason.cbegin(); it != unit.rejectedByReason.cend(); ++it)
            sum.stats.reject(it.key(), it.value());
    });
    engine.setCommitReporter([&](const InsertResult &result) {
        std::lock_guard lock(statsMutex);
        sum.stored += result.stored;
        sum.duplicates += result.duplicates;
    });
    engine.setStoreDiagnosticReporter(report);

    // The store is opened before reading starts, so a bad --db fails fast.
    QString openError;
    if (!engine.start(&openError)) {
        m_summary.storeFailed = true;
        m_summary.storeError = openError;
        report(makeDiagnostic(Diagnostic::Severity::Error, m_options.dbPath, QStringLiteral("cannot open the store: ") + openError));
        m_summary.elapsedMs = clock.elapsed();
        Q_EMIT finished(false);
        return false;
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

    const qint64 maxLine = m_options.maxLineBytes;
    const QString tooLongReason = QStringLiteral("line longer than %1 bytes").arg(maxLine);
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

    bool stop = false;
    for (const InputFile &input : inputs) {
        if (stop || m_cancel)
            break;
        // A file's alerts come from its path; map --input tcp stands for a peer (log.source.address).
        const QString origin = logfileInput ? input.logPath : baseOptions.sourceAddress;
        auto unitFor = [&]() {
            IngestUnit unit;
            unit.input = baseOptions.input;
            unit.label = input.label;
            unit.origins = {origin};
            unit.lineTooLong = tooLongReason;
            return unit;
        };
        LineReader reader(maxLine);
        QString error;
        if (!reader.open(input.path, &error)) {
            ++sum.failedPaths;
            // Reported through the ordered stream so it lands between the files' own diagnostics.
            IngestUnit unit = unitFor();
            unit.readError = QStringLiteral("read error: cannot open: ") + error;
            if (!engine.submit(std::move(unit)))
                stop = true;
            continue;
        }
        ++sum.files;
        for (;;) {
            LineChunk chunk;
            const int n = reader.read(&chunk, s_chunkBytes);
            IngestUnit unit = unitFor();
            if (reader.atEnd() && !reader.errorString().isEmpty())
                unit.readError = QStringLiteral("read error: ") + reader.errorString();
            unit.frames.reserve(chunk.lines.size());
            for (const LineChunk::Line &line : std::as_const(chunk.lines)) {
                IngestUnit::Frame frame;
                frame.bytes = QByteArrayView(chunk.data.constData() + line.begin, line.length);
                frame.offset = line.offset;
                frame.line = line.number;
                frame.tooLong = line.tooLong;
                unit.frames.append(frame);
            }
            unit.buffer = std::move(chunk.data);   // the frames' views stay valid: the array moves, its data does not
            const bool last = n == 0 || reader.atEnd();
            if ((n > 0 || !unit.readError.isEmpty()) && !engine.submit(std::move(unit))) {
                stop = true;
                break;
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
    if (m_cancel)
        sum.cancelled = true;
    engine.finish();

    const QString storeError = engine.storeError();
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
