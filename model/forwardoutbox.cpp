// SPDX-License-Identifier: Apache-2.0
#include "model/forwardoutbox.h"

#include "model/dedupekey.h"
#include "model/recordreader.h"
#include "model/schema.h"

#include <QDateTime>
#include <QFileInfo>

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <limits>

namespace fe {

namespace {

// A prepared statement that finalizes itself.
class Stmt
{
public:
    Stmt(sqlite3 *db, const char *sql)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            m_stmt = nullptr;
    }
    ~Stmt() { sqlite3_finalize(m_stmt); }
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;
    explicit operator bool() const { return m_stmt != nullptr; }
    sqlite3_stmt *get() const { return m_stmt; }
    void bind(int i, qint64 v) { sqlite3_bind_int64(m_stmt, i, v); }
    void bind(int i, const QByteArray &v) { sqlite3_bind_text(m_stmt, i, v.constData(), int(v.size()), SQLITE_TRANSIENT); }
    void bind(int i, const QString &v) { bind(i, v.toUtf8()); }
    bool step() { return sqlite3_step(m_stmt) == SQLITE_ROW; }
    bool exec()
    {
        const int rc = sqlite3_step(m_stmt);
        sqlite3_reset(m_stmt);
        return rc == SQLITE_DONE || rc == SQLITE_ROW;
    }
    void reset() { sqlite3_reset(m_stmt); }
    qint64 i64(int c) const { return sqlite3_column_int64(m_stmt, c); }
    QByteArray bytes(int c) const
    {
        const void *p = sqlite3_column_blob(m_stmt, c);
        return p ? QByteArray(static_cast<const char *>(p), sqlite3_column_bytes(m_stmt, c)) : QByteArray();
    }
    QString text(int c) const { return QString::fromUtf8(bytes(c)); }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

struct ForwardOutbox::Private
{
    sqlite3 *db = nullptr;
    std::unique_ptr<RecordReader> reader;   // the documents are derived from the stored records
    QString target;
    QByteArray targetUtf8;

    QString lastError() const { return db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("not open"); }
    bool exec(const char *sql, QString *error = nullptr)
    {
        char *message = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK)
            return true;
        if (error)
            *error = message ? QString::fromUtf8(message) : lastError();
        sqlite3_free(message);
        return false;
    }
    // The derived document of the record in four columns of stmt from first; empty + problem when it cannot be read.
    QByteArray document(qint64 id, sqlite3_stmt *stmt, int first, QString *problem)
    {
        StoredRecord record;
        DerivedAlert derived;
        if (!reader->load(id, stmt, first, &record, problem) || !reader->derive(record, &derived, problem))
            return {};
        return derived.ecsJson;
    }
    qint64 scalar(const char *sql, qint64 arg = 0, bool withArg = false) const
    {
        Stmt s(db, sql);
        if (!s)
            return 0;
        s.bind(1, targetUtf8);
        if (withArg)
            s.bind(2, arg);
        return s.step() ? s.i64(0) : 0;
    }
};

ForwardOutbox::ForwardOutbox()
    : d(std::make_unique<Private>())
{
}

ForwardOutbox::~ForwardOutbox()
{
    close();
}

bool ForwardOutbox::open(const QString &path, const QString &target, QString *error)
{
    close();
    if (!QFileInfo::exists(path)) {
        if (error)
            *error = QStringLiteral("no alert store at %1").arg(path);
        return false;
    }
    if (sqlite3_open_v2(path.toUtf8().constData(), &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2").arg(path, d->lastError());
        close();
        return false;
    }
    QString step;
    // The outbox is a second writer next to the ingest writer: WAL plus a busy timeout make that safe, and
    // its transactions are a few rows each.
    // Migration 2 creates the outbox tables (forwardOutboxSql).
    if (!Schema::configure(d->db, false, &step) || !Schema::migrate(d->db, &step)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, step);
        close();
        return false;
    }
    // The span table is the outbox's own (see forwardSpanSql). A memory map lets the forwarder read the stored
    // records without a copy per page (pread), per connection only.
    if (!d->exec(forwardSpanSql, &step) || !d->exec("PRAGMA mmap_size=268435456", &step)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, step);
        close();
        return false;
    }
    d->reader = std::make_unique<RecordReader>(d->db);
    d->target = target;
    d->targetUtf8 = target.toUtf8();
    Stmt insert(d->db, "INSERT OR IGNORE INTO forward_target(target, updated) VALUES(?1, ?2)");
    insert.bind(1, d->targetUtf8);
    insert.bind(2, nowMs());
    if (!insert || !insert.exec()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, d->lastError());
        close();
        return false;
    }
    return true;
}

void ForwardOutbox::close()
{
    d->reader.reset();
    if (d->db)
        sqlite3_close_v2(d->db);
    d->db = nullptr;
}

bool ForwardOutbox::isOpen() const
{
    return d->db != nullptr;
}

QString ForwardOutbox::target() const
{
    return d->target;
}

qint64 ForwardOutbox::cursor() const
{
    if (!d->db)
        return 0;
    return d->scalar("SELECT cursor FROM forward_target WHERE target = ?1");
}

QVector<ForwardOutbox::Item> ForwardOutbox::takeDue(int limit, qint64 now)
{
    QVector<Item> items;
    if (!d->db || limit <= 0)
        return items;
    Stmt s(d->db,
           "SELECT f.alert_id, f.attempts, a.dedupe, a.id IS NULL, a.record, a.origin, a.byte_offset, a.received "
           "FROM forward_item f LEFT JOIN alerts a ON a.id = f.alert_id "
           "WHERE f.target = ?1 AND f.state = 1 AND f.next_try <= ?2 ORDER BY f.next_try, f.alert_id LIMIT ?3");
    s.bind(1, d->targetUtf8);
    s.bind(2, now);
    s.bind(3, limit);
    QVector<qint64> gone;
    while (s.step()) {
        if (s.i64(3) != 0) {
            gone.append(s.i64(0));
            continue;
        }
        Item item;
        item.alertId = s.i64(0);
        item.attempts = int(s.i64(1));
        item.dedupeKey = DedupeKey::logicalKey(s.bytes(2));
        item.document = d->document(item.alertId, s.get(), 4, &item.problem);
        item.isRetry = true;
        items.append(item);
    }
    if (!gone.isEmpty()) {
        // The alert was deleted from the store (retention, or by the user): nothing left to deliver.
        Stmt del(d->db, "DELETE FROM forward_item WHERE target = ?1 AND alert_id = ?2");
        for (qint64 id : gone) {
            del.bind(1, d->targetUtf8);
            del.bind(2, id);
            del.exec();
        }
    }
    return items;
}

QVector<ForwardOutbox::Item> ForwardOutbox::takeNew(qint64 afterId, int limit)
{
    QVector<Item> items;
    if (!d->db || limit <= 0)
        return items;
    // Straight from the table rather than AlertStore::alertsAfter: the forwarder needs the key and the document,
    // not a full Alert with its facts and output, and it reads every alert it forwards.
    Stmt s(d->db,
           "SELECT a.id, a.dedupe, a.record, a.origin, a.byte_offset, a.received FROM alerts a "
           "WHERE a.id > ?1 AND a.id <= ?2 ORDER BY a.id LIMIT ?3");
    items.reserve(limit);
    // Everything up to the cursor is answered: it may have passed afterId by absorbing a span.
    qint64 from = std::max(afterId, cursor());
    // The gaps between the spans ahead, in order.
    QVector<QPair<qint64, qint64>> spansAhead;
    for (const auto &span : spans()) {
        if (span.second > from)
            spansAhead.append(span);
    }
    for (qsizetype k = 0; k <= spansAhead.size() && items.size() < limit; ++k) {
        const qint64 to = k < spansAhead.size() ? spansAhead[k].first : std::numeric_limits<qint64>::max();
        if (to > from) {
            s.bind(1, from);
            s.bind(2, to);
            s.bind(3, limit - items.size());
            while (s.step()) {
                Item item;
                item.alertId = s.i64(0);
                item.dedupeKey = DedupeKey::logicalKey(s.bytes(1));
                item.document = d->document(item.alertId, s.get(), 2, &item.problem);
                items.append(std::move(item));
            }
            s.reset();
        }
        if (k < spansAhead.size())
            from = std::max(from, spansAhead[k].second);
    }
    return items;
}

QVector<QPair<qint64, qint64>> ForwardOutbox::spans() const
{
    QVector<QPair<qint64, qint64>> result;
    if (!d->db)
        return result;
    Stmt s(d->db, "SELECT after, hi FROM forward_span WHERE target = ?1 ORDER BY after");
    s.bind(1, d->targetUtf8);
    while (s.step())
        result.append({s.i64(0), s.i64(1)});
    return result;
}

qint64 ForwardOutbox::nextRetryMs() const
{
    if (!d->db)
        return -1;
    Stmt s(d->db, "SELECT min(next_try) FROM forward_item WHERE target = ?1 AND state = 1");
    s.bind(1, d->targetUtf8);
    if (!s.step() || sqlite3_column_type(s.get(), 0) == SQLITE_NULL)
        return -1;
    return s.i64(0);
}

bool ForwardOutbox::commit(const Outcome &outcome, QString *error)
{
    if (!d->db) {
        if (error)
            *error = QStringLiteral("the outbox is not open");
        return false;
    }
    if (!d->exec("BEGIN IMMEDIATE", error))
        return false;
    const qint64 now = nowMs();
    bool ok = true;
    {
        // Where the cursor goes: straight to outcome.cursor, or (several requests in flight) only when it has
        // reached the batch's predecessor; otherwise the batch becomes a span.
        qint64 cursor = -1;
        Stmt current(d->db, "SELECT cursor FROM forward_target WHERE target = ?1");
        current.bind(1, d->targetUtf8);
        ok = current && current.step();
        if (ok) {
            cursor = current.i64(0);
            current.reset();
        }
        if (ok && outcome.cursor >= 0) {
            if (outcome.spanAfter < 0 || outcome.spanAfter <= cursor) {
                cursor = std::max(cursor, outcome.cursor);
            } else {
                Stmt span(d->db, "INSERT INTO forward_span(target, after, hi) VALUES(?1, ?2, ?3) "
                                 "ON CONFLICT(target, after) DO UPDATE SET hi = max(hi, excluded.hi)");
                span.bind(1, d->targetUtf8);
                span.bind(2, outcome.spanAfter);
                span.bind(3, outcome.cursor);
                ok = span && span.exec();
            }
        }
        // The cursor absorbs every span it has reached (spans may chain).
        while (ok) {
            Stmt reached(d->db, "SELECT max(hi) FROM forward_span WHERE target = ?1 AND after <= ?2");
            reached.bind(1, d->targetUtf8);
            reached.bind(2, cursor);
            if (!reached || !reached.step() || sqlite3_column_type(reached.get(), 0) == SQLITE_NULL)
                break;
            const qint64 hi = reached.i64(0);
            Stmt drop(d->db, "DELETE FROM forward_span WHERE target = ?1 AND after <= ?2");
            drop.bind(1, d->targetUtf8);
            drop.bind(2, cursor);
            ok = drop && drop.exec();
            if (hi <= cursor)
                break;
            cursor = hi;
        }
        Stmt target(d->db,
                    "UPDATE forward_target SET cursor = max(cursor, ?2), delivered = delivered + ?3, "
                    "duplicates = duplicates + ?4, updated = ?5 WHERE target = ?1");
        target.bind(1, d->targetUtf8);
        target.bind(2, cursor);
        target.bind(3, outcome.delivered);
        target.bind(4, outcome.duplicates);
        target.bind(5, now);
        ok = ok && target && target.exec();

        Stmt del(d->db, "DELETE FROM forward_item WHERE target = ?1 AND alert_id = ?2");
        for (qint64 id : outcome.deliveredRetries) {
            if (!ok)
                break;
            del.bind(1, d->targetUtf8);
            del.bind(2, id);
            ok = del.exec();
        }
        Stmt upsert(d->db,
                    "INSERT INTO forward_item(target, alert_id, state, attempts, next_try, status, reason, updated) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(target, alert_id) DO UPDATE SET "
                    "state = excluded.state, attempts = excluded.attempts, next_try = excluded.next_try, "
                    "status = excluded.status, reason = excluded.reason, updated = excluded.updated");
        const auto write = [&](const Failure &f, ItemState state) {
            upsert.bind(1, d->targetUtf8);
            upsert.bind(2, f.alertId);
            upsert.bind(3, qint64(state));
            upsert.bind(4, qint64(f.attempts));
            upsert.bind(5, state == ItemState::Retrying ? f.nextTryMs : 0);
            upsert.bind(6, qint64(f.status));
            upsert.bind(7, f.reason);
            upsert.bind(8, now);
            return upsert.exec();
        };
        for (const Failure &f : outcome.retry) {
            if (!ok)
                break;
            ok = write(f, ItemState::Retrying);
        }
        for (const Failure &f : outcome.dead) {
            if (!ok)
                break;
            ok = write(f, ItemState::DeadLettered);
        }
    }
    if (!ok) {
        const QString why = d->lastError();
        d->exec("ROLLBACK");
        if (error)
            *error = QStringLiteral("cannot record the delivery state: %1").arg(why);
        return false;
    }
    return d->exec("COMMIT", error);
}

ForwardOutbox::Counts ForwardOutbox::counts() const
{
    Counts c;
    if (!d->db)
        return c;
    {
        Stmt s(d->db, "SELECT cursor, delivered, duplicates FROM forward_target WHERE target = ?1");
        s.bind(1, d->targetUtf8);
        if (s.step()) {
            c.cursor = s.i64(0);
            c.delivered = s.i64(1);
            c.duplicates = s.i64(2);
        }
    }
    {
        Stmt s(d->db, "SELECT state, count(*) FROM forward_item WHERE target = ?1 GROUP BY state");
        s.bind(1, d->targetUtf8);
        while (s.step()) {
            if (s.i64(0) == qint64(ItemState::Retrying))
                c.retrying = s.i64(1);
            else if (s.i64(0) == qint64(ItemState::DeadLettered))
                c.deadLettered = s.i64(1);
        }
    }
    Stmt s(d->db, "SELECT count(*) FROM alerts WHERE id > ?1");
    s.bind(1, c.cursor);
    if (s.step())
        c.pending = s.i64(0);
    // Alerts inside spans are answered already (spans are few: at most one per request in flight).
    qint64 covered = c.cursor;
    for (const auto &[after, hi] : spans()) {
        const qint64 from = std::max(after, covered);
        if (hi <= from)
            continue;
        Stmt in(d->db, "SELECT count(*) FROM alerts WHERE id > ?1 AND id <= ?2");
        in.bind(1, from);
        in.bind(2, hi);
        if (in.step())
            c.pending -= in.i64(0);
        covered = hi;
    }
    return c;
}

QVector<ForwardOutbox::DeadLetter> ForwardOutbox::deadLetters(int limit) const
{
    QVector<DeadLetter> result;
    if (!d->db)
        return result;
    Stmt s(d->db,
           "SELECT f.alert_id, f.status, f.reason, f.attempts, f.updated, coalesce(a.ts, 0), "
           "coalesce((SELECT d.value FROM profile p JOIN dict d ON d.id = p.rule WHERE p.id = a.profile), '') "
           "FROM forward_item f LEFT JOIN alerts a ON a.id = f.alert_id WHERE f.target = ?1 AND f.state = 2 "
           "ORDER BY f.alert_id LIMIT ?2");
    s.bind(1, d->targetUtf8);
    s.bind(2, limit);
    while (s.step()) {
        DeadLetter dl;
        dl.alertId = s.i64(0);
        dl.status = int(s.i64(1));
        dl.reason = s.text(2);
        dl.attempts = int(s.i64(3));
        dl.updatedMs = s.i64(4);
        dl.timestampMs = s.i64(5);
        dl.rule = s.text(6);
        result.append(dl);
    }
    return result;
}

int ForwardOutbox::retryDeadLetters(const QVector<qint64> &ids)
{
    if (!d->db)
        return 0;
    const qint64 now = nowMs();
    if (ids.isEmpty()) {
        Stmt s(d->db, "UPDATE forward_item SET state = 1, attempts = 0, next_try = 0, updated = ?2 "
                      "WHERE target = ?1 AND state = 2");
        s.bind(1, d->targetUtf8);
        s.bind(2, now);
        return s.exec() ? sqlite3_changes(d->db) : 0;
    }
    int changed = 0;
    if (!d->exec("BEGIN IMMEDIATE"))
        return 0;
    Stmt s(d->db, "UPDATE forward_item SET state = 1, attempts = 0, next_try = 0, updated = ?3 "
                  "WHERE target = ?1 AND alert_id = ?2 AND state = 2");
    for (qint64 id : ids) {
        s.bind(1, d->targetUtf8);
        s.bind(2, id);
        s.bind(3, now);
        if (s.exec())
            changed += sqlite3_changes(d->db);
    }
    d->exec("COMMIT");
    return changed;
}

QStringList ForwardOutbox::targets() const
{
    QStringList result;
    if (!d->db)
        return result;
    Stmt s(d->db, "SELECT target FROM forward_target ORDER BY target");
    while (s.step())
        result.append(s.text(0));
    return result;
}

} // namespace fe
