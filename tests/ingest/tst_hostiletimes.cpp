// SPDX-License-Identifier: Apache-2.0
// Times an alert may not carry (before 1970, after 2262, NaN, 1e30, huge integers, strings) never poison what the
// store counts. A property test: N good alerts plus any one hostile alert, through the real mapper and the real store,
// give every dashboard panel (rollups, base table, a query), AlertStore::count and `stats --json` a total of exactly N
// plus the alerts stored (never less than N); and the store itself replaces any out-of-range time that reaches it.
// Also the rollup slice math around the epoch: an alert at 1970-01-01T00:00:00Z counts once, in every range that holds
// it, including ranges that start before 1970.
#include "ingest/ecs/ecsmapper.h"
#include "model/aggregates.h"
#include "model/alertstore.h"
#include "model/alerttime.h"
#include "support/clirun.h"
#include "support/testalerts.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <limits>

using namespace fe;

namespace {

// The odd values a copied log or an open port may carry where a time belongs (JSON text, spliced in as is).
const char *const s_oddValues[] = {
    "1e30", "-1e30", "1e300", "-1e300", "1.7976931348623157e308", "-1.7976931348623157e308", "4.9e-324", "-0.0",
    "0", "-1", "-5", "-999999", "-1000000", "-1000001", "1", "1.5", "-1.5",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999999", "-99999999999999999999999999",
    "9.2233720368547758e18", "9.3e18", "-9.3e18", "1e19", "1e18", "-1e18",
    "\"NaN\"", "\"nan\"", "\"Infinity\"", "\"-Infinity\"", "\"inf\"", "\"1e30\"", "\"-5\"", "\"\"", "\" \"",
    "\"9223372036854775808\"", "\"99999999999999999999\"", "\"1715108059341081180\"",
    "\"1969-12-31T23:59:59Z\"", "\"1970-01-01T00:00:00Z\"", "\"1970-01-01T00:00:00.000000001Z\"",
    "\"0000-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00Z\"", "\"1600-02-29T12:00:00Z\"",
    "\"2262-04-11T23:47:16.854Z\"", "\"2262-04-11T23:47:16.855Z\"", "\"2262-04-12T00:00:00Z\"",
    "\"9999-12-31T23:59:59.999999999Z\"", "\"2024-13-45T99:99:99Z\"", "\"2024-05-07T18:00:00+99:99\"",
    "\"2024-05-07T18:00:00-23:59\"", "\"10:00:00\"", "\"yesterday\"", "\"abc\"", "\"\\u0000\"",
    "true", "false", "null", "[]", "[1e30]", "{}", "{\"a\":1e30}",
};

QByteArray oddValue(QRandomGenerator &rng)
{
    return s_oddValues[rng.bounded(int(std::size(s_oddValues)))];
}

// One hostile alert line: its `time` and evt.time (and sometimes evt.rawtime, or a syslog header) odd, or one of
// them sane. Its rule is its own, so the panels can tell it apart.
QByteArray hostileLine(QRandomGenerator &rng)
{
    QByteArray outputFields = "{\"proc.name\":\"bash\"";
    switch (rng.bounded(4)) {
    case 0: break;   // no evt.time: the alert's own `time` decides
    default: outputFields += ",\"evt.time\":" + oddValue(rng); break;
    }
    if (rng.bounded(4) == 0)
        outputFields += ",\"evt.rawtime\":" + oddValue(rng);
    outputFields += '}';
    QByteArray line = "{\"output\":\"hostile time\",\"priority\":\"Critical\",\"rule\":\"hostile\",\"source\":\"syscall\"";
    switch (rng.bounded(3)) {
    case 0: line += ",\"time\":" + oddValue(rng); break;
    case 1: line += ",\"time\":\"2024-05-07T18:00:00Z\""; break;
    default: break;   // no time at all
    }
    line += ",\"output_fields\":" + outputFields + '}';
    if (rng.bounded(5) == 0) // a syslog header with an odd timestamp in front
        line.prepend(rng.bounded(2) ? "<14>1 9999-12-31T23:59:59Z node-1 falco - - - " : "<14>1 1969-12-31T23:59:59Z node-1 falco - - - ");
    return line;
}

// N good alerts, an hour apart, ending an hour before now (so that "the last 30 days" holds them all).
QByteArray goodLines(int n, qint64 nowMs)
{
    static const char *const priorities[] = {"Warning", "Notice", "Error", "Informational"};
    QByteArray lines;
    for (int i = 0; i < n; ++i) {
        const QByteArray time =
            QDateTime::fromMSecsSinceEpoch(nowMs - (i + 1) * qint64(3600000), QTimeZone::utc()).toString(Qt::ISODateWithMs).toUtf8();
        lines += "{\"output\":\"good " + QByteArray::number(i) + "\",\"priority\":\"" + priorities[i % 4]
            + "\",\"rule\":\"rule " + QByteArray::number(i % 3) + "\",\"hostname\":\"host-" + QByteArray::number(i % 2)
            + "\",\"source\":\"syscall\",\"tags\":[\"mitre_execution\",\"T1059\"],\"time\":\"" + time
            + "\",\"output_fields\":{\"container.id\":\"c" + QByteArray::number(i % 5) + "\",\"proc.name\":\"sh\"}}\n";
    }
    return lines;
}

qint64 sum(const QVector<Bucket> &buckets)
{
    qint64 n = 0;
    for (const Bucket &b : buckets)
        n += b.count;
    return n;
}

// Every panel's total of one dashboard, named, for the messages.
QVector<QPair<QString, qint64>> panelTotals(const DashboardData &d)
{
    qint64 overTime = 0;
    qint64 overTimeByPriority = 0;
    for (const TimePoint &p : d.overTime) {
        overTime += p.count;
        for (const qint64 n : p.byPriority)
            overTimeByPriority += n;
    }
    return {{QStringLiteral("total"), d.total},
            {QStringLiteral("over_time"), overTime},
            {QStringLiteral("over_time by priority"), overTimeByPriority},
            {QStringLiteral("by_priority"), sum(d.byPriority)},
            {QStringLiteral("by_rule"), sum(d.byRule)},
            {QStringLiteral("by_host"), sum(d.byHost)},
            {QStringLiteral("by_pod"), sum(d.byPod)},
            {QStringLiteral("by_source"), sum(d.bySource)},
            {QStringLiteral("by_technique"), sum(d.byTechnique)},
            {QStringLiteral("by_image"), sum(d.byImage)},
            {QStringLiteral("by_namespace"), sum(d.byNamespace)}};
}

using fe::test::Run;
using fe::test::runCli;
using fe::test::writeFile;

// `stats --json` of db (with extra arguments): its total, over_time sum and by_priority sum; -1s when it failed.
std::array<qint64, 3> statsTotals(const QString &db, const QStringList &extra, QByteArray *err)
{
    const Run r = runCli(QStringList{QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), db} + extra);
    *err = r.err + r.out.left(400);
    if (r.exitCode != 0)
        return {-1, -1, -1};
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    qint64 overTime = 0;
    for (const QJsonValue &p : o.value(QStringLiteral("over_time")).toArray())
        overTime += p.toObject().value(QStringLiteral("count")).toInteger();
    qint64 priorities = 0;
    const QJsonObject byPriority = o.value(QStringLiteral("by_priority")).toObject();
    for (auto it = byPriority.begin(); it != byPriority.end(); ++it)
        priorities += it.value().toInteger();
    return {o.value(QStringLiteral("total")).toInteger(-1), overTime, priorities};
}

quint32 seed()
{
    // FE_TEST_SEED=n replays a failed run; the seed is printed either way.
    const QByteArray fixed = qgetenv("FE_TEST_SEED");
    const quint32 s = fixed.isEmpty() ? QRandomGenerator::global()->generate() : fixed.toUInt();
    qInfo("seed %u (FE_TEST_SEED=%u replays it)", s, s);
    return s;
}

} // namespace

class TestHostileTimes : public QObject
{
    Q_OBJECT

private:
    // Checks every dashboard path and AlertStore::count on store against expected (the whole store), and the
    // ranges that hold the good alerts against at least good.
    void checkTotals(const AlertStore &store, qint64 expected, qint64 good, qint64 nowMs, const QByteArray &line)
    {
        const QByteArray context = "\n  alert: " + line;
        AggregateOptions viaRollups;
        viaRollups.topN = 0;
        viaRollups.nowMs = nowMs;
        AggregateOptions viaBase = viaRollups;
        viaBase.forceBaseTable = true;
        AlertFilter everything;
        AlertFilter query;   // a query matching every alert: the base-table (or column-cache) path with a query
        query.query = QStringLiteral("not rule.name:\"no such rule\"");
        AlertFilter lastMonth;
        lastMonth.fromMs = nowMs - 30 * qint64(86400000);
        AlertFilter sinceEpoch;   // from before 1970 to the end of int64 time
        sinceEpoch.fromMs = -86400000;
        sinceEpoch.toMs = std::numeric_limits<qint64>::max() - 1;
        const struct
        {
            const char *name;
            AlertFilter filter;
            AggregateOptions options;
            bool whole;   // the range holds every alert the store may hold
        } views[] = {{"all, rollups", everything, viaRollups, true},   {"all, base table", everything, viaBase, true},
                     {"all, query", query, viaRollups, true},          {"since 1969, rollups", sinceEpoch, viaRollups, true},
                     {"since 1969, base table", sinceEpoch, viaBase, true}, {"last 30 days, rollups", lastMonth, viaRollups, false},
                     {"last 30 days, base table", lastMonth, viaBase, false}};
        for (const auto &view : views) {
            DashboardData d;
            QString error;
            QVERIFY2(computeDashboard(store, view.filter, view.options, &d, &error), qPrintable(error + QString::fromUtf8(context)));
            for (const auto &[panel, total] : panelTotals(d)) {
                const QByteArray what = QByteArray(view.name) + ": " + panel.toUtf8() + " = " + QByteArray::number(total)
                    + ", expected " + (view.whole ? "" : "at least ") + QByteArray::number(view.whole ? expected : good)
                    + context;
                if (view.whole)
                    QVERIFY2(total == expected, what.constData());
                else
                    QVERIFY2(total >= good && total <= expected, what.constData());
            }
            QString countError;
            const qint64 counted = store.count(view.filter, &countError);
            const QByteArray what = QByteArray(view.name) + ": count() = " + QByteArray::number(counted) + context;
            if (view.whole)
                QVERIFY2(counted == expected, what.constData());
            else
                QVERIFY2(counted >= good && counted <= expected, what.constData());
        }
    }

private Q_SLOTS:
    // The property, through the real mapper and store: N good alerts plus one hostile one count N + stored.
    void oneHostileAlertNeverHidesTheOthers()
    {
        QRandomGenerator rng(seed());
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        constexpr int good = 24;
        MapOptions options;
        options.logFilePath = QStringLiteral("/var/log/falco/hostile.log");
        options.readTimeMs = nowMs;
        AlertBatch goodAlerts;
        for (const QByteArray &line : goodLines(good, nowMs).split('\n')) {
            if (line.isEmpty())
                continue;
            const MapResult r = mapLine(line, options);
            QCOMPARE(r.status, MapResult::Status::Alert);
            goodAlerts.append(r.alert);
        }
        QCOMPARE(goodAlerts.size(), good);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const int rounds = 60;
        int storedHostile = 0;
        for (int round = 0; round < rounds; ++round) {
            const QByteArray line = hostileLine(rng);
            const MapResult hostile = mapLine(line, options);
            AlertStore store;
            QString error;
            QVERIFY2(store.open(dir.filePath(QStringLiteral("round-%1.db").arg(round)), AlertStore::OpenMode::ReadWrite, &error),
                     qPrintable(error));
            const InsertResult first = store.insert(goodAlerts, &error);
            QVERIFY2(first.stored == good, qPrintable(error));
            qint64 stored = 0;
            if (hostile.status == MapResult::Status::Alert) {
                // The mapper's time is in range whatever the input: it fell back and said so.
                QVERIFY2(alertTimeInRange(hostile.alert.timestampMs), line.constData());
                const InsertResult second = store.insert(AlertBatch{hostile.alert}, &error);
                QVERIFY2(error.isEmpty(), qPrintable(error));
                stored = second.stored;
            }
            storedHostile += int(stored);
            checkTotals(store, good + stored, good, nowMs, line);
            if (QTest::currentTestFailed())
                return;
        }
        // The generator must reach the store, not only the mapper's rejections.
        QVERIFY2(storedHostile > rounds / 3, qPrintable(QString::number(storedHostile)));
    }

    // The store's own guard: whatever time an Alert carries into insert(), rollups, ranges and panels count it.
    void storeReplacesTimesOutOfRange_data()
    {
        QTest::addColumn<qint64>("timestampMs");
        QTest::addColumn<qint64>("receivedMs");
        const qint64 min = std::numeric_limits<qint64>::min();
        const qint64 max = std::numeric_limits<qint64>::max();
        const qint64 read = QDateTime::currentMSecsSinceEpoch() - 5000;
        QTest::newRow("INT64_MIN (1e30 cast)") << min << read;
        QTest::newRow("INT64_MAX") << max << read;
        QTest::newRow("INT64_MAX, no read time") << max << qint64(0);
        QTest::newRow("INT64_MIN, read time out of range too") << min << min;
        QTest::newRow("-1 ms") << qint64(-1) << read;
        QTest::newRow("before 1970") << qint64(-86400000LL * 365 * 10) << read;
        QTest::newRow("just after 2262") << std::numeric_limits<qint64>::max() / 1000000 + 1 << read;
        QTest::newRow("INT64_MIN + 1") << min + 1 << read;
        QTest::newRow("INT64_MAX - 1") << max - 1 << read;
    }

    void storeReplacesTimesOutOfRange()
    {
        QFETCH(qint64, timestampMs);
        QFETCH(qint64, receivedMs);
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        AlertBatch batch;
        constexpr int good = 10;
        for (int i = 0; i < good; ++i)
            batch.append(test::makeAlert(nowMs - (i + 1) * qint64(60000), Priority::Warning, QStringLiteral("good"),
                                         QStringLiteral("h"), QStringLiteral("good %1").arg(i), "h:good" + QByteArray::number(i)));
        Alert odd = test::makeAlert(timestampMs, Priority::Critical, QStringLiteral("odd"), QStringLiteral("h"),
                                    QStringLiteral("odd time"), "h:odd");
        odd.receivedMs = receivedMs;
        batch.append(odd);
        AlertStore store;
        QString error;
        QVERIFY2(store.open(dir.filePath(QStringLiteral("a.db")), AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        QCOMPARE(store.insert(batch, &error).stored, qint64(good + 1));
        checkTotals(store, good + 1, good, nowMs, "an Alert with timestampMs " + QByteArray::number(timestampMs));
        if (QTest::currentTestFailed())
            return;
        // Its read time (or the time it was stored) replaced the time: the newest alerts list it among the recent.
        QVector<AlertSummary> newest;
        QVERIFY(newestAlerts(store, AlertFilter{}, good + 1, &newest, &error));
        QCOMPARE(newest.size(), good + 1);
        for (const AlertSummary &s : std::as_const(newest)) {
            QVERIFY2(s.timestampMs >= 0 && s.timestampMs <= QDateTime::currentMSecsSinceEpoch(),
                     qPrintable(QString::number(s.timestampMs)));
        }
    }

    // The same property through the real binary: `import` N good lines and one hostile line, `stats --json` counts
    // N + stored, and so does `--from now-30d` at least N.
    void statsCountsEveryImportedAlert()
    {
        QRandomGenerator rng(seed());
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        constexpr int good = 12;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Always the case first, then random ones.
        QVector<QByteArray> lines{"{\"output\":\"x\",\"priority\":\"Warning\",\"rule\":\"r\",\"source\":\"syscall\","
                                  "\"time\":\"2024-05-07T18:00:00Z\",\"output_fields\":{\"evt.time\":1e30}}"};
        for (int i = 0; i < 7; ++i)
            lines.append(hostileLine(rng));
        for (qsizetype round = 0; round < lines.size(); ++round) {
            const QByteArray &line = lines[round];
            const QString log = dir.filePath(QStringLiteral("alerts-%1.log").arg(round));
            const QString db = dir.filePath(QStringLiteral("alerts-%1.db").arg(round));
            QVERIFY(writeFile(log, goodLines(good, nowMs) + line + '\n'));
            const Run import = runCli({QStringLiteral("import"), QStringLiteral("--db"), db, log});
            QVERIFY2(import.exitCode == 0, (import.err + import.out).constData());
            const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("stored\\s+(\\d+)")).match(QString::fromUtf8(import.err + import.out));
            QVERIFY2(m.hasMatch(), (import.err + import.out).constData());
            const qint64 stored = m.captured(1).toLongLong();
            QVERIFY2(stored == good || stored == good + 1, (import.err + import.out).constData());
            QByteArray err;
            const auto all = statsTotals(db, {}, &err);
            for (const qint64 n : all)
                QVERIFY2(n == stored, (QByteArray::number(n) + " != " + QByteArray::number(stored) + "\n  alert: " + line + "\n" + err).constData());
            const auto recent = statsTotals(db, {QStringLiteral("--from"), QStringLiteral("now-30d")}, &err);
            for (const qint64 n : recent)
                QVERIFY2(n >= good && n <= stored, (QByteArray::number(n) + "\n  alert: " + line + "\n" + err).constData());
        }
    }

    // Issue 18, item 8: one alert at 1970-01-01T00:00:00Z and one other: `stats` says 2, and a range from 1960 to
    // 1980 holds the first one, through the real binary.
    void epochAlertCountsOnce()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString log = dir.filePath(QStringLiteral("epoch.log"));
        const QString db = dir.filePath(QStringLiteral("epoch.db"));
        QVERIFY(writeFile(log, "{\"output\":\"epoch\",\"priority\":\"Warning\",\"rule\":\"epoch\",\"source\":\"syscall\","
                               "\"time\":\"1970-01-01T00:00:00Z\",\"output_fields\":{}}\n"
                               "{\"output\":\"later\",\"priority\":\"Error\",\"rule\":\"later\",\"source\":\"syscall\","
                               "\"time\":\"2024-05-07T18:00:00Z\",\"output_fields\":{}}\n"));
        const Run import = runCli({QStringLiteral("import"), QStringLiteral("--db"), db, log});
        QVERIFY2(import.exitCode == 0, (import.err + import.out).constData());
        const struct
        {
            QStringList range;
            qint64 expected;
        } cases[] = {
            {{}, 2},
            {{QStringLiteral("--from"), QStringLiteral("1960-01-01"), QStringLiteral("--to"), QStringLiteral("1980-01-01")}, 1},
            {{QStringLiteral("--from"), QStringLiteral("1969-12-31T23:59:59.999Z"), QStringLiteral("--to"),
              QStringLiteral("1970-01-01T00:00:00.001Z")}, 1},
            {{QStringLiteral("--from"), QStringLiteral("1970-01-01"), QStringLiteral("--to"), QStringLiteral("1970-01-02")}, 1},
            {{QStringLiteral("--from"), QStringLiteral("1960-01-01"), QStringLiteral("--to"), QStringLiteral("1970-01-01")}, 0},
            {{QStringLiteral("--from"), QStringLiteral("1970-01-01T00:00:00.001Z")}, 1},
            {{QStringLiteral("--to"), QStringLiteral("1980-01-01")}, 1},
            {{QStringLiteral("--from"), QStringLiteral("1960-01-01")}, 2},
            {{QStringLiteral("--query"), QStringLiteral("rule.name:epoch"), QStringLiteral("--from"), QStringLiteral("1960-01-01"),
              QStringLiteral("--to"), QStringLiteral("1980-01-01")}, 1},
        };
        for (const auto &c : cases) {
            QByteArray err;
            const auto totals = statsTotals(db, c.range, &err);
            for (const qint64 n : totals)
                QVERIFY2(n == c.expected, (c.range.join(u' ').toUtf8() + ": " + QByteArray::number(n) + ", expected "
                                           + QByteArray::number(c.expected) + "\n" + err).constData());
        }
    }

    // The rollup slices around the epoch: for alerts in the first days after 1970-01-01 and any range (from before
    // 1970 on), the rollup answer equals the base table's, for count() and for the dashboard.
    void rollupsAgreeWithTheBaseTableAroundTheEpoch()
    {
        QRandomGenerator rng(seed());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        AlertBatch batch;
        // 0 exactly, a few on the minute, hour and day edges, and random ones within three days.
        QVector<qint64> times{0, 1, 59999, 60000, 3599999, 3600000, 86399999, 86400000, 86400001};
        for (int i = 0; i < 200; ++i)
            times.append(qint64(rng.bounded(3 * 86400000)));
        for (qsizetype i = 0; i < times.size(); ++i)
            batch.append(test::makeAlert(times[i], Priority(i % 8), QStringLiteral("r%1").arg(i % 4), QStringLiteral("h"),
                                         QStringLiteral("o%1").arg(i), "h:e" + QByteArray::number(i)));
        AlertStore store;
        QString error;
        QVERIFY2(store.open(dir.filePath(QStringLiteral("epoch.db")), AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        QCOMPARE(store.insert(batch, &error).stored, qint64(times.size()));
        const qint64 edges[] = {-5 * 86400000LL, -86400000, -3600000, -60000, -1, 0, 1, 60000, 3600000, 86400000, 2 * 86400000LL};
        for (int i = 0; i < 300; ++i) {
            AlertFilter f;
            const auto pick = [&] {
                return rng.bounded(3) == 0 ? edges[rng.bounded(int(std::size(edges)))]
                                           : qint64(rng.bounded(5 * 86400000)) - 2 * 86400000LL;
            };
            f.fromMs = pick();
            f.toMs = pick();
            if (rng.bounded(8) == 0)
                f.fromMs = std::numeric_limits<qint64>::min();
            if (rng.bounded(8) == 0)
                f.toMs = std::numeric_limits<qint64>::max();
            qint64 expected = 0;
            for (const qint64 t : std::as_const(times))
                expected += t >= f.fromMs && t < f.toMs ? 1 : 0;
            const QByteArray range = QByteArray::number(f.fromMs) + " .. " + QByteArray::number(f.toMs);
            QVERIFY2(store.count(f, &error) == expected,
                     (range + ": count() " + QByteArray::number(store.count(f)) + ", expected " + QByteArray::number(expected)).constData());
            for (const bool base : {false, true}) {
                AggregateOptions options;
                options.topN = 0;
                options.forceBaseTable = base;
                DashboardData d;
                QVERIFY2(computeDashboard(store, f, options, &d, &error), qPrintable(error));
                for (const auto &[panel, total] : panelTotals(d))
                    QVERIFY2(total == expected, (range + (base ? " (base table) " : " (rollups) ") + panel.toUtf8() + " "
                                                 + QByteArray::number(total) + ", expected " + QByteArray::number(expected))
                                                    .constData());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestHostileTimes)
#include "tst_hostiletimes.moc"
