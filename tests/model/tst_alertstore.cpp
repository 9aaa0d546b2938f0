// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"
#include "model/columnsegment.h"
#include "model/schema.h"
#include "support/pagecache.h"
#include "support/rawdb.h"

#include <QAtomicInt>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <limits>

using namespace fe;

namespace {

constexpr qint64 s_baseTs = 1714500000000; // 2024-04-30T18:00:00Z

// The document of alert n: the store keeps it as the record of an alert that has no original (schema v5), so its
// falco.output is what searches and the explorer read.
QByteArray documentFor(int n, const QString &output, const QString &commandLine)
{
    return R"({"@timestamp":"x","rule":{"name":"r"},"n":)" + QByteArray::number(n) + R"(,"falco":{"output":")"
        + output.toUtf8() + R"("},"process":{"command_line":")" + commandLine.toUtf8() + R"("}})";
}

Alert makeAlert(int n, qint64 ts = 0)
{
    Alert a;
    a.timestampMs = ts ? ts : s_baseTs + qint64(n) * 1000;
    a.priority = Priority(n % 8);
    a.severity = severityForPriority(a.priority);
    a.rule = n % 3 == 0 ? QStringLiteral("Terminal shell in container") : QStringLiteral("Read sensitive file untrusted");
    a.hostname = QStringLiteral("web-%1").arg(n % 4);
    a.source = QStringLiteral("syscall");
    a.output = QStringLiteral("A shell was spawned in a container (user=root command=bash -i n=%1)").arg(n);
    a.containerId = QStringLiteral("c0ffee%1").arg(n % 5);
    a.containerName = QStringLiteral("nginx");
    a.containerImage = QStringLiteral("docker.io/library/nginx");
    a.podName = QStringLiteral("web-pod-%1").arg(n % 2);
    a.namespaceName = QStringLiteral("prod");
    a.processName = QStringLiteral("bash");
    a.commandLine = QStringLiteral("bash -i");
    a.userName = QStringLiteral("root");
    a.tags = {QStringLiteral("container"), QStringLiteral("shell"), QStringLiteral("mitre_execution")};
    a.technique = QStringLiteral("T1059");
    a.tactics = {QStringLiteral("execution")};
    a.uuid = QStringLiteral("uuid-%1").arg(n);
    a.dedupeKey = "u:uuid-" + QByteArray::number(n);
    a.ecsJson = documentFor(n, a.output, a.commandLine);
    return a;
}

// makeAlert() with outputs to search for: n % 10 == 0 -> "/etc/shadow", n % 10 == 1 -> "Überwachung ÉTÉ".
Alert makeSearchableAlert(int n)
{
    Alert a = makeAlert(n);
    if (n % 10 == 0)
        a.output = QStringLiteral("Sensitive file opened for reading (file=/etc/shadow n=%1)").arg(n);
    else if (n % 10 == 1)
        a.output = QStringLiteral("Überwachung ÉTÉ n=%1").arg(n);
    a.ecsJson = documentFor(n, a.output, a.commandLine);
    return a;
}

AlertBatch makeBatch(int first, int count)
{
    AlertBatch batch;
    for (int i = first; i < first + count; ++i)
        batch.append(makeAlert(i));
    return batch;
}

// makeBatch() with ~6 KB documents ({"n":"<time>","pad":"..."}): a few batches make tens of MB of pages. The padding
// is random text of its own per alert: records are compressed with a dictionary trained on the store's first alerts,
// and a padding shared by all (or a run of one letter) would shrink to nothing.
QByteArray paddingFor(qint64 ts)
{
    QByteArray pad(6000, ' ');
    quint64 x = 0x9E3779B97F4A7C15ull ^ quint64(ts) * 0xC2B2AE3D27D4EB4Full;
    for (char &c : pad) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[x % 62];
    }
    return pad;
}
AlertBatch makePaddedBatch(int first, int count)
{
    AlertBatch batch = makeBatch(first, count);
    for (Alert &a : batch) {
        a.output.clear();
        a.commandLine.clear();
        a.ecsJson = R"({"n":")" + QByteArray::number(a.timestampMs) + R"(","pad":")" + paddingFor(a.timestampMs) + "\"}";
    }
    return batch;
}

} // namespace

class TestAlertStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void insertAndCount();
    void countRanges_data();
    void countRanges();
    void dedupe_data();
    void dedupe();
    void reopenPersists();
    void columnBlocksFollowTheRows();
    void damagedRecordsAndDictionary();
    void readOnlyCannotWrite();
    void document();
    void forEachDocumentOrderAndStop();
    void forEachDocumentTimeRange();
    void alertsAfterRoundTrip();
    void ftsMatch();
    void rollupsEqualBaseCounts();
    void deferredFullTextIndex_data();
    void deferredFullTextIndex();
    void hugeOutputIndexedInPart();
    void indexBacklogBounded();
    void stateRoundTrip();
    void concurrentReaderWhileWriting();
    void emptyDedupeKeyFallsBackToDocument();
    void walCheckpointedWhileWriterRuns();
    void pageCacheDropBehind_data();
    void pageCacheDropBehind();
    void pragmas();
    void defaultPath();
};

void TestAlertStore::insertAndCount()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    AlertStore store;
    QString error;
    QVERIFY2(store.open(dir.filePath(QStringLiteral("sub/alerts.db")), AlertStore::OpenMode::ReadWrite, &error),
             qPrintable(error));
    QCOMPARE(store.schemaVersion(), Schema::latestVersion());
    QCOMPARE(store.count(), 0);
    QCOMPARE(store.maxId(), 0);

    const InsertResult r = store.insert(makeBatch(0, 250), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(r.stored, 250);
    QCOMPARE(r.duplicates, 0);
    QCOMPARE(r.lastId - r.firstId + 1, 250);
    QCOMPARE(store.count(), 250);
    QCOMPARE(store.maxId(), r.lastId);

    AlertFilter range;
    range.fromMs = s_baseTs + 10 * 1000;
    range.toMs = s_baseTs + 20 * 1000; // exclusive
    QCOMPARE(store.count(range), 10);
}

void TestAlertStore::countRanges_data()
{
    QTest::addColumn<qint64>("fromMs");
    QTest::addColumn<qint64>("toMs");
    const qint64 open = std::numeric_limits<qint64>::min();
    const qint64 openEnd = std::numeric_limits<qint64>::max();
    const qint64 hour = 3600 * 1000;
    const qint64 h0 = s_baseTs - s_baseTs % hour; // the hour the data starts in
    QTest::newRow("open start") << open << h0 + 2 * hour + 61 * 1000 + 5;
    QTest::newRow("open end") << h0 + hour + 30 * 1000 << openEnd;
    QTest::newRow("ragged, over hours") << h0 + 17 * 60000 + 2500 << h0 + 3 * hour + 11 * 60000 + 999;
    QTest::newRow("whole hours") << h0 + hour << h0 + 3 * hour;
    QTest::newRow("minutes inside one hour") << h0 + hour + 60000 << h0 + hour + 9 * 60000;
    QTest::newRow("inside one minute") << h0 + hour + 60000 + 100 << h0 + hour + 60000 + 59900;
    QTest::newRow("on alert timestamps") << s_baseTs + 7000 << s_baseTs + 7000 * 100;
    QTest::newRow("empty range") << h0 + hour << h0 + hour;
    QTest::newRow("reversed range") << h0 + 2 * hour << h0 + hour;
    QTest::newRow("after the data") << h0 + 10 * hour << openEnd;
}

void TestAlertStore::countRanges()
{
    QFETCH(qint64, fromMs);
    QFETCH(qint64, toMs);
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    AlertBatch batch;
    for (int i = 0; i < 1800; ++i)
        batch.append(makeAlert(i, s_baseTs + qint64(i) * 7000)); // 3.5 hours
    QCOMPARE(store.insert(batch).stored, 1800);
    qint64 expected = 0;
    for (const Alert &a : batch)
        expected += a.timestampMs >= fromMs && a.timestampMs < toMs ? 1 : 0;
    AlertFilter filter;
    filter.fromMs = fromMs;
    filter.toMs = toMs;
    QString error;
    QCOMPARE(store.count(filter, &error), expected);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    int streamed = 0;
    QVERIFY(store.forEachDocument(filter, [&](qint64, const QByteArray &) { return ++streamed > 0; }));
    QCOMPARE(streamed, expected);
}

void TestAlertStore::dedupe_data()
{
    QTest::addColumn<QList<int>>("firstBatch");
    QTest::addColumn<QList<int>>("secondBatch");
    QTest::addColumn<int>("stored");      // by the second batch
    QTest::addColumn<int>("duplicates");  // in the second batch
    QTest::addColumn<int>("total");

    QTest::newRow("repeat within one batch") << QList<int>{} << QList<int>{1, 2, 1, 3, 2, 1} << 3 << 3 << 3;
    QTest::newRow("repeat across batches") << QList<int>{1, 2, 3} << QList<int>{3, 4, 1} << 1 << 2 << 4;
    QTest::newRow("whole batch repeated") << QList<int>{5, 6} << QList<int>{5, 6} << 0 << 2 << 2;
    QTest::newRow("repeat within and across") << QList<int>{1} << QList<int>{2, 2, 1, 3, 3} << 2 << 3 << 3;
}

void TestAlertStore::dedupe()
{
    QFETCH(QList<int>, firstBatch);
    QFETCH(QList<int>, secondBatch);
    QFETCH(int, stored);
    QFETCH(int, duplicates);
    QFETCH(int, total);

    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    auto toBatch = [](const QList<int> &numbers) {
        AlertBatch batch;
        for (int n : numbers)
            batch.append(makeAlert(n));
        return batch;
    };
    const InsertResult first = store.insert(toBatch(firstBatch));
    QCOMPARE(first.stored, qint64(QSet<int>(firstBatch.cbegin(), firstBatch.cend()).size()));
    QString error;
    const InsertResult last = store.insert(toBatch(secondBatch), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(last.stored, stored);
    QCOMPARE(last.duplicates, duplicates);
    QCOMPARE(store.count(), total);
    QCOMPARE(store.alertsAfter(0, 100).size(), total);
    // Rollups count stored alerts only, never duplicates.
    sqlite3_stmt *stmt = nullptr;
    QCOMPARE(sqlite3_prepare_v2(store.handle(), "SELECT sum(cnt) FROM rollup_minute WHERE dim = 0", -1, &stmt, nullptr),
             SQLITE_OK);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QCOMPARE(sqlite3_column_int64(stmt, 0), total);
    sqlite3_finalize(stmt);
}

void TestAlertStore::reopenPersists()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    {
        AlertStore store;
        QVERIFY(store.open(path));
        QCOMPARE(store.insert(makeBatch(0, 40)).stored, 40);
        QVERIFY(store.setState(QStringLiteral("tail:/var/log/falco.log"), "1234"));
    }
    AlertStore store;
    QString error;
    QVERIFY2(store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    QCOMPARE(store.count(), 40);
    QCOMPARE(store.state(QStringLiteral("tail:/var/log/falco.log")), QByteArray("1234"));
    // Ids keep increasing after a reopen, and old alerts still dedupe.
    const InsertResult r = store.insert(makeBatch(30, 20));
    QCOMPARE(r.stored, 10);
    QCOMPARE(r.duplicates, 10);
    QCOMPARE(r.firstId, 41);
    QCOMPARE(store.count(), 50);
}

// The writer keeps (id, ts, profile) of every 65536 alerts as a block in colseg, equal to the rows; a store whose
// blocks lag behind (converted from v4, or a writer stopped between commit and blocks) gets them at its next
// read-write open.
void TestAlertStore::columnBlocksFollowTheRows()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    const int n = int(ColumnSegment::SegmentRows) + 1000;
    const auto blocksMatchRows = [&](int expectedBlocks) {
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt *blocks = nullptr;
        QCOMPARE(sqlite3_prepare_v2(db, "SELECT first_id, rows, data FROM colseg ORDER BY first_id", -1, &blocks, nullptr),
                 SQLITE_OK);
        sqlite3_stmt *rows = nullptr;
        QCOMPARE(sqlite3_prepare_v2(db, "SELECT id, ts, profile FROM alerts WHERE id >= ? ORDER BY id LIMIT ?", -1, &rows,
                                    nullptr),
                 SQLITE_OK);
        int count = 0;
        while (sqlite3_step(blocks) == SQLITE_ROW) {
            ++count;
            ColumnSegment segment;
            QString error;
            const QByteArrayView data(static_cast<const char *>(sqlite3_column_blob(blocks, 2)),
                                      sqlite3_column_bytes(blocks, 2));
            QVERIFY2(segment.decode(data, &error), qPrintable(error));
            QCOMPARE(qint64(segment.ids.size()), sqlite3_column_int64(blocks, 1));
            QCOMPARE(segment.ids.front(), sqlite3_column_int64(blocks, 0));
            sqlite3_bind_int64(rows, 1, segment.ids.front());
            sqlite3_bind_int64(rows, 2, qint64(segment.ids.size()));
            size_t i = 0;
            while (sqlite3_step(rows) == SQLITE_ROW) {
                QCOMPARE(segment.ids[i], sqlite3_column_int64(rows, 0));
                QCOMPARE(segment.timestamps[i], sqlite3_column_int64(rows, 1));
                QCOMPARE(qint64(segment.profiles[i]), sqlite3_column_int64(rows, 2));
                ++i;
            }
            sqlite3_reset(rows);
            QCOMPARE(i, segment.ids.size());
        }
        sqlite3_finalize(rows);
        sqlite3_finalize(blocks);
        sqlite3_close(db);
        QCOMPARE(count, expectedBlocks);
    };
    {
        AlertStore store;
        QVERIFY(store.open(path));
        for (int first = 0; first < n; first += 10000)
            QVERIFY(store.insert(makeBatch(first, std::min(10000, n - first))).stored > 0);
        QCOMPARE(store.count(), n);
    }
    blocksMatchRows(1);
    {
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "DELETE FROM colseg", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    blocksMatchRows(0);
    {
        AlertStore store;
        QVERIFY(store.open(path, AlertStore::OpenMode::ReadOnly));   // a reader never writes
    }
    blocksMatchRows(0);
    {
        AlertStore store;
        QVERIFY(store.open(path));
    }
    blocksMatchRows(1);
}

// A damaged record gives an error naming its alert and never stops a reader; a damaged compression dictionary
// refuses writing (new records would be compressed with it) while the store still opens read-only.
void TestAlertStore::damagedRecordsAndDictionary()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    {
        AlertStore store;
        QVERIFY(store.open(path));
        for (int first = 0; first < 3000; first += 1000)
            QCOMPARE(store.insert(makeBatch(first, 1000)).stored, 1000);   // enough to train a dictionary
    }
    const auto exec = [&](const char *sql) {
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    };
    // A truncated record and a record of garbage.
    exec("UPDATE alerts SET record = substr(record, 1, length(record) / 2) WHERE id = 7;"
         "UPDATE alerts SET record = x'ff00ff00ff' WHERE id = 8;");
    {
        AlertStore store;
        QVERIFY(store.open(path, AlertStore::OpenMode::ReadOnly));
        for (qint64 id : {7, 8}) {
            QString error;
            QVERIFY(store.document(id, &error).isEmpty());
            QVERIFY2(error.contains(QStringLiteral("alert %1").arg(id)), qPrintable(error));
        }
        QString error;
        QVERIFY2(!store.document(9, &error).isEmpty(), qPrintable(error));   // its neighbours read as before
        QVERIFY2(!store.document(6, &error).isEmpty(), qPrintable(error));
        QCOMPARE(store.count(), 3000);
    }
    exec("UPDATE zdict SET data = x'37a430ec00000000'");
    {
        AlertStore store;
        QString error;
        QVERIFY(!store.open(path, AlertStore::OpenMode::ReadWrite, &error));
        QVERIFY2(error.contains(QStringLiteral("dictionary")) && error.contains(QStringLiteral("damaged"))
                     && error.contains(QStringLiteral("read-only")),
                 qPrintable(error));
    }
    {
        AlertStore store;
        QString error;
        QVERIFY2(store.open(path, AlertStore::OpenMode::ReadOnly, &error), qPrintable(error));
        QCOMPARE(store.count(), 3000);
        QVERIFY(store.document(20, &error).isEmpty());
        QVERIFY2(error.contains(QStringLiteral("alert 20")) && error.contains(QStringLiteral("dictionary")),
                 qPrintable(error));
    }
}

void TestAlertStore::readOnlyCannotWrite()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    AlertStore reader;
    QString error;
    QVERIFY(!reader.open(path, AlertStore::OpenMode::ReadOnly, &error));
    QVERIFY2(error.contains(QLatin1String("no such alert store")), qPrintable(error));

    AlertStore writer;
    QVERIFY(writer.open(path));
    writer.insert(makeBatch(0, 3));
    QVERIFY2(reader.open(path, AlertStore::OpenMode::ReadOnly, &error), qPrintable(error));
    QCOMPARE(reader.count(), 3);
    error.clear();
    QCOMPARE(reader.insert(makeBatch(10, 2), &error).stored, 0);
    QVERIFY(!error.isEmpty());
    QVERIFY(!reader.setState(QStringLiteral("k"), "v"));
    QCOMPARE(reader.count(), 3);
}

void TestAlertStore::document()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    Alert big = makeAlert(7);
    big.output.clear();
    big.commandLine.clear();
    big.ecsJson = R"({"message":")" + QByteArray(5000, 'x') + R"(","host":{"name":"h\u00e9"}})";
    const InsertResult r = store.insert({makeAlert(1), big});
    QCOMPARE(store.document(r.firstId), makeAlert(1).ecsJson);
    QCOMPARE(store.document(r.lastId), big.ecsJson);
    QString error;
    QVERIFY(store.document(r.lastId + 100, &error).isEmpty());
    QVERIFY2(error.contains(QString::number(r.lastId + 100)), qPrintable(error));

    // Stored compressed; the query language reads the document through fe_doc().
    sqlite3_stmt *stmt = nullptr;
    QCOMPARE(sqlite3_prepare_v2(store.handle(),
                                "SELECT json_extract(fe_doc(a.id, a.record, a.origin, a.byte_offset, a.received), '$.n'), "
                                "length(a.record) FROM alerts a WHERE id = ?",
                                -1, &stmt, nullptr),
             SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, r.firstId);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QCOMPARE(sqlite3_column_int(stmt, 0), 1);
    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, r.lastId);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QVERIFY(sqlite3_column_int(stmt, 1) < big.ecsJson.size() / 4);
    sqlite3_finalize(stmt);
}

void TestAlertStore::forEachDocumentOrderAndStop()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    // Inserted out of time order, with two alerts sharing a timestamp: order is (ts, id).
    AlertBatch batch{makeAlert(1, s_baseTs + 3000), makeAlert(2, s_baseTs + 1000), makeAlert(3, s_baseTs + 2000),
                     makeAlert(4, s_baseTs + 1000)};
    const InsertResult r = store.insert(batch);
    QCOMPARE(r.stored, 4);

    QList<qint64> ids;
    QList<QByteArray> docs;
    QString error;
    QVERIFY(store.forEachDocument(
        {},
        [&](qint64 id, const QByteArray &json) {
            ids.append(id);
            docs.append(json);
            return true;
        },
        &error));
    const qint64 f = r.firstId;
    QCOMPARE(ids, (QList<qint64>{f + 1, f + 3, f + 2, f}));
    QCOMPARE(docs.first(), makeAlert(2).ecsJson);

    ids.clear();
    QVERIFY(store.forEachDocument({}, [&](qint64 id, const QByteArray &) {
        ids.append(id);
        return ids.size() < 2;
    }));
    QCOMPARE(ids, (QList<qint64>{f + 1, f + 3}));
}

void TestAlertStore::forEachDocumentTimeRange()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    store.insert(makeBatch(0, 100));
    AlertFilter filter;
    filter.fromMs = s_baseTs + 50 * 1000;
    int seen = 0;
    QVERIFY(store.forEachDocument(filter, [&](qint64, const QByteArray &json) {
        seen += json.contains("\"n\":") ? 1 : 0;
        return true;
    }));
    QCOMPARE(seen, 50);
    QCOMPARE(store.count(filter), 50);
}

void TestAlertStore::alertsAfterRoundTrip()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    Alert odd = makeAlert(9);
    odd.tags = {QStringLiteral("a|b"), QString(), QStringLiteral("c"), QStringLiteral("c")};
    odd.tactics.clear();
    const InsertResult r = store.insert({makeAlert(1), makeAlert(2), odd});
    const AlertBatch after = store.alertsAfter(r.firstId, 10);
    QCOMPARE(after.size(), 2);
    const Alert &a = after.first();
    const Alert expected = makeAlert(2);
    QCOMPARE(a.id, r.firstId + 1);
    QCOMPARE(a.timestampMs, expected.timestampMs);
    QCOMPARE(a.priority, expected.priority);
    QCOMPARE(a.severity, expected.severity);
    QCOMPARE(a.rule, expected.rule);
    QCOMPARE(a.hostname, expected.hostname);
    QCOMPARE(a.source, expected.source);
    QCOMPARE(a.output, expected.output);
    QCOMPARE(a.uuid, expected.uuid);
    QCOMPARE(a.containerId, expected.containerId);
    QCOMPARE(a.containerName, expected.containerName);
    QCOMPARE(a.containerImage, expected.containerImage);
    QCOMPARE(a.podName, expected.podName);
    QCOMPARE(a.namespaceName, expected.namespaceName);
    QCOMPARE(a.processName, expected.processName);
    QCOMPARE(a.commandLine, expected.commandLine);
    QCOMPARE(a.userName, expected.userName);
    QCOMPARE(a.tags, expected.tags);
    QCOMPARE(a.technique, expected.technique);
    QCOMPARE(a.tactics, expected.tactics);
    QCOMPARE(a.dedupeKey, expected.dedupeKey);
    QCOMPARE(a.ecsJson, expected.ecsJson);
    // List values are normalized: no empties, no repeats, no separator inside a value.
    QCOMPARE(after.last().tags, (QStringList{QStringLiteral("a/b"), QStringLiteral("c")}));
    QVERIFY(after.last().tactics.isEmpty());

    QCOMPARE(store.alertsAfter(r.firstId, 1).size(), 1);
    QVERIFY(store.alertsAfter(r.lastId, 10).isEmpty());
}

void TestAlertStore::ftsMatch()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    Alert special = makeAlert(1000);
    special.output = QStringLiteral("Sensitive file opened for reading (file=/etc/shadow user=www-data)");
    special.ecsJson = documentFor(1000, special.output, special.commandLine);
    store.insert(makeBatch(0, 20));
    const InsertResult r = store.insert({special});
    QCOMPARE(store.indexPending(), 21);
    sqlite3_stmt *stmt = nullptr;
    QCOMPARE(sqlite3_prepare_v2(store.handle(), "SELECT rowid FROM alert_fts WHERE alert_fts MATCH ?", -1, &stmt,
                                nullptr),
             SQLITE_OK);
    sqlite3_bind_text(stmt, 1, "\"etc shadow\"", -1, SQLITE_STATIC);
    QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
    QCOMPARE(sqlite3_column_int64(stmt, 0), r.firstId);
    QCOMPARE(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, "spawned", -1, SQLITE_STATIC);
    int matches = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        ++matches;
    QCOMPARE(matches, 20);
    sqlite3_finalize(stmt);
}

void TestAlertStore::rollupsEqualBaseCounts()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    // 3 batches over ~2 hours so that rollup rows are upserted across batches.
    for (int b = 0; b < 3; ++b) {
        AlertBatch batch;
        for (int i = 0; i < 300; ++i)
            batch.append(makeAlert(b * 300 + i, s_baseTs + qint64(i) * 23000));
        QCOMPARE(store.insert(batch).stored, 300);
    }
    struct Check
    {
        const char *rollup;
        const char *base;
    };
    const Check checks[] = {
        {"SELECT key, sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 2 GROUP BY key ORDER BY key",
         "SELECT fe_fact(profile, 2), count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT key, sum(cnt), max(last_ts) FROM rollup_day WHERE dim = 4 GROUP BY key ORDER BY key",
         "SELECT fe_fact(profile, 8), count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT bucket, sum(cnt), max(last_ts) FROM rollup_day WHERE dim = 0 GROUP BY bucket ORDER BY 1",
         "SELECT ts / 86400000, count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT CAST(key AS INTEGER), sum(cnt), max(last_ts) FROM rollup_minute WHERE dim = 1 GROUP BY key ORDER BY 1",
         "SELECT fe_fact(profile, 0), count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        // Since schema v3 minutes are kept for the total and the priority only.
        {"SELECT 'other minute dims', count(*), 0 FROM rollup_minute WHERE dim NOT IN (0, 1)",
         "SELECT 'other minute dims', 0, 0"},
        {"SELECT key, sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 3 GROUP BY key ORDER BY key",
         "SELECT fe_fact(profile, 3), count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT CAST(key AS INTEGER), sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 1 GROUP BY key ORDER BY 1",
         "SELECT fe_fact(profile, 0), count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT bucket, sum(cnt), max(last_ts) FROM rollup_minute WHERE dim = 0 GROUP BY bucket ORDER BY 1",
         "SELECT ts / 60000, count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT bucket, sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 0 GROUP BY bucket ORDER BY 1",
         "SELECT ts / 3600000, count(*), max(ts) FROM alerts GROUP BY 1 ORDER BY 1"},
        {"SELECT key, sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 11 GROUP BY key ORDER BY key",
         "SELECT 'container', count(*), max(ts) FROM alerts UNION ALL SELECT 'mitre_execution', count(*), max(ts) "
         "FROM alerts UNION ALL SELECT 'shell', count(*), max(ts) FROM alerts"},
        {"SELECT key, sum(cnt), max(last_ts) FROM rollup_hour WHERE dim = 10 GROUP BY key ORDER BY key",
         "SELECT 'execution' || char(9) || 'T1059', count(*), max(ts) FROM alerts"},
    };
    auto rows = [&](const char *sql) {
        QStringList out;
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(store.handle(), sql, -1, &stmt, nullptr) != SQLITE_OK)
            return QStringList{QString::fromUtf8(sqlite3_errmsg(store.handle()))};
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out << QStringLiteral("%1=%2@%3")
                       .arg(QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0))))
                       .arg(sqlite3_column_int64(stmt, 1))
                       .arg(sqlite3_column_int64(stmt, 2));
        }
        sqlite3_finalize(stmt);
        return out;
    };
    for (const Check &check : checks) {
        const QStringList rollup = rows(check.rollup);
        QVERIFY(!rollup.isEmpty());
        QCOMPARE(rollup, rows(check.base));
    }
}

void TestAlertStore::deferredFullTextIndex_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("expected");   // among the 2600 alerts of the test
    // Outputs: n % 10 == 0 -> "/etc/shadow", n % 10 == 1 -> "Überwachung ÉTÉ", else the makeAlert() text.
    QTest::newRow("word") << QStringLiteral("shadow") << 260;
    QTest::newRow("phrase of two tokens") << QStringLiteral("\"etc shadow\"") << 260;
    QTest::newRow("phrase in the wrong order") << QStringLiteral("\"shadow etc\"") << 0;
    QTest::newRow("prefix") << QStringLiteral("shad*") << 260;
    QTest::newRow("prefix of a common word") << QStringLiteral("spaw*") << 2080;
    QTest::newRow("case and diacritics folded") << QStringLiteral("uberwachung") << 260;
    QTest::newRow("upper case query") << QStringLiteral("ETE") << 260;
    QTest::newRow("substring (leading wildcard)") << QStringLiteral("*hado*") << 260;
    QTest::newRow("combined with a field") << QStringLiteral("shadow AND host.name:web-0") << 130;
    QTest::newRow("negated") << QStringLiteral("NOT spawned") << 520;
    QTest::newRow("no match") << QStringLiteral("passwd") << 0;
}

// A batch leaves its outputs out of the full-text index (the insert stays cheap; the index is built when the writer is
// idle, AlertStore::indexPending); a search is exact before, during and after the catch-up.
void TestAlertStore::deferredFullTextIndex()
{
    QFETCH(QString, query);
    QFETCH(int, expected);
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    const auto make = makeSearchableAlert;
    AlertBatch large;
    for (int n = 0; n < 2500; ++n)
        large.append(make(n));
    AlertBatch small;
    for (int n = 2500; n < 2600; ++n)
        small.append(make(n));
    QCOMPARE(store.insert(large).stored, 2500);
    QCOMPARE(store.pendingIndexRows(), 2500);
    AlertFilter filter;
    filter.query = query;
    QString error;
    QCOMPARE(store.count(filter, &error), qint64(expected) * 2500 / 2600);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QCOMPARE(store.insert(small).stored, 100);
    QCOMPARE(store.pendingIndexRows(), 2600);
    QCOMPARE(store.count(filter, &error), qint64(expected));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(store.indexPending(), 2600);
    QCOMPARE(store.pendingIndexRows(), 0);
    QCOMPARE(store.count(filter, &error), qint64(expected));

    // Another large batch, searched half indexed, then fully.
    AlertBatch more;
    for (int n = 2600; n < 5200; ++n)
        more.append(make(n));
    QCOMPARE(store.insert(more).stored, 2600);
    QCOMPARE(store.pendingIndexRows(), 2600);
    QCOMPARE(store.count(filter), qint64(expected) * 2);
    QCOMPARE(store.indexPending(1000), 1000);
    QCOMPARE(store.pendingIndexRows(), 1600);
    QCOMPARE(store.count(filter), qint64(expected) * 2);
    QCOMPARE(store.indexPending(), 1600);
    QCOMPARE(store.pendingIndexRows(), 0);
    QCOMPARE(store.indexPending(), 0);
    QCOMPARE(store.count(filter), qint64(expected) * 2);

    // Outputs read back the same whether indexed or not.
    const AlertBatch back = store.alertsAfter(0, 3);
    QCOMPARE(back.size(), 3);
    QCOMPARE(back[0].output, make(0).output);
    QCOMPARE(back[1].output, make(1).output);
}

// The index takes the first 4 MiB of an output, cut between tokens (FTS5 holds a row's terms in memory until the row
// ends); a search still matches the whole output of such an alert, a word past the cut and one cut in two included,
// and the other alerts through the index as before.
void TestAlertStore::hugeOutputIndexedInPart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    AlertStore store;
    QVERIFY(store.open(path));
    QString huge;
    huge.reserve(5 << 20);
    huge += QStringLiteral("aardvark ");
    for (int i = 0; huge.size() < (4 << 20) - 5; ++i)
        huge += QStringLiteral("w%1 ").arg(i % 1000);
    huge += QStringLiteral("splitword zebracorn tail");   // "splitword" straddles the 4 MiB mark
    QVERIFY(huge.size() > (4 << 20));
    AlertBatch batch;
    for (int n = 0; n < 3; ++n)
        batch.append(makeSearchableAlert(n));
    Alert big = makeSearchableAlert(3);
    big.output = huge;
    big.ecsJson = documentFor(3, big.output, big.commandLine);   // the record, which the index reads the output from
    batch.append(big);
    QCOMPARE(store.insert(batch).stored, 4);
    QCOMPARE(store.indexPending(), 4);
    QCOMPARE(store.pendingIndexRows(), 0);
    {
        test::RawDb raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM state WHERE key LIKE 'fe.fts_partial:%'"), qint64(1));
        // Through the index alone: the beginning is there, what lies past the cut is not, nor half a word.
        QCOMPARE(raw.scalar("SELECT count(*) FROM alert_fts WHERE alert_fts MATCH 'aardvark'"), qint64(1));
        QCOMPARE(raw.scalar("SELECT count(*) FROM alert_fts WHERE alert_fts MATCH 'zebracorn'"), qint64(0));
        QCOMPARE(raw.scalar("SELECT count(*) FROM alert_fts WHERE alert_fts MATCH 'split*'"), qint64(0));
    }
    const auto count = [&](const QString &query) {
        AlertFilter filter;
        filter.query = query;
        QString error;
        const qint64 n = store.count(filter, &error);
        return error.isEmpty() ? n : -1;
    };
    QCOMPARE(count(QStringLiteral("aardvark")), qint64(1));
    QCOMPARE(count(QStringLiteral("zebracorn")), qint64(1));
    QCOMPARE(count(QStringLiteral("splitword")), qint64(1));
    QCOMPARE(count(QStringLiteral("\"splitword zebracorn\"")), qint64(1));
    QCOMPARE(count(QStringLiteral("zebra*")), qint64(1));
    QCOMPARE(count(QStringLiteral("shadow")), qint64(1));   // makeSearchableAlert(0)
    QCOMPARE(count(QStringLiteral("NOT zebracorn")), qint64(3));
}

// With a backlog limit (live ingest), a large batch that would leave more outputs unindexed indexes the oldest of
// them in its transaction; without one (the default, file imports), the backlog grows until indexPending().
void TestAlertStore::indexBacklogBounded()
{
    QTemporaryDir dir;
    AlertStore bounded;
    AlertStore unbounded;
    QVERIFY(bounded.open(dir.filePath(QStringLiteral("bounded.db"))));
    QVERIFY(unbounded.open(dir.filePath(QStringLiteral("unbounded.db"))));
    bounded.setIndexBacklogLimit(4000);
    auto batch = [](int from, int count) {
        AlertBatch alerts;
        for (int n = from; n < from + count; ++n)
            alerts.append(makeSearchableAlert(n));
        return alerts;
    };
    AlertFilter shadow;
    shadow.query = QStringLiteral("shadow");

    const qint64 expectedPending[] = {2500, 4000, 4000};
    const qint64 expectedWatermark[] = {0, 1000, 3500};   // the oldest are indexed first (ids from 1)
    for (int i = 0; i < 3; ++i) {
        const AlertBatch alerts = batch(i * 2500, 2500);
        QCOMPARE(bounded.insert(alerts).stored, 2500);
        QCOMPARE(unbounded.insert(alerts).stored, 2500);
        QCOMPARE(bounded.pendingIndexRows(), expectedPending[i]);
        QCOMPARE(unbounded.pendingIndexRows(), qint64(i + 1) * 2500);
        QCOMPARE(bounded.state(QStringLiteral("fe.fts_indexed")).toLongLong(), expectedWatermark[i]);
        QCOMPARE(bounded.count(shadow), qint64(i + 1) * 250);
        QCOMPARE(unbounded.count(shadow), qint64(i + 1) * 250);
    }
    // Re-delivered alerts store nothing and index nothing.
    QCOMPARE(bounded.insert(batch(5000, 2500)).duplicates, 2500);
    QCOMPARE(bounded.pendingIndexRows(), 4000);
    // Only the outputs above the watermark are pending: indexing them leaves none, and the searches stay exact.
    QCOMPARE(bounded.indexPending(), 4000);
    QCOMPARE(bounded.pendingIndexRows(), 0);
    QCOMPARE(bounded.count(shadow), 750);
    // 0 turns the bound off.
    bounded.setIndexBacklogLimit(0);
    QCOMPARE(bounded.insert(batch(7500, 2500)).stored, 2500);
    QCOMPARE(bounded.insert(batch(10000, 2500)).stored, 2500);
    QCOMPARE(bounded.pendingIndexRows(), 5000);

    // A bound set on a store with a far larger backlog brings it down by at most one 50k chunk per batch.
    QCOMPARE(unbounded.insert(batch(7500, 55000)).stored, 55000);
    QCOMPARE(unbounded.pendingIndexRows(), 62500);
    unbounded.setIndexBacklogLimit(1000);
    QCOMPARE(unbounded.insert(batch(62500, 2500)).stored, 2500);
    QCOMPARE(unbounded.pendingIndexRows(), 15000);
    QCOMPARE(unbounded.insert(batch(65000, 2500)).stored, 2500);
    QCOMPARE(unbounded.pendingIndexRows(), 1000);
    QCOMPARE(unbounded.count(shadow), 6750);
}

void TestAlertStore::stateRoundTrip()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    QVERIFY(store.state(QStringLiteral("missing")).isEmpty());
    const QByteArray binary("\x00\x01\xff tail", 8);
    QVERIFY(store.setState(QStringLiteral("forwarder:es:cursor"), "42"));
    QVERIFY(store.setState(QStringLiteral("bin"), binary));
    QCOMPARE(store.state(QStringLiteral("forwarder:es:cursor")), QByteArray("42"));
    QVERIFY(store.setState(QStringLiteral("forwarder:es:cursor"), "43"));
    QCOMPARE(store.state(QStringLiteral("forwarder:es:cursor")), QByteArray("43"));
    QCOMPARE(store.state(QStringLiteral("bin")), binary);
    QVERIFY(store.setState(QStringLiteral("bin"), QByteArray()));
    QVERIFY(store.state(QStringLiteral("bin")).isEmpty());
}

void TestAlertStore::concurrentReaderWhileWriting()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    AlertStore writer;
    QVERIFY(writer.open(path));
    writer.insert(makeBatch(0, 10));

    QAtomicInt done(0);
    QAtomicInt readErrors(0);
    QAtomicInt reads(0);
    QAtomicInt monotonic(1);
    QString readerError;
    std::unique_ptr<QThread> reader(QThread::create([&] {
        AlertStore store;
        if (!store.open(path, AlertStore::OpenMode::ReadOnly, &readerError)) {
            readErrors.fetchAndAddOrdered(1);
            return;
        }
        qint64 last = 0;
        while (!done.loadAcquire() || reads.loadAcquire() < 5) {
            QString error;
            const qint64 n = store.count({}, &error);
            AlertFilter ranged;
            ranged.fromMs = s_baseTs;
            const qint64 m = store.count(ranged, &error);
            if (n < 0 || m < 0 || !error.isEmpty()) {
                readErrors.fetchAndAddOrdered(1);
                readerError = error;
            }
            if (n < last)
                monotonic.storeRelease(0);
            last = n;
            reads.fetchAndAddOrdered(1);
        }
    }));
    reader->start();
    qint64 expected = 10;
    for (int b = 0; b < 20; ++b) {
        QString error;
        const InsertResult r = writer.insert(makeBatch(10 + b * 500, 500), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(r.stored, 500);
        expected += 500;
    }
    done.storeRelease(1);
    QVERIFY(reader->wait(30000));
    QVERIFY2(readErrors.loadAcquire() == 0, qPrintable(readerError));
    QVERIFY(reads.loadAcquire() >= 5);
    QCOMPARE(monotonic.loadAcquire(), 1);
    QCOMPARE(writer.count(), expected);
}

void TestAlertStore::emptyDedupeKeyFallsBackToDocument()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    Alert a = makeAlert(1);
    a.dedupeKey.clear();
    Alert b = makeAlert(2);
    b.dedupeKey.clear();
    const InsertResult r = store.insert({a, b, a});
    QCOMPARE(r.stored, 2);
    QCOMPARE(r.duplicates, 1);
}

// From the wal-index header in the -shm file (sqlite.org/walformat.html): the WAL's last valid frame (mxFrame, a
// u32 at byte 16) and how many of its frames are copied into the database (nBackfill, at byte 96); native order.
// The store's checkpoints have caught up with its WAL: every frame is copied into the database, or the WAL was reused
// from its start since and holds less than the 1000 frames that wake the checkpoint thread (a WAL that small is left
// for the next checkpoint, as SQLite's own automatic checkpoint leaves it).
bool checkpointCaughtUp(const QString &dbPath);

QPair<quint32, quint32> walProgress(const QString &dbPath)
{
    QFile shm(dbPath + QStringLiteral("-shm"));
    if (!shm.open(QIODevice::ReadOnly))
        return {0, 0};
    const QByteArray header = shm.read(136);
    if (header.size() < 100)
        return {0, 0};
    quint32 frames = 0;
    quint32 backfilled = 0;
    std::memcpy(&frames, header.constData() + 16, 4);
    std::memcpy(&backfilled, header.constData() + 96, 4);
    return {frames, backfilled};
}

// The store's checkpoint thread has caught up with a burst of inserts: the whole WAL is in the database file; or,
// when a checkpoint finished before the burst did (a slower build: the sanitizers'), the WAL started over and holds
// a tail shorter than the 1000 frames that wake the thread, left for the next commit as SQLite's own
// autocheckpoint leaves it.
bool checkpointCaughtUp(const QString &dbPath)
{
    const auto [frames, backfilled] = walProgress(dbPath);
    return frames > 0 && (backfilled == frames || frames < 1000);
}

// The writer's WAL is checkpointed by the store's own thread, not in insert(): past ~64 MB of WAL the frames reach
// the database file while the store is idle, the next transaction writes the WAL from its start again (the file is
// reused, not grown), and nothing is lost.
void TestAlertStore::walCheckpointedWhileWriterRuns()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    const QString wal = path + QStringLiteral("-wal");
    AlertStore store;
    QVERIFY(store.open(path));
    constexpr int perBatch = 2000;
    int stored = 0;
    auto insertBatches = [&](int count) {
        qint64 walMax = 0;
        for (int b = 0; b < count; ++b) {
            QString error;
            const InsertResult r = store.insert(makePaddedBatch(stored, perBatch), &error);
            if (!error.isEmpty() || r.stored != perBatch)
                return qint64(-1);
            stored += perBatch;
            walMax = std::max(walMax, QFileInfo(wal).size());
        }
        return walMax;
    };
    const qint64 walFirst = insertBatches(10);   // ~80 MB of documents: past the 64 MB mark
    QVERIFY(walFirst > 64 << 20);
    // Caught up with no further insert: the checkpoint ran in the store's thread, not in insert().
    QTRY_VERIFY_WITH_TIMEOUT(checkpointCaughtUp(path), 30000);
    QVERIFY(QFileInfo(path).size() > 64 << 20);
    const qint64 walSecond = insertBatches(10);
    QVERIFY(walSecond > 0);
    QVERIFY2(walSecond < walFirst * 3 / 2,
             qPrintable(QStringLiteral("WAL %1 bytes after the first burst, %2 after the second").arg(walFirst).arg(walSecond)));

    QCOMPARE(store.count(), qint64(stored));
    AlertStore reader;
    QVERIFY(reader.open(path, AlertStore::OpenMode::ReadOnly));
    QCOMPARE(reader.count(), qint64(stored));
    QVERIFY(reader.document(stored).endsWith(paddingFor(makeAlert(stored - 1).timestampMs) + "\"}"));
    reader.close();
    store.close();
    QVERIFY(store.open(path));
    QCOMPARE(store.count(), qint64(stored));
}

void TestAlertStore::pageCacheDropBehind_data()
{
    QTest::addColumn<bool>("setKeep");   // false: the store's default
    QTest::addColumn<qint64>("keep");
    QTest::addColumn<int>("batches");
    QTest::addColumn<bool>("optimize");
    QTest::addColumn<bool>("dropped");
    // optimize(): its own checkpoint, in the caller's thread, then the drop.
    QTest::newRow("after optimize, keeping 1 MiB") << true << qint64(1 << 20) << 4 << true << true;
    QTest::newRow("off") << true << qint64(-1) << 4 << true << false;
    QTest::newRow("keeping more than the file") << true << (qint64(1) << 40) << 4 << true << false;
    // Past the 64 MB of WAL that wakes the store's checkpoint thread: the drop follows its checkpoint.
    QTest::newRow("behind the background checkpoint") << true << qint64(1 << 20) << 10 << false << true;
    QTest::newRow("default: off, past a background checkpoint") << false << qint64(0) << 10 << false << false;
}

void TestAlertStore::pageCacheDropBehind()
{
    QFETCH(bool, setKeep);
    QFETCH(qint64, keep);
    QFETCH(int, batches);
    QFETCH(bool, optimize);
    QFETCH(bool, dropped);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.db"));
    AlertStore store;
    QVERIFY(store.open(path));
    if (setKeep)
        store.setPageCacheDropBehind(keep);
    else
        QCOMPARE(store.pageCacheDropBehind(), qint64(-1));   // off: a file of any size stays cached
    constexpr int perBatch = 2000;
    int stored = 0;
    for (int b = 0; b < batches; ++b) {
        QString error;
        QCOMPARE(store.insert(makePaddedBatch(stored, perBatch), &error).stored, perBatch);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        stored += perBatch;
    }
    if (optimize) {
        store.optimize();
    } else {
        // The store's checkpoint thread has copied the whole WAL into the file (and dropped behind it).
        QTRY_VERIFY_WITH_TIMEOUT(checkpointCaughtUp(path), 30000);
    }
    // The file's older part: all but the newest 2 MiB (the kept 1 MiB, and pages a checkpoint rewrites in place).
    const qint64 older = QFileInfo(path).size() - (2 << 20);
    QVERIFY2(older > 24 << 20, qPrintable(QString::number(older)));
    if (dropped) {
        QTRY_VERIFY2_WITH_TIMEOUT(test::residentFraction(path, older) < 0.1,
                                  qPrintable(QStringLiteral("%1 of the older part in the page cache")
                                                 .arg(test::residentFraction(path, older))),
                                  30000);
    } else {
        const double resident = test::residentFraction(path, older);
        QVERIFY2(resident > 0.9, qPrintable(QStringLiteral("%1 of the older part in the page cache").arg(resident)));
    }
    // Nothing is lost: the pages come back from the disk.
    store.close();
    AlertStore reader;
    QVERIFY(reader.open(path, AlertStore::OpenMode::ReadOnly));
    QCOMPARE(reader.count(), qint64(stored));
    QVERIFY(reader.document(1).startsWith(R"({"n":")" + QByteArray::number(makeAlert(0).timestampMs)));
    QVERIFY(reader.document(stored).endsWith(paddingFor(makeAlert(stored - 1).timestampMs) + "\"}"));
}

void TestAlertStore::pragmas()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    auto pragma = [&](const char *sql) {
        sqlite3_stmt *stmt = nullptr;
        sqlite3_prepare_v2(store.handle(), sql, -1, &stmt, nullptr);
        QString value;
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
        sqlite3_finalize(stmt);
        return value;
    };
    QCOMPARE(pragma("PRAGMA page_size"), QStringLiteral("65536"));
    QCOMPARE(pragma("PRAGMA journal_mode"), QStringLiteral("wal"));
    QCOMPARE(pragma("PRAGMA synchronous"), QStringLiteral("1"));
    QCOMPARE(pragma("PRAGMA user_version"), QString::number(Schema::latestVersion()));
    store.insert(makeBatch(0, 5));
    store.optimize();
    QCOMPARE(store.count(), 5);
}

void TestAlertStore::defaultPath()
{
    QTemporaryDir home;
    qputenv("XDG_DATA_HOME", QFile::encodeName(home.path()));
    const QString path = AlertStore::defaultPath();
    QCOMPARE(path, home.path() + QStringLiteral("/falco-explorer/alerts.db"));
    QVERIFY(QFileInfo(path).absoluteDir().exists());
}

QTEST_GUILESS_MAIN(TestAlertStore)
#include "tst_alertstore.moc"
