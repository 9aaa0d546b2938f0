// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/schema.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVector>

#include <functional>
#include <vector>
#include <limits>
#include <memory>

struct sqlite3;

namespace fe {

class FactCatalog;
class FactInterner;
class RecordCodec;
class StoreFunctions;
struct StoredRecord;

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

// An alert's original as the store keeps it.
struct StoredOriginal
{
    QByteArray bytes;        // the line as read, the frame as received
    bool byteExact = false;  // false: a store converted from schema v4 kept only the document (bytes is its
                             // event.original when the preserve option had kept one, else empty)
    QString note;            // why the bytes are not the byte-exact original, for the analyst
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

    // Opens (creating and migrating in ReadWrite mode) the database at path. false + error on failure. A new store
    // and its directory are created readable by the user alone (0600, 0700): alerts carry command lines and file
    // names. A store on read-only media opens for reading (immutable: isImmutable()). A migration from an older
    // schema reports its progress through progress (it resumes where it stopped if interrupted).
    bool open(const QString &path, OpenMode mode = OpenMode::ReadWrite, QString *error = nullptr,
              const MigrationProgress &progress = {});
    void close();
    bool isOpen() const;
    QString path() const;
    int schemaVersion() const;
    // Opened for reading as an unchanging file (a read-only directory or medium): changes by others are not seen.
    bool isImmutable() const;

    // The embedded default: $XDG_DATA_HOME/falco-explorer/alerts.db (~/.local/share/falco-explorer/alerts.db).
    static QString defaultPath();

    // Stores a batch in one transaction: dedupe on Alert::dedupeKey (also within the batch), the alert's facts (as a
    // profile id), its record (Alert::record, compressed by codec() — an alert without one is stored with its
    // ecsJson as the record, origin Document) with its origin, offset and read time, and the rollup counters
    // (model/schema.h). Duplicates are counted, not stored. An alert without a dedupeKey is deduplicated on its
    // ecsJson. Outputs are not indexed here: they wait behind the full-text index's watermark for indexPending(), and
    // searches match them without the index meanwhile (exact either way).
    // A store without a compression dictionary trains one from the first alerts it stores (see trainDictionary()).
    InsertResult insert(const AlertBatch &batch, QString *error = nullptr);
    // The same for several batches in one transaction (an ingest engine's units, without joining their lists).
    InsertResult insert(const QVector<AlertBatch> &batches, QString *error = nullptr);

    // The store's record codec: ingest workers compress Alert::record with it (thread-safe), so that its
    // dictionaries are the store's own. Valid while the store is open.
    std::shared_ptr<RecordCodec> codec() const;
    // The store's fact interner (a store open for writing): ingest workers set Alert::internedFacts with it.
    std::shared_ptr<FactInterner> interner() const;
    // When the store has no compression dictionary yet: trains one from samples (originals), keeps it in the store
    // and makes it the codec's active one. True when the store has one afterwards.
    bool trainDictionary(const std::vector<QByteArrayView> &samples, QString *error = nullptr);

    // Adds up to maxRows (-1: all) not yet indexed outputs to the full-text index, in chunks of one transaction
    // each, oldest first. Returns how many, or -1 (and error). Live ingest calls it when the writer is idle; the
    // GUI and `falco-explorer index` after an import.
    qint64 indexPending(qint64 maxRows = -1, QString *error = nullptr);
    // How many stored outputs are not in the full-text index yet.
    qint64 pendingIndexRows() const;
    // At most this many outputs wait for the full-text index (0, the default: no bound): a large batch that would
    // leave more pending indexes the oldest of them in its own transaction. Live ingest sets it, so that a writer
    // that is never idle (sustained overload) keeps text searches bounded, paying for the index as it stores; a
    // file import leaves it off.
    void setIndexBacklogLimit(qint64 rows);

    // SQLite's page cache for this connection, in bytes (the default suits readers and live ingest). A bulk load
    // appends to the tables and needs the cache mostly for the dedupe index's pages: a smaller cache bounds the
    // importer's memory, the kernel's page cache serving the rest.
    void setCacheSize(qint64 bytes);

    // Page-cache drop-behind (a store open for writing): after each WAL checkpoint, the database file's pages older
    // than its newest keepNewestBytes leave the kernel's page cache once they are on disk (posix_fadvise DONTNEED;
    // reads of them come from the disk again). A long ingest then recycles the pages it has just written out instead
    // of taking ever more fresh memory, which is what makes checkpoints slow (see WalCheckpointer), and leaves the
    // page cache to the rest of the machine. The newest part, where new alerts are read and the indexes grow, stays.
    // < 0: off, the default. Live ingest sets s_ingestPageCacheKeep (IngestConfig::pageCacheKeepBytes); a bulk load
    // (a file import, demo data) leaves it off: the full-text index built after it and the explorer's first reads
    // would read dropped pages back from the disk. Takes effect at the next checkpoint.
    static constexpr qint64 s_ingestPageCacheKeep = qint64(512) << 20;
    void setPageCacheDropBehind(qint64 keepNewestBytes);
    qint64 pageCacheDropBehind() const;   // the keep in effect; -1: off

    // ANALYZE / PRAGMA optimize and a checkpoint that shrinks the WAL; call after large imports. false + error when
    // a step fails (a full disk, say).
    bool optimize(QString *error = nullptr);

    // -1 (and error) when the store is closed or the query does not compile. Unfiltered counts come from the rollups.
    qint64 count(const AlertFilter &filter = {}, QString *error = nullptr) const;
    qint64 maxId() const;

    // The ECS document of one alert (derived from its record), or empty (and error).
    QByteArray document(qint64 id, QString *error = nullptr) const;
    // The original of one alert; false + error when there is no such alert or its record is damaged.
    bool original(qint64 id, StoredOriginal *out, QString *error = nullptr) const;
    // The stored record of one alert (decompressed, with its origin).
    bool record(qint64 id, StoredRecord *out, QString *error = nullptr) const;

    // Streams the ECS documents matching filter in (@timestamp, id) order, without loading them all; documents are
    // derived on up to `threads` threads (0: one per core) and handed to fn in order, on the calling thread.
    // The callback returns false to stop. Returns false (and error) if the filter does not compile. An alert whose
    // record cannot be read is reported to onError (when given) and skipped.
    bool forEachDocument(const AlertFilter &filter, const std::function<bool(qint64 id, const QByteArray &ecsJson)> &fn,
                         QString *error = nullptr, int threads = 0,
                         const std::function<void(const QString &problem)> &onError = {}) const;
    // The order forEachRecord hands records out in: (@timestamp, id) like documents, or id (the order they were
    // stored in: a file's lines, a connection's frames, as read).
    enum class RecordOrder { Time, Id };
    // The same for the stored records themselves (`export --format original`).
    bool forEachRecord(const AlertFilter &filter, const std::function<bool(const StoredRecord &record)> &fn,
                       QString *error = nullptr, const std::function<void(const QString &problem)> &onError = {},
                       RecordOrder order = RecordOrder::Time) const;

    // Alerts with id > afterId in id order (for forwarders and "N new" notifications), at most limit, with their
    // facts, output and derived document.
    AlertBatch alertsAfter(qint64 afterId, int limit) const;

    // The fact catalog shared by the readers of this file, refreshed to this connection's snapshot.
    std::shared_ptr<FactCatalog> facts() const;
    // The connection's SQL functions and record reader (model-side code: aggregates, table paging).
    StoreFunctions &functions() const;

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
