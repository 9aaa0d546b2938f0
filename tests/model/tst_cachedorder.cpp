// SPDX-License-Identifier: Apache-2.0
#include "model/cachedorder.h"

#include "model/alertcolumncache.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "model/cachedmatch.h"
#include "model/filtersql.h"

#include "support/testalerts.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <limits>
#include <type_traits>

using namespace fe;

namespace {

constexpr qint64 kBase = 1715104800000;
// More than two blocks of the column cache (AlertColumnCache::BlockRows), so that the first rows' scan crosses blocks
// and may stop early.
constexpr int kCount = 140000;
constexpr qint64 kAll = std::numeric_limits<qint64>::min();
constexpr qint64 kNone = std::numeric_limits<qint64>::max();

struct Spec
{
    qint64 id;
    qint64 ts;
    Priority priority;
    QString rule, host;
    bool needle;
};

// Alert i (id i + 1). Three alerts a second (ties on time), every 1013th one late by hours (rows out of time order:
// keys that must be sorted after placing), a few whose times are the newest or the oldest of all stored far from where
// that time would put them (a scan that stops early must still find them), and keys that only a few early rows carry
// (the best of a sort: a scan must not stop before it has seen them).
Spec spec(int i)
{
    Spec s;
    s.id = i + 1;
    s.ts = kBase + qint64(i / 3) * 1000;
    if (i % 1013 == 0)
        s.ts -= 7200 * 1000;
    if (i == 17 || i == 40000)
        s.ts = kBase + qint64(kCount) * 1000;   // the newest, twice
    if (i == kCount - 5)
        s.ts = kBase - 1000000;   // the oldest, stored last
    static const Priority common[] = {Priority::Warning, Priority::Notice, Priority::Error, Priority::Informational,
                                      Priority::Debug};
    s.priority = common[i % 5];
    if (i == 3 || i == 70001)
        s.priority = Priority::Emergency;
    if (i == 9)
        s.priority = Priority::Unknown;
    s.rule = QStringLiteral("Rule %1").arg(i % 7);
    if (i == 5 || i == 66000)
        s.rule = QStringLiteral("AAA rare");
    if (i == 11 || i == 12)
        s.rule = QStringLiteral("Ärger");   // UTF-8 bytes above 'Z' and 'z': sorts last by bytes
    s.host = QStringLiteral("host-%1").arg(i % 13);
    if (i == 2)
        s.host = QStringLiteral("zz-last");
    s.needle = i % 11 == 0;
    return s;
}

AlertBatch makeAlerts(int first, int n)
{
    AlertBatch batch;
    for (int i = first; i < first + n; ++i) {
        const Spec s = spec(i);
        batch.append(test::makeAlert(s.ts, s.priority, s.rule, s.host,
                                     QStringLiteral("alert %1%2").arg(i).arg(s.needle ? QStringLiteral(" needle") : QString()),
                                     "h:" + QByteArray::number(i)));
    }
    return batch;
}

struct Case
{
    QString query;
    std::function<bool(const Spec &)> matches;
    qint64 fromMs = kAll;
    qint64 toMs = kNone;
};

// The order the table shows (tst_alerttablemodel's expectedOrder): by the column in the direction chosen, within one
// value newest first; by time, (time, id) in the direction chosen. Text compares by its UTF-8 bytes (SQLite BINARY).
QVector<qint64> expectedOrder(const Case &c, int column, bool desc)
{
    struct Row
    {
        Spec spec;
        QByteArray key[3];   // priority, rule, host
    };
    static const QVector<Row> s_rows = [] {
        QVector<Row> rows;
        rows.reserve(kCount);
        for (int i = 0; i < kCount; ++i) {
            const Spec s = spec(i);
            rows.append(Row{s, {QByteArray::number(int(s.priority)), s.rule.toUtf8(), s.host.toUtf8()}});   // (priorities: one digit)
        }
        return rows;
    }();
    QVector<const Row *> rows;
    for (const Row &r : s_rows) {
        if (c.matches(r.spec) && r.spec.ts >= c.fromMs && r.spec.ts < c.toMs)
            rows.append(&r);
    }
    const int k = column == AlertTableModel::PriorityColumn ? 0
        : column == AlertTableModel::RuleColumn             ? 1
        : column == AlertTableModel::HostColumn             ? 2
                                                            : -1;
    const bool newestFirst = desc || column != AlertTableModel::TimeColumn;
    std::sort(rows.begin(), rows.end(), [&](const Row *a, const Row *b) {
        if (k >= 0 && a->key[k] != b->key[k])
            return desc ? b->key[k] < a->key[k] : a->key[k] < b->key[k];
        const auto age = [](const Row *r) { return std::make_pair(r->spec.ts, r->spec.id); };
        return newestFirst ? age(b) < age(a) : age(a) < age(b);
    });
    QVector<qint64> ids;
    ids.reserve(rows.size());
    for (const Row *r : rows)
        ids.append(r->spec.id);
    return ids;
}

int keyColumnOf(int column)
{
    switch (column) {
    case AlertTableModel::PriorityColumn: return AlertColumnCache::Priority;
    case AlertTableModel::RuleColumn: return AlertColumnCache::Rule;
    case AlertTableModel::HostColumn: return AlertColumnCache::Host;
    default: return -1;
    }
}

// The order's ids one by one (idAt); ids() of ranges that start and end anywhere in its blocks agrees (an empty list
// when it does not).
QVector<qint64> idsOf(const CachedOrder &order)
{
    QVector<qint64> ids;
    for (qint64 i = 0; i < order.size(); ++i)
        ids.append(order.idAt(i));
    const qint64 n = order.size();
    for (const auto &[from, count] : {std::pair<qint64, qint64>{0, n}, {1, n - 1}, {127, 3}, {128, 129}, {n / 3, 500},
                                      {n - 1, 1}, {n / 2 + 5, 1000}}) {
        const qint64 c = std::min(count, n - from);
        if (from < 0 || c <= 0)
            continue;
        const std::vector<qint64> range = order.ids(from, c);
        if (range != std::vector<qint64>(ids.begin() + from, ids.begin() + from + c))
            return {};
    }
    return ids;
}

} // namespace

class TestCachedOrder : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    // Held for the whole test, as the dashboard holds it; loaded in full (the readers only catch up a few alerts).
    std::shared_ptr<AlertColumnCache> m_cache;
    QString path() const { return m_dir.filePath(QStringLiteral("alerts.db")); }

    static QList<Case> cases()
    {
        QList<Case> list;
        list.append({QString(), [](const Spec &) { return true; }});
        list.append({QStringLiteral("host.name:host-3"), [](const Spec &s) { return s.host == QLatin1String("host-3"); }});
        list.append({QStringLiteral("not host.name:host-3"), [](const Spec &s) { return s.host != QLatin1String("host-3"); }});
        list.append({QStringLiteral("needle"), [](const Spec &s) { return s.needle; }});
        list.append({QStringLiteral("needle and host.name:host-4"),
                     [](const Spec &s) { return s.needle && s.host == QLatin1String("host-4"); }});
        list.append({QString(), [](const Spec &) { return true; }, kBase + 20000 * 1000, kBase + 30000 * 1000});
        list.append({QStringLiteral("host.name:nowhere"), [](const Spec &) { return false; }});
        return list;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        for (int first = 0; first < kCount; first += 20000)
            QCOMPARE(test::storeAlerts(path(), makeAlerts(first, std::min(20000, kCount - first)), &error),
                     qint64(std::min(20000, kCount - first)));
        AlertStore store;
        QVERIFY(store.open(path(), AlertStore::OpenMode::ReadOnly));
        m_cache = AlertColumnCache::acquire(path());
        auto lock = m_cache->lock();
        QCOMPARE(m_cache->catchUp(store, -1, &error), qint64(kCount));
        QCOMPARE(qint64(m_cache->blockMaxTs().size()), (kCount + AlertColumnCache::BlockRows - 1) / AlertColumnCache::BlockRows);
    }

    void firstAndAll_data()
    {
        addRows({});
    }

    // Rows for the cases (all of them when `only` is empty), every sort.
    static void addRows(const QList<int> &only)
    {
        QTest::addColumn<int>("caseIndex");
        QTest::addColumn<int>("column");
        QTest::addColumn<bool>("descending");
        const QList<Case> all = cases();
        const char *columns[] = {"time", "priority", "rule", "host"};
        const int columnIds[] = {AlertTableModel::TimeColumn, AlertTableModel::PriorityColumn,
                                 AlertTableModel::RuleColumn, AlertTableModel::HostColumn};
        for (int c = 0; c < all.size(); ++c) {
            if (!only.isEmpty() && !only.contains(c))
                continue;
            const QString filter = all[c].query.isEmpty() ? (all[c].fromMs != kAll ? QStringLiteral("time range")
                                                                                   : QStringLiteral("no filter"))
                                                          : all[c].query;
            for (int k = 0; k < 4; ++k) {
                for (bool desc : {true, false}) {
                    QTest::addRow("%s, %s %s", qPrintable(filter), columns[k], desc ? "descending" : "ascending")
                        << c << columnIds[k] << desc;
                }
            }
        }
    }

    // The first rows of one pass (any number of them) are the first rows of the whole order, and the whole order is
    // the table's order (the reference above).
    void firstAndAll()
    {
        QFETCH(int, caseIndex);
        QFETCH(int, column);
        QFETCH(bool, descending);
        const Case c = cases().at(caseIndex);
        const QVector<qint64> expected = expectedOrder(c, column, descending);

        AlertStore store;
        QVERIFY(store.open(path(), AlertStore::OpenMode::ReadOnly));
        AlertFilter filter;
        filter.query = c.query;
        const FilterSql sql = FilterSql::build(filter, kBase);
        QVERIFY2(sql.ok(), qPrintable(sql.error()));
        const std::shared_ptr<AlertColumnCache> cache = m_cache;
        std::shared_lock<std::shared_mutex> lock;
        qint64 maxId = 0;
        bool usable = false;
        QString error;
        QVERIFY2(CachedMatch::catchUp(store, *cache, &lock, &maxId, &usable, &error), qPrintable(error));
        QVERIFY(usable);
        QVERIFY(lock.owns_lock());
        QCOMPARE(maxId, qint64(kCount));
        CachedMatch match;
        QVERIFY2(match.build(store, *cache, sql, cache->rowsUpToId(maxId), &error), qPrintable(error));
        CachedOrder::Sort sort;
        sort.keyColumn = keyColumnOf(column);
        sort.descending = descending;
        sort.fromMs = c.fromMs;
        sort.toMs = c.toMs;

        const CachedOrder all = CachedOrder::all(*cache, match, sort);
        QCOMPARE(all.size(), qint64(expected.size()));
        QCOMPARE(idsOf(all), expected);
        for (int limit : {1, 3, 200, 5000}) {
            const CachedOrder first = CachedOrder::first(*cache, match, sort, limit);
            QCOMPARE(idsOf(first), expected.mid(0, limit));
            QCOMPARE(first.ids(0, first.size()), std::vector<qint64>(expected.begin(), expected.begin() + first.size()));
        }
        QCOMPARE(CachedOrder::first(*cache, match, sort, 0).size(), qint64(0));
    }

    void tableFirstPage_data()
    {
        addRows({0, 4, 5});   // no filter; a full-text term and a host (bitmap and profiles); a time range
    }

    // The alert table's first page from the column cache (the page that goes ahead of the whole order) is the first
    // page of the base table's keyset queries, and the rows after it follow from the whole order.
    void tableFirstPage()
    {
        QFETCH(int, caseIndex);
        QFETCH(int, column);
        QFETCH(bool, descending);
        const Case c = cases().at(caseIndex);
        const QVector<qint64> expected = expectedOrder(c, column, descending);
        AlertFilter filter;
        filter.query = c.query;
        filter.fromMs = c.fromMs;
        filter.toMs = c.toMs;
        const auto open = [&](AlertTableModel &model) {
            model.setPageSize(200);
            model.setAnchorStride(1 << 30);   // only the first page and the last row are read: no far-jump anchors
            model.sort(column, descending ? Qt::DescendingOrder : Qt::AscendingOrder);
            model.setFilter(filter, kBase);
            model.setDatabasePath(path());
            model.waitForIdle();
        };
        const auto firstPage = [](AlertTableModel &model) {
            QVector<qint64> ids;
            for (int r = 0; r < std::min(model.rowCount(), 200); ++r) {
                const AlertRow *row = model.rowAt(r);
                ids.append(row ? row->id : -1);
            }
            return ids;
        };

        // The base table (keyset queries).
        AlertTableModel base;
        base.setColumnCacheEnabled(false);
        open(base);
        QVERIFY(!base.servedFromColumnCache());
        QCOMPARE(firstPage(base), expected.mid(0, 200));

        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVector<qint64> aheadPage;
        connect(&model, &AlertTableModel::pageLoaded, this, [&](int page) {
            if (page == 0 && aheadPage.isEmpty() && model.totalCount() < 0)
                aheadPage = firstPage(model);   // arrived before the count: ahead of the whole order
        });
        open(model);
        // (By time without a query, the keyset queries on (ts, id) stay: an index answers them.)
        const bool keyset = c.query.isEmpty() && column == AlertTableModel::TimeColumn;
        QCOMPARE(model.servedFromColumnCache(), !keyset);
        QCOMPARE(model.totalCount(), qint64(expected.size()));
        QCOMPARE(firstPage(model), expected.mid(0, 200));
        if (model.servedFromColumnCache() && expected.size() > 200) {
            QCOMPARE(aheadPage, expected.mid(0, 200));
            // A page far down comes from the whole order.
            const int row = int(expected.size()) - 1;
            model.rowAt(row);
            model.waitForIdle();
            const AlertRow *last = model.rowAt(row);
            QVERIFY(last);
            QCOMPARE(last->id, expected.last());
        }
    }

    // Times that do not fit 32 bits from their block's base (a block spanning more than 24 days: here one alert of
    // a year later among alerts of one day): the cache holds them 8 bytes each, and orders and times stay exact.
    void wideTimes()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("wide.db"));
        AlertBatch batch;
        QVector<qint64> times;
        for (int i = 0; i < 3000; ++i) {
            qint64 ts = kBase + qint64(i) * 1000;
            if (i == 1500)
                ts = kBase + qint64(365) * 86400 * 1000;
            if (i == 2000)
                ts = kBase - qint64(365) * 86400 * 1000;
            times.append(ts);
            batch.append(test::makeAlert(ts, Priority(i % 8), QStringLiteral("Rule %1").arg(i % 3), QStringLiteral("h"),
                                         QStringLiteral("alert %1").arg(i), "w:" + QByteArray::number(i)));
        }
        QString error;
        QCOMPARE(test::storeAlerts(db, batch, &error), qint64(times.size()));
        AlertStore store;
        QVERIFY(store.open(db, AlertStore::OpenMode::ReadOnly));
        const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(db);
        {
            auto lock = cache->lock();
            QCOMPARE(cache->catchUp(store, 1000, &error), qint64(1000));   // fits 32 bits so far
            QVERIFY(cache->withTimestamps([](auto times) { return std::is_same_v<decltype(times), AlertColumnCache::CompactTimes>; }));
            QCOMPARE(cache->catchUp(store, -1, &error), qint64(2000));
            QVERIFY(cache->withTimestamps([](auto times) { return std::is_same_v<decltype(times), AlertColumnCache::WideTimes>; }));
            for (int row = 0; row < times.size(); ++row)
                QCOMPARE(cache->timestamp(row), times.at(row));
        }
        std::shared_lock<std::shared_mutex> lock;
        qint64 maxId = 0;
        bool usable = false;
        QVERIFY(CachedMatch::catchUp(store, *cache, &lock, &maxId, &usable, &error));
        QVERIFY(usable);
        CachedMatch match;
        QVERIFY(match.build(store, *cache, FilterSql::build(AlertFilter{}, kBase), cache->rowsUpToId(maxId), &error));
        QVector<qint64> expected;
        for (int i = 0; i < times.size(); ++i)
            expected.append(i + 1);
        std::sort(expected.begin(), expected.end(), [&](qint64 a, qint64 b) { return times.at(int(a - 1)) > times.at(int(b - 1)); });
        CachedOrder::Sort sort;
        QCOMPARE(idsOf(CachedOrder::all(*cache, match, sort)), expected);
        QCOMPARE(idsOf(CachedOrder::first(*cache, match, sort, 10)), expected.mid(0, 10));
        sort.fromMs = kBase + 500 * 1000;
        sort.toMs = kBase + 600 * 1000;
        QCOMPARE(idsOf(CachedOrder::all(*cache, match, sort)).size(), 100);
    }
};

QTEST_GUILESS_MAIN(TestCachedOrder)
#include "tst_cachedorder.moc"
