// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/schema.h"
#include "support/rawdb.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <sqlite3.h>

namespace fe::test {

// A store as the previous release wrote it (schema v4: wide rows, the ECS document kept), made with the schema's own
// migrations up to version 4 and raw SQL: n alerts one second apart from 2024-05-01 (rule i % 4, host i % 3,
// priority i % 8, triage i % 5; every 100th output "read /etc/shadow by cat", the others "shell spawned i"; alert
// 8 (i = 7) with an event.original), the v4 rollups, a tail position, two notes (alerts 3 and 70001) and a forwarding
// cursor at 20. fullTextIndex: the v4 full-text index built too, as a store that had been searched.
inline bool writeV4Store(const QString &path, int n, QString *error, bool fullTextIndex = false)
{
    RawDb raw(path);
    if (!fe::Schema::configure(raw.db, false, error) || !fe::Schema::migrate(raw.db, error, 4))
        return false;
    if (!raw.exec("BEGIN"))
        return false;
    constexpr qint64 t0 = 1714521600000;
    sqlite3_stmt *alert = nullptr;
    sqlite3_stmt *doc = nullptr;
    sqlite3_stmt *output = nullptr;
    sqlite3_prepare_v2(raw.db, "INSERT INTO alerts(ts, priority, severity, rule, host, pod, tags, tactics, technique, "
                               "cmdline, uuid, dedupe, triage, ingested) VALUES(?1, ?2, 47, ?3, ?4, 'pod-1', "
                               "'|T1059|container|mitre_execution|', '|execution|', 'T1059', ?5, '', ?6, ?7, 5)",
                       -1, &alert, nullptr);
    sqlite3_prepare_v2(raw.db, "INSERT INTO alert_doc(id, doc) VALUES(last_insert_rowid(), ?1)", -1, &doc, nullptr);
    sqlite3_prepare_v2(raw.db, "INSERT INTO alert_output(id, output) VALUES(last_insert_rowid(), ?1)", -1, &output, nullptr);
    bool ok = alert && doc && output;
    for (int i = 0; ok && i < n; ++i) {
        const QByteArray out = i % 100 == 0 ? QByteArray("read /etc/shadow by cat") : "shell spawned " + QByteArray::number(i);
        const QByteArray cmd = "bash -c " + QByteArray::number(i);
        const QByteArray rule = "rule " + QByteArray::number(i % 4);
        const QByteArray host = "host-" + QByteArray::number(i % 3);
        const QByteArray json = "{\"@timestamp\":\"" + QDateTime::fromMSecsSinceEpoch(t0 + qint64(i) * 1000, Qt::UTC)
                                                          .toString(Qt::ISODateWithMs).toLatin1()
            + "\",\"event\":{\"kind\":\"alert\",\"provider\":\"syscall\"" + (i == 7 ? QByteArray(",\"original\":\"raw line 7\"") : QByteArray())
            + "},\"falco\":{\"output\":\"" + out
            + "\"},\"rule\":{\"name\":\"" + rule + "\"},\"host\":{\"name\":\"" + host
            + "\"},\"process\":{\"command_line\":\"" + cmd + "\"}}";
        QByteArray key("\x01", 1);
        key += QByteArray(8, char(i % 256)) + "h:" + QByteArray::number(i);
        sqlite3_bind_int64(alert, 1, t0 + qint64(i) * 1000);
        sqlite3_bind_int(alert, 2, i % 8);
        sqlite3_bind_text(alert, 3, rule.constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(alert, 4, host.constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(alert, 5, cmd.constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(alert, 6, key.constData(), int(key.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int(alert, 7, i % 5);
        ok = sqlite3_step(alert) == SQLITE_DONE;
        sqlite3_reset(alert);
        sqlite3_bind_text(doc, 1, json.constData(), -1, SQLITE_TRANSIENT);
        ok = ok && sqlite3_step(doc) == SQLITE_DONE;
        sqlite3_reset(doc);
        sqlite3_bind_text(output, 1, out.constData(), -1, SQLITE_TRANSIENT);
        ok = ok && sqlite3_step(output) == SQLITE_DONE;
        sqlite3_reset(output);
    }
    sqlite3_finalize(alert);
    sqlite3_finalize(doc);
    sqlite3_finalize(output);
    if (!ok) {
        *error = QString::fromUtf8(sqlite3_errmsg(raw.db));
        return false;
    }
    // The rollups the v4 writer kept (model/schema.h): total and priority per minute, those and rule, host and pod
    // per hour and per day.
    for (const char *table : {"rollup_minute", "rollup_hour", "rollup_day"}) {
        const QByteArray t(table);
        const QByteArray width = t == "rollup_minute" ? "60000" : t == "rollup_hour" ? "3600000" : "86400000";
        QByteArray sql = "INSERT INTO " + t + "(dim, bucket, key, cnt, last_ts) "
            "SELECT 0, ts / " + width + ", '', count(*), max(ts) FROM alerts GROUP BY 2 UNION ALL "
            "SELECT 1, ts / " + width + ", CAST(priority AS TEXT), count(*), max(ts) FROM alerts GROUP BY 2, 3";
        if (t != "rollup_minute") {
            sql += " UNION ALL SELECT 2, ts / " + width + ", rule, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                   "SELECT 3, ts / " + width + ", host, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                   "SELECT 4, ts / " + width + ", pod, count(*), max(ts) FROM alerts GROUP BY 2, 3";
        }
        if (!raw.exec(sql.constData())) {
            *error = QString::fromUtf8(sqlite3_errmsg(raw.db));
            return false;
        }
    }
    return raw.exec("INSERT INTO state(key, value) VALUES('tail:/var/log/falco.log', 'pos 42'); "
                    "INSERT INTO alert_notes(alert_id, author, ts, text) VALUES(3, 'me', 1, 'looked at it'); "
                    "INSERT INTO alert_notes(alert_id, author, ts, text) VALUES(70001, 'me', 2, 'and at this'); "
                    "INSERT INTO forward_target(target, cursor) VALUES('es:ecs:logs-falco.alerts-default', 20);")
        && (!fullTextIndex || raw.exec("INSERT INTO alert_fts(alert_fts) VALUES('rebuild');")) && raw.exec("COMMIT");
}

} // namespace fe::test
