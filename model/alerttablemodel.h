// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/alertstore.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>

#include <memory>

namespace fe {

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
// pages of pageSize() through keyset queries on the sort key ((ts, id), or (priority|rule|host, ts, id)), a page
// next to a cached one continuing from its edge and a far jump falling back to OFFSET; at most maxCachedPages()
// pages are kept. Stale results (an older filter or sort) are dropped by a generation counter.
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

    // The row if its page is loaded, else nullptr (and the page is requested).
    const AlertRow *rowAt(int row) const;
    qint64 idAt(int row) const;
    // The row index of an alert id among the loaded rows, or -1.
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

    // Blocks until pending background work has been delivered (tests and benchmarks only).
    void waitForIdle();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void totalCountChanged(qint64 total);
    void newAlertCountChanged(qint64 count);
    void queryFailed(const QString &error);
    // A page arrived (for benchmarks and tests).
    void pageLoaded(int page);

private:
    void restart();
    void requestPage(int page) const;
    void pageArrived(quint64 generation, int page, const QVector<AlertRow> &rows, const QString &error);
    void countArrived(quint64 generation, qint64 total, const QString &error);
    void setLoading(bool loading);

    std::unique_ptr<StoreReader> m_reader;
    std::unique_ptr<StoreReader> m_countReader;   // counts may be slow on big stores: they never delay pages
    QString m_path;
    AlertFilter m_filter;
    qint64 m_nowMs = 0;
    qint64 m_snapshotMaxId = 0;
    quint64 m_generation = 0;
    int m_sortColumn = TimeColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    int m_pageSize = 200;
    int m_maxPages = 64;
    int m_rows = 0;             // rows announced to views
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
