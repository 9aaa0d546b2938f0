// SPDX-License-Identifier: Apache-2.0
#include "model/alerttablemodel.h"

#include "model/filtersql.h"
#include "model/storereader.h"
#include "model/querylanguage.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>
#include <QRegularExpression>

#include <sqlite3.h>

#include <atomic>

namespace fe {

namespace {

constexpr const char *kRowColumns =
    "a.id, a.ts, a.priority, a.severity, a.triage, a.rule, a.host, a.container_name, a.pod, a.namespace, a.image, "
    "a.process, a.cmdline, a.user_name, a.tags, (SELECT output FROM alert_fts WHERE rowid = a.id)";

QString text(sqlite3_stmt *st, int column)
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, column));
    return p ? QString::fromUtf8(p, sqlite3_column_bytes(st, column)) : QString();
}

AlertRow readRow(sqlite3_stmt *st)
{
    AlertRow r;
    r.id = sqlite3_column_int64(st, 0);
    r.timestampMs = sqlite3_column_int64(st, 1);
    r.priority = Priority(std::clamp(sqlite3_column_int(st, 2), 0, int(Priority::Unknown)));
    r.severity = sqlite3_column_int(st, 3);
    r.triage = sqlite3_column_int(st, 4);
    r.rule = text(st, 5);
    r.host = text(st, 6);
    r.containerName = text(st, 7);
    r.pod = text(st, 8);
    r.namespaceName = text(st, 9);
    r.image = text(st, 10);
    r.process = text(st, 11);
    r.commandLine = text(st, 12);
    r.user = text(st, 13);
    r.tags = text(st, 14);
    r.output = text(st, 15);
    return r;
}

QStringList sortKeyColumns(int column)
{
    switch (column) {
    case AlertTableModel::PriorityColumn: return {QStringLiteral("a.priority"), QStringLiteral("a.ts"), QStringLiteral("a.id")};
    case AlertTableModel::RuleColumn: return {QStringLiteral("a.rule"), QStringLiteral("a.ts"), QStringLiteral("a.id")};
    case AlertTableModel::HostColumn: return {QStringLiteral("a.host"), QStringLiteral("a.ts"), QStringLiteral("a.id")};
    default: return {QStringLiteral("a.ts"), QStringLiteral("a.id")};
    }
}

QVariantList sortKeyValues(int column, const AlertRow &r)
{
    switch (column) {
    case AlertTableModel::PriorityColumn: return {int(r.priority), r.timestampMs, r.id};
    case AlertTableModel::RuleColumn: return {r.rule, r.timestampMs, r.id};
    case AlertTableModel::HostColumn: return {r.host, r.timestampMs, r.id};
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

struct PageQuery
{
    FilterSql filter;
    qint64 maxId = 0;
    int sortColumn = AlertTableModel::TimeColumn;
    bool descending = true;
    int limit = 200;
    qint64 offset = 0;
    QVariantList anchor;      // sort key of the row before (forward) or after (backward) the page
    bool backward = false;    // anchor is the first row of the next page
};

// Runs one page query on the reader's connection.
QVector<AlertRow> fetchPage(sqlite3 *db, const PageQuery &q, QString *error)
{
    QVector<AlertRow> rows;
    const QStringList keys = sortKeyColumns(q.sortColumn);
    const bool desc = q.backward ? !q.descending : q.descending;
    QString sql = QStringLiteral("SELECT ") + QLatin1String(kRowColumns) + QStringLiteral(" FROM ") + q.filter.from()
        + QStringLiteral(" WHERE (") + q.filter.where() + QStringLiteral(") AND a.id <= ?");
    if (!q.anchor.isEmpty()) {
        QStringList marks;
        for (int i = 0; i < keys.size(); ++i)
            marks << QStringLiteral("?");
        sql += QStringLiteral(" AND (%1) %2 (%3)").arg(keys.join(QStringLiteral(", ")), desc ? QStringLiteral("<") : QStringLiteral(">"),
                                                        marks.join(QStringLiteral(", ")));
    }
    QStringList order;
    for (const QString &k : keys)
        order << k + (desc ? QStringLiteral(" DESC") : QStringLiteral(" ASC"));
    sql += QStringLiteral(" ORDER BY ") + order.join(QStringLiteral(", ")) + QStringLiteral(" LIMIT ?");
    if (q.anchor.isEmpty() && q.offset > 0)
        sql += QStringLiteral(" OFFSET ?");
    sqlite3_stmt *st = nullptr;
    const QByteArray utf8 = sql.toUtf8();
    if (sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &st, nullptr) != SQLITE_OK) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        return rows;
    }
    int index = q.filter.bind(st, 1);
    bool ok = index > 0 && sqlite3_bind_int64(st, index++, q.maxId) == SQLITE_OK;
    for (const QVariant &v : q.anchor)
        ok = ok && bindValue(st, index++, v);
    ok = ok && sqlite3_bind_int(st, index++, q.limit) == SQLITE_OK;
    if (q.anchor.isEmpty() && q.offset > 0)
        ok = ok && sqlite3_bind_int64(st, index++, q.offset) == SQLITE_OK;
    if (!ok) {
        *error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return rows;
    }
    rows.reserve(q.limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        rows.append(readRow(st));
    if (rc != SQLITE_DONE)
        *error = QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (q.backward)
        std::reverse(rows.begin(), rows.end());
    return rows;
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
{
    qRegisterMetaType<fe::AlertRow>();
}

AlertTableModel::~AlertTableModel() = default;

void AlertTableModel::setDatabasePath(const QString &path)
{
    m_path = path;
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
    m_reader->clearPending();
    m_countReader->clearPending();
    beginResetModel();
    m_pages.clear();
    m_pageUse.clear();
    m_requested.clear();
    m_rows = 0;
    m_total = -1;
    endResetModel();
    if (m_newCount != 0) {
        m_newCount = 0;
        Q_EMIT newAlertCountChanged(0);
    }
    m_error.clear();
    m_checkingNew = false;
    if (m_path.isEmpty()) {
        m_total = 0;
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
    QPointer<AlertTableModel> self(this);
    // The snapshot (newest id) and the first page are read in one transaction, so they agree.
    m_reader->post([self, generation, q, emptyFilter](const AlertStore &store) mutable {
        sqlite3 *db = store.handle();
        QString error;
        QVector<AlertRow> rows;
        qint64 total = -1;
        if (!db) {
            error = QStringLiteral("the alert store is not open");
        } else {
            sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
            q.maxId = scalar(db, QStringLiteral("SELECT coalesce(max(id), 0) FROM alerts"), nullptr, {}, &error);
            rows = fetchPage(db, q, &error);
            if (emptyFilter && error.isEmpty())
                total = store.count({}, &error);
            sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        }
        const qint64 maxId = q.maxId;
        deliver(self, [self, generation, rows, error, maxId, total, q]() {
            if (!self || generation != self->m_generation)
                return;
            self->m_snapshotMaxId = maxId;
            self->pageArrived(generation, 0, rows, error);
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
        setLoading(false);
        Q_EMIT queryFailed(error);
        return;
    }
    m_pages.insert(page, rows);
    m_pageUse.removeAll(page);
    m_pageUse.append(page);
    while (m_pageUse.size() > m_maxPages)
        m_pages.remove(m_pageUse.takeFirst());
    const int first = page * m_pageSize;
    if (page == 0 && m_rows == 0 && !rows.isEmpty()) {
        beginInsertRows(QModelIndex(), 0, int(rows.size()) - 1);
        m_rows = int(rows.size());
        endInsertRows();
    } else if (!rows.isEmpty() && first < m_rows) {
        const int last = std::min(m_rows - 1, first + int(rows.size()) - 1);
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
    Q_EMIT pageLoaded(page);
}

void AlertTableModel::countArrived(quint64 generation, qint64 total, const QString &error)
{
    if (generation != m_generation)
        return;
    setLoading(false);
    if (!error.isEmpty() || total < 0) {
        m_error = error;
        Q_EMIT queryFailed(error);
        return;
    }
    m_total = total;
    const int rows = int(std::min<qint64>(total, std::numeric_limits<int>::max()));
    if (rows > m_rows) {
        beginInsertRows(QModelIndex(), m_rows, rows - 1);
        m_rows = rows;
        endInsertRows();
    } else if (rows < m_rows) {
        beginRemoveRows(QModelIndex(), rows, m_rows - 1);
        m_rows = rows;
        endRemoveRows();
    }
    Q_EMIT totalCountChanged(total);
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
    PageQuery q;
    q.filter = FilterSql::build(m_filter, m_nowMs > 0 ? m_nowMs : QDateTime::currentMSecsSinceEpoch());
    q.maxId = m_snapshotMaxId;
    q.sortColumn = m_sortColumn;
    q.descending = m_sortOrder == Qt::DescendingOrder;
    q.limit = m_pageSize;
    if (const auto prev = m_pages.constFind(page - 1); prev != m_pages.cend() && prev->size() == m_pageSize) {
        q.anchor = sortKeyValues(m_sortColumn, prev->last());
    } else if (const auto nextPage = m_pages.constFind(page + 1); nextPage != m_pages.cend() && !nextPage->isEmpty()) {
        q.anchor = sortKeyValues(m_sortColumn, nextPage->first());
        q.backward = true;
    } else {
        q.offset = qint64(page) * m_pageSize;
    }
    const quint64 generation = m_generation;
    QPointer<AlertTableModel> guard(self);
    m_reader->post([guard, generation, page, q](const AlertStore &store) {
        QString error;
        const QVector<AlertRow> rows = store.handle() ? fetchPage(store.handle(), q, &error) : QVector<AlertRow>();
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
    const quint64 generation = m_generation;
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
            if (generation != self->m_generation)
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
    const int page = row / m_pageSize;
    const auto it = m_pages.constFind(page);
    if (it == m_pages.cend()) {
        requestPage(page);
        return nullptr;
    }
    const int offset = row % m_pageSize;
    if (offset >= it->size())
        return nullptr;
    if (m_pageUse.isEmpty() || m_pageUse.last() != page) {
        m_pageUse.removeAll(page);
        m_pageUse.append(page);
    }
    return &it->at(offset);
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
            if (it->at(i).id == id)
                return it.key() * m_pageSize + i;
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
            return m.hasMatch() ? r->output.mid(m.capturedLength()) : r->output;
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
        if (!m_loading && m_requested.isEmpty() && !m_checkingNew)
            return;
    }
}

} // namespace fe
