// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "model/alert.h"
#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <functional>

namespace fe {

struct ImportOptions
{
    QString dbPath;                    // the store to insert into; empty = no store (use alertSink)
    MapOptions mapOptions;             // preserve flags and --set fields; path and offset are set per line
    int mapperThreads = 0;             // 0 = one per core
    int batchSize = 10000;             // alerts per insert transaction
    qint64 maxLineBytes = 16LL << 20;  // longer lines are rejected ("line longer than ...")
    bool optimizeAfter = true;         // AlertStore::optimize() when done (large imports)
    // AlertStore::setPageCacheDropBehind: off (< 0) by default, as the store's own default; see there why a bulk load
    // keeps its file cached and what it measured.
    qint64 pageCacheKeepBytes = -1;
    int progressIntervalMs = 100;      // at most ~10 progress signals a second
    int maxKeptDiagnostics = 1000;     // diagnostics() keeps the first N (all are still emitted)
    // Called instead of (or, with a dbPath, after) the store, with every mapped alert batch, in input
    // order, on the writer thread. Return false to stop the import (e.g. stdout closed).
    std::function<bool(const AlertBatch &)> alertSink;
};

struct ImportSummary
{
    qint64 files = 0;        // inputs opened
    qint64 failedPaths = 0;  // inputs that could not be opened or listed at all
    qint64 read = 0;         // lines read (read = stored + duplicates + skipped + rejected when storing)
    qint64 alerts = 0;       // lines that mapped to an alert
    qint64 stored = 0;
    qint64 duplicates = 0;
    qint64 skipped = 0;
    qint64 rejected = 0;
    qint64 elapsedMs = 0;
    bool cancelled = false;
    bool storeFailed = false;
    QString storeError;
    PipelineStats stats;

    double alertsPerSecond() const { return elapsedMs > 0 ? double(alerts) * 1000.0 / double(elapsedMs) : 0.0; }
};

// The import pipeline for files (CLI `import` and `map`, the GUI's import dialog):
//   reader (the thread calling run(): files, .gz, directories, stdin → LineReader chunks)
//   → mapper threads (mapLine in parallel, per chunk)
//   → one writer thread (results in input order, AlertStore::insert in batches of batchSize, optimize()).
// Memory stays bounded: the reader waits when a few chunks per mapper are in flight. Bad lines become
// diagnostics "FILE:LINE: reason" and never stop the import; the good lines around them are stored.
// run() blocks: the GUI calls it on a worker thread and connects to the signals (queued); the CLI connects
// with Qt::DirectConnection. Signals are emitted from the reader thread (progress) and the writer thread
// (diagnostics, in input order). cancel() is thread-safe: what was read is still stored.
class FileImporter : public QObject
{
    Q_OBJECT

public:
    explicit FileImporter(const ImportOptions &options, QObject *parent = nullptr);
    ~FileImporter() override;

    // Expands paths: files as given (any name), "-" for stdin, directories recursively to their *.log,
    // *.json, *.jsonl, *.gz and rotated (falco.log.1, falco.log.2.gz) files, oldest rotation first.
    // Paths that do not exist or cannot be listed go to errors.
    static QStringList expandPaths(const QStringList &paths, QVector<Diagnostic> *errors = nullptr);

    // Imports everything; returns false when the store could not be opened or a path could not be read.
    bool run(const QStringList &paths);
    void cancel();

    ImportSummary summary() const;
    QVector<Diagnostic> diagnostics() const;

Q_SIGNALS:
    // bytesDone/bytesTotal: raw bytes of the inputs (0 total when unknown, e.g. stdin).
    void progress(qint64 bytesDone, qint64 bytesTotal, const fe::PipelineStats &stats);
    void diagnostic(const fe::Diagnostic &diagnostic);
    void finished(bool ok);

private:
    ImportOptions m_options;
    std::atomic<bool> m_cancel{false};
    ImportSummary m_summary;
    QVector<Diagnostic> m_diagnostics;
};

} // namespace fe

Q_DECLARE_METATYPE(fe::ImportSummary)
