// SPDX-License-Identifier: Apache-2.0
// The writer's bookkeeping (AlertStore::insert): rollup counters and list columns against a plain reference computed
// here from the alerts, for the shapes its fast paths treat apart (strings the mapper shares, equal strings that are
// not shared, lists normalizedList() must clean, long lists, none at all, non-ASCII keys, duplicates), and the
// connection's secure_delete setting, which insert() lifts for its own transaction only.
#include "model/alertstore.h"
#include "model/schema.h"

#include <QMap>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <tuple>

using namespace fe;

namespace {

constexpr qint64 s_baseTs = 1714521000000;   // 2024-04-30T23:50:00Z: batches cross an hour and a day

enum class Shape { Shared, EqualNotShared, Dirty, LongLists, Empty, NonAscii, Duplicates };

// (table, dim, bucket, key) -> "count@last_ts"
using Rollups = QMap<std::tuple<QString, int, qint64, QString>, QString>;

QString copyOf(const QString &s)
{
    return QString(s.constData(), s.size());   // equal characters, another allocation
}

AlertBatch makeAlerts(Shape shape, int count)
{
    static const QString rules[] = {QStringLiteral("Terminal shell in container"),
                                    QStringLiteral("Read sensitive file untrusted"),
                                    QStringLiteral("Contact K8S API Server From Container")};
    static const QString hosts[] = {QStringLiteral("web-0"), QStringLiteral("web-1"), QStringLiteral("db-0")};
    static const QStringList tactics[] = {{QStringLiteral("execution")},
                                          {QStringLiteral("discovery"), QStringLiteral("credential_access")},
                                          {}};
    static const QString techniques[] = {QStringLiteral("T1059"), QStringLiteral("T1552"), QString()};
    AlertBatch batch;
    for (int n = 0; n < count; ++n) {
        Alert a;
        a.timestampMs = s_baseTs + qint64(n) * 9000;   // 9 s apart: 600 alerts span 90 minutes
        a.priority = Priority(n % 9);
        a.severity = severityForPriority(a.priority);
        a.rule = rules[n % 3];
        a.hostname = hosts[(n / 2) % 3];
        a.source = QStringLiteral("syscall");
        a.output = QStringLiteral("output %1").arg(n);
        a.containerImage = QStringLiteral("docker.io/library/nginx");
        a.containerId = n % 5 ? QString() : QStringLiteral("c0ffee%1").arg(n);
        a.processName = QStringLiteral("bash");
        a.commandLine = QStringLiteral("bash -c 'exit %1'").arg(n % 2);
        a.userName = n % 2 ? QStringLiteral("root") : QStringLiteral("wwwüser");
        a.podName = QStringLiteral("pod-%1").arg(n % 7);
        a.namespaceName = n % 4 ? QStringLiteral("prod") : QString();
        a.technique = techniques[n % 3];
        a.tactics = tactics[n % 3];
        a.tags = {QStringLiteral("container"), QStringLiteral("mitre_%1").arg(n % 3)};
        a.uuid = QStringLiteral("uuid-%1").arg(n);
        a.dedupeKey = "u:uuid-" + QByteArray::number(n);
        a.ecsJson = "{\"n\":" + QByteArray::number(n) + "}";
        switch (shape) {
        case Shape::Shared:
            break;
        case Shape::EqualNotShared:
            a.rule = copyOf(a.rule);
            a.hostname = copyOf(a.hostname);
            a.technique = copyOf(a.technique);
            a.tactics = {};
            for (const QString &t : tactics[n % 3])
                a.tactics.append(copyOf(t));
            break;
        case Shape::Dirty:
            // Empty values, repeats and '|' inside values: the columns and the rollups see the normalized list.
            a.tactics = {QStringLiteral("execution"), QString(), QStringLiteral("execution"),
                         QStringLiteral("a|b")};
            a.tags = {QStringLiteral("x|y"), QStringLiteral("x/y"), QString(), QStringLiteral("tag-%1").arg(n % 2)};
            break;
        case Shape::LongLists:
            a.tactics.clear();
            a.tags.clear();
            for (int k = 0; k < 7; ++k)
                a.tactics.append(QStringLiteral("tactic-%1").arg((n + k) % 9));
            for (int k = 0; k < 12; ++k)
                a.tags.append(QStringLiteral("tag-%1").arg((n * 5 + k) % 17));
            break;
        case Shape::Empty:
            a.tactics.clear();
            a.tags.clear();
            a.technique.clear();
            a.rule.clear();
            a.podName.clear();
            break;
        case Shape::NonAscii:
            a.hostname = QStringLiteral("hôte-%1-Überwachung-日本").arg(n % 2);
            a.tags = {QStringLiteral("étiquette"), QStringLiteral("标签-%1").arg(n % 3)};
            a.tactics = {QStringLiteral("exécution")};
            break;
        case Shape::Duplicates:
            // Every third alert repeats the one before it (same key, same time): stored once, counted once.
            if (n % 3 == 2) {
                a = batch.last();
                a.hostname = copyOf(a.hostname);
            }
            break;
        }
        batch.append(a);
    }
    return batch;
}

qint64 floorDiv(qint64 value, qint64 divisor)
{
    qint64 q = value / divisor;
    if (value % divisor != 0 && (value < 0) != (divisor < 0))
        --q;
    return q;
}

// The rollups the schema contract (model/schema.h, ARCHITECTURE.md) asks for, counted one row at a time.
Rollups reference(const AlertBatch &alerts)
{
    QMap<std::tuple<QString, int, qint64, QString>, std::pair<qint64, qint64>> counts;
    auto add = [&](const QString &table, RollupDim dim, qint64 bucket, const QString &key, qint64 ts) {
        auto &value = counts[{table, int(dim), bucket, key}];
        ++value.first;
        value.second = value.first == 1 ? ts : std::max(value.second, ts);
    };
    QSet<QByteArray> seen;
    for (const Alert &a : alerts) {
        if (seen.contains(a.dedupeKey + QByteArray::number(a.timestampMs)))
            continue;
        seen.insert(a.dedupeKey + QByteArray::number(a.timestampMs));
        const qint64 ts = a.timestampMs;
        const QString priority = QString::number(int(a.priority));
        for (const auto &[table, unit] : {std::pair{QStringLiteral("rollup_minute"), MinuteMs},
                                          std::pair{QStringLiteral("rollup_hour"), HourMs},
                                          std::pair{QStringLiteral("rollup_day"), DayMs}}) {
            const qint64 bucket = floorDiv(ts, unit);
            add(table, RollupDim::Total, bucket, QString(), ts);
            add(table, RollupDim::Priority, bucket, priority, ts);
            if (unit == MinuteMs)
                continue;
            add(table, RollupDim::Rule, bucket, a.rule, ts);
            add(table, RollupDim::Host, bucket, a.hostname, ts);
            add(table, RollupDim::Pod, bucket, a.podName, ts);
            add(table, RollupDim::Source, bucket, a.source, ts);
            add(table, RollupDim::Technique, bucket, a.technique, ts);
            add(table, RollupDim::Image, bucket, a.containerImage, ts);
            add(table, RollupDim::Namespace, bucket, a.namespaceName, ts);
            QStringList tactics = Schema::normalizedList(a.tactics);
            if (tactics.isEmpty())
                tactics.append(QString());
            for (const QString &tactic : tactics) {
                add(table, RollupDim::Tactic, bucket, tactic, ts);
                add(table, RollupDim::Mitre, bucket, tactic + QLatin1Char('\t') + a.technique, ts);
            }
            QStringList tags = Schema::normalizedList(a.tags);
            if (tags.isEmpty())
                tags.append(QString());
            for (const QString &tag : tags)
                add(table, RollupDim::Tag, bucket, tag, ts);
        }
    }
    Rollups out;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        out.insert(it.key(), QStringLiteral("%1@%2").arg(it.value().first).arg(it.value().second));
    return out;
}

QString text(sqlite3_stmt *stmt, int column)
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
    return p ? QString::fromUtf8(p, sqlite3_column_bytes(stmt, column)) : QString();
}

Rollups storedRollups(sqlite3 *db)
{
    Rollups out;
    for (const QString &table : {QStringLiteral("rollup_minute"), QStringLiteral("rollup_hour"),
                                QStringLiteral("rollup_day")}) {
        sqlite3_stmt *stmt = nullptr;
        const QByteArray sql = "SELECT dim, bucket, key, cnt, last_ts FROM " + table.toUtf8();
        if (sqlite3_prepare_v2(db, sql.constData(), -1, &stmt, nullptr) != SQLITE_OK)
            return {};
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out.insert({table, sqlite3_column_int(stmt, 0), sqlite3_column_int64(stmt, 1), text(stmt, 2)},
                       QStringLiteral("%1@%2").arg(sqlite3_column_int64(stmt, 3)).arg(sqlite3_column_int64(stmt, 4)));
        }
        sqlite3_finalize(stmt);
    }
    return out;
}

int pragma(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    const int value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
}

} // namespace

class TestAlertStoreWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rollupsAndListColumns_data();
    void rollupsAndListColumns();
    void secureDeleteRestoredAfterInsert();
};

void TestAlertStoreWriter::rollupsAndListColumns_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<int>("stored");
    QTest::newRow("strings shared as the mapper shares them") << int(Shape::Shared) << 600;
    QTest::newRow("equal strings, not shared") << int(Shape::EqualNotShared) << 600;
    QTest::newRow("lists with empty, repeated and '|' values") << int(Shape::Dirty) << 600;
    QTest::newRow("seven tactics, twelve tags") << int(Shape::LongLists) << 600;
    QTest::newRow("no tactics, tags, technique, rule or pod") << int(Shape::Empty) << 600;
    QTest::newRow("non-ASCII keys") << int(Shape::NonAscii) << 600;
    QTest::newRow("duplicates within the batch") << int(Shape::Duplicates) << 400;
}

void TestAlertStoreWriter::rollupsAndListColumns()
{
    QFETCH(int, shape);
    QFETCH(int, stored);
    const AlertBatch alerts = makeAlerts(Shape(shape), 600);
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    // Two batches: the second one's counters are added to rows the first one wrote (the upsert path).
    const InsertResult first = store.insert(alerts.mid(0, 350));
    const InsertResult second = store.insert(alerts.mid(350));
    QCOMPARE(first.stored + second.stored, qint64(stored));

    const Rollups expected = reference(alerts);
    const Rollups actual = storedRollups(store.handle());
    QVERIFY(!expected.isEmpty());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        const auto &[table, dim, bucket, key] = it.key();
        QVERIFY2(actual.value(it.key()) == it.value(),
                 qPrintable(QStringLiteral("%1 dim %2 bucket %3 key '%4': %5, expected %6")
                                .arg(table)
                                .arg(dim)
                                .arg(bucket)
                                .arg(key, actual.value(it.key(), QStringLiteral("none")), it.value())));
    }
    QCOMPARE(actual.size(), expected.size());

    // The facts, in id order of the stored alerts; the lists are the normalized lists. The writer finds a value's id by
    // the address of a string the mapper shares while alerts repeat it: every row must still get its own values.
    QStringList expectedColumns;
    QSet<QByteArray> seen;
    for (const Alert &a : alerts) {
        if (seen.contains(a.dedupeKey))
            continue;
        seen.insert(a.dedupeKey);
        expectedColumns << QStringList{a.rule, a.hostname, a.source, a.containerId, a.containerName, a.containerImage,
                                       a.podName, a.namespaceName, a.processName, a.commandLine, a.userName,
                                       a.technique, a.subtechnique,
                                       Schema::encodeList(Schema::normalizedList(a.tactics)),
                                       Schema::encodeList(Schema::normalizedList(a.tags)), a.uuid}
                               .join(QLatin1Char('\n'));
    }
    // Read back: the facts from the alert's profile, the command line from its document, the uuid from its key.
    QStringList columns;
    for (const Alert &a : store.alertsAfter(0, 1000)) {
        columns << QStringList{a.rule, a.hostname, a.source, a.containerId, a.containerName, a.containerImage,
                               a.podName, a.namespaceName, a.processName, a.commandLine, a.userName,
                               a.technique, a.subtechnique, Schema::encodeList(a.tactics), Schema::encodeList(a.tags),
                               a.uuid}
                       .join(QLatin1Char('\n'));
    }
    QCOMPARE(columns, expectedColumns);
}

void TestAlertStoreWriter::secureDeleteRestoredAfterInsert()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
    // Debian's SQLite starts with secure_delete on; whatever the connection has, insert() leaves it as it was.
    const char *const settings[] = {"PRAGMA secure_delete=1", "PRAGMA secure_delete=FAST", "PRAGMA secure_delete=0"};
    const int values[] = {1, 2, 0};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(sqlite3_exec(store.handle(), settings[i], nullptr, nullptr, nullptr), SQLITE_OK);
        QCOMPARE(pragma(store.handle(), "PRAGMA secure_delete"), values[i]);
        AlertBatch batch = makeAlerts(Shape::Shared, 20);
        for (Alert &a : batch)
            a.dedupeKey += "-" + QByteArray::number(i);
        QCOMPARE(store.insert(batch).stored, qint64(20));
        QCOMPARE(pragma(store.handle(), "PRAGMA secure_delete"), values[i]);
    }
}

QTEST_GUILESS_MAIN(TestAlertStoreWriter)
#include "tst_alertstorewriter.moc"
