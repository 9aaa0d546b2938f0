// SPDX-License-Identifier: Apache-2.0
#include "model/alerttablemodel.h"

#include "model/alertcolumncache.h"
#include "model/cachedmatch.h"
#include "model/cachedorder.h"
#include "model/factcatalog.h"
#include "model/filtersql.h"
#include "model/recordreader.h"
#include "model/storefunctions.h"
#include "model/sqlstatement.h"
#include "model/storereader.h"
#include "model/querylanguage.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QPointer>
#include <QRegularExpression>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <shared_mutex>
#include <thread>

namespace fe {

Q_LOGGING_CATEGORY(lcTable, "fe.model.table")

namespace {

// The facts come from the profile (FactCatalog), the command line and the output from the record (derived).
constexpr const char *kRowColumns = "a.id, a.ts, a.profile, a.triage, a.record, a.origin, a.byte_offset, a.received";

// The snapshot bound of page and anchor queries. The unary + keeps SQLite from using it as a rowid range: with
// some statistics the planner preferred "rowid <= ?" plus a sort of every row (3 s at 1M alerts) to walking the
// index of the sort key for LIMIT rows.
constexpr const char *kSnapshotTerm = "+a.id <= ?";

// Text longer than a table cell can show is cut before it reaches the view: eliding a long Falco output costs the
// paint far more than drawing it (the tooltip and the detail pane have the whole text).
constexpr int kMaxCellText = 400;

QString text(sqlite3_stmt *st, int column)
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, column));
    return p ? QString::fromUtf8(p, sqlite3_column_bytes(st, column)) : QString();
}

AlertRow readRow(sqlite3_stmt *st, const AlertStore &store)
{
    AlertRow r;
    r.id = sqlite3_column_int64(st, 0);
    r.timestampMs = sqlite3_column_int64(st, 1);
    const quint32 profile = quint32(sqlite3_column_int64(st, 2));
    r.triage = sqlite3_column_int(st, 3);
    FactCatalog &catalog = store.functions().catalog();
    if (catalog.ensureProfile(store.handle(), profile)) {
        const auto fact = [&](int column) { return QString::fromUtf8(catalog.factText(profile, column)); };
        r.priority = Priority(std::clamp(int(catalog.value(profile, FactPriority)), 0, int(Priority::Unknown)));
        r.severity = int(catalog.value(profile, FactSeverity));
        r.rule = fact(FactRule);
        r.host = fact(FactHost);
        r.containerName = fact(FactContainerName);
        r.pod = fact(FactPod);
        r.namespaceName = fact(FactNamespace);
        r.image = fact(FactImage);
        r.process = fact(FactProcess);
        r.user = fact(FactUser);
        r.tags = fact(FactTags);
    }
    RecordReader &reader = store.functions().reader();
    StoredRecord record;
    DerivedAlert derived;
    if (reader.load(r.id, st, 4, &record) && reader.derive(record, &derived)) {
        r.commandLine = derived.commandLine;
        r.output = derived.output;
    }
    return r;
}

// The sort key of a column, for the direction the analyst chose. Within one priority, rule or host the newest alert
// comes first whichever way the column sorts: when the column ascends, time and id enter the key negated, so that one
// direction over the whole tuple (which keyset paging and row-value comparisons need) still puts them newest first.
QStringList sortKeyColumns(int column, bool descending)
{
    const QStringList newestFirst = descending ? QStringList{QStringLiteral("a.ts"), QStringLiteral("a.id")}
                                               : QStringList{QStringLiteral("-a.ts"), QStringLiteral("-a.id")};
    switch (column) {
    case AlertTableModel::PriorityColumn: return QStringList{StoreFunctions::factExpression(FactPriority)} + newestFirst;
    case AlertTableModel::RuleColumn: return QStringList{StoreFunctions::factExpression(FactRule)} + newestFirst;
    case AlertTableModel::HostColumn: return QStringList{StoreFunctions::factExpression(FactHost)} + newestFirst;
    default: return {QStringLiteral("a.ts"), QStringLiteral("a.id")};
    }
}

QVariantList sortKeyValues(int column, bool descending, const AlertRow &r)
{
    const qint64 ts = descending ? r.timestampMs : -r.timestampMs;
    const qint64 id = descending ? r.id : -r.id;
    switch (column) {
    case AlertTableModel::PriorityColumn: return {int(r.priority), ts, id};
    case AlertTableModel::RuleColumn: return {r.rule, ts, id};
    case AlertTableModel::HostColumn: return {r.host, ts, id};
    default: return {r.timestampMs, r.id};
    }
}

bool bindValue(sqlite3_stmt *st, int index, const QVariant &v)
{
    if (v.typeId() == QMetaType::QString) {
        const QByteArray utf8 = v.toString().toUtf8();
        return sqlite3_bind_text64(st, index, utf8.constData(), sqlite3_uint64(utf8.size()), SQLITE_TRANSIENT,
                                   SQLITE_UTF8) == SQLITE_OK;
    }
    return sqlite3_bind_int64(st, index, v.toLongLong()) == SQLITE_OK;
}

QString joined(const QStringList &keys)
{
    return keys.join(QStringLiteral(", "));
}

// " AND (k1, k2) < (?, ?)": the rows after an anchor in the scan direction.
QString anchorClause(const QStringList &keys, bool desc)
{
    QStringList marks;
    for (int i = 0; i < keys.size(); ++i)
        marks << QStringLiteral("?");
    return QStringLiteral(" AND (%1) %2 (%3)").arg(joined(keys), desc ? QStringLiteral("<") : QStringLiteral(">"), joined(marks));
}

QString orderBy(const QStringList &keys, bool desc)
{
    QStringList order;
    for (const QString &k : keys)
        order << k + (desc ? QStringLiteral(" DESC") : QStringLiteral(" ASC"));
    return QStringLiteral(" ORDER BY ") + joined(order);
}

struct PageQuery
{
    FilterSql filter;
    qint64 maxId = 0;
    int sortColumn = AlertTableModel::TimeColumn;
    bool descending = true;
    int limit = 200;
    qint64 offset = 0;        // rows skipped after the anchor (or from the start / the end); < the anchor stride
    QVariantList anchor;      // sort key of the row before (forward) or after (backward) the page
    bool backward = false;    // read in reverse order: from anchor (the first row of the next page), or from the end
};

// Runs one page query on the reader's connection with the filter condition `where`. With budgetMs > 0 the statement
// is abandoned (*overBudget = true, no rows, no error) once it has run that long.
QVector<AlertRow> runPage(const AlertStore &store, const PageQuery &q, const QString &where, qint64 budgetMs,
                          bool *overBudget, QString *error)
{
    sqlite3 *db = store.handle();
    QVector<AlertRow> rows;
    const QStringList keys = sortKeyColumns(q.sortColumn, q.descending);
    const bool desc = q.backward ? !q.descending : q.descending;
    // The page's ids first, then the columns of those rows only: SQLite computes every result column of every
    // candidate row before a sort, and the output column (a full-text table lookup) made a page of a frequent term
    // cost 4.7 s at 1M instead of 0.6 s.
    QString ids = QStringLiteral("SELECT a.id FROM ") + q.filter.from() + QStringLiteral(" WHERE (") + where
        + QStringLiteral(") AND ") + QLatin1String(kSnapshotTerm);
    if (!q.anchor.isEmpty())
        ids += anchorClause(keys, desc);
    ids += orderBy(keys, desc) + QStringLiteral(" LIMIT ?");
    if (q.offset > 0)
        ids += QStringLiteral(" OFFSET ?");
    const QString sql = QStringLiteral("SELECT ") + QLatin1String(kRowColumns) + QStringLiteral(" FROM alerts a WHERE a.id IN (")
        + ids + QLatin1Char(')') + orderBy(keys, desc);
    SqlStatement st(db, sql);
    if (!st) {
        *error = st.error();
        return rows;
    }
    int index = q.filter.bind(st.get(), 1);
    bool ok = index > 0 && sqlite3_bind_int64(st.get(), index++, q.maxId) == SQLITE_OK;
    for (const QVariant &v : q.anchor)
        ok = ok && bindValue(st.get(), index++, v);
    ok = ok && sqlite3_bind_int(st.get(), index++, q.limit) == SQLITE_OK;
    if (q.offset > 0)
        ok = ok && sqlite3_bind_int64(st.get(), index++, q.offset) == SQLITE_OK;
    if (!ok) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        return rows;
    }
    struct Budget
    {
        QElapsedTimer timer;
        qint64 ms = 0;
        bool exceeded = false;
    } budget;
    if (budgetMs > 0) {
        budget.ms = budgetMs;
        budget.timer.start();
        sqlite3_progress_handler(db, 4096, [](void *p) -> int {
            auto *b = static_cast<Budget *>(p);
            b->exceeded = b->timer.elapsed() > b->ms;
            return b->exceeded ? 1 : 0;
        }, &budget);
    }
    rows.reserve(q.limit);
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
        rows.append(readRow(st.get(), store));
    if (budgetMs > 0)
        sqlite3_progress_handler(db, 0, nullptr, nullptr);
    if (rc == SQLITE_INTERRUPT && budget.exceeded) {
        *overBudget = true;
        return {};
    }
    if (rc != SQLITE_DONE)
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    if (q.backward)
        std::reverse(rows.begin(), rows.end());
    return rows;
}

// Runs one page query on the reader's connection.
// A filter with an id subquery (free text: `a.id IN (SELECT rowid FROM alert_fts ...)`, triage, notes) lets SQLite
// drive the page from the subquery's id list: every match is looked up and sorted, which is fast for a rare term but
// slow for a frequent one. Reading the sort index instead and testing each row against the list (`+a.id IN (...)`,
// same result) finds a page of a frequent term at once and is slow only for rare ones. So the index is tried first
// within a small budget, then the list.
QVector<AlertRow> fetchPage(const AlertStore &store, const PageQuery &q, QString *error)
{
    static const QString s_idSubquery = QStringLiteral("a.id IN (SELECT");
    static const QString s_scanSortIndex = QStringLiteral("+a.id IN (SELECT");
    constexpr qint64 kSortIndexBudgetMs = 250;
    const QString where = q.filter.where();
    bool overBudget = false;
    if (where.contains(s_idSubquery)) {
        QString scanWhere = where;
        scanWhere.replace(s_idSubquery, s_scanSortIndex);
        QVector<AlertRow> rows = runPage(store, q, scanWhere, kSortIndexBudgetMs, &overBudget, error);
        if (!overBudget)
            return rows;
    }
    return runPage(store, q, where, 0, &overBudget, error);
}

struct AnchorScan
{
    FilterSql filter;
    qint64 maxId = 0;
    int sortColumn = AlertTableModel::TimeColumn;
    bool descending = true;
    int stride = 2048;
};

QVariantList readKeys(sqlite3_stmt *st, int count)
{
    QVariantList keys;
    keys.reserve(count);
    for (int i = 0; i < count; ++i) {
        if (sqlite3_column_type(st, i) == SQLITE_TEXT)
            keys.append(text(st, i));
        else
            keys.append(qint64(sqlite3_column_int64(st, i)));
    }
    return keys;
}

// True when the query is one range over one index: no sort, no subquery (FTS), no join.
bool isPlainIndexRange(sqlite3 *db, const QString &sql)
{
    SqlStatement plan(db, QStringLiteral("EXPLAIN QUERY PLAN ") + sql);
    if (!plan)
        return false;
    QStringList steps;
    while (sqlite3_step(plan.get()) == SQLITE_ROW)
        steps << text(plan.get(), 3);
    return steps.size() == 1 && steps.first().contains(QLatin1String("INDEX")) && !steps.first().contains(QLatin1String("TEMP"));
}

// The sort keys of rows stride-1, 2*stride-1, ... of the snapshot, in order, handed to emit() in batches about every
// 100 ms (the last with complete = true). Stops (false, no error) as soon as stale() says so.
bool scanAnchors(sqlite3 *db, const AnchorScan &s, const std::function<bool()> &stale,
                 const std::function<void(const QVector<QVariantList> &, bool)> &emitBatch, QString *error)
{
    const QStringList keys = sortKeyColumns(s.sortColumn, s.descending);
    const QString base = QStringLiteral("SELECT ") + joined(keys) + QStringLiteral(" FROM ") + s.filter.from()
        + QStringLiteral(" WHERE (") + s.filter.where() + QStringLiteral(") AND ") + QLatin1String(kSnapshotTerm);
    const QString order = orderBy(keys, s.descending);
    const QString chainSql = base + anchorClause(keys, s.descending) + order + QStringLiteral(" LIMIT 1 OFFSET ?");
    QVector<QVariantList> batch;
    QElapsedTimer sinceBatch;
    sinceBatch.start();
    auto flushIfDue = [&] {
        if (sinceBatch.elapsed() >= 100) {
            emitBatch(batch, false);
            batch.clear();
            sinceBatch.restart();
        }
    };
    auto bindBase = [&](sqlite3_stmt *st) {
        const int index = s.filter.bind(st, 1);
        return index > 0 && sqlite3_bind_int64(st, index, s.maxId) == SQLITE_OK ? index + 1 : -1;
    };

    // The chain (one short keyset query per anchor, SQLite skipping stride - 1 rows inside) is about twice as fast as
    // stepping through every row, but only when each query is a plain index range: a plan that sorts or evaluates a
    // subquery (FTS) would redo that work for every anchor. Then one pass reads every row instead.
    if (isPlainIndexRange(db, chainSql)) {
        SqlStatement first(db, base + order + QStringLiteral(" LIMIT 1 OFFSET ?"));
        SqlStatement next(db, chainSql);
        if (!first || !next) {
            *error = !first ? first.error() : next.error();
            return false;
        }
        QVariantList anchor;
        for (;;) {
            if (stale())
                return false;
            sqlite3_stmt *st = anchor.isEmpty() ? first.get() : next.get();
            sqlite3_reset(st);
            int index = bindBase(st);
            for (const QVariant &v : std::as_const(anchor))
                index = index > 0 && bindValue(st, index, v) ? index + 1 : -1;
            if (index < 0 || sqlite3_bind_int(st, index, s.stride - 1) != SQLITE_OK) {
                *error = QString::fromUtf8(sqlite3_errmsg(db));
                return false;
            }
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE)
                break;
            if (rc != SQLITE_ROW) {
                *error = QString::fromUtf8(sqlite3_errmsg(db));
                return false;
            }
            anchor = readKeys(st, int(keys.size()));
            batch.append(anchor);
            flushIfDue();
        }
    } else {
        SqlStatement all(db, base + order);
        if (!all) {
            *error = all.error();
            return false;
        }
        if (bindBase(all.get()) < 0) {
            *error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
        qint64 n = 0;
        int rc;
        while ((rc = sqlite3_step(all.get())) == SQLITE_ROW) {
            if (++n % s.stride == 0)
                batch.append(readKeys(all.get(), int(keys.size())));
            if (n % 4096 == 0) {
                if (stale())
                    return false;
                flushIfDue();
            }
        }
        if (rc != SQLITE_DONE) {
            *error = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
    }
    emitBatch(batch, true);
    return true;
}

qint64 scalar(sqlite3 *db, const QString &sql, const FilterSql *filter, const QVariantList &extra, QString *error)
{
    sqlite3_stmt *st = nullptr;
    const QByteArray utf8 = sql.toUtf8();
    if (sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &st, nullptr) != SQLITE_OK) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        return -1;
    }
    int index = filter ? filter->bind(st, 1) : 1;
    for (const QVariant &v : extra)
        bindValue(st, index++, v);
    qint64 value = -1;
    if (index > 0 && sqlite3_step(st) == SQLITE_ROW)
        value = sqlite3_column_int64(st, 0);
    else
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return value;
}

// The rows with these ids, in this order, read by id (the column cache's pages). An id gone from the store (deleted
// behind the application's back) keeps its place as an empty row, so that every later row stays where it is.
QVector<AlertRow> fetchByIds(const AlertStore &store, const qint64 *ids, qsizetype count, QString *error)
{
    sqlite3 *db = store.handle();
    QVector<AlertRow> rows;
    if (count <= 0)
        return rows;
    QString list;
    list.reserve(count * 9);
    for (qsizetype i = 0; i < count; ++i) {
        if (i > 0)
            list += QLatin1Char(',');
        list += QString::number(ids[i]);
    }
    SqlStatement st(db, QStringLiteral("SELECT ") + QLatin1String(kRowColumns) + QStringLiteral(" FROM alerts a WHERE a.id IN (")
                            + list + QLatin1Char(')'));
    if (!st) {
        *error = st.error();
        return rows;
    }
    QHash<qint64, AlertRow> byId;
    byId.reserve(count);
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
        AlertRow r = readRow(st.get(), store);
        byId.insert(r.id, std::move(r));
    }
    if (rc != SQLITE_DONE) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        return rows;
    }
    rows.reserve(count);
    for (qsizetype i = 0; i < count; ++i) {
        AlertRow r = byId.take(ids[i]);
        r.id = ids[i];
        rows.append(std::move(r));
    }
    return rows;
}

// The snapshot's rows in the table's order, from the column cache (AlertColumnCache::find(store.path())): the rows the
// filter matches (CachedMatch) in the order of sortKeyColumns() (CachedOrder). Null when nobody holds a cache for the
// store or it cannot answer yet (still loading, far behind); the caller reads the base table. With firstPage, the
// first firstPageRows rows of the order are handed to it before the whole order is computed (same snapshot).
// While the cache is being loaded (the window just opened), this waits for it until stale() says the result is no
// longer wanted: the base table's answer to a sort by a column without an index is a sort of every alert, which takes
// far longer than the load and, for the anchor scan, holds the whole sort in memory.
std::shared_ptr<const CachedOrder> orderFromColumnCache(const AlertStore &store, const FilterSql &filter, qint64 maxId,
                                                        int sortColumn, bool descending, int firstPageRows,
                                                        const std::function<void(const CachedOrder &)> &firstPage,
                                                        const std::function<bool()> &stale, QString *error)
{
    const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::find(store.path());
    if (!cache)
        return nullptr;
    while (cache->loading().load() && !stale()) {
        {
            std::shared_lock<std::shared_mutex> read = cache->readLock();
            if (maxId - cache->lastId() <= CachedMatch::MaxCatchUpRows)
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::shared_lock<std::shared_mutex> lock;
    qint64 snapshotMaxId = 0;
    bool usable = false;
    if (!CachedMatch::catchUp(store, *cache, &lock, &snapshotMaxId, &usable, error) || !usable || snapshotMaxId != maxId)
        return nullptr;
    CachedMatch match;
    // The time range is tested on the cached timestamps (as a SQL term it would read every row).
    if (!match.build(store, *cache, filter.withRange(FilterSql::Unbounded, std::numeric_limits<qint64>::max()),
                     cache->rowsUpToId(maxId), error))
        return nullptr;
    CachedOrder::Sort sort;
    sort.keyColumn = sortColumn == AlertTableModel::PriorityColumn ? AlertColumnCache::Priority
        : sortColumn == AlertTableModel::RuleColumn                ? AlertColumnCache::Rule
        : sortColumn == AlertTableModel::HostColumn                ? AlertColumnCache::Host
                                                                   : -1;
    sort.descending = descending;
    sort.fromMs = filter.fromMs();
    sort.toMs = filter.toMs();
    // The first page costs a fraction of the whole order (CachedOrder::first()). Fewer rows than a page: that is the
    // whole order.
    auto first = std::make_shared<const CachedOrder>(CachedOrder::first(*cache, match, sort, firstPageRows));
    if (first->size() < firstPageRows)
        return first;
    if (firstPage)
        firstPage(*first);
    return std::make_shared<const CachedOrder>(CachedOrder::all(*cache, match, sort));
}

// Hands a result to the model's thread; dropped when the model is gone.
template<typename Fn>
void deliver(const QPointer<AlertTableModel> &target, Fn &&fn)
{
    if (AlertTableModel *model = target.data())
        QMetaObject::invokeMethod(model, std::forward<Fn>(fn), Qt::QueuedConnection);
}

} // namespace

AlertTableModel::AlertTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_reader(std::make_unique<StoreReader>())
    , m_countReader(std::make_unique<StoreReader>())
    , m_currentSnapshot(std::make_shared<std::atomic<quint64>>(0))
{
    qRegisterMetaType<fe::AlertRow>();
}

AlertTableModel::~AlertTableModel()
{
    m_currentSnapshot->store(0);   // a job waiting for the column cache stops waiting (generations start at 1)
}

void AlertTableModel::setDatabasePath(const QString &path)
{
    m_path = path;
    m_columnCache = m_columnCacheEnabled ? AlertColumnCache::acquireLoaded(path) : nullptr;
    m_reader->setPath(path);
    m_countReader->setPath(path);
    restart();
}

void AlertTableModel::setFilter(const AlertFilter &filter, qint64 nowMs)
{
    m_filter = filter;
    m_nowMs = nowMs;
    restart();
}

void AlertTableModel::setPageSize(int rows)
{
    m_pageSize = std::max(10, rows);
    restart();
}

void AlertTableModel::setAnchorStride(int rows)
{
    m_anchorStride = std::max(2, rows);
    restart();
}

void AlertTableModel::setWindowRows(int rows)
{
    m_windowRows = std::max(1, rows);
    restart();
}

void AlertTableModel::setWindowStart(qint64 start)
{
    start = std::clamp<qint64>(start, 0, std::max<qint64>(0, snapshotRows() - m_rows));
    if (start == m_windowStart)
        return;
    const qint64 shift = start - m_windowStart;
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList from = persistentIndexList();
    QModelIndexList to;
    to.reserve(from.size());
    for (const QModelIndex &i : from) {
        const qint64 row = i.row() - shift;
        to.append(row >= 0 && row < m_rows ? createIndex(int(row), i.column()) : QModelIndex());
    }
    changePersistentIndexList(from, to);
    m_windowStart = start;
    // (The window only moves over counted rows, so it still holds m_rows; it may now have room for more.)
    const bool growing = m_rows < m_targetRows;
    if (m_total >= 0)
        m_targetRows = int(std::min<qint64>(m_total - m_windowStart, m_windowRows));
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
    if (!growing)
        growRows();   // else the next step is already queued
}

void AlertTableModel::setColumnCacheEnabled(bool on)
{
    m_columnCacheEnabled = on;
    m_columnCache = on ? AlertColumnCache::acquireLoaded(m_path) : nullptr;
    restart();
}

void AlertTableModel::setFirstPageAhead(bool on)
{
    m_firstPageAhead = on;
    restart();
}

void AlertTableModel::setInsertChunk(int rows)
{
    m_insertChunk = std::max(1, rows);
}

void AlertTableModel::setFollowLive(bool on)
{
    m_followLive = on;
    if (on && m_newCount > 0)
        refresh();
}

void AlertTableModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

void AlertTableModel::refresh()
{
    restart();
}

void AlertTableModel::invalidateRows()
{
    if (m_filter.query.contains(QStringLiteral("triage"), Qt::CaseInsensitive) || m_loading) {
        refresh();
        return;
    }
    ++m_generation;   // pages in flight carry the old data
    m_reader->clearPending();
    m_pages.clear();
    m_pageUse.clear();
    m_requested.clear();
    if (m_rows > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
}

void AlertTableModel::restart()
{
    ++m_generation;
    m_snapshotGeneration = m_generation;
    m_currentSnapshot->store(m_generation);
    // Whatever the readers hold or run now is for the old snapshot: a count or a first page of a selective query can
    // take seconds on a big store, and the new one must not wait behind it.
    m_reader->clearPending();
    m_countReader->clearPending();
    m_reader->cancelRunning();
    m_countReader->cancelRunning();
    beginResetModel();
    m_pages.clear();
    m_pageUse.clear();
    m_requested.clear();
    m_rows = 0;
    m_targetRows = 0;
    m_windowStart = 0;
    m_total = -1;
    m_anchors.clear();
    m_anchorsComplete = false;
    m_order.reset();
    endResetModel();
    if (m_newCount != 0) {
        m_newCount = 0;
        Q_EMIT newAlertCountChanged(0);
    }
    m_error.clear();
    m_checkingNew = false;
    if (m_path.isEmpty()) {
        m_total = 0;
        m_anchorsComplete = true;
        Q_EMIT totalCountChanged(0);
        setLoading(false);
        return;
    }
    setLoading(true);
    const qint64 now = m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch();
    const FilterSql filterSql = FilterSql::build(m_filter, now);
    if (!filterSql.ok()) {
        m_error = filterSql.error();
        m_total = 0;
        m_anchorsComplete = true;
        Q_EMIT totalCountChanged(0);
        setLoading(false);
        Q_EMIT queryFailed(m_error);
        return;
    }
    const quint64 generation = m_generation;
    const bool emptyFilter = m_filter.isEmpty();
    PageQuery q;
    q.filter = filterSql;
    q.sortColumn = m_sortColumn;
    q.descending = m_sortOrder == Qt::DescendingOrder;
    q.limit = m_pageSize;
    // The column cache serves the sorts and filters the keyset queries need a column's index for.
    const bool fromColumnCache = m_columnCacheEnabled && (m_sortColumn != TimeColumn || filterSql.hasQuery());
    QPointer<AlertTableModel> self(this);
    // The snapshot (newest id) and the first page are read in one transaction, so they agree.
    const bool firstPageAhead = m_firstPageAhead;
    const std::shared_ptr<std::atomic<quint64>> current = m_currentSnapshot;
    m_reader->post([self, generation, current, q, emptyFilter, fromColumnCache, firstPageAhead](const AlertStore &store) mutable {
        sqlite3 *db = store.handle();
        QString error;
        QVector<AlertRow> rows;
        bool pageAhead = false;   // the first page went ahead of the order
        qint64 total = -1;
        std::shared_ptr<const SnapshotOrder> order;
        if (!db) {
            error = QStringLiteral("the alert store is not open");
        } else {
            sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
            q.maxId = scalar(db, QStringLiteral("SELECT coalesce(max(id), 0) FROM alerts"), nullptr, {}, &error);
            if (fromColumnCache && error.isEmpty()) {
                // The first page of the order costs one pass over the cache; the whole order of a large store several:
                // the page goes ahead. Same transaction, same rows.
                const auto ahead = [&](const CachedOrder &first) {
                    const std::vector<qint64> ids = first.ids(0, first.size());
                    rows = fetchByIds(store, ids.data(), qsizetype(ids.size()), &error);
                    pageAhead = error.isEmpty();
                    if (!pageAhead)
                        return;
                    const qint64 maxId = q.maxId;
                    deliver(self, [self, generation, rows, maxId]() {
                        if (!self || generation != self->m_generation)
                            return;
                        self->m_snapshotMaxId = maxId;
                        self->pageArrived(generation, 0, rows, QString());
                    });
                };
                order = orderFromColumnCache(store, q.filter, q.maxId, q.sortColumn, q.descending, q.limit,
                                             firstPageAhead ? std::function<void(const CachedOrder &)>(ahead) : nullptr,
                                             [&] { return current->load(std::memory_order_relaxed) != generation; },
                                             &error);
                if (!error.isEmpty())
                    order.reset();
            }
            if (order) {
                if (!pageAhead) {
                    const std::vector<qint64> ids = order->ids(0, std::min<qint64>(order->size(), q.limit));
                    rows = fetchByIds(store, ids.data(), qsizetype(ids.size()), &error);
                }
                total = order->size();
            } else if (error.isEmpty()) {
                if (!pageAhead)
                    rows = fetchPage(store, q, &error);
                if (emptyFilter && error.isEmpty())
                    total = store.count({}, &error);
            }
            sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        }
        const qint64 maxId = q.maxId;
        deliver(self, [self, generation, rows, pageAhead, error, maxId, total, q, order]() {
            if (!self || generation != self->m_generation)
                return;
            self->m_snapshotMaxId = maxId;
            self->m_order = order;
            if (!pageAhead || !error.isEmpty())
                self->pageArrived(generation, 0, pageAhead ? QVector<AlertRow>() : rows, error);
            if (!error.isEmpty())
                return;
            if (total >= 0 || rows.size() < q.limit) {
                self->countArrived(generation, total >= 0 ? total : rows.size(), QString());
                return;
            }
            self->m_countReader->post([self, generation, q, maxId](const AlertStore &store) {
                QString error;
                const qint64 n = store.handle()
                    ? scalar(store.handle(), QStringLiteral("SELECT count(*) FROM ") + q.filter.from()
                                 + QStringLiteral(" WHERE (") + q.filter.where() + QStringLiteral(") AND a.id <= ?"),
                             &q.filter, {maxId}, &error)
                    : -1;
                deliver(self, [self, generation, n, error]() {
                    if (self)
                        self->countArrived(generation, n, error);
                });
            });
        });
    });
}

void AlertTableModel::pageArrived(quint64 generation, int page, const QVector<AlertRow> &rows, const QString &error)
{
    if (generation != m_generation)
        return;
    m_requested.remove(page);
    if (!error.isEmpty()) {
        m_error = error;
        m_anchorsComplete = true;
        setLoading(false);
        Q_EMIT queryFailed(error);
        return;
    }
    m_pages.insert(page, rows);
    m_pageUse.removeAll(page);
    m_pageUse.append(page);
    while (m_pageUse.size() > m_maxPages)
        m_pages.remove(m_pageUse.takeFirst());
    const qint64 first = qint64(page) * m_pageSize - m_windowStart;   // in the window
    if (page == 0 && m_rows == 0 && !rows.isEmpty()) {
        beginInsertRows(QModelIndex(), 0, int(std::min<qint64>(rows.size(), m_windowRows)) - 1);
        m_rows = int(std::min<qint64>(rows.size(), m_windowRows));
        m_targetRows = std::max(m_targetRows, m_rows);
        endInsertRows();
    } else if (!rows.isEmpty() && first < m_rows && first + rows.size() > 0) {
        const int from = int(std::max<qint64>(first, 0));
        const int last = int(std::min<qint64>(m_rows - 1, first + rows.size() - 1));
        Q_EMIT dataChanged(index(from, 0), index(last, ColumnCount - 1));
    }
    Q_EMIT pageLoaded(page);
}

void AlertTableModel::countArrived(quint64 generation, qint64 total, const QString &error)
{
    if (generation != m_snapshotGeneration)
        return;
    setLoading(false);
    if (!error.isEmpty() || total < 0) {
        m_error = error;
        m_anchorsComplete = true;
        Q_EMIT queryFailed(error);
        return;
    }
    m_total = total;
    m_targetRows = int(std::clamp<qint64>(total - m_windowStart, 0, m_windowRows));
    if (m_targetRows < m_rows) {
        beginRemoveRows(QModelIndex(), m_targetRows, m_rows - 1);
        m_rows = m_targetRows;
        endRemoveRows();
    }
    growRows();
    Q_EMIT totalCountChanged(total);
    startAnchorScan();
}

void AlertTableModel::growRows()
{
    if (m_rows >= m_targetRows)
        return;
    const int last = int(std::min<qint64>(m_targetRows, qint64(m_rows) + m_insertChunk)) - 1;
    beginInsertRows(QModelIndex(), m_rows, last);
    m_rows = last + 1;
    endInsertRows();
    if (m_rows < m_targetRows) {
        // The next step after the event loop had its turn (paint, input).
        const quint64 generation = m_snapshotGeneration;
        QMetaObject::invokeMethod(this, [this, generation]() {
            if (generation == m_snapshotGeneration)
                growRows();
        }, Qt::QueuedConnection);
    }
}

void AlertTableModel::startAnchorScan()
{
    // (The column cache's snapshot reads any page by id: no anchors needed.)
    if (m_order || m_total <= m_anchorStride) {   // every row is less than a stride from the start
        m_anchorsComplete = true;
        Q_EMIT anchorsChanged(0, true);
        return;
    }
    AnchorScan scan;
    scan.filter = FilterSql::build(m_filter, m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch());
    scan.maxId = m_snapshotMaxId;
    scan.sortColumn = m_sortColumn;
    scan.descending = m_sortOrder == Qt::DescendingOrder;
    scan.stride = m_anchorStride;
    const quint64 generation = m_snapshotGeneration;
    const std::shared_ptr<std::atomic<quint64>> current = m_currentSnapshot;
    QPointer<AlertTableModel> self(this);
    m_countReader->post([self, generation, current, scan](const AlertStore &store) {
        auto stale = [&current, generation] { return current->load(std::memory_order_relaxed) != generation; };
        auto emitBatch = [self, generation](const QVector<QVariantList> &keys, bool complete) {
            deliver(self, [self, generation, keys, complete]() {
                if (self)
                    self->anchorsArrived(generation, keys, complete, QString());
            });
        };
        QString error;
        if (!store.handle())
            error = QStringLiteral("the alert store is not open");
        else if (!scanAnchors(store.handle(), scan, stale, emitBatch, &error) && error.isEmpty())
            return;   // stale: nobody waits for it
        if (!error.isEmpty()) {
            deliver(self, [self, generation, error]() {
                if (self)
                    self->anchorsArrived(generation, {}, true, error);
            });
        }
    }, QStringLiteral("anchors"));
}

void AlertTableModel::anchorsArrived(quint64 generation, const QVector<QVariantList> &keys, bool complete,
                                     const QString &error)
{
    if (generation != m_snapshotGeneration)
        return;
    // Without anchors far jumps still work (from the last anchor or the end, with a longer OFFSET): not fatal.
    if (!error.isEmpty())
        qCWarning(lcTable) << "anchor scan failed:" << error;
    m_anchors += keys;
    m_anchorsComplete = complete;
    Q_EMIT anchorsChanged(int(m_anchors.size()), complete);
}

void AlertTableModel::requestPage(int page) const
{
    if (m_requested.contains(page) || m_pages.contains(page) || m_path.isEmpty())
        return;
    auto *self = const_cast<AlertTableModel *>(this);
    // A jump (scrollbar dragged far away) makes the pages still queued for the old position useless: drop them so
    // the visible page is not stuck behind slow OFFSET queries. The snapshot job is done once rows exist.
    bool nearPending = false;
    for (int p : std::as_const(m_requested))
        nearPending = nearPending || std::abs(p - page) <= 2;
    if (!nearPending && !m_requested.isEmpty() && m_rows > 0) {
        m_reader->clearPending();
        m_requested.clear();
    }
    m_requested.insert(page);
    const quint64 generation = m_generation;
    QPointer<AlertTableModel> guard(self);
    if (m_order) {
        const qint64 first = std::min<qint64>(qint64(page) * m_pageSize, m_order->size());
        const qint64 count = std::min<qint64>(m_pageSize, m_order->size() - first);
        m_reader->post([guard, generation, page, order = m_order, first, count](const AlertStore &store) {
            QString error;
            const std::vector<qint64> ids = order->ids(first, count);
            const QVector<AlertRow> rows = store.handle()
                ? fetchByIds(store, ids.data(), qsizetype(ids.size()), &error)
                : QVector<AlertRow>();
            deliver(guard, [guard, generation, page, rows, error]() {
                if (guard)
                    guard->pageArrived(generation, page, rows, error);
            });
        }, QStringLiteral("page:%1").arg(page));
        return;
    }
    PageQuery q;
    q.filter = FilterSql::build(m_filter, m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch());
    q.maxId = m_snapshotMaxId;
    q.sortColumn = m_sortColumn;
    q.descending = m_sortOrder == Qt::DescendingOrder;
    q.limit = m_pageSize;
    if (const auto prev = m_pages.constFind(page - 1); prev != m_pages.cend() && prev->size() == m_pageSize) {
        q.anchor = sortKeyValues(m_sortColumn, q.descending, prev->last());
    } else if (const auto nextPage = m_pages.constFind(page + 1); nextPage != m_pages.cend() && !nextPage->isEmpty()) {
        q.anchor = sortKeyValues(m_sortColumn, q.descending, nextPage->first());
        q.backward = true;
    } else {
        // A far jump: from the anchor before the page (OFFSET < stride), or backwards from the end of the snapshot
        // when that skips fewer rows (the last pages; End while the anchor scan has not got there yet). Before the
        // scan reaches the page, from the last anchor known.
        const qint64 first = qint64(page) * m_pageSize;
        const qint64 block = std::min<qint64>(first / m_anchorStride, m_anchors.size());
        if (block > 0)
            q.anchor = m_anchors.at(block - 1);
        q.offset = first - block * m_anchorStride;
        if (m_total >= 0) {
            const qint64 count = std::min<qint64>(m_pageSize, m_total - first);
            const qint64 fromEnd = m_total - first - count;
            if (count > 0 && fromEnd < q.offset) {
                q.anchor.clear();
                q.offset = fromEnd;
                q.limit = int(count);
                q.backward = true;
            }
        }
    }
    // (A page job made stale by restart() is interrupted there; one made stale by invalidateRows() is short.)
    m_reader->post([guard, generation, page, q](const AlertStore &store) {
        QString error;
        const QVector<AlertRow> rows = store.handle() ? fetchPage(store, q, &error) : QVector<AlertRow>();
        deliver(guard, [guard, generation, page, rows, error]() {
            if (guard)
                guard->pageArrived(generation, page, rows, error);
        });
    }, QStringLiteral("page:%1").arg(page));
}

void AlertTableModel::checkForNewAlerts()
{
    if (m_path.isEmpty() || m_checkingNew || m_loading || !m_error.isEmpty())
        return;
    m_checkingNew = true;
    const FilterSql filterSql = FilterSql::build(m_filter, m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch());
    const qint64 snapshot = m_snapshotMaxId;
    const quint64 generation = m_snapshotGeneration;
    QPointer<AlertTableModel> self(this);
    m_countReader->post([self, generation, filterSql, snapshot](const AlertStore &store) {
        QString error;
        qint64 n = 0;
        if (sqlite3 *db = store.handle()) {
            const qint64 newest = scalar(db, QStringLiteral("SELECT coalesce(max(id), 0) FROM alerts"), nullptr, {}, &error);
            if (newest > snapshot) {
                n = scalar(db, QStringLiteral("SELECT count(*) FROM ") + filterSql.from() + QStringLiteral(" WHERE (")
                               + filterSql.where() + QStringLiteral(") AND a.id > ?"),
                           &filterSql, {snapshot}, &error);
            }
        }
        deliver(self, [self, generation, n]() {
            if (!self)
                return;
            self->m_checkingNew = false;
            if (generation != self->m_snapshotGeneration)
                return;
            if (n > 0 && self->m_followLive) {
                self->refresh();
                return;
            }
            if (n != self->m_newCount) {
                self->m_newCount = n;
                Q_EMIT self->newAlertCountChanged(n);
            }
        });
    }, QStringLiteral("new"));
}

const AlertRow *AlertTableModel::rowAt(int row) const
{
    if (row < 0 || row >= m_rows)
        return nullptr;
    return rowAtSnapshot(m_windowStart + row);
}

const AlertRow *AlertTableModel::rowAtSnapshot(qint64 row) const
{
    const int page = int(row / m_pageSize);
    const auto it = m_pages.constFind(page);
    if (it == m_pages.cend()) {
        requestPage(page);
        return nullptr;
    }
    const int offset = int(row % m_pageSize);
    if (offset >= it->size())
        return nullptr;
    if (m_pageUse.isEmpty() || m_pageUse.last() != page) {
        m_pageUse.removeAll(page);
        m_pageUse.append(page);
    }
    return &it->at(offset);
}

bool AlertTableModel::isRowLoaded(int row) const
{
    if (row < 0 || row >= m_rows)
        return false;
    const qint64 snapshotRow = m_windowStart + row;
    const auto it = m_pages.constFind(int(snapshotRow / m_pageSize));
    return it != m_pages.cend() && snapshotRow % m_pageSize < it->size();
}

qint64 AlertTableModel::idAt(int row) const
{
    const AlertRow *r = rowAt(row);
    return r ? r->id : 0;
}

int AlertTableModel::rowOfId(qint64 id) const
{
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
        for (int i = 0; i < it->size(); ++i) {
            const qint64 row = qint64(it.key()) * m_pageSize + i - m_windowStart;
            if (it->at(i).id == id && row >= 0 && row < m_rows)
                return int(row);
        }
    }
    return -1;
}

int AlertTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int AlertTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AlertTableModel::columnField(int column)
{
    switch (column) {
    case TimeColumn: return QStringLiteral("@timestamp");
    case PriorityColumn: return QStringLiteral("priority");
    case RuleColumn: return QStringLiteral("rule.name");
    case HostColumn: return QStringLiteral("host.name");
    case ContainerColumn: return QStringLiteral("container.name");
    case ProcessColumn: return QStringLiteral("process.name");
    case UserColumn: return QStringLiteral("process.user.name");
    case TriageColumn: return QStringLiteral("triage.status");
    default: return QString();
    }
}

bool AlertTableModel::isSortable(int column)
{
    return column == TimeColumn || column == PriorityColumn || column == RuleColumn || column == HostColumn;
}

QVariant AlertTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows || index.column() >= ColumnCount)
        return QVariant();
    const AlertRow *r = rowAt(index.row());
    if (role == LoadedRole)
        return r != nullptr;
    if (!r)
        return role == Qt::DisplayRole && index.column() == OutputColumn ? QVariant(tr("Loading…")) : QVariant();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(r->timestampMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case PriorityColumn: return priorityName(r->priority);
        case RuleColumn: return r->rule;
        case HostColumn: return r->host;
        case ContainerColumn:
            if (!r->pod.isEmpty())
                return r->namespaceName.isEmpty() ? r->pod : r->namespaceName + u'/' + r->pod;
            return r->containerName;
        case ProcessColumn:
            return role == Qt::ToolTipRole && !r->commandLine.isEmpty() ? r->commandLine : r->process;
        case UserColumn: return r->user;
        case OutputColumn: {
            if (role == Qt::ToolTipRole)
                return r->output;
            // Falco prefixes the output with its own time and priority, which the table already shows.
            static const QRegularExpression prefix(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+-]?\\d*Z?:\\s+\\w+\\s+"));
            const auto m = prefix.match(r->output);
            const qsizetype from = m.hasMatch() ? m.capturedLength() : 0;
            return r->output.mid(from, kMaxCellText);
        }
        case TriageColumn: {
            static const QStringList labels = {tr("New"), tr("Acknowledged"), tr("In progress"), tr("Closed"),
                                               tr("False positive")};
            return labels.value(r->triage);
        }
        default: break;
        }
        break;
    case IdRole: return r->id;
    case TimestampRole: return r->timestampMs;
    case PriorityRole: return int(r->priority);
    case TriageRole: return r->triage;
    case FilterFieldRole:
        if (index.column() == ContainerColumn && !r->pod.isEmpty())
            return QStringLiteral("orchestrator.resource.name");
        return columnField(index.column());
    case FilterValueRole:
        switch (index.column()) {
        case PriorityColumn: return priorityName(r->priority).toLower();
        case RuleColumn: return r->rule;
        case HostColumn: return r->host;
        case ContainerColumn: return r->pod.isEmpty() ? r->containerName : r->pod;
        case ProcessColumn: return r->process;
        case UserColumn: return r->user;
        case TriageColumn: return triageStatusNames().value(r->triage);
        default: return QVariant();
        }
    default: break;
    }
    return QVariant();
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        static const QStringList names = {tr("Time"), tr("Priority"), tr("Rule"), tr("Host"), tr("Container / pod"),
                                          tr("Process"), tr("User"), tr("Output"), tr("Triage")};
        return names.at(section);
    }
    if (role == Qt::ToolTipRole)
        return isSortable(section) ? tr("Click to sort") : tr("Not sortable");
    return QVariant();
}

void AlertTableModel::sort(int column, Qt::SortOrder order)
{
    if (!isSortable(column) || (column == m_sortColumn && order == m_sortOrder))
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    restart();
}

void AlertTableModel::waitForIdle()
{
    for (int i = 0; i < 1000; ++i) {
        m_reader->waitForIdle();
        m_countReader->waitForIdle();
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        m_reader->waitForIdle();
        m_countReader->waitForIdle();
        if (!m_loading && m_requested.isEmpty() && !m_checkingNew && m_rows == m_targetRows && m_anchorsComplete)
            return;
    }
}

} // namespace fe
