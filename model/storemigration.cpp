// SPDX-License-Identifier: Apache-2.0
#include "model/storemigration.h"

#include "model/dedupekey.h"
#include "model/factwriter.h"
#include "model/recordcodec.h"
#include "model/sqlstatement.h"

#include <QDateTime>

#include <sqlite3.h>

#include <vector>

namespace fe {

namespace {

constexpr char s_progressKey[] = "fe.v5_converted";
constexpr qint64 s_chunkRows = 20000;
constexpr int s_trainingSamples = 2000;

bool exec(sqlite3 *db, const char *sql, QString *error)
{
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK)
        return true;
    if (error)
        *error = message ? QString::fromUtf8(message) : QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_free(message);
    return false;
}

qint64 scalar(sqlite3 *db, const char *sql, bool *ok)
{
    SqlStatement stmt(db, QString::fromUtf8(sql));
    if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW) {
        *ok = false;
        return 0;
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

QString text(sqlite3_stmt *s, int column)
{
    const auto *t = reinterpret_cast<const char *>(sqlite3_column_text(s, column));
    return t ? QString::fromUtf8(t, sqlite3_column_bytes(s, column)) : QString();
}

QByteArrayView blob(sqlite3_stmt *s, int column)
{
    const auto *data = static_cast<const char *>(sqlite3_column_blob(s, column));
    return QByteArrayView(data, data ? sqlite3_column_bytes(s, column) : 0);
}

// The store's first dictionary, trained on its first documents (they are the records now); 0 when none could be.
int trainDictionary(sqlite3 *db, QString *error)
{
    bool ok = true;
    if (const qint64 existing = scalar(db, "SELECT coalesce(max(id), 0) FROM zdict", &ok); !ok || existing > 0) {
        if (!ok && error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return ok ? int(existing) : -1;
    }
    std::vector<QByteArray> docs;
    {
        SqlStatement stmt(db, QStringLiteral("SELECT doc FROM alert_doc ORDER BY id LIMIT %1").arg(s_trainingSamples));
        if (!stmt) {
            if (error)
                *error = stmt.error();
            return -1;
        }
        while (sqlite3_step(stmt.get()) == SQLITE_ROW)
            docs.push_back(blob(stmt.get(), 0).toByteArray());
    }
    std::vector<QByteArrayView> samples(docs.begin(), docs.end());
    const QByteArray dict = RecordCodec::train(samples);
    if (dict.isEmpty())
        return 0;   // too few documents: they are stored without a dictionary
    SqlStatement insert(db, QStringLiteral("INSERT INTO zdict(id, created, samples, ratio, data) VALUES(1, ?1, ?2, 0, ?3)"));
    sqlite3_bind_int64(insert.get(), 1, QDateTime::currentMSecsSinceEpoch());
    sqlite3_bind_int64(insert.get(), 2, qint64(samples.size()));
    sqlite3_bind_blob(insert.get(), 3, dict.constData(), int(dict.size()), SQLITE_STATIC);
    if (!insert || !exec(db, "BEGIN IMMEDIATE", error))
        return -1;
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        exec(db, "ROLLBACK", nullptr);
        return -1;
    }
    if (!exec(db, "COMMIT", error))
        return -1;
    return 1;
}

} // namespace

bool StoreMigration::convertFromV4(sqlite3 *db, const char *swapSql, const MigrationProgress &progress, QString *error)
{
    bool ok = true;
    const qint64 total = scalar(db, "SELECT count(*) FROM alerts", &ok);
    if (!ok) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    RecordCodec codec;
    const int dictionary = trainDictionary(db, error);
    if (dictionary < 0)
        return false;
    if (dictionary > 0) {
        SqlStatement stmt(db, QStringLiteral("SELECT data FROM zdict WHERE id = ?1"));
        sqlite3_bind_int(stmt.get(), 1, dictionary);
        if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW
            || !codec.addDictionary(dictionary, blob(stmt.get(), 0).toByteArray(), error))
            return false;
        codec.setActiveDictionary(dictionary);
    }
    FactWriter facts;
    if (!facts.load(db, error))
        return false;

    const std::string select =
        "SELECT a.id, a.ts, a.priority, a.severity, a.rule, a.host, a.source, a.container_id, a.container_name, "
        "a.image, a.pod, a.namespace, a.process, a.user_name, a.technique, a.subtechnique, a.tactics, a.tags, "
        "a.dedupe, a.triage, a.ingested, d.doc FROM alerts a LEFT JOIN alert_doc d ON d.id = a.id WHERE a.id > ?1 "
        "ORDER BY a.id LIMIT ?2";
    const AlertOrigin origin{AlertOrigin::Kind::Document, QString(), QString()};
    while (true) {
        if (!exec(db, "BEGIN IMMEDIATE", error))
            return false;
        auto fail = [&](const QString &why) {
            exec(db, "ROLLBACK", nullptr);
            facts.reload();
            if (error)
                *error = why;
            return false;
        };
        const qint64 done = scalar(db, "SELECT coalesce((SELECT value FROM state WHERE key = 'fe.v5_converted'), 0)", &ok);
        const qint64 convertedRows = scalar(db, "SELECT count(*) FROM alerts_v5", &ok);
        if (!ok)
            return fail(QString::fromUtf8(sqlite3_errmsg(db)));
        SqlStatement rows(db, QString::fromStdString(select));
        SqlStatement insert(db, QStringLiteral("INSERT INTO alerts_v5(id, ts, profile, triage, origin, byte_offset, "
                                               "received, ingested, dedupe, record) "
                                               "VALUES(?1, ?2, ?3, ?4, ?5, NULL, ?6, ?6, ?7, ?8)"));
        if (!rows || !insert)
            return fail(rows ? insert.error() : rows.error());
        const qint64 originId = facts.originFor(origin, error);
        if (originId == 0)
            return fail(error ? *error : QString());
        sqlite3_bind_int64(rows.get(), 1, done);
        sqlite3_bind_int64(rows.get(), 2, s_chunkRows);
        qint64 last = done;
        qint64 count = 0;
        QByteArray record;
        int rc;
        while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
            sqlite3_stmt *s = rows.get();
            Alert alert;
            alert.priority = Priority(std::clamp(sqlite3_column_int(s, 2), 0, int(Priority::Unknown)));
            alert.severity = sqlite3_column_int(s, 3);
            alert.rule = text(s, 4);
            alert.hostname = text(s, 5);
            alert.source = text(s, 6);
            alert.containerId = text(s, 7);
            alert.containerName = text(s, 8);
            alert.containerImage = text(s, 9);
            alert.podName = text(s, 10);
            alert.namespaceName = text(s, 11);
            alert.processName = text(s, 12);
            alert.userName = text(s, 13);
            alert.technique = text(s, 14);
            alert.subtechnique = text(s, 15);
            alert.tactics = Schema::decodeList(text(s, 16));
            alert.tags = Schema::decodeList(text(s, 17));
            QString why;
            const quint32 profile = facts.profileFor(alert, &why);
            if (profile == 0)
                return fail(why);
            const QByteArrayView doc = blob(s, 21);
            record.clear();
            codec.compress(doc.isEmpty() ? QByteArrayView("{}") : doc, &record);
            const QByteArray dedupe = DedupeKey::toCurrent(blob(s, 18));
            sqlite3_stmt *ins = insert.get();
            last = sqlite3_column_int64(s, 0);
            sqlite3_bind_int64(ins, 1, last);
            sqlite3_bind_int64(ins, 2, sqlite3_column_int64(s, 1));
            sqlite3_bind_int64(ins, 3, profile);
            sqlite3_bind_int(ins, 4, sqlite3_column_int(s, 19));
            sqlite3_bind_int64(ins, 5, originId);
            sqlite3_bind_int64(ins, 6, sqlite3_column_int64(s, 20));
            sqlite3_bind_blob(ins, 7, dedupe.constData(), int(dedupe.size()), SQLITE_STATIC);
            sqlite3_bind_blob(ins, 8, record.constData(), int(record.size()), SQLITE_STATIC);
            const int step = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (step != SQLITE_DONE)
                return fail(QStringLiteral("alert %1: %2").arg(last).arg(QString::fromUtf8(sqlite3_errmsg(db))));
            ++count;
        }
        if (rc != SQLITE_DONE)
            return fail(QString::fromUtf8(sqlite3_errmsg(db)));
        if (count > 0) {
            SqlStatement mark(db, QStringLiteral("INSERT INTO state(key, value) VALUES(?1, ?2) "
                                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
            sqlite3_bind_text(mark.get(), 1, s_progressKey, -1, SQLITE_STATIC);
            sqlite3_bind_int64(mark.get(), 2, last);
            if (!mark || sqlite3_step(mark.get()) != SQLITE_DONE)
                return fail(QString::fromUtf8(sqlite3_errmsg(db)));
        } else {
            QString step;
            if (!exec(db, swapSql, &step) || !exec(db, "PRAGMA user_version=5", &step))
                return fail(QStringLiteral("cannot replace the old tables: %1").arg(step));
        }
        if (!exec(db, "COMMIT", error)) {
            exec(db, "ROLLBACK", nullptr);
            facts.reload();
            return false;
        }
        if (count == 0)
            return true;
        if (progress && !progress(convertedRows + count, total)) {
            if (error)
                *error = QStringLiteral("stopped at %1 of %2 alerts; it goes on where it stopped the next time the "
                                        "store is opened for writing").arg(convertedRows + count).arg(total);
            return false;
        }
    }
}

} // namespace fe
