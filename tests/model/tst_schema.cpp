// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"
#include "model/schema.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace fe;

namespace {

// A raw connection for setting up files the way an older or newer program would have left them.
struct RawDb
{
    sqlite3 *db = nullptr;
    explicit RawDb(const QString &path) { sqlite3_open(QFile::encodeName(path).constData(), &db); }
    ~RawDb() { sqlite3_close(db); }
    bool exec(const char *sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
    qint64 scalar(const char *sql)
    {
        sqlite3_stmt *stmt = nullptr;
        qint64 value = -1;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return value;
    }
};

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
    void openCreatesLatest_data();
    void openCreatesLatest();
    void openExistingV1KeepsData();
    void migrateFromV1ToLatest();
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

void TestSchema::openCreatesLatest_data()
{
    QTest::addColumn<QByteArray>("setup"); // "" = no file at all, "empty" = zero-byte file, else SQL for a v0 file
    QTest::newRow("no file") << QByteArray();
    QTest::newRow("zero-byte file") << QByteArray("empty");
    QTest::newRow("v0 database with an unrelated table") << QByteArray("CREATE TABLE other(x); INSERT INTO other VALUES(1);");
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
    for (const char *table : {"alerts", "alert_doc", "alert_fts", "rollup_minute", "rollup_hour", "state", "alert_notes"}) {
        const QByteArray sql = QByteArray("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'";
        QVERIFY2(raw.scalar(sql.constData()) == 1, table);
    }
    if (setup.startsWith("CREATE"))
        QCOMPARE(raw.scalar("SELECT x FROM other"), 1);
    else
        QCOMPARE(raw.scalar("PRAGMA page_size"), 65536);
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
