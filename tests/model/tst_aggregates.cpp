// SPDX-License-Identifier: Apache-2.0
#include "model/aggregates.h"
#include "model/alertcolumncache.h"
#include "model/alertstore.h"

#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <random>
#include <vector>

using namespace fe;

namespace {

constexpr qint64 s_day0 = 1714521600000; // 2024-05-01T00:00:00Z
constexpr qint64 s_hour = 3600 * 1000;
constexpr qint64 s_minute = 60 * 1000;

const QString s_shellRule = QStringLiteral("Terminal shell in container");

// Varied alerts over three days: priorities (with Unknown), empty values, several tactics and tags per alert.
AlertBatch variedAlerts(int count)
{
    static const QStringList rules = {s_shellRule, QStringLiteral("Read sensitive file untrusted"),
                                      QStringLiteral("Write below etc"), QStringLiteral("Outbound connection"),
                                      QStringLiteral("Contact K8S API Server From Container")};
    static const QStringList hosts = {QStringLiteral("web-1"), QStringLiteral("web-2"), QStringLiteral("db-1"),
                                      QString()};
    static const QStringList tactics = {QStringLiteral("execution"), QStringLiteral("credential_access"),
                                        QStringLiteral("persistence"), QStringLiteral("discovery")};
    static const QStringList techniques = {QStringLiteral("T1059"), QStringLiteral("T1555"), QString()};
    static const QStringList tags = {QStringLiteral("container"), QStringLiteral("shell"),
                                     QStringLiteral("filesystem"), QStringLiteral("network"), QStringLiteral("k8s")};
    std::mt19937 rng(42);
    auto pick = [&](const QStringList &list) { return list.at(int(rng() % list.size())); };
    AlertBatch batch;
    for (int i = 0; i < count; ++i) {
        Alert a;
        a.timestampMs = s_day0 + qint64(rng() % (3 * 24 * 3600)) * 1000 + qint64(rng() % 1000);
        a.priority = Priority(rng() % 9);
        a.severity = severityForPriority(a.priority);
        a.rule = pick(rules);
        a.hostname = pick(hosts);
        a.source = rng() % 5 == 0 ? QStringLiteral("k8s_audit") : QStringLiteral("syscall");
        a.podName = rng() % 3 == 0 ? QString() : QStringLiteral("pod-%1").arg(rng() % 7);
        a.namespaceName = rng() % 2 ? QStringLiteral("prod") : QStringLiteral("kube-system");
        a.containerImage = rng() % 4 == 0 ? QString() : QStringLiteral("nginx:1.%1").arg(rng() % 3);
        a.technique = pick(techniques);
        const int tacticCount = int(rng() % 3);
        for (int t = 0; t < tacticCount; ++t)
            a.tactics.append(pick(tactics));
        const int tagCount = int(rng() % 4);
        for (int t = 0; t < tagCount; ++t)
            a.tags.append(pick(tags));
        a.output = QStringLiteral("alert number %1 for %2").arg(i).arg(a.rule);
        a.dedupeKey = "h:" + QByteArray::number(i);
        a.ecsJson = "{\"n\":" + QByteArray::number(i) + "}";
        batch.append(a);
    }
    return batch;
}

// Everything but the provenance fields, one line per value, so a mismatch shows where.
QStringList describe(const DashboardData &d)
{
    QStringList lines;
    lines << QStringLiteral("total %1 interval %2 range %3..%4").arg(d.total).arg(d.intervalMs).arg(d.fromMs).arg(d.toMs);
    for (const TimePoint &p : d.overTime) {
        QStringList split;
        for (qint64 n : p.byPriority)
            split << QString::number(n);
        lines << QStringLiteral("time %1 %2 [%3]").arg(p.startMs).arg(p.count).arg(split.join(QLatin1Char(',')));
    }
    const std::pair<const char *, const QVector<Bucket> *> lists[] = {
        {"priority", &d.byPriority}, {"rule", &d.byRule},       {"host", &d.byHost},
        {"pod", &d.byPod},           {"source", &d.bySource},   {"technique", &d.byTechnique},
        {"tactic", &d.byTactic},     {"image", &d.byImage},     {"namespace", &d.byNamespace},
        {"tag", &d.byTag}};
    for (const auto &[name, list] : lists) {
        for (const Bucket &b : *list)
            lines << QStringLiteral("%1 '%2' %3 last %4").arg(QLatin1String(name), b.key).arg(b.count).arg(b.lastSeenMs);
    }
    for (const MitreCell &c : d.mitre)
        lines << QStringLiteral("mitre '%1' '%2' %3").arg(c.tactic, c.technique).arg(c.count);
    return lines;
}

struct Range
{
    const char *name;
    qint64 fromMs;
    qint64 toMs;
    int maxBuckets;
    bool edgeAlerts = true;   // alerts at from/to +-1 ms (false: edges in empty time, which the rollups widen over)
};

const std::vector<Range> &ranges()
{
    constexpr qint64 open = std::numeric_limits<qint64>::min();
    constexpr qint64 openEnd = std::numeric_limits<qint64>::max();
    static const std::vector<Range> list = {
        {"everything, open-ended", open, openEnd, 120},
        {"open start", open, s_day0 + 30 * s_hour + 17 * s_minute + 4321, 120},
        {"open end", s_day0 + 40 * s_hour + 123, openEnd, 60},
        {"ragged edges over two days", s_day0 + 2 * s_hour + 37 * s_minute + 12345,
         s_day0 + 50 * s_hour + 5 * s_minute + 999, 120},
        {"whole hours", s_day0 + 5 * s_hour, s_day0 + 29 * s_hour, 120},
        {"minute-aligned, inside one hour", s_day0 + 10 * s_hour + 3 * s_minute, s_day0 + 10 * s_hour + 58 * s_minute,
         120},
        {"sub-minute, inside one minute", s_day0 + 7 * s_hour + 1500, s_day0 + 7 * s_hour + 59000, 120},
        {"across one hour boundary, ragged", s_day0 + 11 * s_hour - 7 * s_minute - 5000,
         s_day0 + 11 * s_hour + 9 * s_minute + 5000, 120},
        {"six hours, fine buckets", s_day0 + 13 * s_hour + 59 * s_minute + 59999,
         s_day0 + 19 * s_hour + 30 * s_minute + 1, 400},
        {"coarse buckets", s_day0 - 5 * s_hour, s_day0 + 80 * s_hour, 4},
        {"before the data", s_day0 - 10 * s_hour, s_day0 - 2 * s_hour, 120},
        // Day rollups (schema v3): whole days inside, hours and sub-hour edges around them.
        {"whole days, fine buckets", s_day0 + 24 * s_hour, s_day0 + 72 * s_hour, 120},
        {"ragged over days, 12 h buckets", s_day0 + 3 * s_hour + 17 * s_minute + 171, s_day0 + 70 * s_hour + 5 * s_minute,
         8},
        {"ragged over days, day buckets", s_day0 + 20 * s_hour + 333, s_day0 + 71 * s_hour + 59 * s_minute, 3},
        {"ragged over days, hour buckets", s_day0 + 23 * s_hour + 59 * s_minute + 1, s_day0 + 49 * s_hour + 1, 30},
        // Edges in empty time around the data: widened to whole days, no base-table edge.
        {"edges before and after the data", s_day0 - 3 * s_hour - 1234, s_day0 + 75 * s_hour + 4321, 120, false},
        {"edges before and after the data, coarse", s_day0 - 30 * s_hour - 1, s_day0 + 100 * s_hour + 1, 5, false},
    };
    return list;
}

} // namespace

class TestAggregates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rollupsMatchBaseTable_data();
    void rollupsMatchBaseTable();
    void knownCounts();
    void intervalChoice_data();
    void intervalChoice();
    void queries_data();
    void queries();
    void columnCacheMatchesBaseTable_data();
    void columnCacheMatchesBaseTable();
    void columnCacheCatchesUp();
    void badQuery();
    void emptyStore();
    void newest();

private:
    QTemporaryDir m_dir;
    AlertStore m_store;
    AlertBatch m_alerts;
};

void TestAggregates::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_store.open(m_dir.filePath(QStringLiteral("a.db")), AlertStore::OpenMode::ReadWrite, &error),
             qPrintable(error));
    m_alerts = variedAlerts(4000);
    // Alerts on and next to every boundary the ranges use, so that each sub-minute edge slice has rows and an
    // exclusive end that were counted would show.
    int extra = 0;
    for (const Range &range : ranges()) {
        if (!range.edgeAlerts)
            continue;
        for (qint64 bound : {range.fromMs, range.toMs}) {
            if (bound == std::numeric_limits<qint64>::min() || bound == std::numeric_limits<qint64>::max())
                continue;
            for (qint64 ts : {bound - 1, bound, bound + 1}) {
                Alert a = m_alerts.at(extra % 97);
                a.timestampMs = ts;
                a.dedupeKey = "edge:" + QByteArray::number(extra++);
                m_alerts.append(a);
            }
        }
    }
    // Several batches so that rollup rows are merged across transactions.
    for (int first = 0; first < m_alerts.size(); first += 700) {
        const InsertResult r = m_store.insert(m_alerts.mid(first, 700), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(r.stored, qint64(std::min<qsizetype>(700, m_alerts.size() - first)));
    }

}

void TestAggregates::rollupsMatchBaseTable_data()
{
    QTest::addColumn<qint64>("fromMs");
    QTest::addColumn<qint64>("toMs");
    QTest::addColumn<int>("maxBuckets");
    for (const Range &range : ranges())
        QTest::newRow(range.name) << range.fromMs << range.toMs << range.maxBuckets;
}

void TestAggregates::rollupsMatchBaseTable()
{
    QFETCH(qint64, fromMs);
    QFETCH(qint64, toMs);
    QFETCH(int, maxBuckets);
    AlertFilter filter;
    filter.fromMs = fromMs;
    filter.toMs = toMs;
    AggregateOptions options;
    options.topN = 0;
    options.maxTimeBuckets = maxBuckets;
    QString error;

    DashboardData rollups;
    QVERIFY2(computeDashboard(m_store, filter, options, &rollups, &error), qPrintable(error));
    QVERIFY(rollups.fromRollups);

    DashboardData base;
    options.forceBaseTable = true;
    QVERIFY2(computeDashboard(m_store, filter, options, &base, &error), qPrintable(error));
    QVERIFY(!base.fromRollups);
    QCOMPARE(describe(rollups), describe(base));

    // A query that matches every alert takes the base-table path through the query language.
    DashboardData queried;
    options.forceBaseTable = false;
    filter.query = QStringLiteral("rule.name:*");
    QVERIFY2(computeDashboard(m_store, filter, options, &queried, &error), qPrintable(error));
    QVERIFY(!queried.fromRollups);
    QCOMPARE(describe(queried), describe(rollups));

    // And both agree with a plain count over the effective range.
    AlertFilter effective;
    effective.fromMs = rollups.fromMs;
    effective.toMs = rollups.toMs;
    QCOMPARE(rollups.total, m_store.count(effective));
    qint64 expected = 0;
    for (const Alert &a : m_alerts)
        expected += a.timestampMs >= rollups.fromMs && a.timestampMs < rollups.toMs ? 1 : 0;
    QCOMPARE(rollups.total, expected);
    qint64 overTime = 0;
    for (const TimePoint &p : rollups.overTime)
        overTime += p.count;
    QCOMPARE(overTime, rollups.total);
    QVERIFY(rollups.overTime.size() <= maxBuckets);
    if (!rollups.overTime.isEmpty()) {
        QVERIFY(rollups.overTime.first().startMs <= rollups.fromMs);
        QVERIFY(rollups.overTime.last().startMs + rollups.intervalMs >= rollups.toMs);
    }
}

void TestAggregates::knownCounts()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("k.db"))));
    auto make = [](int n, qint64 ts, Priority p, const QString &rule, const QStringList &tactics, const QString &technique,
                   const QStringList &tags) {
        Alert a;
        a.timestampMs = ts;
        a.priority = p;
        a.rule = rule;
        a.hostname = QStringLiteral("h");
        a.tactics = tactics;
        a.technique = technique;
        a.tags = tags;
        a.dedupeKey = "k" + QByteArray::number(n);
        return a;
    };
    const QString a = QStringLiteral("A rule"), b = QStringLiteral("B rule"), c = QStringLiteral("C rule");
    const QString exec = QStringLiteral("execution"), cred = QStringLiteral("credential_access");
    const QString t1 = QStringLiteral("T1059");
    AlertBatch batch{
        make(1, s_day0 + 1000, Priority::Debug, b, {exec}, t1, {QStringLiteral("shell")}),
        make(2, s_day0 + 2000, Priority::Critical, a, {exec, cred}, t1, {}),
        make(3, s_day0 + 3 * s_minute, Priority::Emergency, c, {}, QString(), {QStringLiteral("shell")}),
        make(4, s_day0 + 5 * s_minute, Priority::Critical, c, {}, t1, {}),
        make(5, s_day0 + 4 * s_minute, Priority::Unknown, b, {cred}, QString(), {}),
    };
    QCOMPARE(store.insert(batch).stored, 5);
    DashboardData d;
    AggregateOptions options;
    options.topN = 2;
    QString error;
    QVERIFY2(computeDashboard(store, {}, options, &d, &error), qPrintable(error));
    QCOMPARE(d.total, 5);
    QCOMPARE(d.fromMs, s_day0 + 1000);
    QCOMPARE(d.toMs, s_day0 + 5 * s_minute + 1);
    QCOMPARE(d.intervalMs, s_minute);
    QCOMPARE(d.overTime.size(), 6);
    QCOMPARE(d.overTime[0].startMs, s_day0);
    QCOMPARE(d.overTime[0].count, 2);
    QCOMPARE(d.overTime[0].byPriority[int(Priority::Critical)], 1);
    QCOMPARE(d.overTime[1].count, 0);
    QCOMPARE(d.overTime[5].count, 1);

    // Falco order, names, only non-zero, Unknown last.
    QStringList priorities;
    for (const Bucket &bucket : d.byPriority)
        priorities << QStringLiteral("%1=%2").arg(bucket.key).arg(bucket.count);
    QCOMPARE(priorities, (QStringList{QStringLiteral("Emergency=1"), QStringLiteral("Critical=2"),
                                      QStringLiteral("Debug=1"), QStringLiteral("Unknown=1")}));
    QCOMPARE(d.byPriority[1].lastSeenMs, s_day0 + 5 * s_minute);

    // Count desc, ties by key, top 2.
    QCOMPARE(d.byRule.size(), 2);
    QCOMPARE(d.byRule[0].key, b);
    QCOMPARE(d.byRule[0].lastSeenMs, s_day0 + 4 * s_minute);
    QCOMPARE(d.byRule[1].key, c);
    QCOMPARE(d.byRule[1].count, 2);

    // Tactics: execution 2, credential_access 2, '' 2 -> ties by key: '' < credential_access < execution.
    QCOMPARE(d.byTactic.size(), 2);
    QCOMPARE(d.byTactic[0].key, QString());
    QCOMPARE(d.byTactic[1].key, cred);
    QCOMPARE(d.byTag[0].key, QString());
    QCOMPARE(d.byTag[0].count, 3);
    QCOMPARE(d.byTag[1].key, QStringLiteral("shell"));

    // Every MITRE cell, whatever topN.
    QStringList cells;
    for (const MitreCell &cell : d.mitre)
        cells << QStringLiteral("%1/%2=%3").arg(cell.tactic, cell.technique).arg(cell.count);
    QCOMPARE(cells, (QStringList{QStringLiteral("execution/T1059=2"), QStringLiteral("/=1"), QStringLiteral("/T1059=1"),
                                 QStringLiteral("credential_access/=1"), QStringLiteral("credential_access/T1059=1")}));
}

void TestAggregates::intervalChoice_data()
{
    QTest::addColumn<qint64>("length");
    QTest::addColumn<int>("maxBuckets");
    QTest::addColumn<qint64>("interval");
    QTest::newRow("2 hours in 120 -> 1m") << 2 * s_hour << 120 << s_minute;
    QTest::newRow("2 hours and 1 ms -> 5m") << 2 * s_hour + 1 << 120 << 5 * s_minute;
    QTest::newRow("20 hours -> 10m") << 20 * s_hour << 120 << 10 * s_minute;
    QTest::newRow("2 days -> 30m") << 48 * s_hour << 120 << 30 * s_minute;
    QTest::newRow("5 days -> 1h") << 120 * s_hour << 120 << s_hour;
    QTest::newRow("15 days -> 3h") << 360 * s_hour << 120 << 3 * s_hour;
    QTest::newRow("60 days -> 12h") << 60 * 24 * s_hour << 120 << 12 * s_hour;
    QTest::newRow("100 days -> 1d") << 100 * 24 * s_hour << 120 << 24 * s_hour;
    QTest::newRow("2 years -> 7d") << 730 * 24 * s_hour << 120 << 7 * 24 * s_hour;
    QTest::newRow("3 days in 10 -> 12h") << 72 * s_hour << 10 << 12 * s_hour;
}

void TestAggregates::intervalChoice()
{
    QFETCH(qint64, length);
    QFETCH(int, maxBuckets);
    QFETCH(qint64, interval);
    AlertFilter filter;
    filter.fromMs = s_day0; // aligned to every interval up to a day
    filter.toMs = s_day0 + length;
    AggregateOptions options;
    options.maxTimeBuckets = maxBuckets;
    DashboardData d;
    QVERIFY(computeDashboard(m_store, filter, options, &d));
    QCOMPARE(d.intervalMs, interval);
    QVERIFY(d.overTime.size() <= maxBuckets);
    for (int i = 1; i < d.overTime.size(); ++i)
        QCOMPARE(d.overTime[i].startMs - d.overTime[i - 1].startMs, interval);
}

void TestAggregates::queries_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("host");      // expected match: host ("" = any)
    QTest::addColumn<QString>("rule");      // rule ("" = any)
    QTest::addColumn<int>("priority");      // priority (-1 = any)
    QTest::newRow("rule phrase") << QStringLiteral("rule.name:\"Terminal shell in container\"") << QString() << s_shellRule
                                 << -1;
    QTest::newRow("host and priority") << QStringLiteral("host.name:web-1 AND priority:Critical")
                                       << QStringLiteral("web-1") << QString() << int(Priority::Critical);
}

void TestAggregates::queries()
{
    QFETCH(QString, query);
    QFETCH(QString, host);
    QFETCH(QString, rule);
    QFETCH(int, priority);
    const qint64 from = s_day0 + 6 * s_hour + 5000;
    const qint64 to = s_day0 + 60 * s_hour;
    qint64 expected = 0;
    qint64 last = 0;
    for (const Alert &a : m_alerts) {
        if ((host.isEmpty() || a.hostname == host) && (rule.isEmpty() || a.rule == rule)
            && (priority < 0 || int(a.priority) == priority) && a.timestampMs >= from && a.timestampMs < to) {
            ++expected;
            last = std::max(last, a.timestampMs);
        }
    }
    QVERIFY(expected > 10);
    AlertFilter filter;
    filter.query = query;
    filter.fromMs = from;
    filter.toMs = to;
    DashboardData d;
    QString error;
    QVERIFY2(computeDashboard(m_store, filter, {}, &d, &error), qPrintable(error));
    QVERIFY(!d.fromRollups);
    QCOMPARE(d.total, expected);
    QCOMPARE(m_store.count(filter), expected);
    if (!rule.isEmpty()) {
        QCOMPARE(d.byRule.size(), 1);
        QCOMPARE(d.byRule[0].key, rule);
        QCOMPARE(d.byRule[0].lastSeenMs, last);
    }
    if (!host.isEmpty()) {
        QCOMPARE(d.byHost.size(), 1);
        QCOMPARE(d.byHost[0].key, host);
    }
    if (priority >= 0) {
        QCOMPARE(d.byPriority.size(), 1);
        QCOMPARE(d.byPriority[0].key, priorityName(Priority(priority)));
    }
    qint64 exported = 0;
    QVERIFY(m_store.forEachDocument(filter, [&](qint64, const QByteArray &) {
        ++exported;
        return true;
    }));
    QCOMPARE(exported, expected);

    QVector<AlertSummary> newest;
    QVERIFY2(newestAlerts(m_store, filter, 5, &newest, &error), qPrintable(error));
    QCOMPARE(newest.size(), 5);
    QCOMPARE(newest.first().timestampMs, last);
    for (const AlertSummary &s : newest) {
        QVERIFY(rule.isEmpty() || s.rule == rule);
        QVERIFY(host.isEmpty() || s.host == host);
    }
}

void TestAggregates::columnCacheMatchesBaseTable_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<qint64>("fromMs");
    QTest::addColumn<qint64>("toMs");
    constexpr qint64 open = std::numeric_limits<qint64>::min();
    constexpr qint64 openEnd = std::numeric_limits<qint64>::max();
    const qint64 from = s_day0 + 2 * s_hour + 37 * s_minute + 12345;
    const qint64 to = s_day0 + 50 * s_hour + 5 * s_minute + 999;
    const std::pair<const char *, QString> queries[] = {
        {"priority range", QStringLiteral("falco.priority >= warning")},
        {"one host", QStringLiteral("host.name:web-1")},
        {"empty host", QStringLiteral("not host.name:*")},
        {"rule phrase", QStringLiteral("rule.name:\"Terminal shell in container\"")},
        {"image wildcard", QStringLiteral("container.image.name:*nginx*")},
        {"image prefix, other case", QStringLiteral("image:NGINX:1.1*")},
        {"not debug", QStringLiteral("NOT falco.priority:debug")},
        {"host and priority", QStringLiteral("host.name:web-1 AND priority:Critical")},
        {"or of two columns", QStringLiteral("host.name:db-1 or rule.name:\"Write below etc\"")},
        {"tag list", QStringLiteral("tags:shell")},
        {"tactic list", QStringLiteral("threat.tactic.name:(execution or discovery)")},
        {"severity range", QStringLiteral("event.severity >= 47")},
        {"namespace and pod", QStringLiteral("k8s.ns.name:prod and k8s.pod.name:pod-3")},
        {"nothing matches", QStringLiteral("host.name:nowhere")},
        // Not answered by cached columns alone: ids from SQLite, counted from the cache.
        {"free text", QStringLiteral("number")},
        {"free text phrase or word", QStringLiteral("\"number 12\" or etc")},
        {"not free text", QStringLiteral("not \"Write below\"")},
        {"free text and not free text", QStringLiteral("number and not \"Write below\"")},
        {"free text prefix", QStringLiteral("numb*")},
        {"free text substring", QStringLiteral("*umbe*")},
        {"free text or column", QStringLiteral("number or host.name:web-1")},
        {"nested text and columns", QStringLiteral("(number and not etc) and (host.name:web-1 or priority:error) and tags:shell")},
        {"free text and host", QStringLiteral("\"Write below\" and host.name:web-2")},
        {"time in the query", QStringLiteral("@timestamp >= \"2024-05-02T00:00:00Z\" and priority:error")},
        {"document field", QStringLiteral("n >= 3000")},
        {"triage status", QStringLiteral("triage.status:new and host.name:web-2")},
    };
    for (const auto &[name, query] : queries) {
        QTest::newRow(QByteArray(name).append(", all time").constData()) << query << open << openEnd;
        QTest::newRow(QByteArray(name).append(", ragged range").constData()) << query << from << to;
    }
}

// A query counted from the column cache gives exactly what a pass over the base table gives, whether the cache
// evaluates it on value combinations or takes the matching ids from SQLite.
void TestAggregates::columnCacheMatchesBaseTable()
{
    QFETCH(QString, query);
    QFETCH(qint64, fromMs);
    QFETCH(qint64, toMs);
    const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(m_store.path());
    QCOMPARE(AlertColumnCache::find(m_store.path()), cache);
    AlertFilter filter;
    filter.query = query;
    filter.fromMs = fromMs;
    filter.toMs = toMs;
    AggregateOptions options;
    options.topN = 0;
    options.nowMs = s_day0 + 100 * s_hour;
    options.newestRows = 7;
    QString error;
    DashboardData cached;
    QVERIFY2(computeDashboard(m_store, filter, options, &cached, &error), qPrintable(error));
    QVERIFY(cached.fromColumnCache);
    DashboardData base;
    options.forceBaseTable = true;
    QVERIFY2(computeDashboard(m_store, filter, options, &base, &error), qPrintable(error));
    QVERIFY(!base.fromColumnCache);
    QCOMPARE(describe(cached), describe(base));
    QCOMPARE(cached.total, m_store.count(filter));
    QCOMPARE(cached.total == 0, query == QLatin1String("host.name:nowhere"));
    // The alert stream too: the same alerts as newestAlerts(), in the same order.
    QVector<AlertSummary> newest;
    QVERIFY2(newestAlerts(m_store, filter, 7, &newest, &error), qPrintable(error));
    QCOMPARE(newest.size(), std::min<qint64>(7, cached.total));
    for (const QVector<AlertSummary> *list : {&cached.newest, &base.newest}) {
        QCOMPARE(list->size(), newest.size());
        for (qsizetype i = 0; i < newest.size(); ++i) {
            QCOMPARE(list->at(i).id, newest[i].id);
            QCOMPARE(list->at(i).rule, newest[i].rule);
            QCOMPARE(list->at(i).output, newest[i].output);
        }
    }
    {
        auto lock = cache->lock();
        QCOMPARE(cache->rowCount(), qint64(m_alerts.size()));
    }
}

// Alerts stored after the cache was loaded are counted (the query catches the cache up in its own snapshot), and a
// new file at the same path replaces what the cache held.
void TestAggregates::columnCacheCatchesUp()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.db"));
    AlertBatch alerts = variedAlerts(600);
    QString error;
    {
        AlertStore writer;
        QVERIFY(writer.open(path, AlertStore::OpenMode::ReadWrite, &error));
        QCOMPARE(writer.insert(alerts.mid(0, 400), &error).stored, 400);
    }
    const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(path);
    AlertStore reader;
    QVERIFY(reader.open(path, AlertStore::OpenMode::ReadOnly, &error));
    AlertFilter filter;
    filter.query = QStringLiteral("priority <= notice");
    const auto check = [&](qint64 rows) {
        AggregateOptions options;
        options.topN = 0;
        DashboardData cached;
        DashboardData base;
        QVERIFY2(computeDashboard(reader, filter, options, &cached, &error), qPrintable(error));
        options.forceBaseTable = true;
        QVERIFY2(computeDashboard(reader, filter, options, &base, &error), qPrintable(error));
        QVERIFY(cached.fromColumnCache);
        QCOMPARE(describe(cached), describe(base));
        auto lock = cache->lock();
        QCOMPARE(cache->rowCount(), rows);
    };
    check(400);
    {
        AlertStore writer;
        QVERIFY(writer.open(path, AlertStore::OpenMode::ReadWrite, &error));
        QCOMPARE(writer.insert(alerts.mid(400, 200), &error).stored, 200);
    }
    check(600);
    {
        auto lock = cache->lock();
        QCOMPARE(cache->rowForId(1), 0);
        QCOMPARE(cache->rowForId(600), 599);
        QCOMPARE(cache->rowForId(601), -1);
        QCOMPARE(cache->rowsUpToId(450), 450);
    }

    // Another store at the same path, with fewer alerts: the cache starts over.
    reader.close();
    QVERIFY(QFile::remove(path));
    QFile::remove(path + QStringLiteral("-wal"));
    QFile::remove(path + QStringLiteral("-shm"));
    {
        AlertStore writer;
        QVERIFY(writer.open(path, AlertStore::OpenMode::ReadWrite, &error));
        AlertBatch other = variedAlerts(300);
        for (Alert &a : other)
            a.timestampMs += 7;
        QCOMPARE(writer.insert(other, &error).stored, 300);
    }
    QVERIFY(reader.open(path, AlertStore::OpenMode::ReadOnly, &error));
    check(300);
}

void TestAggregates::badQuery()
{
    AlertFilter filter;
    filter.query = QStringLiteral("host.name:");
    DashboardData d;
    QString error;
    QVERIFY(!computeDashboard(m_store, filter, {}, &d, &error));
    QVERIFY2(error.startsWith(QLatin1String("query:")), qPrintable(error));
    error.clear();
    QCOMPARE(m_store.count(filter, &error), -1);
    QVERIFY(!error.isEmpty());
    QVector<AlertSummary> newest;
    error.clear();
    QVERIFY(!newestAlerts(m_store, filter, 5, &newest, &error));
    QVERIFY(!error.isEmpty());
    error.clear();
    QVERIFY(!m_store.forEachDocument(filter, [](qint64, const QByteArray &) { return true; }, &error));
    QVERIFY(!error.isEmpty());
}

void TestAggregates::emptyStore()
{
    QTemporaryDir dir;
    AlertStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("e.db"))));
    DashboardData d;
    QString error;
    QVERIFY2(computeDashboard(store, {}, {}, &d, &error), qPrintable(error));
    QCOMPARE(d.total, 0);
    QVERIFY(d.overTime.isEmpty());
    QVERIFY(d.byPriority.isEmpty());
    QVERIFY(d.byRule.isEmpty());
    QVERIFY(d.mitre.isEmpty());
    QVector<AlertSummary> newest;
    QVERIFY(newestAlerts(store, {}, 10, &newest, &error));
    QVERIFY(newest.isEmpty());
}

void TestAggregates::newest()
{
    QVector<AlertSummary> newest;
    QString error;
    QVERIFY2(newestAlerts(m_store, {}, 20, &newest, &error), qPrintable(error));
    QCOMPARE(newest.size(), 20);
    for (int i = 1; i < newest.size(); ++i) {
        const bool ordered = newest[i - 1].timestampMs > newest[i].timestampMs
            || (newest[i - 1].timestampMs == newest[i].timestampMs && newest[i - 1].id > newest[i].id);
        QVERIFY(ordered);
    }
    qint64 maxTs = 0;
    for (const Alert &a : m_alerts)
        maxTs = std::max(maxTs, a.timestampMs);
    QCOMPARE(newest.first().timestampMs, maxTs);
    const Alert &source = m_alerts.at(int(newest.first().id - 1)); // ids follow insertion order from 1
    QCOMPARE(newest.first().output, source.output);
    QCOMPARE(newest.first().rule, source.rule);
    QCOMPARE(newest.first().priority, source.priority);
}

QTEST_GUILESS_MAIN(TestAggregates)
#include "tst_aggregates.moc"
