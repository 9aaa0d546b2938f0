// SPDX-License-Identifier: Apache-2.0
// The dashboard against a real SQLite store of hand-made alerts: panel contents (Kibana's orderings),
// the MITRE matrix, and clicks turning into clauses of the shared FilterState.
#include "model/alertstore.h"
#include "model/querylanguage.h"
#include "ui/dashboardbarchart.h"
#include "ui/dashboardbucketmodel.h"
#include "ui/dashboardprioritychart.h"
#include "ui/dashboardstreammodel.h"
#include "ui/dashboardtimechart.h"
#include "ui/dashboardview.h"
#include "ui/filterbar.h"
#include "ui/filterpillbar.h"
#include "ui/filterstate.h"
#include "ui/mitrematrixwidget.h"
#include "ui/prioritycolors.h"

#include <QAbstractItemModelTester>
#include <QDesktopServices>
#include <QFileInfo>
#include <QFrame>
#include <QMenu>
#include <QUrl>
#include <QBarSet>
#include <QAreaSeries>
#include <QChartView>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLabel>
#include <QPieSeries>
#include <QPieSlice>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <cmath>
#include <memory>

using namespace fe;

namespace {

// 2024-05-07 12:00:00 UTC: all alerts lie within two hours after it.
constexpr qint64 s_base = 1715083200000;

struct Spec
{
    int count;
    Priority priority;
    QString rule, host, pod, tactic, technique;
};

Alert makeAlert(int serial, qint64 ts, const Spec &s)
{
    Alert a;
    a.timestampMs = ts;
    a.priority = s.priority;
    a.severity = severityForPriority(s.priority);
    a.rule = s.rule;
    a.hostname = s.host;
    a.podName = s.pod;
    a.source = QStringLiteral("syscall");
    a.processName = QStringLiteral("bash");
    a.containerImage = QStringLiteral("docker.io/library/nginx");
    a.namespaceName = s.pod.isEmpty() ? QString() : QStringLiteral("shop");
    a.output = QStringLiteral("%1 alert %2 on %3").arg(priorityName(s.priority)).arg(serial).arg(s.host);
    if (!s.tactic.isEmpty()) {
        a.tactics = {s.tactic};
        a.tags.append(QStringLiteral("mitre_") + s.tactic);
    }
    if (!s.technique.isEmpty()) {
        a.technique = s.technique;
        a.tags.append(s.technique);
    }
    a.dedupeKey = "t:" + QByteArray::number(serial);
    a.ecsJson = R"({"message":"test"})";
    return a;
}

// The data set every test reads: 12 hosts (so the top 10 has an "Other"), 12 rules with distinct
// counts, four priorities, two MITRE cells and alerts without tactic or technique.
QVector<Spec> specs()
{
    QVector<Spec> v;
    // Host "zulu" is the busiest; alphabetical order must still put it last.
    v.append({20, Priority::Warning, QStringLiteral("Rule 01"), QStringLiteral("zulu"), QStringLiteral("web-1"),
              QStringLiteral("execution"), QStringLiteral("T1059")});
    v.append({10, Priority::Critical, QStringLiteral("Rule 02"), QStringLiteral("alpha"), QStringLiteral("web-2"),
              QStringLiteral("credential_access"), QStringLiteral("T1555")});
    v.append({6, Priority::Notice, QStringLiteral("Rule 03"), QStringLiteral("Mike"), QStringLiteral("db-1"), QString(), QString()});
    v.append({4, Priority::Error, QStringLiteral("Rule 04"), QStringLiteral("bravo"), QString(), QString(), QString()});
    // Nine more hosts and rules with 1 alert each: rules 05..13 (ties), hosts h01..h09.
    for (int i = 1; i <= 9; ++i) {
        v.append({1, Priority::Notice, QStringLiteral("Rule %1").arg(i + 4, 2, 10, QLatin1Char('0')),
                  QStringLiteral("h%1").arg(i, 2, 10, QLatin1Char('0')), QString(), QString(), QString()});
    }
    return v;
}

qint64 totalCount()
{
    qint64 n = 0;
    for (const Spec &s : specs())
        n += s.count;
    return n;
}

QStringList column(QAbstractItemModel *model, int col)
{
    QStringList out;
    for (int r = 0; r < model->rowCount(); ++r)
        out.append(model->index(r, col).data().toString());
    return out;
}

// Takes what QDesktopServices::openUrl would open (the Open folder button's target).
class UrlCatcher : public QObject
{
    Q_OBJECT

public:
    QList<QUrl> urls;

public Q_SLOTS:
    void open(const QUrl &url) { urls << url; }
};

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void panelsShowKibanaOrderings();
    void priorityPieSlices_data();
    void priorityPieSlices();
    void mitreMatrix();
    void clickFiltersDashboard_data();
    void clickFiltersDashboard();
    void pieSliceClickFilters();
    void mitreCellClickFilters();
    void timeChartDragSelectsRange();
    void timeChartModesUpdateInPlace();
    void badQueryShowsError();
    void clicksShowAsPills();
    void exportSaysWhereTheReportWent();
    void mitreHeatScale();
    void modelsPassModelTester();
    void priorityColorsAreDistinct();

private:
    void settle(DashboardView &view, QSignalSpy &updated);

    QTemporaryDir m_dir;
    QString m_db;
};

void TestDashboard::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("alerts.db"));
    AlertStore store;
    QString error;
    QVERIFY2(store.open(m_db, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    AlertBatch batch;
    int serial = 0;
    for (const Spec &s : specs()) {
        for (int i = 0; i < s.count; ++i) {
            ++serial;
            batch.append(makeAlert(serial, s_base + qint64(serial) * 60000, s));
        }
    }
    const InsertResult r = store.insert(batch, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(r.stored, totalCount());
}

void TestDashboard::settle(DashboardView &view, QSignalSpy &updated)
{
    // The spy exists from construction on: results can land while QtTest spins the event loop
    // (showing, clicking), before anyone waits.
    if (updated.isEmpty())
        QVERIFY(updated.wait(20000));
    // A check queued behind this result (e.g. the one the first show starts) may follow: let it finish too.
    QTRY_VERIFY_WITH_TIMEOUT(!view.isBusy(), 20000);
    updated.clear();
}

void TestDashboard::panelsShowKibanaOrderings()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    settle(view, updated);
    QVERIFY2(view.errorText().isEmpty(), qPrintable(view.errorText()));
    QCOMPARE(view.data().total, totalCount());

    // Hosts: the top 10 by count, shown alphabetically (case-insensitive), "Other" last with the rest.
    auto *hosts = view.findChild<QTableView *>(QStringLiteral("hostsTable"));
    QVERIFY(hosts);
    const QStringList hostNames = column(hosts->model(), DashboardBucketModel::KeyColumn);
    QCOMPARE(hostNames.size(), 11);
    QCOMPARE(hostNames.first(), QStringLiteral("alpha"));
    QCOMPARE(hostNames.last(), QStringLiteral("Other"));
    QStringList sorted = hostNames.mid(0, 10);
    std::sort(sorted.begin(), sorted.end(), [](const QString &a, const QString &b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
    QCOMPARE(hostNames.mid(0, 10), sorted);
    QVERIFY(hostNames.contains(QStringLiteral("zulu")));
    QVERIFY(hostNames.indexOf(QStringLiteral("Mike")) > hostNames.indexOf(QStringLiteral("bravo")));
    // 13 hosts: the 3 outside the top 10 have one alert each.
    QCOMPARE(hosts->model()->index(10, DashboardBucketModel::CountColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(hosts->model()->headerData(2, Qt::Horizontal).toString(), QStringLiteral("Most recent alert"));
    QCOMPARE(hosts->model()->index(hostNames.indexOf(QStringLiteral("zulu")), DashboardBucketModel::LastSeenColumn).data().toString(),
             DashboardBucketModel::formatTime(s_base + 20 * 60000));

    // Pods: by count descending, the alerts without a pod as "(empty)".
    auto *pods = view.findChild<QTableView *>(QStringLiteral("podsTable"));
    QVERIFY(pods);
    const QStringList podNames = column(pods->model(), DashboardBucketModel::KeyColumn);
    QCOMPARE(podNames.mid(0, 4),
             (QStringList{QStringLiteral("web-1"), QStringLiteral("(empty)"), QStringLiteral("web-2"), QStringLiteral("db-1")}));

    // Rules: top 10 by count descending.
    auto *rules = view.findChild<QTableView *>(QStringLiteral("rulesTable"));
    QVERIFY(rules);
    QCOMPARE(rules->model()->rowCount(), 10);
    QCOMPARE(column(rules->model(), 0).mid(0, 4),
             (QStringList{QStringLiteral("Rule 01"), QStringLiteral("Rule 02"), QStringLiteral("Rule 03"), QStringLiteral("Rule 04")}));
    QCOMPARE(column(rules->model(), 1).first(), QStringLiteral("20"));
    auto *bars = view.findChild<DashboardBarChart *>(QStringLiteral("rulesChart"));
    QVERIFY(bars);
    QCOMPARE(bars->buckets().size(), 10);
    QCOMPARE(bars->barSet()->count(), 10);
    // Largest at the top: the last bar (drawn at the top) is the busiest rule.
    QCOMPARE(bars->barSet()->at(9), 20.0);

    // Alert stream: newest first, Kibana's columns.
    auto *stream = view.findChild<QTableView *>(QStringLiteral("streamTable"));
    QVERIFY(stream);
    QCOMPARE(stream->model()->rowCount(), qMin<int>(DashboardView::s_streamRows, int(totalCount())));
    QCOMPARE(stream->model()->headerData(DashboardStreamModel::OutputColumn, Qt::Horizontal).toString(), QStringLiteral("event.original"));
    QCOMPARE(stream->model()->headerData(DashboardStreamModel::ProcessColumn, Qt::Horizontal).toString(), QStringLiteral("process.name"));
    QCOMPARE(stream->model()->index(0, DashboardStreamModel::TimeColumn).data().toString(),
             DashboardBucketModel::formatTime(s_base + totalCount() * 60000));
    QCOMPARE(stream->model()->index(0, DashboardStreamModel::OutputColumn).data().toString(), QStringLiteral("Notice alert %1 on h09").arg(totalCount()));
    QCOMPARE(stream->model()->index(0, DashboardStreamModel::SeverityColumn).data().toInt(), 47);

    // Over time: contiguous buckets that add up to the total.
    qint64 sum = 0;
    for (const TimePoint &p : view.data().overTime)
        sum += p.count;
    QCOMPARE(sum, totalCount());
}

void TestDashboard::priorityPieSlices_data()
{
    QTest::addColumn<QVector<Bucket>>("byPriority");
    QTest::addColumn<QStringList>("expectedKeys");
    QTest::addColumn<QStringList>("expectedPercents");

    QTest::newRow("ordered by count ascending")
        << QVector<Bucket>{{QStringLiteral("Critical"), 10, 0}, {QStringLiteral("Error"), 4, 0},
                           {QStringLiteral("Warning"), 20, 0}, {QStringLiteral("Notice"), 6, 0}}
        << QStringList{QStringLiteral("Error"), QStringLiteral("Notice"), QStringLiteral("Critical"), QStringLiteral("Warning")}
        << QStringList{QStringLiteral("10.0%"), QStringLiteral("15.0%"), QStringLiteral("25.0%"), QStringLiteral("50.0%")};
    QTest::newRow("nine priorities: the smallest goes to Other")
        << QVector<Bucket>{{QStringLiteral("Emergency"), 1, 0}, {QStringLiteral("Alert"), 2, 0}, {QStringLiteral("Critical"), 3, 0},
                           {QStringLiteral("Error"), 4, 0}, {QStringLiteral("Warning"), 5, 0}, {QStringLiteral("Notice"), 6, 0},
                           {QStringLiteral("Informational"), 7, 0}, {QStringLiteral("Debug"), 8, 0},
                           {QStringLiteral("Unknown"), 64, 0}}
        << QStringList{QStringLiteral("Alert"), QStringLiteral("Critical"), QStringLiteral("Error"), QStringLiteral("Warning"),
                       QStringLiteral("Notice"), QStringLiteral("Informational"), QStringLiteral("Debug"), QStringLiteral("Unknown"),
                       QString()}
        << QStringList{QStringLiteral("2.0%"), QStringLiteral("3.0%"), QStringLiteral("4.0%"), QStringLiteral("5.0%"),
                       QStringLiteral("6.0%"), QStringLiteral("7.0%"), QStringLiteral("8.0%"), QStringLiteral("64.0%"),
                       QStringLiteral("1.0%")};
    QTest::newRow("one priority") << QVector<Bucket>{{QStringLiteral("Debug"), 3, 0}} << QStringList{QStringLiteral("Debug")}
                                  << QStringList{QStringLiteral("100.0%")};
}

void TestDashboard::priorityPieSlices()
{
    QFETCH(QVector<Bucket>, byPriority);
    QFETCH(QStringList, expectedKeys);
    QFETCH(QStringList, expectedPercents);

    const QVector<Bucket> slices = DashboardPriorityChart::pieSlices(byPriority);
    QStringList keys;
    for (const Bucket &b : slices)
        keys.append(b.key);
    QCOMPARE(keys, expectedKeys);

    DashboardPriorityChart chart;
    chart.setBuckets(byPriority, false);
    QCOMPARE(chart.series()->count(), expectedKeys.size());
    for (int i = 0; i < expectedKeys.size(); ++i) {
        QPieSlice *slice = chart.series()->slices().at(i);
        const QString name = expectedKeys.at(i).isEmpty() ? QStringLiteral("Other") : expectedKeys.at(i);
        QCOMPARE(slice->label(), name + QLatin1Char(' ') + expectedPercents.at(i));
        if (!expectedKeys.at(i).isEmpty())
            QCOMPARE(slice->color(), priorityColor(priorityFromString(name), false));
    }
}

void TestDashboard::mitreMatrix()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.show();
    settle(view, updated);
    auto *matrix = view.findChild<MitreMatrixWidget *>(QStringLiteral("mitreMatrix"));
    QVERIFY(matrix);
    const MitreMatrixLayout &m = matrix->layout();
    // Columns in kill-chain order (execution before credential access), "no tactic" last.
    QCOMPARE(m.columnCount(), 3);
    QCOMPARE(m.tactic(0), QStringLiteral("execution"));
    QCOMPARE(m.tactic(1), QStringLiteral("credential_access"));
    QCOMPARE(m.tactic(2), QString());
    // Rows by total descending, "no technique" last.
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.technique(0), QStringLiteral("T1059"));
    QCOMPARE(m.technique(1), QStringLiteral("T1555"));
    QCOMPARE(m.technique(2), QString());
    QCOMPARE(m.count(0, 0), 20);
    QCOMPARE(m.count(1, 1), 10);
    QCOMPARE(m.count(0, 1), 0);
    QCOMPARE(m.count(2, 2), totalCount() - 30);
    QCOMPARE(MitreMatrixLayout::tacticTitle(QStringLiteral("command_and_control")), QStringLiteral("Command and Control"));
    QCOMPARE(MitreMatrixLayout::techniqueName(QStringLiteral("T1059")), QStringLiteral("Command and Scripting Interpreter"));
}

void TestDashboard::clickFiltersDashboard_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("exclude");
    QTest::addColumn<QString>("expectedQuery");
    QTest::addColumn<qint64>("expectedTotal");

    QTest::newRow("host row") << QStringLiteral("hostsTable") << QStringLiteral("alpha") << false
                              << QStringLiteral("host.name:alpha") << qint64(10);
    QTest::newRow("host row, alt-click excludes") << QStringLiteral("hostsTable") << QStringLiteral("zulu") << true
                                                  << QStringLiteral("not host.name:zulu") << totalCount() - 20;
    QTest::newRow("pod row") << QStringLiteral("podsTable") << QStringLiteral("web-2") << false
                             << QStringLiteral("orchestrator.resource.name:web-2") << qint64(10);
    QTest::newRow("empty pod row filters on a missing field")
        << QStringLiteral("podsTable") << QString() << false << QStringLiteral("not orchestrator.resource.name:*")
        << totalCount() - 36;
    QTest::newRow("rule row") << QStringLiteral("rulesTable") << QStringLiteral("Rule 03") << false
                              << QStringLiteral("rule.name:\"Rule 03\"") << qint64(6);
}

void TestDashboard::clickFiltersDashboard()
{
    QFETCH(QString, table);
    QFETCH(QString, key);
    QFETCH(bool, exclude);
    QFETCH(QString, expectedQuery);
    QFETCH(qint64, expectedTotal);

    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    settle(view, updated);

    auto *tableView = view.findChild<QTableView *>(table);
    QVERIFY(tableView);
    QModelIndex target;
    for (int r = 0; r < tableView->model()->rowCount(); ++r) {
        const QModelIndex index = tableView->model()->index(r, DashboardBucketModel::KeyColumn);
        if (!index.data(DashboardBucketModel::IsOtherRole).toBool() && index.data(DashboardBucketModel::KeyRole).toString() == key)
            target = index;
    }
    QVERIFY2(target.isValid(), qPrintable(key));
    tableView->scrollTo(target);
    QSignalSpy changed(&filter, &FilterState::changed);
    QTest::mouseClick(tableView->viewport(), Qt::LeftButton, exclude ? Qt::AltModifier : Qt::NoModifier,
                      tableView->visualRect(target).center());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(filter.effectiveQuery(), expectedQuery);

    // The whole dashboard follows the new filter.
    settle(view, updated);
    QVERIFY2(view.errorText().isEmpty(), qPrintable(view.errorText()));
    QCOMPARE(view.data().total, expectedTotal);
}

void TestDashboard::pieSliceClickFilters()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.show();
    settle(view, updated);
    auto *pie = view.findChild<DashboardPriorityChart *>(QStringLiteral("priorityPanel"));
    QVERIFY(pie);
    QPieSlice *critical = nullptr;
    for (QPieSlice *slice : pie->series()->slices()) {
        if (slice->label().startsWith(QStringLiteral("Critical ")))
            critical = slice;
    }
    QVERIFY(critical);
    Q_EMIT critical->clicked();
    QCOMPARE(filter.effectiveQuery(), QStringLiteral("falco.priority:Critical"));
    settle(view, updated);
    QCOMPARE(view.data().total, 10);
}

void TestDashboard::mitreCellClickFilters()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    settle(view, updated);
    auto *matrix = view.findChild<MitreMatrixWidget *>(QStringLiteral("mitreMatrix"));
    QVERIFY(matrix);
    // Row 1 = T1555, column 1 = credential_access.
    const QRect cell = matrix->cellRect(1, 1);
    QVERIFY(!cell.isEmpty());
    QTest::mouseClick(matrix, Qt::LeftButton, Qt::NoModifier, cell.center());
    QCOMPARE(filter.effectiveQuery(), QStringLiteral("threat.tactic.name:credential_access and threat.technique.id:T1555"));
    settle(view, updated);
    QCOMPARE(view.data().total, 10);

    // A column header filters on the tactic alone.
    filter.clear();
    settle(view, updated);
    QTest::mouseClick(matrix, Qt::LeftButton, Qt::NoModifier, matrix->columnHeaderRect(0).center());
    QCOMPARE(filter.effectiveQuery(), QStringLiteral("threat.tactic.name:execution"));
    settle(view, updated);
    QCOMPARE(view.data().total, 20);
}

void TestDashboard::timeChartDragSelectsRange()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    settle(view, updated);
    auto *chart = view.findChild<DashboardTimeChart *>(QStringLiteral("timeChart"));
    QVERIFY(chart);
    const QRectF plot = chart->chart()->plotArea();
    const QPoint a = chart->mapFromScene(chart->chart()->mapToScene(QPointF(plot.left() + plot.width() * 0.25, plot.center().y())));
    const QPoint b = chart->mapFromScene(chart->chart()->mapToScene(QPointF(plot.left() + plot.width() * 0.75, plot.center().y())));
    QTest::mousePress(chart->viewport(), Qt::LeftButton, Qt::NoModifier, a);
    QMouseEvent move(QEvent::MouseMove, QPointF(b), chart->viewport()->mapToGlobal(QPointF(b)), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(chart->viewport(), &move);
    QTest::mouseRelease(chart->viewport(), Qt::LeftButton, Qt::NoModifier, b);

    QVERIFY(!filter.isRelative());
    const qint64 from = view.data().overTime.first().startMs;
    const qint64 to = view.data().overTime.last().startMs + view.data().intervalMs;
    const qint64 quarter = (to - from) / 4;
    // Within two buckets of the quarter marks.
    QVERIFY2(qAbs(filter.absoluteFromMs() - (from + quarter)) <= 2 * view.data().intervalMs,
             qPrintable(QString::number(filter.absoluteFromMs() - from)));
    QVERIFY(qAbs(filter.absoluteToMs() - (to - quarter)) <= 2 * view.data().intervalMs);
    settle(view, updated);
    QVERIFY(view.data().total > 0);
    QVERIFY(view.data().total < totalCount());

    // Back (the filter bar's button) returns to the range before the zoom: all time, every alert.
    QToolButton *back = view.filterBar()->backButton();
    QVERIFY(back->isVisible());
    QTest::mouseClick(back, Qt::LeftButton);
    QVERIFY(filter.isRelative());
    QCOMPARE(filter.relativeMs(), qint64(0));
    QVERIFY(!back->isVisible());
    settle(view, updated);
    QCOMPARE(view.data().total, totalCount());
}

// What filters the dashboard shows as pills under its filter bar; a pill's menu excludes instead of
// including, its × removes it; a stray click in the Alert Stream filters nothing.
void TestDashboard::clicksShowAsPills()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    settle(view, updated);
    FilterPillBar *pills = view.filterBar()->pillBar();
    QVERIFY(!pills->isVisible());

    auto *stream = view.findChild<QTableView *>(QStringLiteral("streamTable"));
    QVERIFY(stream && stream->model()->rowCount() > 0);
    QTest::mouseClick(stream->viewport(), Qt::LeftButton, Qt::NoModifier,
                      stream->visualRect(stream->model()->index(0, DashboardStreamModel::SeverityColumn)).center());
    QCOMPARE(filter.pills().size(), 0);

    auto *hosts = view.findChild<QTableView *>(QStringLiteral("hostsTable"));
    QModelIndex alpha;
    for (int r = 0; r < hosts->model()->rowCount(); ++r) {
        if (hosts->model()->index(r, 0).data(DashboardBucketModel::KeyRole).toString() == u"alpha")
            alpha = hosts->model()->index(r, DashboardBucketModel::CountColumn);
    }
    QVERIFY(alpha.isValid());
    QTest::mouseClick(hosts->viewport(), Qt::LeftButton, Qt::NoModifier, hosts->visualRect(alpha).center());
    QCOMPARE(pills->pillCount(), 1);
    QVERIFY(pills->isVisible());
    QCOMPARE(pills->pillText(0), QStringLiteral("host.name: alpha"));
    settle(view, updated);
    QCOMPARE(view.data().total, 10);

    std::unique_ptr<QMenu> menu(pills->createPillMenu(0, &view));
    QAction *invert = menu->findChild<QAction *>(QStringLiteral("invertPill"));
    QVERIFY(invert);
    QCOMPARE(invert->text(), QStringLiteral("Exclude results"));
    invert->trigger();
    QCOMPARE(pills->pillText(0), QStringLiteral("NOT host.name: alpha"));
    settle(view, updated);
    QCOMPARE(view.data().total, totalCount() - 10);

    QTRY_COMPARE(pills->pillWidgets().size(), 1);
    auto *remove = pills->pillWidgets().at(0)->findChild<QToolButton *>(QStringLiteral("pillRemove"));
    QVERIFY(remove);
    QTest::mouseClick(remove, Qt::LeftButton);
    QCOMPARE(filter.pills().size(), 0);
    QVERIFY(!pills->isVisible());
    settle(view, updated);
    QCOMPARE(view.data().total, totalCount());
}

// An export says where the report went, with a way to its folder.
void TestDashboard::exportSaysWhereTheReportWent()
{
    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.show();
    settle(view, updated);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("incident.html"));
    QSignalSpy exported(&view, &DashboardView::reportExported);
    view.exportReportTo(path);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);
    QCOMPARE(exported.at(0).at(0).toBool(), true);
    QVERIFY(QFile::exists(path));
    QFrame *notice = view.exportNotice();
    QVERIFY(notice->isVisible());
    QVERIFY(notice->findChild<QLabel *>(QStringLiteral("exportNoticeText"))->text().contains(path));
    UrlCatcher catcher;
    QDesktopServices::setUrlHandler(QStringLiteral("file"), &catcher, "open");
    QTest::mouseClick(notice->findChild<QToolButton *>(QStringLiteral("openFolderButton")), Qt::LeftButton);
    QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
    QCOMPARE(catcher.urls.size(), 1);
    QCOMPARE(catcher.urls.at(0).toLocalFile(), QFileInfo(path).absolutePath());

    // A failed export says why, without the buttons.
    view.exportReportTo(dir.filePath(QStringLiteral("no/such/dir/r.pdf")));
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 20000);
    QVERIFY(notice->findChild<QLabel *>(QStringLiteral("exportNoticeText"))->text().startsWith(QStringLiteral("The report could not be written")));
    QVERIFY(!notice->findChild<QToolButton *>(QStringLiteral("openFolderButton"))->isVisible());
}

// The heat scale tells decades apart, and the legend lists the decades on screen.
void TestDashboard::mitreHeatScale()
{
    QCOMPARE(MitreMatrixLayout::heatLevel(0), 0);
    QCOMPARE(MitreMatrixLayout::heatLevel(1), 1);
    QCOMPARE(MitreMatrixLayout::heatLevel(9), 1);
    QCOMPARE(MitreMatrixLayout::heatLevel(10), 2);
    QCOMPARE(MitreMatrixLayout::heatLevel(2712), 4);
    QCOMPARE(MitreMatrixLayout::heatLevel(53758), 5);
    QCOMPARE(MitreMatrixLayout::heatLevel(5000000), 6);
    const auto distance = [](const QColor &a, const QColor &b) {
        return qAbs(a.red() - b.red()) + qAbs(a.green() - b.green()) + qAbs(a.blue() - b.blue());
    };
    for (bool dark : {false, true}) {
        for (int level = 1; level < MitreMatrixLayout::s_heatLevels; ++level)
            QVERIFY(distance(MitreMatrixLayout::heatColor(level, dark), MitreMatrixLayout::heatColor(level + 1, dark)) >= 60);
        QVERIFY(distance(MitreMatrixWidget::heatColor(2712, 53758, dark), MitreMatrixWidget::heatColor(53758, 53758, dark)) >= 100);
    }
    QCOMPARE(MitreMatrixLayout::heatLabel(4), QStringLiteral("1k–9.9k"));

    FilterState filter;
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.resize(1600, 1000);
    view.show();
    settle(view, updated);
    auto *matrix = view.findChild<MitreMatrixWidget *>(QStringLiteral("mitreMatrix"));
    QCOMPARE(matrix->legendLevels(), MitreMatrixLayout::heatLevel(matrix->layout().maxCount()));
    QVERIFY(!matrix->legendRect().isEmpty());
    QVERIFY(matrix->legendRect().top() >= matrix->cellRect(matrix->layout().rowCount() - 1, 0).bottom());
    QVERIFY(matrix->rect().contains(matrix->legendRect()));
}

// The time chart keeps its series and updates them: the total line alone, or one area per priority present with
// counts that stack to the total, and legend entries for exactly those.
void TestDashboard::timeChartModesUpdateInPlace()
{
    DashboardData data;
    data.intervalMs = 3600 * 1000;
    data.fromMs = 0;
    data.toMs = 3 * data.intervalMs;
    for (int i = 0; i < 3; ++i) {
        TimePoint p;
        p.startMs = i * data.intervalMs;
        p.byPriority[int(Priority::Critical)] = i + 1;
        p.byPriority[int(Priority::Notice)] = 10;
        p.count = i + 11;
        data.overTime.append(p);
    }
    DashboardTimeChart chart;
    chart.resize(600, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const QList<QAbstractSeries *> series = chart.chart()->series();
    for (int round = 0; round < 2; ++round) { // light, then dark (a theme change keeps the series too)
        chart.setMode(DashboardTimeChart::Mode::Total);
        chart.setData(data, round == 1);
        QCOMPARE(chart.chart()->series(), series);
        QStringList visible;
        for (QAbstractSeries *s : series) {
            if (s->isVisible())
                visible << s->name();
        }
        QCOMPARE(visible, QStringList{QStringLiteral("Alert Count")});
        auto *line = qobject_cast<QLineSeries *>(series.first());
        QVERIFY(line);
        QCOMPARE(line->count(), 3);
        QCOMPARE(line->at(2).y(), 13.0);

        chart.setMode(DashboardTimeChart::Mode::ByPriority);
        QCOMPARE(chart.chart()->series(), series);
        visible.clear();
        double top = 0;
        for (QAbstractSeries *s : series) {
            if (!s->isVisible())
                continue;
            visible << s->name();
            auto *area = qobject_cast<QAreaSeries *>(s);
            QVERIFY(area);
            top = std::max(top, area->upperSeries()->at(2).y());
        }
        QCOMPARE(visible, (QStringList{priorityName(Priority::Critical), priorityName(Priority::Notice)}));
        QCOMPARE(top, 13.0);
        QStringList legend;
        for (QLegendMarker *marker : chart.chart()->legend()->markers()) {
            if (marker->isVisible())
                legend << marker->label();
        }
        QCOMPARE(legend, visible);
    }
}

void TestDashboard::badQueryShowsError()
{
    FilterState filter;
    filter.setQuery(QStringLiteral("rule.name:"));
    DashboardView view(&filter, m_db);
    QSignalSpy updated(&view, &DashboardView::updated);
    view.show();
    settle(view, updated);
    QVERIFY(!view.errorText().isEmpty());
    auto *label = view.findChild<QLabel *>(QStringLiteral("dashboardError"));
    QVERIFY(label);
    QVERIFY(label->isVisible());

    // Fixing the query clears the error.
    filter.setQuery(QStringLiteral("rule.name:\"Rule 01\""));
    settle(view, updated);
    QVERIFY(view.errorText().isEmpty());
    QVERIFY(!label->isVisible());
    QCOMPARE(view.data().total, 20);
}

void TestDashboard::modelsPassModelTester()
{
    DashboardBucketModel buckets(QStringLiteral("Hostname"), true);
    QAbstractItemModelTester t1(&buckets, QAbstractItemModelTester::FailureReportingMode::QtTest);
    buckets.setBuckets({{QStringLiteral("a"), 3, s_base}, {QString(), 1, s_base}}, 5);
    QCOMPARE(buckets.rowCount(), 3);
    QCOMPARE(buckets.index(1, 0).data().toString(), QStringLiteral("(empty)"));
    QCOMPARE(buckets.index(2, 0).data().toString(), QStringLiteral("Other"));
    QCOMPARE(buckets.index(2, 0).data(DashboardBucketModel::ShareRole).toDouble(), 1.0);
    buckets.setBuckets({});
    QCOMPARE(buckets.rowCount(), 0);

    DashboardStreamModel stream;
    QAbstractItemModelTester t2(&stream, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AlertSummary a;
    a.id = 7;
    a.priority = Priority::Critical;
    a.rule = QStringLiteral("R");
    a.output = QStringLiteral("line one\nline two");
    stream.setAlerts({a}, false);
    QCOMPARE(stream.index(0, DashboardStreamModel::OutputColumn).data().toString(), QStringLiteral("line one"));
    QCOMPARE(stream.index(0, DashboardStreamModel::SeverityColumn).data(Qt::BackgroundRole).value<QColor>(),
             priorityColor(Priority::Critical, false));
    QCOMPARE(stream.index(0, DashboardStreamModel::RuleColumn).data(DashboardStreamModel::FieldRole).toString(), QStringLiteral("rule.name"));
    a.output.clear();
    stream.setAlerts({a}, true);
    QCOMPARE(stream.index(0, DashboardStreamModel::OutputColumn).data().toString(), QStringLiteral("R"));
}

void TestDashboard::priorityColorsAreDistinct()
{
    for (bool dark : {false, true}) {
        QSet<QRgb> seen;
        for (int p = int(Priority::Emergency); p <= int(Priority::Unknown); ++p) {
            const QColor c = priorityColor(Priority(p), dark);
            QVERIFY(!seen.contains(c.rgb()));
            seen.insert(c.rgb());
            // Text on the colour is black or white, whichever gives WCAG contrast of at least 3:1 (badges, large text).
            const QColor text = priorityTextColor(Priority(p), dark);
            QVERIFY(text == QColor(Qt::white) || text == QColor(Qt::black));
            const auto luminance = [](const QColor &col) {
                const auto ch = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * ch(col.redF()) + 0.7152 * ch(col.greenF()) + 0.0722 * ch(col.blueF());
            };
            const double a = luminance(c), b = luminance(text);
            const double ratio = (qMax(a, b) + 0.05) / (qMin(a, b) + 0.05);
            QVERIFY2(ratio >= 3.0, qPrintable(QStringLiteral("%1: %2").arg(priorityName(Priority(p))).arg(ratio)));
        }
    }
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
