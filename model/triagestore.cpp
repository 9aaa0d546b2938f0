// SPDX-License-Identifier: Apache-2.0
#include "model/triagestore.h"

#include "model/filtersql.h"

#include <QDateTime>

#include <sqlite3.h>

namespace fe {

namespace {

class Stmt
{
public:
    Stmt(sqlite3 *db, const QString &sql)
        : m_db(db)
    {
        const QByteArray utf8 = sql.toUtf8();
        if (db)
            sqlite3_prepare_v2(db, utf8.constData(), int(utf8.size()), &m_st, nullptr);
    }
    ~Stmt() { sqlite3_finalize(m_st); }
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;
    sqlite3_stmt *get() const { return m_st; }
    explicit operator bool() const { return m_st != nullptr; }
    QString error() const { return m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QStringLiteral("the alert store is not open"); }

private:
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_st = nullptr;
};

void bindText(sqlite3_stmt *st, int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text64(st, index, utf8.constData(), sqlite3_uint64(utf8.size()), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails).
template<typename Fn>
qint64 inTransaction(sqlite3 *db, QString *error, Fn &&fn)
{
    if (!db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return -1;
    }
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return -1;
    }
    const qint64 n = fn();
    if (n < 0 || sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        if (error && error->isEmpty())
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return -1;
    }
    return n;
}

} // namespace

TriageStore::TriageStore(const AlertStore &store)
    : m_store(store)
{
}

QString TriageStore::statusName(TriageStatus status)
{
    switch (status) {
    case TriageStatus::New: return QStringLiteral("new");
    case TriageStatus::Acknowledged: return QStringLiteral("acknowledged");
    case TriageStatus::InProgress: return QStringLiteral("in_progress");
    case TriageStatus::Closed: return QStringLiteral("closed");
    case TriageStatus::FalsePositive: return QStringLiteral("false_positive");
    }
    return QStringLiteral("new");
}

QString TriageStore::statusLabel(TriageStatus status)
{
    switch (status) {
    case TriageStatus::New: return QStringLiteral("New");
    case TriageStatus::Acknowledged: return QStringLiteral("Acknowledged");
    case TriageStatus::InProgress: return QStringLiteral("In progress");
    case TriageStatus::Closed: return QStringLiteral("Closed");
    case TriageStatus::FalsePositive: return QStringLiteral("False positive");
    }
    return QStringLiteral("New");
}

qint64 TriageStore::setStatus(const QVector<qint64> &alertIds, TriageStatus status, QString *error) const
{
    sqlite3 *db = m_store.handle();
    return inTransaction(db, error, [&]() -> qint64 {
        Stmt st(db, QStringLiteral("UPDATE alerts SET triage = ? WHERE id = ? AND triage <> ?"));
        if (!st) {
            if (error)
                *error = st.error();
            return -1;
        }
        qint64 changed = 0;
        for (qint64 id : alertIds) {
            sqlite3_reset(st.get());
            sqlite3_bind_int(st.get(), 1, int(status));
            sqlite3_bind_int64(st.get(), 2, id);
            sqlite3_bind_int(st.get(), 3, int(status));
            if (sqlite3_step(st.get()) != SQLITE_DONE) {
                if (error)
                    *error = st.error();
                return -1;
            }
            changed += sqlite3_changes(db);
        }
        return changed;
    });
}

qint64 TriageStore::setStatus(const AlertFilter &filter, TriageStatus status, QString *error, qint64 nowMs) const
{
    const FilterSql f = FilterSql::build(filter, nowMs);
    if (!f.ok()) {
        if (error)
            *error = f.error();
        return -1;
    }
    sqlite3 *db = m_store.handle();
    return inTransaction(db, error, [&]() -> qint64 {
        Stmt st(db, QStringLiteral("UPDATE alerts SET triage = ? WHERE triage <> ? AND id IN (SELECT a.id FROM ")
                        + f.from() + QStringLiteral(" WHERE ") + f.where() + u')');
        if (!st) {
            if (error)
                *error = st.error();
            return -1;
        }
        sqlite3_bind_int(st.get(), 1, int(status));
        sqlite3_bind_int(st.get(), 2, int(status));
        if (f.bind(st.get(), 3) < 0 || sqlite3_step(st.get()) != SQLITE_DONE) {
            if (error)
                *error = st.error();
            return -1;
        }
        return sqlite3_changes(db);
    });
}

TriageStatus TriageStore::status(qint64 alertId) const
{
    Stmt st(m_store.handle(), QStringLiteral("SELECT triage FROM alerts WHERE id = ?"));
    if (!st)
        return TriageStatus::New;
    sqlite3_bind_int64(st.get(), 1, alertId);
    if (sqlite3_step(st.get()) != SQLITE_ROW)
        return TriageStatus::New;
    return TriageStatus(std::clamp(sqlite3_column_int(st.get(), 0), 0, 4));
}

qint64 TriageStore::addNote(const QVector<qint64> &alertIds, const QString &author, const QString &text,
                            qint64 timestampMs, QString *error) const
{
    sqlite3 *db = m_store.handle();
    const qint64 ts = timestampMs > 0 ? timestampMs : QDateTime::currentMSecsSinceEpoch();
    return inTransaction(db, error, [&]() -> qint64 {
        Stmt st(db, QStringLiteral("INSERT INTO alert_notes(alert_id, author, ts, text) SELECT id, ?, ?, ? FROM alerts WHERE id = ?"));
        if (!st) {
            if (error)
                *error = st.error();
            return -1;
        }
        qint64 added = 0;
        for (qint64 id : alertIds) {
            sqlite3_reset(st.get());
            bindText(st.get(), 1, author);
            sqlite3_bind_int64(st.get(), 2, ts);
            bindText(st.get(), 3, text);
            sqlite3_bind_int64(st.get(), 4, id);
            if (sqlite3_step(st.get()) != SQLITE_DONE) {
                if (error)
                    *error = st.error();
                return -1;
            }
            added += sqlite3_changes(db);
        }
        return added;
    });
}

qint64 TriageStore::addNote(const AlertFilter &filter, const QString &author, const QString &text, qint64 timestampMs,
                            QString *error, qint64 nowMs) const
{
    const FilterSql f = FilterSql::build(filter, nowMs);
    if (!f.ok()) {
        if (error)
            *error = f.error();
        return -1;
    }
    sqlite3 *db = m_store.handle();
    const qint64 ts = timestampMs > 0 ? timestampMs : QDateTime::currentMSecsSinceEpoch();
    return inTransaction(db, error, [&]() -> qint64 {
        Stmt st(db, QStringLiteral("INSERT INTO alert_notes(alert_id, author, ts, text) SELECT a.id, ?, ?, ? FROM ")
                        + f.from() + QStringLiteral(" WHERE ") + f.where());
        if (!st) {
            if (error)
                *error = st.error();
            return -1;
        }
        bindText(st.get(), 1, author);
        sqlite3_bind_int64(st.get(), 2, ts);
        bindText(st.get(), 3, text);
        if (f.bind(st.get(), 4) < 0 || sqlite3_step(st.get()) != SQLITE_DONE) {
            if (error)
                *error = st.error();
            return -1;
        }
        return sqlite3_changes(db);
    });
}

QVector<TriageNote> TriageStore::notes(qint64 alertId) const
{
    QVector<TriageNote> out;
    Stmt st(m_store.handle(), QStringLiteral("SELECT id, alert_id, author, ts, text FROM alert_notes WHERE alert_id = ? ORDER BY ts, id"));
    if (!st)
        return out;
    sqlite3_bind_int64(st.get(), 1, alertId);
    while (sqlite3_step(st.get()) == SQLITE_ROW) {
        TriageNote n;
        n.id = sqlite3_column_int64(st.get(), 0);
        n.alertId = sqlite3_column_int64(st.get(), 1);
        n.author = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st.get(), 2)));
        n.timestampMs = sqlite3_column_int64(st.get(), 3);
        n.text = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st.get(), 4)));
        out.append(n);
    }
    return out;
}

} // namespace fe
