// SPDX-License-Identifier: Apache-2.0
#include "model/schema.h"

#include "model/forwardoutbox.h"

#include <sqlite3.h>

#include <algorithm>

namespace fe {

namespace {

// Append only. Never edit a migration that has been committed: files in the field already ran it.
const std::vector<Schema::Migration> s_migrations = {
    {1, "alerts, documents, full-text index, rollups, state, notes", R"SQL(
CREATE TABLE alerts(
  id            INTEGER PRIMARY KEY,
  ts            INTEGER NOT NULL,
  priority      INTEGER NOT NULL,
  severity      INTEGER NOT NULL DEFAULT 0,
  rule          TEXT NOT NULL DEFAULT '',
  host          TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL DEFAULT '',
  container_id  TEXT NOT NULL DEFAULT '',
  container_name TEXT NOT NULL DEFAULT '',
  image         TEXT NOT NULL DEFAULT '',
  pod           TEXT NOT NULL DEFAULT '',
  namespace     TEXT NOT NULL DEFAULT '',
  process       TEXT NOT NULL DEFAULT '',
  cmdline       TEXT NOT NULL DEFAULT '',
  user_name     TEXT NOT NULL DEFAULT '',
  technique     TEXT NOT NULL DEFAULT '',
  subtechnique  TEXT NOT NULL DEFAULT '',
  tactics       TEXT NOT NULL DEFAULT '',
  tags          TEXT NOT NULL DEFAULT '',
  uuid          TEXT NOT NULL DEFAULT '',
  dedupe        BLOB NOT NULL UNIQUE,
  triage        INTEGER NOT NULL DEFAULT 0,
  ingested      INTEGER NOT NULL
);
CREATE INDEX alerts_ts ON alerts(ts, id);
CREATE INDEX alerts_rule_ts ON alerts(rule, ts);
CREATE INDEX alerts_priority_ts ON alerts(priority, ts);
CREATE INDEX alerts_host_ts ON alerts(host, ts);

CREATE TABLE alert_doc(id INTEGER PRIMARY KEY, doc TEXT NOT NULL);
CREATE VIRTUAL TABLE alert_fts USING fts5(output, tokenize='unicode61');

CREATE TABLE rollup_minute(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                           PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;
CREATE TABLE rollup_hour(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                         PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;

CREATE TABLE state(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE alert_notes(id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, author TEXT NOT NULL, ts INTEGER NOT NULL,
                         text TEXT NOT NULL);
CREATE INDEX alert_notes_alert ON alert_notes(alert_id);
)SQL"},
    // Engineer F: the Elasticsearch forwarding outbox (the SQL lives beside its only user, model/forwardoutbox.h).
    {2, "forwarding outbox: per-target cursor, retrying and dead-lettered alerts", forwardOutboxSql},
    // The insert path, made cheaper (research/perf.md S9, S15): the output text moves to a plain table that the
    // full-text index reads as external content and indexes behind a watermark (state 'fe.fts_indexed'), so a large
    // import does not tokenize row by row; minute rollups keep only the total and the priority (over_time), the other
    // dimensions' sub-hour edges come from the base table; a day level makes all-time panels cheap at 10M alerts.
    {3, "output table + deferred full-text index, minute rollups for total/priority only, day rollups", R"SQL(
CREATE TABLE alert_output(id INTEGER PRIMARY KEY, output TEXT NOT NULL);
INSERT INTO alert_output(id, output) SELECT rowid, coalesce(output, '') FROM alert_fts;
DROP TABLE alert_fts;
CREATE VIRTUAL TABLE alert_fts USING fts5(output, content='alert_output', content_rowid='id', columnsize=0,
                                          tokenize='unicode61');
INSERT INTO alert_fts(alert_fts) VALUES('rebuild');
INSERT INTO state(key, value) VALUES('fe.fts_indexed', (SELECT coalesce(max(id), 0) FROM alert_output))
  ON CONFLICT(key) DO UPDATE SET value = excluded.value;

DELETE FROM rollup_minute WHERE dim NOT IN (0, 1);
CREATE TABLE rollup_day(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                        PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;
INSERT INTO rollup_day(dim, bucket, key, cnt, last_ts)
  SELECT dim, CASE WHEN bucket >= 0 THEN bucket / 24 ELSE (bucket - 23) / 24 END AS day, key, sum(cnt), max(last_ts)
  FROM rollup_hour GROUP BY dim, day, key;
)SQL"},
    // Time-ordered dedupe keys (model/dedupekey.h): new rows store a 9-byte time prefix before the logical key, so the
    // UNIQUE index grows at its right edge instead of taking random writes. The rows already stored keep their bare
    // keys (rewriting them would rewrite the whole index); the newest of their times is remembered so that an alert
    // that could duplicate one of them (time at or before it, or no own time) is also looked up by its bare key.
    {4, "time-ordered dedupe keys; the pre-v4 keys' newest time", R"SQL(
INSERT INTO state(key, value) VALUES('fe.dedupe_legacy_max_ts', (SELECT max(ts) FROM alerts))
  ON CONFLICT(key) DO UPDATE SET value = excluded.value;
)SQL"},
};

QString lastError(sqlite3 *db)
{
    return QString::fromUtf8(sqlite3_errmsg(db));
}

bool exec(sqlite3 *db, const char *sql, QString *error)
{
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK)
        return true;
    if (error)
        *error = message ? QString::fromUtf8(message) : lastError(db);
    sqlite3_free(message);
    return false;
}

} // namespace

const std::vector<Schema::Migration> &Schema::migrations()
{
    return s_migrations;
}

int Schema::latestVersion()
{
    return s_migrations.back().version;
}

int Schema::version(sqlite3 *db, QString *error)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK) {
        if (error)
            *error = lastError(db);
        return -1;
    }
    int result = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        result = sqlite3_column_int(stmt, 0);
    else if (error)
        *error = lastError(db);
    sqlite3_finalize(stmt);
    return result;
}

bool Schema::configure(sqlite3 *db, bool readOnly, QString *error)
{
    sqlite3_busy_timeout(db, 10000);
    if (readOnly)
        return exec(db, "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;", error);
    // page_size only takes effect before the first table (and before WAL), i.e. on a new file; 64 KB pages halve
    // the cost of the page writes that dominate inserts of ~3 KB rows (research/perf.md S7).
    if (!exec(db, "PRAGMA page_size=65536", error))
        return false;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) != SQLITE_OK) {
        if (error)
            *error = lastError(db);
        return false;
    }
    QString mode;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        mode = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
    if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        if (error)
            *error = QStringLiteral("cannot switch the database to WAL mode (journal mode is '%1'): %2")
                         .arg(mode, lastError(db));
        return false;
    }
    return exec(db,
                "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536; "
                "PRAGMA temp_store=MEMORY;",
                error);
}

bool Schema::migrate(sqlite3 *db, QString *error, int targetVersion)
{
    if (targetVersion < 0)
        targetVersion = latestVersion();
    Q_ASSERT(targetVersion <= latestVersion());
    // IMMEDIATE: two writers opening a new file at once must not both run migration 1.
    if (!exec(db, "BEGIN IMMEDIATE", error))
        return false;
    QString readError;
    const int current = version(db, &readError);
    if (current < 0) {
        exec(db, "ROLLBACK", nullptr);
        if (error)
            *error = QStringLiteral("cannot read the schema version: %1").arg(readError);
        return false;
    }
    if (current > latestVersion()) {
        exec(db, "ROLLBACK", nullptr);
        if (error)
            *error = QStringLiteral("the database has schema version %1, newer than the version %2 this program "
                                    "knows: it was written by a newer Falco Explorer; upgrade, or use another file")
                         .arg(current)
                         .arg(latestVersion());
        return false;
    }
    for (const Migration &migration : s_migrations) {
        if (migration.version <= current || migration.version > targetVersion)
            continue;
        QString stepError;
        const QByteArray bump = "PRAGMA user_version=" + QByteArray::number(migration.version);
        if (!exec(db, migration.sql, &stepError) || !exec(db, bump.constData(), &stepError)) {
            exec(db, "ROLLBACK", nullptr);
            if (error)
                *error = QStringLiteral("schema migration to version %1 (%2) failed: %3")
                             .arg(migration.version)
                             .arg(QString::fromUtf8(migration.summary), stepError);
            return false;
        }
    }
    return exec(db, "COMMIT", error);
}

namespace {

qint64 floorTo(qint64 value, qint64 unit)
{
    qint64 q = value / unit;
    if (value % unit != 0 && value < 0)
        --q;
    return q * unit;
}

qint64 ceilTo(qint64 value, qint64 unit)
{
    return -floorTo(-value, unit);
}

// True when some alert has fromMs <= ts < toMs.
bool anyAlert(sqlite3 *db, qint64 fromMs, qint64 toMs)
{
    if (toMs <= fromMs)
        return false;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM alerts WHERE ts >= ?1 AND ts < ?2 LIMIT 1", -1, &stmt, nullptr)
        != SQLITE_OK)
        return true;   // cannot tell: keep the exact edge
    sqlite3_bind_int64(stmt, 1, fromMs);
    sqlite3_bind_int64(stmt, 2, toMs);
    const bool any = sqlite3_step(stmt) != SQLITE_DONE;
    sqlite3_finalize(stmt);
    return any;
}

} // namespace

RollupSlices RollupSlices::split(qint64 fromMs, qint64 toMs)
{
    RollupSlices s;
    s.from = fromMs;
    s.to = std::max(toMs, fromMs);
    s.m0 = std::min(ceilTo(s.from, MinuteMs), s.to);
    s.m1 = std::max(floorTo(s.to, MinuteMs), s.m0);
    s.h0 = std::min(ceilTo(s.m0, HourMs), s.m1);
    s.h1 = std::max(floorTo(s.m1, HourMs), s.h0);
    s.d0 = std::min(ceilTo(s.h0, DayMs), s.h1);
    s.d1 = std::max(floorTo(s.h1, DayMs), s.d0);
    return s;
}

RollupSlices RollupSlices::plan(sqlite3 *db, qint64 fromMs, qint64 toMs)
{
    for (qint64 unit : {DayMs, HourMs}) {
        const qint64 start = floorTo(fromMs, unit);
        if (start < fromMs && !anyAlert(db, start, fromMs)) {
            fromMs = start;
            break;
        }
    }
    for (qint64 unit : {DayMs, HourMs}) {
        const qint64 end = ceilTo(toMs, unit);
        if (end > toMs && !anyAlert(db, toMs, end)) {
            toMs = end;
            break;
        }
    }
    return split(fromMs, toMs);
}

QStringList Schema::normalizedList(const QStringList &values)
{
    // The usual list (the store's writer asks twice per alert) is already normal: no empty value, no '|', no repeat.
    // Then the result is the list itself, shared, without a copy of each value.
    bool normal = true;
    for (qsizetype i = 0; normal && i < values.size(); ++i) {
        const QString &value = values.at(i);
        normal = !value.isEmpty() && !value.contains(QLatin1Char('|'));
        for (qsizetype j = 0; normal && j < i; ++j)
            normal = values.at(j) != value;
    }
    if (normal)
        return values;
    QStringList result;
    result.reserve(values.size());
    for (const QString &value : values) {
        if (value.isEmpty())
            continue;
        QString clean = value;
        clean.replace(QLatin1Char('|'), QLatin1Char('/'));
        if (!result.contains(clean))
            result.append(clean);
    }
    return result;
}

QString Schema::encodeList(const QStringList &normalizedValues)
{
    if (normalizedValues.isEmpty())
        return QString();
    return QLatin1Char('|') + normalizedValues.join(QLatin1Char('|')) + QLatin1Char('|');
}

QStringList Schema::decodeList(QStringView encoded)
{
    QStringList result;
    for (QStringView part : encoded.split(QLatin1Char('|'), Qt::SkipEmptyParts))
        result.append(part.toString());
    return result;
}

bool Schema::checkReadable(sqlite3 *db, QString *error)
{
    QString readError;
    const int current = version(db, &readError);
    if (current < 0) {
        if (error)
            *error = QStringLiteral("cannot read the schema version: %1").arg(readError);
        return false;
    }
    if (current == 0) {
        if (error)
            *error = QStringLiteral("the file is not an alert store yet (schema version 0): open it for writing first");
        return false;
    }
    if (current > latestVersion()) {
        if (error)
            *error = QStringLiteral("the database has schema version %1, newer than the version %2 this program "
                                    "knows: it was written by a newer Falco Explorer")
                         .arg(current)
                         .arg(latestVersion());
        return false;
    }
    if (current < latestVersion()) {
        if (error)
            *error = QStringLiteral("the database has the older schema version %1 (current %2): open it for writing "
                                    "once to migrate it")
                         .arg(current)
                         .arg(latestVersion());
        return false;
    }
    return true;
}

} // namespace fe
