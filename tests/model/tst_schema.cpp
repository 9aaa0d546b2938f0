// SPDX-License-Identifier: Apache-2.0
#include "model/aggregates.h"
#include "model/alertstore.h"
#include "model/schema.h"
#include "support/rawdb.h"
#include "support/v4store.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <sys/stat.h>

#include <limits>

using namespace fe;

namespace {

using fe::test::RawDb;

Alert sampleAlert(int n)
{
    Alert a;
    a.timestampMs = 1714500000000 + n;
    a.priority = Priority::Warning;
    a.rule = QStringLiteral("Terminal shell in container");
    a.output = QStringLiteral("shell %1").arg(n);
    a.dedupeKey = "h:" + QByteArray::number(n);
    a.ecsJson = "{}";
    return a;
}

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void migrationListIsAppendOnlyShape();
    void newStoreIsPrivate();
    void openCreatesLatest_data();
    void openCreatesLatest();
    void refusesForeignDatabase_data();
    void refusesForeignDatabase();
    void migrateV4ToLeanStore_data();
    void migrateV4ToLeanStore();
    void openExistingV1KeepsData();
    void migrateFromV1ToLatest();
    void migrateV2StoreKeepsSearchAndCounts();
    void migrateV3KeepsDeduplicationOfStoredAlerts();
    void dedupeKeysAreTimeOrdered();
    void refusesNewerVersion_data();
    void refusesNewerVersion();
    void readOnlyRefusesUninitialisedFile();
    void notADatabase();
    void listEncoding_data();
    void listEncoding();
};

void TestSchema::migrationListIsAppendOnlyShape()
{
    const auto &list = Schema::migrations();
    QVERIFY(!list.empty());
    for (size_t i = 0; i < list.size(); ++i) {
        QCOMPARE(list[i].version, int(i + 1));
        QVERIFY(list[i].sql && *list[i].sql);
        QVERIFY(list[i].summary && *list[i].summary);
    }
    QCOMPARE(Schema::latestVersion(), int(list.size()));
}

// Alerts carry command lines and file names: a new store and its directory are the user's alone.
void TestSchema::newStoreIsPrivate()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("new/sub/a.db"));
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.insert({sampleAlert(1)}).stored, 1);
    const auto mode = [](const QString &p) {
        struct stat st;
        return ::stat(QFile::encodeName(p).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
    };
    QCOMPARE(mode(path), 0600);
    QCOMPARE(mode(path + QStringLiteral("-wal")), 0600);
    QCOMPARE(mode(path + QStringLiteral("-shm")), 0600);
    QCOMPARE(mode(dir.filePath(QStringLiteral("new/sub"))), 0700);
}

void TestSchema::openCreatesLatest_data()
{
    QTest::addColumn<QByteArray>("setup"); // "" = no file at all, "empty" = zero-byte file, else SQL for a v0 file
    QTest::newRow("no file") << QByteArray();
    QTest::newRow("zero-byte file") << QByteArray("empty");
}

void TestSchema::openCreatesLatest()
{
    QFETCH(QByteArray, setup);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    if (setup == "empty") {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    } else if (!setup.isEmpty()) {
        RawDb raw(path);
        QVERIFY(raw.exec(setup.constData()));
    }
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Schema::latestVersion());
    QCOMPARE(store.insert({sampleAlert(1)}).stored, 1);
    store.close();

    RawDb raw(path);
    QCOMPARE(raw.scalar("PRAGMA user_version"), Schema::latestVersion());
    QCOMPARE(raw.scalar("SELECT count(*) FROM alerts"), 1);
    for (const char *table : {"alerts", "dict", "profile", "origin", "zdict", "colseg", "alert_fts", "rollup_minute",
                              "rollup_hour", "rollup_day", "state", "alert_notes", "forward_target", "forward_item"}) {
        const QByteArray sql = QByteArray("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'";
        QVERIFY2(raw.scalar(sql.constData()) == 1, table);
    }
    QCOMPARE(raw.scalar("PRAGMA page_size"), 65536);
    QCOMPARE(raw.scalar("PRAGMA application_id"), qint64(Schema::ApplicationId));
    for (const char *gone : {"alert_doc", "alert_output"}) {
        const QByteArray sql = QByteArray("SELECT count(*) FROM sqlite_master WHERE name = '") + gone + "'";
        QVERIFY2(raw.scalar(sql.constData()) == 0, gone);
    }
}

// Another program's SQLite file is refused, never given the store's tables (issue: import and the GUI created 15
// tables in it): a non-empty database without the store's application id, or with another one.
void TestSchema::refusesForeignDatabase_data()
{
    QTest::addColumn<QByteArray>("setup");
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("unrelated table, read-write") << QByteArray("CREATE TABLE other(x); INSERT INTO other VALUES(1);") << false;
    QTest::newRow("unrelated table, read-only") << QByteArray("CREATE TABLE other(x); INSERT INTO other VALUES(1);") << true;
    QTest::newRow("another application id") << QByteArray("PRAGMA application_id=1234; CREATE TABLE other(x);") << false;
    QTest::newRow("another application id, otherwise empty") << QByteArray("PRAGMA application_id=1234;") << false;
}

void TestSchema::refusesForeignDatabase()
{
    QFETCH(QByteArray, setup);
    QFETCH(bool, readOnly);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("other.db"));
    {
        RawDb raw(path);
        QVERIFY(raw.exec(setup.constData()));
    }
    const QByteArray before = [&] {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    AlertStore store;
    QString error;
    QVERIFY(!store.open(path, readOnly ? AlertStore::OpenMode::ReadOnly : AlertStore::OpenMode::ReadWrite, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("not a Falco Explorer store")) || error.contains(QLatin1String("not an alert store")),
             qPrintable(error));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

// A v4 store (the layout of the previous release: wide rows, the ECS document stored) is converted in place: ids,
// facts, triage, notes, state and rollups stay; each record is the stored document; the full-text index is rebuilt
// after, searches being exact meanwhile; an interrupted conversion resumes.
void TestSchema::migrateV4ToLeanStore_data()
{
    QTest::addColumn<bool>("interrupt");
    QTest::newRow("in one go") << false;
    QTest::newRow("stopped, then resumed") << true;
}

void TestSchema::migrateV4ToLeanStore()
{
    QFETCH(bool, interrupt);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v4.db"));
    constexpr int n = 45000;   // more than one conversion chunk
    {
        QString error;
        QVERIFY2(fe::test::writeV4Store(path, n, &error, true), qPrintable(error));
        RawDb raw(path);
        QCOMPARE(Schema::version(raw.db), 4);
    }
    QVector<qint64> seen;
    if (interrupt) {
        AlertStore store;
        QString error;
        const auto stopEarly = [&](qint64 done, qint64 total) {
            seen << done;
            return total != n ? true : done < 20000;
        };
        QVERIFY(!store.open(path, AlertStore::OpenMode::ReadWrite, &error, stopEarly));
        QVERIFY2(error.contains(QLatin1String("stopped")), qPrintable(error));
        RawDb raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), 4);
        QCOMPARE(raw.scalar("SELECT count(*) FROM alerts_v5"), 20000);
    }
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error,
                        [&](qint64 done, qint64) {
                            seen << done;
                            return true;
                        }),
             qPrintable(error));
    QCOMPARE(store.schemaVersion(), 5);
    QCOMPARE(seen.last(), n);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QCOMPARE(store.count(), n);
    QCOMPARE(store.maxId(), n);
    QCOMPARE(store.state(QStringLiteral("tail:/var/log/falco.log")), QByteArray("pos 42"));
    // Searches are exact before the index is rebuilt, and after.
    QCOMPARE(store.pendingIndexRows(), n);
    AlertFilter search;
    search.query = QStringLiteral("\"etc shadow\"");
    QCOMPARE(store.count(search, &error), n / 100);
    QCOMPARE(store.indexPending(-1, &error), n);
    QCOMPARE(store.pendingIndexRows(), 0);
    QCOMPARE(store.count(search, &error), n / 100);
    // Facts and triage per alert; the document as it was stored.
    const AlertBatch first = store.alertsAfter(0, 8);
    QCOMPARE(first.size(), 8);
    QCOMPARE(first[5].rule, QStringLiteral("rule 1"));
    QCOMPARE(first[5].hostname, QStringLiteral("host-2"));
    QCOMPARE(first[5].tactics, QStringList{QStringLiteral("execution")});
    QCOMPARE(first[5].commandLine, QStringLiteral("bash -c 5"));
    QCOMPARE(first[0].output, QStringLiteral("read /etc/shadow by cat"));
    QCOMPARE(first[5].dedupeKey, QByteArray("h:5"));
    AlertFilter triaged;
    triaged.query = QStringLiteral("triage.status:closed");
    QCOMPARE(store.count(triaged, &error), n / 5);
    triaged.query = QStringLiteral("rule.name:\"rule 3\" and host.name:host-0");
    QCOMPARE(store.count(triaged, &error), n / 12);
    QVERIFY(store.document(6).startsWith("{\"@timestamp\""));
    StoredOriginal original;
    QVERIFY(store.original(8, &original));
    QCOMPARE(original.bytes, QByteArray("raw line 7"));
    QVERIFY(!original.byteExact);
    QVERIFY(!original.note.isEmpty());
    QVERIFY(store.original(9, &original));
    QVERIFY(original.bytes.isEmpty());
    store.close();
    RawDb raw(path);
    QCOMPARE(raw.scalar("SELECT count(*) FROM alert_notes WHERE alert_id = 3"), 1);
    QCOMPARE(raw.scalar("SELECT cursor FROM forward_target"), 20);
    QCOMPARE(raw.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('alert_doc', 'alert_output', 'alerts_v5')"), 0);
    QCOMPARE(raw.scalar("SELECT count(*) FROM state WHERE key = 'fe.v5_converted'"), 0);
    QCOMPARE(raw.scalar("PRAGMA application_id"), qint64(Schema::ApplicationId));
}

void TestSchema::openExistingV1KeepsData()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    {
        RawDb raw(path);
        QString error;
        QVERIFY2(Schema::configure(raw.db, false, &error), qPrintable(error));
        QVERIFY2(Schema::migrate(raw.db, &error, 1), qPrintable(error));
        QCOMPARE(Schema::version(raw.db), 1);
        QVERIFY(raw.exec("INSERT INTO alerts(ts, priority, rule, dedupe, ingested) VALUES(5, 2, 'r', x'01', 6);"
                         "INSERT INTO state(key, value) VALUES('k', 'v');"));
    }
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Schema::latestVersion());
    QCOMPARE(store.state(QStringLiteral("k")), QByteArray("v"));
    QCOMPARE(store.maxId(), 1);
    // A second open of an up-to-date file runs no migration and keeps everything.
    store.close();
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.state(QStringLiteral("k")), QByteArray("v"));
}

void TestSchema::migrateFromV1ToLatest()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    RawDb raw(path);
    QString error;
    QVERIFY(Schema::configure(raw.db, false, &error));
    QVERIFY2(Schema::migrate(raw.db, &error, 1), qPrintable(error));
    QCOMPARE(Schema::version(raw.db), 1);
    QVERIFY2(Schema::migrate(raw.db, &error), qPrintable(error));
    QCOMPARE(Schema::version(raw.db), Schema::latestVersion());
    // Idempotent.
    QVERIFY2(Schema::migrate(raw.db, &error), qPrintable(error));
    QCOMPARE(Schema::version(raw.db), Schema::latestVersion());
}

// A store written by the v2 program (contentful alert_fts, minute rollups of every dimension, no day level), built
// with the v2 DDL and filled the way the v2 writer did, is upgraded by migration 3 without losing a count or a match.
void TestSchema::migrateV2StoreKeepsSearchAndCounts()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v2.db"));
    constexpr qint64 t0 = 1714521600000; // 2024-05-01T00:00:00Z
    {
        RawDb raw(path);
        QString error;
        QVERIFY2(Schema::configure(raw.db, false, &error), qPrintable(error));
        QVERIFY2(Schema::migrate(raw.db, &error, 2), qPrintable(error));
        QCOMPARE(Schema::version(raw.db), 2);
        QVERIFY(raw.exec("BEGIN"));
        // 600 alerts over ~50 hours, 4 rules, 3 hosts, 5 pods, priorities 0..7.
        for (int i = 0; i < 600; ++i) {
            const QByteArray sql = QByteArray("INSERT INTO alerts(ts, priority, rule, host, pod, source, dedupe, ingested) "
                                              "VALUES(")
                + QByteArray::number(t0 + qint64(i) * 299 * 1000 + i % 7) + ", " + QByteArray::number(i % 8)
                + ", 'rule " + QByteArray::number(i % 4) + "', 'host-" + QByteArray::number(i % 3) + "', 'pod-"
                + QByteArray::number(i % 5) + "', 'syscall', x'" + QByteArray::number(i, 16).rightJustified(4, '0')
                + "', 0); INSERT INTO alert_doc(id, doc) VALUES(last_insert_rowid(), '{\"falco\":{\"output\":\""
                + (i % 10 == 0 ? QByteArray("read /etc/shadow by cat") : QByteArray("shell spawned ") + QByteArray::number(i))
                + "\"}}'); INSERT INTO alert_fts(rowid, output) VALUES(last_insert_rowid(), '"
                + (i % 10 == 0 ? QByteArray("read /etc/shadow by cat") : QByteArray("shell spawned ") + QByteArray::number(i))
                + "');";
            QVERIFY2(raw.exec(sql.constData()), sqlite3_errmsg(raw.db));
        }
        // The v2 writer's rollups: minutes and hours of every dimension (here total, priority, rule, host, pod, source).
        for (const char *table : {"rollup_minute", "rollup_hour"}) {
            const QByteArray width = QByteArray(table) == "rollup_minute" ? "60000" : "3600000";
            const QByteArray sql = "INSERT INTO " + QByteArray(table) + "(dim, bucket, key, cnt, last_ts) "
                "SELECT 0, ts / " + width + ", '', count(*), max(ts) FROM alerts GROUP BY 2 UNION ALL "
                "SELECT 1, ts / " + width + ", priority, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                "SELECT 2, ts / " + width + ", rule, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                "SELECT 3, ts / " + width + ", host, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                "SELECT 4, ts / " + width + ", pod, count(*), max(ts) FROM alerts GROUP BY 2, 3 UNION ALL "
                "SELECT 5, ts / " + width + ", source, count(*), max(ts) FROM alerts GROUP BY 2, 3";
            QVERIFY2(raw.exec(sql.constData()), sqlite3_errmsg(raw.db));
        }
        QVERIFY(raw.exec("COMMIT"));
        QVERIFY(raw.scalar("SELECT count(*) FROM rollup_minute WHERE dim = 4") > 0);
    }

    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Schema::latestVersion());
    QCOMPARE(store.count(), 600);
    // The lean store's full-text index is rebuilt from the records (searches are exact meanwhile).
    QCOMPARE(store.pendingIndexRows(), 600);
    QCOMPARE(store.indexPending(), 600);
    AlertFilter search;
    search.query = QStringLiteral("\"etc shadow\"");
    QCOMPARE(store.count(search, &error), 60);
    search.query = QStringLiteral("spawned");
    QCOMPARE(store.count(search, &error), 540);
    QCOMPARE(store.alertsAfter(0, 1).value(0).output, QStringLiteral("read /etc/shadow by cat"));
    {
        RawDb raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM rollup_minute WHERE dim NOT IN (0, 1)"), 0);
        QCOMPARE(raw.scalar("SELECT count(*) FROM alert_fts WHERE alert_fts MATCH 'shadow'"), 60);
        // Days are the hours summed, key by key.
        QCOMPARE(raw.scalar("SELECT count(*) FROM (SELECT dim, bucket / 24 AS day, key, sum(cnt) AS n, max(last_ts) AS l "
                            "FROM rollup_hour GROUP BY 1, 2, 3 EXCEPT SELECT dim, bucket, key, cnt, last_ts FROM rollup_day)"),
                 0);
        QCOMPARE(raw.scalar("SELECT sum(cnt) FROM rollup_day WHERE dim = 4"), 600);
    }

    // The migrated rollups answer every range like the base table, and new alerts add to them.
    AlertBatch more;
    for (int i = 0; i < 50; ++i) {
        Alert a;
        a.timestampMs = t0 + qint64(i) * 3600 * 1000 + 17;
        a.priority = Priority::Critical;
        a.rule = QStringLiteral("rule 9");
        a.hostname = QStringLiteral("host-1");
        a.podName = QStringLiteral("pod-2");
        a.source = QStringLiteral("syscall");
        a.ecsJson = QStringLiteral("{\"falco\":{\"output\":\"new shadow %1\"}}").arg(i).toUtf8();
        a.dedupeKey = "new" + QByteArray::number(i);
        more.append(a);
    }
    QCOMPARE(store.insert(more).stored, 50);
    search.query = QStringLiteral("shadow");
    QCOMPARE(store.count(search, &error), 110);
    const std::pair<qint64, qint64> ranges[] = {{std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max()},
                                                {t0 + 5 * 60000 + 30, t0 + 30 * 3600000 + 7 * 60000 + 3},
                                                {t0 + 3600000, t0 + 49 * 3600000}};
    for (const auto &[from, to] : ranges) {
        AlertFilter filter;
        filter.fromMs = from;
        filter.toMs = to;
        AggregateOptions options;
        options.topN = 0;
        DashboardData rollups, base;
        QVERIFY2(computeDashboard(store, filter, options, &rollups, &error), qPrintable(error));
        options.forceBaseTable = true;
        QVERIFY2(computeDashboard(store, filter, options, &base, &error), qPrintable(error));
        QVERIFY(rollups.fromRollups);
        QCOMPARE(rollups.total, base.total);
        for (const auto &[a, b] : {std::pair{&rollups.byRule, &base.byRule}, std::pair{&rollups.byHost, &base.byHost},
                                   std::pair{&rollups.byPod, &base.byPod}, std::pair{&rollups.byPriority, &base.byPriority}}) {
            QCOMPARE(a->size(), b->size());
            for (int i = 0; i < a->size(); ++i) {
                QCOMPARE(a->at(i).key, b->at(i).key);
                QCOMPARE(a->at(i).count, b->at(i).count);
                QCOMPARE(a->at(i).lastSeenMs, b->at(i).lastSeenMs);
            }
        }
        QCOMPARE(rollups.overTime.size(), base.overTime.size());
        for (int i = 0; i < rollups.overTime.size(); ++i)
            QCOMPARE(rollups.overTime[i].count, base.overTime[i].count);
    }
}

// A v3 store's alerts keep their bare dedupe keys; after the v4 migration an alert with the same logical key is still
// a duplicate (looked up under the bare key) when its time is not newer than theirs, or when it has no own time.
void TestSchema::migrateV3KeepsDeduplicationOfStoredAlerts()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v3.db"));
    {
        RawDb raw(path);
        QString error;
        QVERIFY2(Schema::configure(raw.db, false, &error), qPrintable(error));
        QVERIFY2(Schema::migrate(raw.db, &error, 3), qPrintable(error));
        // Bound as blobs, as the v3 writer did.
        QVERIFY(raw.exec("INSERT INTO alerts(ts, priority, dedupe, ingested) VALUES(1000, 4, CAST('u:a' AS BLOB), 0), "
                         "(2000, 4, CAST('h:b' AS BLOB), 0), (3000, 4, CAST('u:c' AS BLOB), 0); "
                         "INSERT INTO alert_doc(id, doc) SELECT id, '{}' FROM alerts; "
                         "INSERT INTO alert_output(id, output) SELECT id, 'old' FROM alerts;"));
    }
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), 5);
    QCOMPARE(store.state(QStringLiteral("fe.dedupe_legacy_max_ts")), QByteArray("3000"));

    auto alert = [](qint64 ts, const QByteArray &key, bool receipt = false) {
        Alert a = sampleAlert(int(ts));
        a.timestampMs = ts;
        a.dedupeKey = key;
        a.timeIsReceipt = receipt;
        return a;
    };
    const InsertResult r = store.insert({
        alert(1000, "u:a"),          // a stored alert again: duplicate (bare key)
        alert(2000, "h:b"),          // the same
        alert(99000, "u:c", true),   // no own time (received now): duplicate, looked up whatever the time
        alert(2500, "h:new"),        // new, inside the old range
        alert(9000, "u:z"),          // new, after it
        alert(9000, "u:z"),          // its copy in the same batch: duplicate (time-prefixed key)
        alert(9001, "u:a"),          // the same uuid with a later own time of its own is another alert
    });
    QCOMPARE(r.stored, 3);
    QCOMPARE(r.duplicates, 4);
    QCOMPARE(store.insert({alert(2500, "h:new"), alert(9000, "u:z"), alert(3000, "u:c")}).duplicates, 3);

    // Read back: the logical keys, old and new rows alike (the Elasticsearch _id is derived from them).
    QList<QByteArray> keys;
    for (const Alert &a : store.alertsAfter(0, 100))
        keys.append(a.dedupeKey);
    QCOMPARE(keys, (QList<QByteArray>{"u:a", "h:b", "u:c", "h:new", "u:z", "u:a"}));
    store.close();

    RawDb raw(path);
    QCOMPARE(raw.scalar("SELECT count(*) FROM alerts WHERE substr(dedupe, 1, 1) = x'02'"), 3);
    QCOMPARE(raw.scalar("SELECT count(*) FROM alerts WHERE dedupe IN (CAST('u:a' AS BLOB), CAST('h:b' AS BLOB), "
                        "CAST('u:c' AS BLOB))"),
             3);
}

// Stored keys sort by time whatever the (random) logical key: the UNIQUE index grows at its right edge.
void TestSchema::dedupeKeysAreTimeOrdered()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    AlertStore store;
    QVERIFY(store.open(path));
    QCOMPARE(store.state(QStringLiteral("fe.dedupe_legacy_max_ts")), QByteArray());
    AlertBatch batch;
    for (int i = 0; i < 500; ++i) {
        Alert a = sampleAlert(i);
        // From the epoch itself (the earliest time an alert may carry: the store replaces earlier ones) and today.
        a.timestampMs = (i < 250 ? 0 : 1714500000000) + qint64(i) * 1000;
        a.dedupeKey = "u:" + QByteArray::number(quint64(i) * 0x9E3779B97F4A7C15ull % 1000003, 16);   // scrambled
        batch.append(a);
    }
    QCOMPARE(store.insert(batch).stored, 500);
    store.close();
    RawDb raw(path);
    QCOMPARE(raw.scalar("SELECT count(*) FROM (SELECT id, row_number() OVER (ORDER BY dedupe) AS byKey, "
                        "row_number() OVER (ORDER BY ts) AS byTime FROM alerts) WHERE byKey != byTime"),
             0);
    // A prefix, then the compact key: 'U' and the uuid's text for these (not canonical UUIDs).
    QCOMPARE(raw.scalar("SELECT count(*) FROM alerts WHERE substr(dedupe, 1, 1) != x'02' OR substr(dedupe, 10, 1) != x'55'"), 0);
}

void TestSchema::refusesNewerVersion_data()
{
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("read-write") << false;
    QTest::newRow("read-only") << true;
}

void TestSchema::refusesNewerVersion()
{
    QFETCH(bool, readOnly);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    {
        AlertStore store;
        QVERIFY(store.open(path));
        store.insert({sampleAlert(1)});
    }
    const int newer = Schema::latestVersion() + 7;
    {
        RawDb raw(path);
        QVERIFY(raw.exec(QByteArray("PRAGMA user_version=" + QByteArray::number(newer)).constData()));
    }
    AlertStore store;
    QString error;
    QVERIFY(!store.open(path, readOnly ? AlertStore::OpenMode::ReadOnly : AlertStore::OpenMode::ReadWrite, &error));
    QVERIFY(!store.isOpen());
    QVERIFY2(error.contains(QString::number(newer)) && error.contains(QLatin1String("newer")), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));
    // The file is left as it was.
    RawDb raw(path);
    QCOMPARE(raw.scalar("PRAGMA user_version"), newer);
    QCOMPARE(raw.scalar("SELECT count(*) FROM alerts"), 1);
}

void TestSchema::readOnlyRefusesUninitialisedFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    {
        RawDb raw(path);
        QVERIFY(raw.exec("CREATE TABLE other(x)"));
    }
    AlertStore store;
    QString error;
    QVERIFY(!store.open(path, AlertStore::OpenMode::ReadOnly, &error));
    QVERIFY2(error.contains(QLatin1String("version 0")), qPrintable(error));
}

void TestSchema::notADatabase()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    AlertStore store;
    QString error;
    QVERIFY(!store.open(path, AlertStore::OpenMode::ReadWrite, &error));
    QVERIFY2(error.contains(path) && error.contains(QLatin1String("not a database")), qPrintable(error));
}

void TestSchema::listEncoding_data()
{
    QTest::addColumn<QStringList>("values");
    QTest::addColumn<QString>("encoded");
    QTest::addColumn<QStringList>("decoded");
    QTest::newRow("none") << QStringList{} << QString() << QStringList{};
    QTest::newRow("one") << QStringList{QStringLiteral("execution")} << QStringLiteral("|execution|")
                         << QStringList{QStringLiteral("execution")};
    QTest::newRow("order kept, repeats and empties dropped")
        << QStringList{QStringLiteral("b"), QString(), QStringLiteral("a"), QStringLiteral("b")} << QStringLiteral("|b|a|")
        << QStringList{QStringLiteral("b"), QStringLiteral("a")};
    QTest::newRow("already normal, kept as is")
        << QStringList{QStringLiteral("container"), QStringLiteral("mitre_execution"), QStringLiteral("T1059")}
        << QStringLiteral("|container|mitre_execution|T1059|")
        << QStringList{QStringLiteral("container"), QStringLiteral("mitre_execution"), QStringLiteral("T1059")};
    QTest::newRow("only an empty value") << QStringList{QString()} << QString() << QStringList{};
    QTest::newRow("repeat as the last value")
        << QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a")} << QStringLiteral("|a|b|")
        << QStringList{QStringLiteral("a"), QStringLiteral("b")};
    QTest::newRow("separator inside a value") << QStringList{QStringLiteral("x|y")} << QStringLiteral("|x/y|")
                                              << QStringList{QStringLiteral("x/y")};
}

void TestSchema::listEncoding()
{
    QFETCH(QStringList, values);
    QFETCH(QString, encoded);
    QFETCH(QStringList, decoded);
    const QString actual = Schema::encodeList(Schema::normalizedList(values));
    QCOMPARE(actual, encoded);
    QCOMPARE(Schema::decodeList(actual), decoded);
}

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
