// SPDX-License-Identifier: Apache-2.0
#include "model/schema.h"

#include "model/forwardoutbox.h"
#include "model/storemigration.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <chrono>
#include <thread>

namespace fe {

namespace {

// The tables of schema v5 that a v4 store does not have, created by a new store and by the v4 conversion alike.
constexpr char s_v5SideTables[] = R"SQL(
CREATE TABLE IF NOT EXISTS dict(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, value TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS dict_value ON dict(kind, value);
CREATE TABLE IF NOT EXISTS profile(
  id INTEGER PRIMARY KEY, priority INTEGER NOT NULL, severity INTEGER NOT NULL, rule INTEGER NOT NULL,
  host INTEGER NOT NULL, source INTEGER NOT NULL, container_id INTEGER NOT NULL, container_name INTEGER NOT NULL,
  image INTEGER NOT NULL, pod INTEGER NOT NULL, namespace INTEGER NOT NULL, process INTEGER NOT NULL,
  user_name INTEGER NOT NULL, technique INTEGER NOT NULL, subtechnique INTEGER NOT NULL, tactics INTEGER NOT NULL,
  tags INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS origin(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, name TEXT NOT NULL,
                                  options TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS origin_key ON origin(kind, name, options);
CREATE TABLE IF NOT EXISTS zdict(id INTEGER PRIMARY KEY, created INTEGER NOT NULL, samples INTEGER NOT NULL,
                                 ratio REAL NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS colseg(first_id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, data BLOB NOT NULL);
)SQL";

// The alert row of schema v5 (%1: the table's name).
constexpr char s_v5Alerts[] = R"SQL(
CREATE TABLE IF NOT EXISTS %1(
  id          INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,
  profile     INTEGER NOT NULL,
  triage      INTEGER NOT NULL DEFAULT 0,
  origin      INTEGER NOT NULL,
  byte_offset INTEGER,
  received    INTEGER NOT NULL,
  ingested    INTEGER NOT NULL,
  dedupe      BLOB NOT NULL UNIQUE,
  record      BLOB NOT NULL
);
)SQL";

constexpr char s_v5Indexes[] = R"SQL(
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts(ts);
CREATE INDEX IF NOT EXISTS alerts_triaged ON alerts(triage) WHERE triage <> 0;
CREATE VIRTUAL TABLE alert_fts USING fts5(output, content='', columnsize=0, tokenize='unicode61');
)SQL";

constexpr char s_v5Rollups[] = R"SQL(
CREATE TABLE rollup_minute(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                           PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;
CREATE TABLE rollup_hour(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                         PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;
CREATE TABLE rollup_day(dim INTEGER, bucket INTEGER, key TEXT, cnt INTEGER NOT NULL, last_ts INTEGER NOT NULL,
                        PRIMARY KEY(dim, bucket, key)) WITHOUT ROWID;
CREATE TABLE state(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE alert_notes(id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, author TEXT NOT NULL, ts INTEGER NOT NULL,
                         text TEXT NOT NULL);
CREATE INDEX alert_notes_alert ON alert_notes(alert_id);
)SQL";

// The end of the v4 conversion: the old tables go, the converted ones take their names, in one transaction.
constexpr char s_swapV4Tables[] = R"SQL(
DROP TABLE alert_fts;
DROP TABLE alert_output;
DROP TABLE alert_doc;
DROP TABLE alerts;
ALTER TABLE alerts_v5 RENAME TO alerts;
)SQL";
constexpr char s_swapV4State[] = R"SQL(
INSERT INTO state(key, value) VALUES('fe.fts_indexed', 0) ON CONFLICT(key) DO UPDATE SET value = excluded.value;
DELETE FROM state WHERE key = 'fe.v5_converted';
)SQL";

std::string alertsTable(const char *name)
{
    return QString::fromLatin1(s_v5Alerts).arg(QLatin1String(name)).toStdString();
}

// Migration 5's SQL: the new tables beside the old ones.
const std::string s_prepareV5 = std::string(s_v5SideTables) + alertsTable("alerts_v5");
const char *const s_prepareV5Sql = s_prepareV5.c_str();
// A new store: schema v5 at once (what migrations 1 to 5 leave, without converting anything).
const std::string s_createLatest = std::string(s_v5SideTables) + alertsTable("alerts") + s_v5Indexes + s_v5Rollups;
const char *const s_createLatestSql = s_createLatest.c_str();
const std::string s_swapV5 = std::string(s_swapV4Tables) + s_v5Indexes + s_swapV4State;
const char *const s_swapV5Sql = s_swapV5.c_str();

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
    // The Elasticsearch forwarding outbox (the SQL lives beside its only user, model/forwardoutbox.h).
    {2, "forwarding outbox: per-target cursor, retrying and dead-lettered alerts", forwardOutboxSql},
    // A cheaper insert path: the output text moves to a plain table that the full-text index reads as external
    // content and indexes behind a watermark (state 'fe.fts_indexed'), so a large import does not tokenize row by
    // row; minute rollups keep only the total and the priority (over_time), the other dimensions' sub-hour edges come
    // from the base table; a day level answers all-time panels from a few rows per day on a large store. (The v5
    // conversion drops alert_output: the v5 index is contentless, fed with the outputs derived from the records.)
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
    // The lean store (ARCHITECTURE.md): the original of each alert is the record, compressed, and its ECS document is
    // derived on read; the alert row keeps its time, its facts as one profile id and what the mapper needs again.
    // This SQL only prepares the new tables beside the old ones (idempotent): StoreMigration converts the alerts in
    // resumable chunks, then swaps the tables in one transaction.
    {5, "lean store: compressed originals, facts as profiles, documents derived on read", s_prepareV5Sql},
};

QString lastError(sqlite3 *db)
{
    return QString::fromUtf8(sqlite3_errmsg(db));
}

qint64 pragmaValue(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = nullptr;
    qint64 value = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
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
    // A reader's page cache only saves copying pages the OS already caches, and readers are many (the GUI has one
    // per view and background job), while scans (counts, anchor scans, exports) fill whatever cache they get with
    // pages they never read again: a small cache per reader.
    if (readOnly)
        return exec(db, "PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;", error);
    // Nothing is written to another program's database, not even its journal mode.
    if (!checkOwned(db, error))
        return false;
    // page_size only takes effect before the first table (and before WAL), i.e. on a new file; 64 KB pages make
    // fewer, larger page writes, and page writes dominate the cost of inserts.
    if (!exec(db, "PRAGMA page_size=65536", error))
        return false;
    // Switching to WAL needs the file to itself: while another process creates or migrates the same new store,
    // SQLite answers with the old journal mode instead of waiting (the busy handler does not apply). Wait as for any
    // busy store.
    QString mode;
    for (int attempt = 0;; ++attempt) {
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) != SQLITE_OK) {
            if (error)
                *error = lastError(db);
            return false;
        }
        const int rc = sqlite3_step(stmt);
        mode = rc == SQLITE_ROW ? QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)))
                                : QString();
        sqlite3_finalize(stmt);
        if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) == 0)
            break;
        const bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED || sqlite3_errcode(db) == SQLITE_BUSY
            || mode.compare(QLatin1String("delete"), Qt::CaseInsensitive) == 0;
        if (!busy || attempt >= 200) {
            if (error)
                *error = QStringLiteral("cannot switch the database to WAL mode (journal mode is '%1'): %2")
                             .arg(mode, lastError(db));
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return exec(db,
                "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536; "
                "PRAGMA temp_store=MEMORY;",
                error);
}

namespace {

bool setApplicationId(sqlite3 *db, QString *error)
{
    const QByteArray sql = "PRAGMA application_id=" + QByteArray::number(Schema::ApplicationId);
    return exec(db, sql.constData(), error);
}

} // namespace

bool Schema::checkOwned(sqlite3 *db, QString *error)
{
    const qint64 applicationId = pragmaValue(db, "PRAGMA application_id");
    if (applicationId < 0) {
        if (error)
            *error = lastError(db);   // "file is not a database"
        return false;
    }
    if (applicationId != 0 && applicationId != ApplicationId) {
        if (error)
            *error = QStringLiteral("not a Falco Explorer store: the file belongs to another application "
                                    "(SQLite application_id %1); it is left as it is").arg(applicationId);
        return false;
    }
    if (applicationId == 0 && pragmaValue(db, "PRAGMA user_version") == 0) {
        const qint64 objects = pragmaValue(db, "SELECT count(*) FROM sqlite_master");
        if (objects > 0) {
            if (error)
                *error = QStringLiteral("not a Falco Explorer store: an SQLite database with %1 tables or indexes of "
                                        "another program; it is left as it is (choose another file)").arg(objects);
            return false;
        }
    }
    return true;
}

bool Schema::migrate(sqlite3 *db, QString *error, int targetVersion, const MigrationProgress &progress)
{
    if (targetVersion < 0)
        targetVersion = latestVersion();
    Q_ASSERT(targetVersion <= latestVersion());
    // IMMEDIATE: two writers opening a new file at once must not both create it.
    if (!exec(db, "BEGIN IMMEDIATE", error))
        return false;
    auto refuse = [&](const QString &why) {
        exec(db, "ROLLBACK", nullptr);
        if (error)
            *error = why;
        return false;
    };
    QString readError;
    const int current = version(db, &readError);
    if (current < 0)
        return refuse(QStringLiteral("cannot read the schema version: %1").arg(readError));
    const qint64 applicationId = pragmaValue(db, "PRAGMA application_id");
    if (applicationId != 0 && applicationId != ApplicationId)
        return refuse(QStringLiteral("not a Falco Explorer store: the file belongs to another application "
                                     "(SQLite application_id %1)").arg(applicationId));
    if (current > latestVersion()) {
        return refuse(QStringLiteral("the database has schema version %1, newer than the version %2 this program "
                                     "knows: it was written by a newer Falco Explorer; upgrade, or use another file")
                          .arg(current)
                          .arg(latestVersion()));
    }
    if (current == 0) {
        const qint64 objects = pragmaValue(db, "SELECT count(*) FROM sqlite_master");
        if (objects != 0)
            return refuse(QStringLiteral("not a Falco Explorer store: an SQLite database with %1 tables or indexes of "
                                         "another program (it is left as it is; choose another file)").arg(objects));
        if (targetVersion == latestVersion()) {
            QString step;
            const QByteArray bump = "PRAGMA user_version=" + QByteArray::number(latestVersion());
            if (!exec(db, s_createLatestSql, &step) || !exec(db, forwardOutboxSql, &step)
                || !exec(db, bump.constData(), &step) || !setApplicationId(db, &step))
                return refuse(QStringLiteral("cannot create the store: %1").arg(step));
            return exec(db, "COMMIT", error);
        }
    }
    bool convert = false;
    for (const Migration &migration : s_migrations) {
        if (migration.version <= current || migration.version > targetVersion)
            continue;
        QString stepError;
        // Version 5 is reached when StoreMigration has converted every alert (after this transaction).
        const bool prepareOnly = migration.version == 5;
        const QByteArray bump = "PRAGMA user_version=" + QByteArray::number(migration.version);
        if (!exec(db, migration.sql, &stepError) || (!prepareOnly && !exec(db, bump.constData(), &stepError)))
            return refuse(QStringLiteral("schema migration to version %1 (%2) failed: %3")
                              .arg(migration.version)
                              .arg(QString::fromUtf8(migration.summary), stepError));
        convert = convert || prepareOnly;
    }
    if (!setApplicationId(db, error) || !exec(db, "COMMIT", error)) {
        exec(db, "ROLLBACK", nullptr);
        return false;
    }
    if (!convert)
        return true;
    QString why;
    if (!StoreMigration::convertFromV4(db, s_swapV5Sql, progress, &why)) {
        if (error)
            *error = QStringLiteral("schema migration to version 5 (the lean store): %1").arg(why);
        return false;
    }
    return true;
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
