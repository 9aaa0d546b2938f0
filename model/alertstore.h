// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"

#include <QByteArray>
#include <QString>
#include <QVector>

#include <functional>
#include <limits>
#include <memory>

struct sqlite3;

namespace fe {

// What the user asked to see: a query in the KQL subset (model/querylanguage.h) and a time range.
struct AlertFilter
{
    QString query;                                          // empty = everything
    qint64 fromMs = std::numeric_limits<qint64>::min();     // inclusive
    qint64 toMs = std::numeric_limits<qint64>::max();       // exclusive
    bool isEmpty() const
    {
        return query.trimmed().isEmpty() && fromMs == std::numeric_limits<qint64>::min()
            && toMs == std::numeric_limits<qint64>::max();
    }
};

struct InsertResult
{
    qint64 stored = 0;
    qint64 duplicates = 0;
    qint64 firstId = 0;   // ids of the stored rows are increasing; 0 when nothing was stored
    qint64 lastId = 0;
};

// The local alert cache: one SQLite file in WAL mode (schema in ARCHITECTURE.md, model/schema.cpp).
// One AlertStore per thread: it owns one connection. A ReadWrite store is the single writer; readers
// (UI, dashboard, export) open their own ReadOnly stores and never block the writer.
class AlertStore
{
public:
    enum class OpenMode { ReadWrite, ReadOnly };

    AlertStore();
    ~AlertStore();
    AlertStore(const AlertStore &) = delete;
    AlertStore &operator=(const AlertStore &) = delete;

    // Opens (creating and migrating in ReadWrite mode) the database at path. false + error on failure.
    bool open(const QString &path, OpenMode mode = OpenMode::ReadWrite, QString *error = nullptr);
    void close();
    bool isOpen() const;
    QString path() const;
    int schemaVersion() const;

    // The embedded default: $XDG_DATA_HOME/falco-explorer/alerts.db (~/.local/share/falco-explorer/alerts.db).
    static QString defaultPath();

    // Stores a batch in one transaction: dedupe on Alert::dedupeKey (also within the batch), the document (as is,
    // so json_extract works), the FTS row for the output text and the rollup counters (model/schema.h).
    // Duplicates are counted, not stored. An alert without a dedupeKey is deduplicated on its ecsJson.
    // The output is searchable at once, but since schema v3 only a small batch (live ingest) also puts outputs into
    // the full-text index in its transaction; those of a large batch (an import, a burst) wait behind the index's
    // watermark for indexPending() or optimize(), and searches match them without the index: exact either way.
    InsertResult insert(const AlertBatch &batch, QString *error = nullptr);

    // Adds up to maxRows (-1: all) not yet indexed outputs to the full-text index, in chunks of one transaction
    // each, oldest first. Returns how many, or -1 (and error). Call when the writer is idle after a burst.
    qint64 indexPending(qint64 maxRows = -1, QString *error = nullptr);
    // How many stored outputs are not in the full-text index yet.
    qint64 pendingIndexRows() const;
    // At most this many outputs wait for the full-text index (0, the default: no bound): a large batch that would
    // leave more pending indexes the oldest of them in its own transaction. Live ingest sets it, so that a writer
    // that is never idle (sustained overload) keeps text searches bounded, paying for the index as it stores; a
    // file import leaves it off and indexes once at the end.
    void setIndexBacklogLimit(qint64 rows);

    // Page-cache drop-behind (a store open for writing): after each WAL checkpoint, the database file's pages older
    // than its newest keepNewestBytes leave the kernel's page cache once they are on disk (posix_fadvise DONTNEED;
    // reads of them come from the disk again). A long ingest then recycles the pages it has just written out instead
    // of taking ever more fresh memory, which is what made checkpoints slow (see WalCheckpointer), and leaves the
    // page cache to the rest of the machine. The newest part, where new alerts are read and the indexes grow, stays.
    // < 0: off, the default. Live ingest sets s_ingestPageCacheKeep (IngestConfig::pageCacheKeepBytes); a bulk load
    // (a file import, demo data) leaves it off: it ends by building the full-text index over everything it stored,
    // and the explorer reads the columns next, both of which would read dropped pages back from the disk (1M alerts
    // imported: 41.1-44.6 s with the drop against 35.5-38.0 s without). Takes effect at the next checkpoint.
    static constexpr qint64 s_ingestPageCacheKeep = qint64(512) << 20;
    void setPageCacheDropBehind(qint64 keepNewestBytes);
    qint64 pageCacheDropBehind() const;   // the keep in effect; -1: off

    // Indexes the pending outputs, then ANALYZE / PRAGMA optimize; call after large imports.
    void optimize();

    // -1 (and error) when the store is closed or the query does not compile. Unfiltered counts come from the rollups.
    qint64 count(const AlertFilter &filter = {}, QString *error = nullptr) const;
    qint64 maxId() const;

    // The ECS document of one alert, as inserted, or empty.
    QByteArray document(qint64 id) const;

    // Streams the ECS documents matching filter in (@timestamp, id) order, without loading them all.
    // The callback returns false to stop. Returns false (and error) if the filter does not compile.
    bool forEachDocument(const AlertFilter &filter, const std::function<bool(qint64 id, const QByteArray &ecsJson)> &fn,
                         QString *error = nullptr) const;

    // Alerts with id > afterId in id order (for forwarders and "N new" notifications), at most limit.
    AlertBatch alertsAfter(qint64 afterId, int limit) const;

    // Small durable key/value state (file tail positions, forwarder cursors, settings that are data).
    bool setState(const QString &key, const QByteArray &value);
    QByteArray state(const QString &key) const;

    // The raw connection, for model-side query code (aggregates, table paging). Never outside model/.
    sqlite3 *handle() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
