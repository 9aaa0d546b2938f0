// SPDX-License-Identifier: Apache-2.0
#include "model/alertcolumncache.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "model/storereader.h"

#include "support/testalerts.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <limits>

using namespace fe;

namespace {

constexpr qint64 kBase = 1715104800000;

// n alerts, ids 1..n; timestamps deliberately not in id order (every 7th alert is late) and with ties.
AlertBatch makeAlerts(int first, int n)
{
    AlertBatch batch;
    for (int i = first; i < first + n; ++i) {
        Alert a = test::makeAlert(kBase + (i / 2) * 1000 - (i % 7 == 0 ? 5000 : 0), Priority(i % 8),
                                  QStringLiteral("Rule %1").arg(QChar(u'A' + i % 5)), QStringLiteral("host-%1").arg(i % 4),
                                  QStringLiteral("<b>alert</b> %1").arg(i), "h:" + QByteArray::number(i));
        a.podName = i % 3 ? QStringLiteral("pod-%1").arg(i % 3) : QString();
        a.namespaceName = i % 3 ? QStringLiteral("prod") : QString();
        a.containerName = QStringLiteral("c%1").arg(i % 6);
        a.processName = QStringLiteral("proc%1").arg(i % 9);
        a.userName = QStringLiteral("root");
        batch.append(a);
    }
    return batch;
}

struct Ref
{
    qint64 id, ts;
    int priority;
    QString rule, host;
};

QVector<Ref> reference(int n)
{
    QVector<Ref> refs;
    const AlertBatch batch = makeAlerts(0, n);
    for (int i = 0; i < n; ++i)
        refs.append({i + 1, batch.at(i).timestampMs, int(batch.at(i).priority), batch.at(i).rule, batch.at(i).hostname});
    return refs;
}

// The ids of the reference alerts (optionally only those of one host) in the model's order for a sort.
QVector<qint64> expectedOrder(int n, int column, Qt::SortOrder order, const QString &host = QString())
{
    QVector<Ref> refs = reference(n);
    if (!host.isEmpty())
        refs.erase(std::remove_if(refs.begin(), refs.end(), [&](const Ref &r) { return r.host != host; }), refs.end());
    const bool desc = order == Qt::DescendingOrder;
    // By time: (time, id) in the chosen direction. By priority, rule or host: the column in the chosen direction, and
    // within one value the newest alert first either way (an analyst sorting by priority wants the latest Critical
    // on top, not the oldest).
    std::sort(refs.begin(), refs.end(), [&](const Ref &a, const Ref &b) {
        auto group = [&](const Ref &r) {
            switch (column) {
            case AlertTableModel::PriorityColumn: return QString::number(r.priority);
            case AlertTableModel::RuleColumn: return r.rule;
            case AlertTableModel::HostColumn: return r.host;
            default: return QString();
            }
        };
        const QString ga = group(a);
        const QString gb = group(b);
        if (ga != gb)
            return desc ? gb < ga : ga < gb;
        const bool newestFirst = desc || column == AlertTableModel::PriorityColumn || column == AlertTableModel::RuleColumn
            || column == AlertTableModel::HostColumn;
        const auto age = [](const Ref &r) { return std::make_pair(r.ts, r.id); };
        return newestFirst ? age(b) < age(a) : age(a) < age(b);
    });
    QVector<qint64> ids;
    for (const Ref &r : refs)
        ids.append(r.id);
    return ids;
}

// Loads one row on its own (the model's cache holds nothing near it) and returns its id, or -1.
qint64 jumpTo(AlertTableModel &model, int row)
{
    model.rowAt(row);
    model.waitForIdle();
    const AlertRow *r = model.rowAt(row);
    return r ? r->id : -1;
}

QVector<qint64> allIds(AlertTableModel &model)
{
    for (int r = 0; r < model.rowCount(); ++r)
        model.rowAt(r);
    model.waitForIdle();
    QVector<qint64> ids;
    for (int r = 0; r < model.rowCount(); ++r) {
        const AlertRow *row = model.rowAt(r);
        if (!row) {   // evicted from the bounded cache: load again
            model.waitForIdle();
            row = model.rowAt(r);
        }
        ids.append(row ? row->id : -1);
    }
    return ids;
}

} // namespace

class TestAlertTableModel : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    static constexpr int kCount = 1234;
    QString path() const { return m_dir.filePath(QStringLiteral("alerts.db")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QCOMPARE(test::storeAlerts(path(), makeAlerts(0, kCount), &error), qint64(kCount));
    }

    void ordering_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<int>("pageSize");
        QTest::newRow("time newest first") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << 100;
        QTest::newRow("time oldest first") << int(AlertTableModel::TimeColumn) << int(Qt::AscendingOrder) << 100;
        QTest::newRow("priority most severe first") << int(AlertTableModel::PriorityColumn) << int(Qt::AscendingOrder) << 64;
        QTest::newRow("rule descending") << int(AlertTableModel::RuleColumn) << int(Qt::DescendingOrder) << 50;
        QTest::newRow("host ascending small pages") << int(AlertTableModel::HostColumn) << int(Qt::AscendingOrder) << 10;
    }

    // Every row appears exactly once, in the order of the sort key (ties broken by time, then id), whether a page
    // is reached by keyset from its neighbour, backwards, or by offset.
    void ordering()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(int, pageSize);
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(pageSize);
        model.sort(column, Qt::SortOrder(order));
        model.setDatabasePath(path());
        model.waitForIdle();
        QCOMPARE(model.rowCount(), kCount);
        QCOMPARE(model.totalCount(), qint64(kCount));

        const QVector<qint64> expected = expectedOrder(kCount, column, Qt::SortOrder(order));

        // Forward (keyset from the previous page).
        QCOMPARE(allIds(model), expected);
        // A far jump (offset), then backwards from it (keyset before the next page).
        model.setPageSize(pageSize);
        model.waitForIdle();
        const int last = model.rowCount() - 1;
        model.rowAt(last);
        model.waitForIdle();
        QVERIFY(model.rowAt(last));
        QCOMPARE(model.rowAt(last)->id, expected.last());
        const int prev = last - pageSize;
        model.rowAt(prev);
        model.waitForIdle();
        QVERIFY(model.rowAt(prev));
        QCOMPARE(model.rowAt(prev)->id, expected.at(prev));
    }

    void filterAndRoles()
    {
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDatabasePath(path());
        AlertFilter f;
        f.query = QStringLiteral("host.name:host-1 and priority >= error");
        model.setFilter(f);
        model.waitForIdle();
        AlertStore store;
        QVERIFY(store.open(path(), AlertStore::OpenMode::ReadOnly));
        QCOMPARE(qint64(model.rowCount()), store.count(f));
        QVERIFY(model.rowCount() > 0);
        for (int r = 0; r < model.rowCount(); ++r) {
            QCOMPARE(model.data(model.index(r, AlertTableModel::HostColumn)).toString(), QStringLiteral("host-1"));
            QVERIFY(model.data(model.index(r, 0), AlertTableModel::PriorityRole).toInt() <= int(Priority::Error));
        }
        // Output is plain data: markup is not interpreted by the model.
        const QString output = model.data(model.index(0, AlertTableModel::OutputColumn)).toString();
        QVERIFY2(output.startsWith(QStringLiteral("<b>alert</b>")), qPrintable(output));
        QCOMPARE(model.data(model.index(0, AlertTableModel::RuleColumn), AlertTableModel::FilterFieldRole).toString(),
                 QStringLiteral("rule.name"));
        const QModelIndex container = model.index(0, AlertTableModel::ContainerColumn);
        const QString field = model.data(container, AlertTableModel::FilterFieldRole).toString();
        QVERIFY(field == QStringLiteral("orchestrator.resource.name") || field == QStringLiteral("container.name"));

        // A bad query leaves an empty table and an error.
        QSignalSpy failed(&model, &AlertTableModel::queryFailed);
        f.query = QStringLiteral("host.name:");
        model.setFilter(f);
        model.waitForIdle();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(failed.count(), 1);
        QVERIFY(!model.lastError().isEmpty());
    }

    // An empty store (a first start) sorted by any column, with the column cache the table loads for itself: no rows,
    // a count of 0, no crash (the cache's columns have no codes yet while profile 0 has code 0 in each).
    void emptyStoreAnySort()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("empty.db"));
        {
            AlertStore writer;
            QVERIFY(writer.open(db));
        }
        for (int column : {int(AlertTableModel::TimeColumn), int(AlertTableModel::PriorityColumn), int(AlertTableModel::RuleColumn),
                           int(AlertTableModel::HostColumn)}) {
            for (Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                AlertTableModel model;
                model.sort(column, order);
                AlertFilter filter;
                filter.query = QStringLiteral("host.name:h1 or priority >= warning");
                for (const AlertFilter &f : {AlertFilter(), filter}) {
                    model.setFilter(f);
                    model.setDatabasePath(db);
                    model.waitForIdle();
                    QCOMPARE(model.totalCount(), qint64(0));
                    QCOMPARE(model.rowCount(), 0);
                    QVERIFY(model.lastError().isEmpty());
                }
            }
        }
    }

    // Alerts stored after the snapshot are counted but do not move the rows until refresh (or follow-live).
    void newAlertsDoNotMoveTheView()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("live.db"));
        AlertStore writer;
        QVERIFY(writer.open(db));
        QCOMPARE(writer.insert(makeAlerts(0, 300)).stored, qint64(300));

        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDatabasePath(db);
        model.waitForIdle();
        QCOMPARE(model.rowCount(), 300);
        const QVector<qint64> before = allIds(model);

        QCOMPARE(writer.insert(makeAlerts(1000, 25)).stored, qint64(25));
        QSignalSpy newCount(&model, &AlertTableModel::newAlertCountChanged);
        model.checkForNewAlerts();
        model.waitForIdle();
        QCOMPARE(model.newAlertCount(), qint64(25));
        QCOMPARE(newCount.count(), 1);
        QCOMPARE(model.rowCount(), 300);
        QCOMPARE(allIds(model), before);

        model.refresh();
        model.waitForIdle();
        QCOMPARE(model.rowCount(), 325);
        QCOMPARE(model.newAlertCount(), qint64(0));

        model.setFollowLive(true);
        QCOMPARE(writer.insert(makeAlerts(2000, 5)).stored, qint64(5));
        model.checkForNewAlerts();
        model.waitForIdle();
        QCOMPARE(model.rowCount(), 330);
        QCOMPARE(model.newAlertCount(), qint64(0));
    }

    void farJumps_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<int>("pageSize");
        QTest::addColumn<int>("stride");
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("waitForAnchors");
        QTest::addColumn<bool>("columnCache");
        const QString all;
        QTest::newRow("time newest first, anchors every 100 rows") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << 40 << 100 << all << all << true << false;
        QTest::newRow("time oldest first, stride not a multiple of the page") << int(AlertTableModel::TimeColumn) << int(Qt::AscendingOrder) << 64 << 77 << all << all << true << false;
        QTest::newRow("priority ascending") << int(AlertTableModel::PriorityColumn) << int(Qt::AscendingOrder) << 25 << 60 << all << all << true << false;
        QTest::newRow("rule descending") << int(AlertTableModel::RuleColumn) << int(Qt::DescendingOrder) << 50 << 90 << all << all << true << false;
        QTest::newRow("host ascending") << int(AlertTableModel::HostColumn) << int(Qt::AscendingOrder) << 30 << 45 << all << all << true << false;
        QTest::newRow("filtered by host, time newest first") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << 20 << 33 << QStringLiteral("host.name:host-2") << QStringLiteral("host-2") << true << false;
        QTest::newRow("free text (scan reads every row), rule ascending") << int(AlertTableModel::RuleColumn) << int(Qt::AscendingOrder) << 30 << 70 << QStringLiteral("alert") << all << true << false;
        QTest::newRow("stride wider than the result: no anchors") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << 50 << 5000 << all << all << true << false;
        QTest::newRow("jumps while the anchors are still being scanned") << int(AlertTableModel::HostColumn) << int(Qt::DescendingOrder) << 20 << 50 << all << all << false << false;
        // The same sorts and filters answered by the column cache's order (the table's way in the application, where the
        // cache is loaded for it): no anchors are scanned, the jumps land on the same rows.
        QTest::newRow("column cache: priority ascending") << int(AlertTableModel::PriorityColumn) << int(Qt::AscendingOrder) << 25 << 60 << all << all << true << true;
        QTest::newRow("column cache: rule descending") << int(AlertTableModel::RuleColumn) << int(Qt::DescendingOrder) << 50 << 90 << all << all << true << true;
        QTest::newRow("column cache: host filtered, time newest first") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << 20 << 33 << QStringLiteral("host.name:host-2") << QStringLiteral("host-2") << true << true;
        QTest::newRow("column cache: free text, rule ascending") << int(AlertTableModel::RuleColumn) << int(Qt::AscendingOrder) << 30 << 70 << QStringLiteral("alert") << all << true << true;
    }

    // A far jump (scrollbar dragged anywhere, End) lands on the right rows, whether it starts from an anchor, from the
    // last anchor scanned so far, from the start or backwards from the end, for every sort and with filters.
    void farJumps()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(int, pageSize);
        QFETCH(int, stride);
        QFETCH(QString, query);
        QFETCH(QString, host);
        QFETCH(bool, waitForAnchors);
        QFETCH(bool, columnCache);
        AlertTableModel model;
        // Without the column cache the table reads the base table and scans anchors for far jumps.
        model.setColumnCacheEnabled(columnCache);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy anchors(&model, &AlertTableModel::anchorsChanged);
        model.setPageSize(pageSize);
        model.setAnchorStride(stride);
        model.sort(column, Qt::SortOrder(order));
        AlertFilter filter;
        filter.query = query;
        model.setFilter(filter);
        model.setDatabasePath(path());
        const QVector<qint64> expected = expectedOrder(kCount, column, Qt::SortOrder(order), host);
        if (!waitForAnchors) {
            // Only the first page and the count: the jumps race the anchor scan (the rows must be right either way).
            QTRY_VERIFY(model.totalCount() >= 0);
        } else if (columnCache) {
            model.waitForIdle();
            QVERIFY(model.servedFromColumnCache());
        } else {
            model.waitForIdle();
            QVERIFY(model.anchorsComplete());
            QCOMPARE(model.anchorCount(), int(expected.size()) / stride);
            QVERIFY(!anchors.isEmpty());
            QCOMPARE(anchors.last().at(1).toBool(), true);
        }
        QCOMPARE(model.totalCount(), qint64(expected.size()));
        QCOMPARE(model.rowCount(), int(expected.size()));
        const int n = int(expected.size());
        // Far apart, so that no neighbouring page is cached: each one is a far jump.
        const QVector<int> targets = {n - 1, n / 2, 3 * stride + 1, n - pageSize - 3, n / 3, 2 * stride - 1, 2 * stride,
                                      n - 2 * pageSize - 1, (2 * n) / 3, stride - 1};
        for (int row : targets) {
            if (row < 0 || row >= n)
                continue;
            QCOMPARE(jumpTo(model, row), expected.at(row));
        }
        model.waitForIdle();
        if (!columnCache)
            QCOMPARE(model.anchorCount(), n / stride);
        // And every row once, in order, reached page by page from there.
        QCOMPARE(allIds(model), expected);
    }

    void columnCache_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<QString>("query");
        QTest::addColumn<qint64>("fromMs");
        QTest::addColumn<qint64>("toMs");
        const qint64 all = std::numeric_limits<qint64>::min();
        const qint64 none = std::numeric_limits<qint64>::max();
        QTest::newRow("rule descending") << int(AlertTableModel::RuleColumn) << int(Qt::DescendingOrder) << QString() << all << none;
        QTest::newRow("host ascending") << int(AlertTableModel::HostColumn) << int(Qt::AscendingOrder) << QString() << all << none;
        QTest::newRow("priority ascending") << int(AlertTableModel::PriorityColumn) << int(Qt::AscendingOrder) << QString() << all << none;
        QTest::newRow("filtered by host, time newest first") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << QStringLiteral("host.name:host-2") << all << none;
        QTest::newRow("rule or priority, host descending") << int(AlertTableModel::HostColumn) << int(Qt::DescendingOrder) << QStringLiteral("rule.name:\"Rule B\" or priority <= error") << all << none;
        QTest::newRow("not a container, oldest first") << int(AlertTableModel::TimeColumn) << int(Qt::AscendingOrder) << QStringLiteral("not container.name:c3") << all << none;
        QTest::newRow("free text and a host, rule ascending") << int(AlertTableModel::RuleColumn) << int(Qt::AscendingOrder) << QStringLiteral("alert and host.name:host-1") << all << none;
        QTest::newRow("time range, priority descending") << int(AlertTableModel::PriorityColumn) << int(Qt::DescendingOrder) << QString() << kBase + 100000 << kBase + 400000;
        QTest::newRow("time range and process, newest first") << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder) << QStringLiteral("process.name:proc4") << kBase + 50000 << kBase + 500000;
        QTest::newRow("nothing matches") << int(AlertTableModel::RuleColumn) << int(Qt::AscendingOrder) << QStringLiteral("host.name:nowhere") << all << none;
    }

    // With a column cache held (as the dashboard holds one), sorts and filters are served from it: the same rows in the
    // same order as the keyset queries on the base table give, reached page by page and by far jumps.
    void columnCache()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(QString, query);
        QFETCH(qint64, fromMs);
        QFETCH(qint64, toMs);
        AlertFilter filter;
        filter.query = query;
        filter.fromMs = fromMs;
        filter.toMs = toMs;
        // Opens the store in a model with this row's sort and filter, pages of 64 rows.
        const auto open = [&](AlertTableModel &m) {
            m.setPageSize(64);
            m.sort(column, Qt::SortOrder(order));
            m.setFilter(filter);
            m.setDatabasePath(path());
            m.waitForIdle();
        };

        // The base table's answer (no cache held: the keyset queries).
        QVERIFY(!AlertColumnCache::find(path()));
        AlertTableModel base;
        base.setColumnCacheEnabled(false);
        open(base);
        QVERIFY(!base.servedFromColumnCache());
        const QVector<qint64> expected = allIds(base);
        QCOMPARE(qint64(expected.size()), base.totalCount());
        AlertStore store;
        QVERIFY(store.open(path(), AlertStore::OpenMode::ReadOnly));
        QCOMPARE(qint64(expected.size()), store.count(filter));
        if (query.isEmpty() && fromMs == std::numeric_limits<qint64>::min())
            QCOMPARE(expected, expectedOrder(kCount, column, Qt::SortOrder(order)));

        // An empty cache: the model catches it up itself (the store is far less than 100k alerts ahead of it).
        const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(path());
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        open(model);
        QVERIFY(model.servedFromColumnCache());
        QVERIFY(model.anchorsComplete());
        QCOMPARE(model.anchorCount(), 0);
        {
            auto lock = cache->lock();
            QCOMPARE(cache->rowCount(), qint64(kCount));
        }
        QCOMPARE(model.totalCount(), qint64(expected.size()));
        QCOMPARE(model.rowCount(), int(expected.size()));
        const int n = int(expected.size());
        for (int row : {n - 1, n / 2, 5, n - 70, n / 3}) {
            if (row >= 0 && row < n)
                QCOMPARE(jumpTo(model, row), expected.at(row));
        }
        QCOMPARE(allIds(model), expected);
        {
            // The first page from the order too (not ahead of it from the base table).
            AlertTableModel orderFirst;
            orderFirst.setFirstPageAhead(false);
            open(orderFirst);
            QVERIFY(orderFirst.servedFromColumnCache());
            QCOMPARE(allIds(orderFirst), expected);
        }
        // Every row carries its own alert's columns (read by id, then put in the order's places).
        const AlertBatch alerts = makeAlerts(0, kCount);
        for (int r = 0; r < n; ++r) {
            const AlertRow *row = model.rowAt(r);
            QVERIFY(row);
            const Alert &alert = alerts.at(int(row->id) - 1);
            QCOMPARE(row->output, alert.output);
            QCOMPARE(row->rule, alert.rule);
            QCOMPARE(row->timestampMs, alert.timestampMs);
        }

        // The time-sorted, unfiltered view keeps the keyset queries.
        model.sort(AlertTableModel::TimeColumn, Qt::DescendingOrder);
        model.setFilter(AlertFilter{});
        model.waitForIdle();
        QVERIFY(!model.servedFromColumnCache());
        QCOMPARE(model.totalCount(), qint64(kCount));
        // And switched off, the base table again.
        model.sort(column, Qt::SortOrder(order));
        model.setFilter(filter);
        model.setColumnCacheEnabled(false);
        model.waitForIdle();
        QVERIFY(!model.servedFromColumnCache());
        QCOMPARE(allIds(model), expected);
    }

    // A snapshot from the cache keeps its rows while alerts arrive; refresh takes them in (the cache catches up).
    void columnCacheFollowsNewAlerts()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("live.db"));
        AlertStore writer;
        QVERIFY(writer.open(db));
        QCOMPARE(writer.insert(makeAlerts(0, 300)).stored, qint64(300));
        const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(db);

        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.sort(AlertTableModel::RuleColumn, Qt::AscendingOrder);
        model.setDatabasePath(db);
        model.waitForIdle();
        QVERIFY(model.servedFromColumnCache());
        QCOMPARE(model.rowCount(), 300);
        const QVector<qint64> before = allIds(model);
        QCOMPARE(before, expectedOrder(300, AlertTableModel::RuleColumn, Qt::AscendingOrder));

        QCOMPARE(writer.insert(makeAlerts(300, 25)).stored, qint64(25));
        model.checkForNewAlerts();
        model.waitForIdle();
        QCOMPARE(model.newAlertCount(), qint64(25));
        QCOMPARE(allIds(model), before);

        model.refresh();
        model.waitForIdle();
        QVERIFY(model.servedFromColumnCache());
        QCOMPARE(model.rowCount(), 325);
        QCOMPARE(allIds(model), expectedOrder(325, AlertTableModel::RuleColumn, Qt::AscendingOrder));
    }

    // The row count reaches views in steps (one per event-loop turn) that a view follows row for row.
    void rowsArriveInSteps()
    {
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(100);
        model.setInsertChunk(300);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setDatabasePath(path());
        model.waitForIdle();
        QCOMPARE(model.rowCount(), kCount);
        // The first page (100 rows), then 300, 300, 300 and the remaining 234.
        QCOMPARE(inserted.count(), 5);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 99);
        QCOMPARE(inserted.at(1).at(1).toInt(), 100);
        QCOMPARE(inserted.at(1).at(2).toInt(), 399);
        QCOMPARE(inserted.last().at(2).toInt(), kCount - 1);
        QCOMPARE(allIds(model), expectedOrder(kCount, AlertTableModel::TimeColumn, Qt::DescendingOrder));

        // A new filter while rows are still being announced: the old steps stop, the new row set is right.
        inserted.clear();
        AlertFilter f;
        f.query = QStringLiteral("host.name:host-3");
        model.setFilter(f);
        model.waitForIdle();
        QCOMPARE(model.rowCount(), int(expectedOrder(kCount, AlertTableModel::TimeColumn, Qt::DescendingOrder,
                                                     QStringLiteral("host-3")).size()));
    }

    // The query a reader runs for a replaced filter is interrupted, so the new one does not wait behind it.
    void staleQueriesAreInterrupted()
    {
        StoreReader reader;
        reader.setPath(path());
        QSemaphore started;
        std::atomic<int> result{-1};
        reader.post([&](const AlertStore &store) {
            sqlite3_stmt *st = nullptr;
            // Minutes of work unless interrupted.
            sqlite3_prepare_v2(store.handle(),
                               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000000000) "
                               "SELECT count(*) FROM n",
                               -1, &st, nullptr);
            started.release();
            result = sqlite3_step(st);
            sqlite3_finalize(st);
        });
        started.acquire();
        QElapsedTimer clock;
        clock.start();
        // The first interrupt may land before the statement starts (a no-op): repeat until the job has ended.
        while (result.load() == -1 && clock.elapsed() < 30000) {
            reader.cancelRunning();
            QTest::qWait(10);
        }
        reader.waitForIdle();
        QCOMPARE(result.load(), SQLITE_INTERRUPT);

        // The reader goes on with the next job.
        std::atomic<qint64> count{-1};
        reader.post([&](const AlertStore &store) { count = store.count(); });
        reader.waitForIdle();
        QCOMPARE(count.load(), qint64(kCount));
    }

    // Views see a window of the snapshot; moving it shows other rows under the same model rows, and persistent
    // indexes (a view's selection and current row) stay on their alerts or become invalid once outside.
    void windowMoves_data()
    {
        QTest::addColumn<int>("window");
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("expectedStart");
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::newRow("middle, time descending") << 300 << qint64(500) << qint64(500) << int(AlertTableModel::TimeColumn)
                                                 << int(Qt::DescendingOrder);
        QTest::newRow("middle, rule ascending") << 300 << qint64(700) << qint64(700) << int(AlertTableModel::RuleColumn)
                                                << int(Qt::AscendingOrder);
        QTest::newRow("small move: rows stay") << 300 << qint64(100) << qint64(100) << int(AlertTableModel::TimeColumn)
                                               << int(Qt::AscendingOrder);
        QTest::newRow("past the end: the last rows") << 300 << qint64(5000) << qint64(kCount - 300)
                                                     << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder);
        QTest::newRow("before the start: the first rows") << 300 << qint64(-5) << qint64(0)
                                                          << int(AlertTableModel::HostColumn) << int(Qt::DescendingOrder);
        QTest::newRow("window larger than the snapshot") << 5000 << qint64(100) << qint64(0)
                                                         << int(AlertTableModel::TimeColumn) << int(Qt::DescendingOrder);
        QTest::newRow("window smaller than a page") << 37 << qint64(1000) << qint64(1000)
                                                    << int(AlertTableModel::PriorityColumn) << int(Qt::AscendingOrder);
    }

    void windowMoves()
    {
        QFETCH(int, window);
        QFETCH(qint64, start);
        QFETCH(qint64, expectedStart);
        QFETCH(int, column);
        QFETCH(int, order);
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(100);
        model.setInsertChunk(128);
        model.setWindowRows(window);
        model.sort(column, Qt::SortOrder(order));
        model.setDatabasePath(path());
        model.waitForIdle();
        const int rows = std::min(window, kCount);
        QCOMPARE(model.rowCount(), rows);
        QCOMPARE(model.snapshotRows(), qint64(kCount));
        QCOMPARE(model.windowStart(), qint64(0));
        const QVector<qint64> expected = expectedOrder(kCount, column, Qt::SortOrder(order));
        QCOMPARE(allIds(model), expected.mid(0, rows));

        // Two persistent indexes: one on a row that stays in the window, one on a row that leaves it (when it moves).
        const qint64 kept = rows - 1 - rows / 10;
        const QPersistentModelIndex staying(model.index(int(kept), 2));
        const QPersistentModelIndex leaving(model.index(0, 1));
        QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);
        model.setWindowStart(start);
        QCOMPARE(model.windowStart(), expectedStart);
        QCOMPARE(layout.count(), expectedStart == 0 ? 0 : 1);
        model.waitForIdle();
        QCOMPARE(model.rowCount(), rows);
        QCOMPARE(allIds(model), expected.mid(expectedStart, rows));
        if (expectedStart == 0) {
            QCOMPARE(staying.row(), int(kept));
            QCOMPARE(leaving.row(), 0);
        } else {
            if (kept >= expectedStart) {
                QCOMPARE(staying.row(), int(kept - expectedStart));
                QCOMPARE(staying.column(), 2);
                QCOMPARE(model.idAt(staying.row()), expected.at(kept));
            } else {
                QVERIFY(!staying.isValid());
            }
            QVERIFY(!leaving.isValid());
        }
        // rowOfId speaks of the window's rows.
        const qint64 lastId = expected.at(expectedStart + rows - 1);
        QCOMPARE(model.rowOfId(lastId), rows - 1);
        if (expectedStart > 0)
            QCOMPARE(model.rowOfId(expected.at(0)), -1);
        // A new filter (here: the same one again) starts at the top.
        model.refresh();
        model.waitForIdle();
        QCOMPARE(model.windowStart(), qint64(0));
        QCOMPARE(model.idAt(0), expected.at(0));
    }

    void noDatabase()
    {
        AlertTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDatabasePath(m_dir.filePath(QStringLiteral("missing.db")));
        model.waitForIdle();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.lastError().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAlertTableModel)
#include "tst_alerttablemodel.moc"
