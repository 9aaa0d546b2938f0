// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/alertstore.h"
#include "model/cachedorder.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>
#include <QVariantList>
#include <QVector>

#include <atomic>
#include <memory>
#include <vector>

namespace fe {

class AlertColumnCache;

class StoreReader;

// One alert row as the table shows it (the columns, not the document).
struct AlertRow
{
    qint64 id = 0;
    qint64 timestampMs = 0;
    Priority priority = Priority::Unknown;
    int severity = 0;
    int triage = 0;
    QString rule, host, containerName, pod, namespaceName, image, process, commandLine, user, output, tags;
};

// The alert table: a QAbstractTableModel over SQLite that never queries on the GUI thread. The matching rows
// are a snapshot (ids up to the newest alert when the filter was applied), so alerts arriving later never move
// the analyst's view: they are counted (newAlertCount()) until refresh() takes them in. Rows load lazily in
// pages of pageSize() through keyset queries on the sort key ((ts, id), or (priority|rule|host, ts, id)); OFFSET
// is only ever used for less than anchorStride() rows:
//  - a page next to a cached one continues from its edge (keyset, forwards or backwards);
//  - a far jump (scrollbar dragged anywhere, End) starts from the nearest anchor: after the count, a background
//    scan records the sort key of every anchorStride()-th row of the snapshot (delivered as it goes), so any row
//    is "after anchor k, skip < stride"; until the scan has reached a row, the jump starts from the last anchor
//    or from the end of the snapshot, whichever is closer.
// When a column cache of the store is held (AlertColumnCache, the dashboard loads one) and the view is sorted by
// priority, rule or host or filtered by a query, the snapshot is instead the list of matching alerts in table order,
// computed in memory from the cache (CachedMatch, CachedOrder): the count is its length and any page, near or far, is
// read by id. The first page goes ahead of the whole order (firstPageAhead(): the best rows of one pass over the cache,
// same read transaction, same rows). The time-sorted, unfiltered view keeps the keyset queries on (ts, id).
// At most maxCachedPages() pages are kept. Stale results (an older filter or sort) are dropped by a generation
// counter, and the stale query still running on a reader thread is interrupted.
// Views see a window of the snapshot: at most windowRows() rows, model row r being snapshot row windowStart() + r.
// QHeaderView keeps 8 bytes per row and walks them all on the next paint after a change; growing it to tens of
// millions of rows makes single GUI-thread events long enough to see (its list is reallocated and every page faulted
// in again), a window of 1M rows does not. The view moves the window (setWindowStart(), ExplorerView's scroll bar spans the snapshot); the
// persistent indexes (selection, current row) follow their alerts. The rows of the window reach views in steps of at
// most insertChunk() rows, one step per event-loop turn.
class AlertTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, PriorityColumn, RuleColumn, HostColumn, ContainerColumn, ProcessColumn, UserColumn,
                  OutputColumn, TriageColumn, ColumnCount };
    Q_ENUM(Column)
    enum Role {
        IdRole = Qt::UserRole + 1,   // qint64
        TimestampRole,               // qint64 ms since the epoch
        PriorityRole,                // int(fe::Priority)
        TriageRole,                  // int 0..4
        LoadedRole,                  // bool: the row's page is loaded
        FilterFieldRole,             // the query field behind the column ("rule.name"), for filter in/out
        FilterValueRole,             // the raw value to filter on
    };

    // The alerts of a snapshot served from the column cache, in table order.
    using SnapshotOrder = CachedOrder;

    explicit AlertTableModel(QObject *parent = nullptr);
    ~AlertTableModel() override;

    // The store to read (a ReadOnly connection is opened in the model's reader thread). Empty = no rows.
    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_path; }

    // Applies a filter: the row set is re-snapshotted and reloaded. nowMs anchors relative times (0 = now).
    void setFilter(const AlertFilter &filter, qint64 nowMs = 0);
    AlertFilter filter() const { return m_filter; }
    QString lastError() const { return m_error; }

    // Takes in the alerts that arrived since the snapshot (and re-reads changed rows such as triage states).
    void refresh();
    // Re-reads the loaded rows (same snapshot, same row count) after their data changed, e.g. a triage status.
    // When the filter depends on triage the row set itself may change: then this is refresh().
    void invalidateRows();
    // Counts matching alerts newer than the snapshot (emits newAlertCountChanged); cheap, call on a timer or on
    // "alerts stored" notifications.
    void checkForNewAlerts();
    qint64 newAlertCount() const { return m_newCount; }
    // When on, new alerts are taken in as soon as they are counted.
    void setFollowLive(bool on);
    bool followLive() const { return m_followLive; }

    // The total number of matching rows (-1 while counting).
    qint64 totalCount() const { return m_total; }
    bool isLoading() const { return m_loading; }

    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows);
    int maxCachedPages() const { return m_maxPages; }

    // Far jumps: the sort key of every anchorStride()-th row is scanned after the count (see above).
    int anchorStride() const { return m_anchorStride; }
    void setAnchorStride(int rows);   // re-scans; tests use small strides
    int anchorCount() const { return int(m_anchors.size()); }
    bool anchorsComplete() const { return m_anchorsComplete; }
    // Rows announced to views per event-loop turn. QHeaderView keeps 8 bytes per row and touches them when rows are
    // inserted: small steps keep each GUI-thread event short while the header grows.
    int insertChunk() const { return m_insertChunk; }
    void setInsertChunk(int rows);
    // The window (see above): rowCount() is at most windowRows(); windowStart() is the snapshot row of model row 0.
    int windowRows() const { return m_windowRows; }
    void setWindowRows(int rows);   // restarts; tests use small windows
    qint64 windowStart() const { return m_windowStart; }
    // Moves the window so that it starts at snapshot row `start` (clamped to the snapshot); persistent indexes of
    // rows still in the window follow their rows, the others become invalid (a layout change).
    void setWindowStart(qint64 start);
    // The rows of the snapshot the window can move over: totalCount(), or rowCount() while counting.
    qint64 snapshotRows() const { return m_total >= 0 ? m_total : m_rows; }

    // The row (a model row, in the window) if its page is loaded, else nullptr (and the page is requested).
    const AlertRow *rowAt(int row) const;
    // Whether the row's page is loaded; requests nothing (benchmarks and tests).
    bool isRowLoaded(int row) const;
    qint64 idAt(int row) const;
    // The model row of an alert id among the loaded rows in the window, or -1.
    int rowOfId(qint64 id) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // Sortable: time, priority, rule, host (others are ignored).
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }
    static bool isSortable(int column);
    static QString columnField(int column);   // "rule.name", ... ("" for columns without a single field)

    // Whether the snapshot comes from the column cache (see above); benchmarks and tests compare both ways.
    bool servedFromColumnCache() const { return m_order != nullptr; }
    void setColumnCacheEnabled(bool on);   // default on; restarts
    bool columnCacheEnabled() const { return m_columnCacheEnabled; }
    bool firstPageAhead() const { return m_firstPageAhead; }
    void setFirstPageAhead(bool on);   // default on; off: the first page waits for the whole order (tests)

    // Blocks until pending background work has been delivered (tests and benchmarks only).
    void waitForIdle();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void totalCountChanged(qint64 total);
    void newAlertCountChanged(qint64 count);
    void queryFailed(const QString &error);
    // A page arrived (for benchmarks and tests).
    void pageLoaded(int page);
    // More anchors for far jumps arrived; complete when the scan reached the end of the snapshot.
    void anchorsChanged(int count, bool complete);

private:
    void restart();
    void requestPage(int page) const;
    void pageArrived(quint64 generation, int page, const QVector<AlertRow> &rows, const QString &error);
    void countArrived(quint64 generation, qint64 total, const QString &error);
    void startAnchorScan();
    void anchorsArrived(quint64 generation, const QVector<QVariantList> &keys, bool complete, const QString &error);
    void growRows();
    const AlertRow *rowAtSnapshot(qint64 row) const;
    void setLoading(bool loading);

    std::unique_ptr<StoreReader> m_reader;
    std::unique_ptr<StoreReader> m_countReader;   // counts and anchor scans may be slow: they never delay pages
    // The current snapshot generation, read by background jobs to stop early once they are stale.
    std::shared_ptr<std::atomic<quint64>> m_currentSnapshot;
    QString m_path;
    AlertFilter m_filter;
    qint64 m_nowMs = 0;
    qint64 m_snapshotMaxId = 0;
    quint64 m_generation = 0;          // pages (also bumped when loaded rows are re-read)
    quint64 m_snapshotGeneration = 0;  // the snapshot: count, anchors, row growth
    int m_sortColumn = TimeColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    int m_pageSize = 200;
    int m_maxPages = 64;
    int m_rows = 0;             // rows announced to views (the window's size)
    int m_targetRows = 0;       // rows to announce (growRows() gets there in steps of insertChunk())
    int m_windowRows = 1000000;
    qint64 m_windowStart = 0;   // snapshot row of model row 0
    int m_insertChunk = 250000;
    int m_anchorStride = 2048;
    bool m_columnCacheEnabled = true;
    // Held (and loaded in the background) while the table may use it: sorts by a column and filters are answered from it.
    std::shared_ptr<AlertColumnCache> m_columnCache;
    bool m_firstPageAhead = true;
    std::shared_ptr<const SnapshotOrder> m_order;   // the snapshot's ids in table order (column cache), or null
    QVector<QVariantList> m_anchors;   // m_anchors[k]: sort key of row (k + 1) * m_anchorStride - 1
    bool m_anchorsComplete = false;
    qint64 m_total = -1;
    qint64 m_newCount = 0;
    bool m_followLive = false;
    bool m_loading = false;
    bool m_checkingNew = false;
    QString m_error;
    mutable QHash<int, QVector<AlertRow>> m_pages;
    mutable QList<int> m_pageUse;        // LRU, most recent last
    mutable QSet<int> m_requested;
};

} // namespace fe

Q_DECLARE_METATYPE(fe::AlertRow)
