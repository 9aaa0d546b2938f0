// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "model/triagestore.h"
#include "ui/dashboardview.h"
#include "ui/detailpane.h"
#include "ui/elidemiddledelegate.h"
#include "ui/explorerview.h"
#include "ui/facetpanel.h"
#include "ui/filterbar.h"
#include "ui/filterpillbar.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/mitrematrixwidget.h"
#include "ui/dashboardprioritychart.h"
#include "ui/querylineedit.h"
#include "ui/sourcespane.h"

#include "support/testalerts.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QTreeWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QPieSeries>
#include <QPieSlice>
#include <QChartView>

#include <memory>

using namespace fe;

namespace {

// A second store with other alerts: other hosts, another rule, "D" documents.
AlertBatch makeOtherAlerts(int n)
{
    AlertBatch batch;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < n; ++i) {
        Alert a = test::makeAlert(now - (n - i) * 30000, Priority::Notice, QStringLiteral("Other rule"),
                                  QStringLiteral("other-%1").arg(i % 2), QStringLiteral("other alert %1").arg(i),
                                  "o:" + QByteArray::number(i));
        a.source = QStringLiteral("k8s_audit");
        a.processName = QStringLiteral("kubectl");
        a.ecsJson = QStringLiteral(R"({"rule":{"name":"Other rule"},"host":{"name":"%1"},"labels":{"store":"D"}})")
                        .arg(a.hostname).toUtf8();
        batch.append(a);
    }
    return batch;
}

AlertBatch makeAlerts(int n)
{
    AlertBatch batch;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < n; ++i) {
        Alert a = test::makeAlert(now - (n - i) * 60000, i % 3 == 0 ? Priority::Critical : Priority::Warning,
                                  i % 2 ? QStringLiteral("Terminal shell in container")
                                        : QStringLiteral("Read sensitive file untrusted"),
                                  QStringLiteral("host-%1").arg(i % 4), QStringLiteral("<i>shell</i> number %1").arg(i),
                                  "h:" + QByteArray::number(i));
        a.processName = QStringLiteral("bash");
        a.ecsJson = QStringLiteral(R"({"rule":{"name":"%1"},"host":{"name":"%2"},"falco":{"output_fields":{"proc":{"name":"bash","cmdline":"bash -i","pname":"sshd","pcmdline":"sshd: root","aname[2]":"systemd"}}}})")
                        .arg(a.rule, a.hostname).toUtf8();
        batch.append(a);
    }
    return batch;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_db;
    QString m_otherDb;
    static constexpr int kCount = 120;
    static constexpr int kOtherCount = 37;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("alerts.db"));
        QString error;
        QCOMPARE(test::storeAlerts(m_db, makeAlerts(kCount), &error), qint64(kCount));
        m_otherDb = m_dir.filePath(QStringLiteral("other.db"));
        QCOMPARE(test::storeAlerts(m_otherDb, makeOtherAlerts(kOtherCount), &error), qint64(kOtherCount));
    }

    // File > Open / Open recent: every view follows the new store, and triage writes go to it (alert ids overlap
    // between the two files, so a write to the wrong one would show).
    void openingAnotherDatabaseRepointsEverything()
    {
        MainWindow window;
        auto *dashboard = new DashboardView(window.filterState(), QString());
        window.addDashboard(dashboard);
        // What app/ does with the request once the file is open.
        connect(&window, &MainWindow::openDatabaseRequested, &window, &MainWindow::setDatabasePath);
        QSignalSpy changed(&window, &MainWindow::databaseChanged);
        window.setDatabasePath(m_db);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ExplorerView *explorer = window.explorer();
        QAbstractItemModelTester tableTester(explorer->tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        explorer->waitUntilSettled();
        QCOMPARE(explorer->tableModel()->rowCount(), kCount);
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard->isBusy() && dashboard->data().total == kCount, 20000);
        explorer->tableView()->selectRow(0);
        explorer->detailPane()->waitForIdle();
        QVERIFY(explorer->detailPane()->alertId() > 0);

        window.setDatabasePath(m_otherDb);
        QCOMPARE(changed.count(), 2);
        QCOMPARE(changed.last().at(0).toString(), m_otherDb);
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("other.db")));
        QCOMPARE(explorer->databasePath(), m_otherDb);
        // The detail pane shows nothing of the old store.
        QCOMPARE(explorer->detailPane()->alertId(), qint64(0));
        QVERIFY(explorer->detailPane()->document().isEmpty());
        explorer->waitUntilSettled();
        // Table, facets and dashboard count the new store.
        QCOMPARE(explorer->tableModel()->rowCount(), kOtherCount);
        for (int r = 0; r < kOtherCount; ++r)
            QVERIFY(explorer->tableModel()->index(r, AlertTableModel::HostColumn).data().toString().startsWith(QStringLiteral("other-")));
        QCOMPARE(explorer->facetPanel()->data().total, qint64(kOtherCount));
        QCOMPARE(explorer->facetPanel()->data().byRule.size(), 1);
        QCOMPARE(explorer->facetPanel()->data().byRule.at(0).key, QStringLiteral("Other rule"));
        QCOMPARE(dashboard->databasePath(), m_otherDb);
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard->isBusy() && dashboard->data().total == kOtherCount, 20000);
        QCOMPARE(dashboard->data().byRule.value(0).key, QStringLiteral("Other rule"));
        bool dbShown = false;
        for (const QLabel *label : window.statusBar()->findChildren<QLabel *>())
            dbShown = dbShown || label->text() == m_otherDb;
        QVERIFY(dbShown);

        // The detail pane reads the new store.
        explorer->tableView()->selectRow(0);
        explorer->detailPane()->waitForIdle();
        const qint64 id = explorer->tableModel()->idAt(0);
        QCOMPARE(explorer->detailPane()->alertId(), id);
        QVERIFY2(explorer->detailPane()->document().contains("\"store\":\"D\""), explorer->detailPane()->document().constData());

        // Triage writes go to the new store only.
        explorer->setStatusOfSelection(TriageStatus::Closed);
        AlertStore other, first;
        QVERIFY(other.open(m_otherDb, AlertStore::OpenMode::ReadOnly));
        QVERIFY(first.open(m_db, AlertStore::OpenMode::ReadOnly));
        QTRY_COMPARE_WITH_TIMEOUT(TriageStore(other).status(id), TriageStatus::Closed, 10000);
        QCOMPARE(TriageStore(first).status(id), TriageStatus::New);

        // Open recent lists both, newest first, and choosing one goes back to it.
        QCOMPARE(window.recentDatabases().mid(0, 2), (QStringList{m_otherDb, m_db}));
        QMenu *recent = nullptr;
        for (QMenu *menu : window.menuBar()->findChildren<QMenu *>()) {
            if (menu->title().remove(u'&') == QStringLiteral("Open recent"))
                recent = menu;
        }
        QVERIFY(recent);
        QAction *back = nullptr;
        for (QAction *a : recent->actions()) {
            if (a->text() == m_db)
                back = a;
        }
        QVERIFY(back);
        back->trigger();
        QCOMPARE(window.databasePath(), m_db);
        explorer->waitUntilSettled();
        QCOMPARE(explorer->tableModel()->rowCount(), kCount);
        QCOMPARE(explorer->facetPanel()->data().total, qint64(kCount));
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard->isBusy() && dashboard->data().total == kCount, 20000);
        QCOMPARE(dashboard->databasePath(), m_db);
    }

    void filterBarDrivesTheTable()
    {
        MainWindow window;
        window.setDatabasePath(m_db);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ExplorerView *explorer = window.explorer();
        QAbstractItemModelTester tableTester(explorer->tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester facetTester(explorer->facetPanel()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        explorer->waitUntilSettled();
        QCOMPARE(explorer->tableModel()->rowCount(), kCount);

        // Type a query and press Enter.
        QueryLineEdit *edit = explorer->queryEdit();
        edit->setFocus();
        QTest::keyClicks(edit, QStringLiteral("host.name:host-1 and priority:critical"));
        QTest::keyClick(edit, Qt::Key_Return);
        explorer->waitUntilSettled();
        QCOMPARE(window.filterState()->query(), QStringLiteral("host.name:host-1 and priority:critical"));
        AlertStore reader;
        QVERIFY(reader.open(m_db, AlertStore::OpenMode::ReadOnly));
        const qint64 expected = reader.count({window.filterState()->query()});
        QVERIFY(expected > 0);
        QCOMPARE(qint64(explorer->tableModel()->rowCount()), expected);
        QTableView *table = explorer->tableView();
        for (int r = 0; r < table->model()->rowCount(); ++r) {
            QCOMPARE(table->model()->index(r, AlertTableModel::HostColumn).data().toString(), QStringLiteral("host-1"));
            QCOMPARE(table->model()->index(r, AlertTableModel::PriorityColumn).data().toString(), QStringLiteral("Critical"));
        }
        // The facets follow the filter.
        QCOMPARE(explorer->facetPanel()->data().total, expected);

        // A broken query is flagged and not applied.
        edit->selectAll();
        QTest::keyClicks(edit, QStringLiteral("host.name:(a or"));
        QTest::keyClick(edit, Qt::Key_Return);
        explorer->waitUntilSettled();
        QVERIFY(edit->toolTip().contains(QStringLiteral("Column")));
        QCOMPARE(window.filterState()->query(), QStringLiteral("host.name:host-1 and priority:critical"));
        QCOMPARE(qint64(explorer->tableModel()->rowCount()), expected);

        // Clearing the filter brings everything back.
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClick(edit, Qt::Key_Return);
        explorer->waitUntilSettled();
        QCOMPARE(explorer->tableModel()->rowCount(), kCount);
    }

    // End and Home in the table go to the last and the first alert (far jumps through the model's anchors).
    void endAndHomeGoToTheLastAndFirstAlert()
    {
        FilterState state;
        ExplorerView explorer(&state);
        AlertTableModel *model = explorer.tableModel();
        model->setPageSize(10);
        model->setAnchorStride(25);
        explorer.setDatabasePath(m_db);
        explorer.resize(1200, 700);
        explorer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&explorer));
        explorer.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&explorer));
        explorer.waitUntilSettled();
        QCOMPARE(model->rowCount(), kCount);
        QCOMPARE(model->anchorCount(), kCount / 25);
        QTableView *table = explorer.tableView();
        table->setFocus();
        table->setCurrentIndex(model->index(3, AlertTableModel::RuleColumn));
        // Newest first: the last row is the oldest alert (id 1), the first the newest (id kCount).
        QTest::keyClick(table, Qt::Key_End);
        explorer.waitUntilSettled();
        QCOMPARE(table->currentIndex().row(), kCount - 1);
        QCOMPARE(table->currentIndex().column(), int(AlertTableModel::RuleColumn));
        QTRY_COMPARE(model->idAt(kCount - 1), qint64(1));
        QTest::keyClick(table, Qt::Key_Home);
        explorer.waitUntilSettled();
        QCOMPARE(table->currentIndex().row(), 0);
        QTRY_COMPARE(model->idAt(0), qint64(kCount));
        explorer.detailPane()->waitForIdle();
        QCOMPARE(explorer.detailPane()->alertId(), qint64(kCount));
    }

    // Every key sequence has one owner in the main window (two owners make Qt run neither).
    void noKeySequenceIsBoundTwice()
    {
        MainWindow window;
        window.addDashboard(new DashboardView(window.filterState(), QString()));
        window.setDatabasePath(m_db);
        QHash<QString, QStringList> owners;
        const auto note = [&owners](const QKeySequence &keys, const QString &who) {
            if (!keys.isEmpty())
                owners[keys.toString(QKeySequence::PortableText)] << who;
        };
        QSet<const QAction *> seen;
        QList<QAction *> actions = window.findChildren<QAction *>();
        actions += window.actions();
        for (const QAction *a : std::as_const(actions)) {
            if (seen.contains(a) || a->associatedObjects().isEmpty())
                continue;
            seen.insert(a);
            for (const QKeySequence &k : a->shortcuts())
                note(k, QStringLiteral("action \"%1\"").arg(a->text()));
        }
        for (const QShortcut *sc : window.findChildren<QShortcut *>()) {
            for (const QKeySequence &k : sc->keys())
                note(k, QStringLiteral("QShortcut of %1").arg(sc->parent()->objectName()));
        }
        QStringList twice;
        for (auto it = owners.cbegin(); it != owners.cend(); ++it) {
            if (it.value().size() > 1)
                twice << it.key() + QStringLiteral(": ") + it.value().join(QStringLiteral(", "));
        }
        QVERIFY2(twice.isEmpty(), qPrintable(twice.join(u'\n')));
        // The triage, note and filter keys are bound, once.
        for (const char *keys : {"Alt+1", "Alt+2", "Alt+3", "Alt+4", "Alt+5", "Ctrl+M", "Ctrl+L", "/", "J", "K", "Return", "Esc", "Alt+Left"})
            QVERIFY2(owners.value(QString::fromLatin1(keys)).size() == 1, keys);
    }

    // Real key events (through Qt's shortcut map) with the table focused: Alt+2 acknowledges, Ctrl+L goes to the
    // filter and the typed text lands there, not in the table's type-ahead.
    void triageAndFilterKeysWorkFromTheTable()
    {
        MainWindow window;
        window.setDatabasePath(m_db);
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        ExplorerView *explorer = window.explorer();
        explorer->waitUntilSettled();
        QTableView *table = explorer->tableView();
        table->setFocus();
        table->selectRow(5);
        const qint64 id = explorer->tableModel()->idAt(5);
        QTest::keyClick(table, Qt::Key_2, Qt::AltModifier);
        AlertStore reader;
        QVERIFY(reader.open(m_db, AlertStore::OpenMode::ReadOnly));
        QTRY_COMPARE_WITH_TIMEOUT(TriageStore(reader).status(id), TriageStatus::Acknowledged, 10000);
        QTest::keyClick(table, Qt::Key_L, Qt::ControlModifier);
        QCOMPARE(QApplication::focusWidget(), explorer->queryEdit());
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("host.name:host-2"));
        QCOMPARE(explorer->queryEdit()->text(), QStringLiteral("host.name:host-2"));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QCOMPARE(window.filterState()->query(), QStringLiteral("host.name:host-2"));
        // Clear filter answers in the query field too.
        QTest::keyClick(explorer->queryEdit(), Qt::Key_Backspace, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(window.filterState()->query(), QString());
        QCOMPARE(explorer->queryEdit()->text(), QString());
        // Triage, restored for the other tests.
        QVERIFY(TriageStore(reader).status(id) == TriageStatus::Acknowledged);
        explorer->waitUntilSettled();
    }

    // A store that can only be read: what would write to it is off (imports, triage keys and menus, the detail
    // pane's triage, live sources), the status bar says so; reading works; a writable store turns it all back on.
    void readOnlyStoreTurnsWritesOff()
    {
        MainWindow window;
        window.setDatabasePath(m_db);
        window.setReadOnly(QStringLiteral("dictionary 1 is damaged"));
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        ExplorerView *explorer = window.explorer();
        explorer->waitUntilSettled();
        QVERIFY(explorer->tableModel()->rowCount() > 0);   // reading works

        QAction *import = nullptr;
        const QList<QAction *> fileActions = window.menuBar()->actions().first()->menu()->actions();
        for (QAction *a : fileActions) {
            if (a->text().startsWith(QStringLiteral("&Import files")))
                import = a;
        }
        QVERIFY(import);
        QVERIFY(!import->isEnabled());
        auto *label = window.findChild<QLabel *>(QStringLiteral("readOnlyLabel"));
        QVERIFY(label && label->isVisible());
        QVERIFY(label->toolTip().contains(QStringLiteral("dictionary 1 is damaged")));
        auto *sources = window.findChild<SourcesPane *>();
        QVERIFY(sources && !sources->isEnabled());

        QTableView *table = explorer->tableView();
        table->setFocus();
        table->selectRow(3);
        const qint64 id = explorer->tableModel()->idAt(3);
        AlertStore reader;
        QVERIFY(reader.open(m_db, AlertStore::OpenMode::ReadOnly));
        const TriageStatus before = TriageStore(reader).status(id);
        QTest::keyClick(table, before == TriageStatus::Closed ? Qt::Key_2 : Qt::Key_4, Qt::AltModifier);
        QCoreApplication::processEvents();
        QThreadPool::globalInstance()->waitForDone();   // where a triage write would run
        QCOMPARE(TriageStore(reader).status(id), before);
        QVERIFY(!ExplorerView::statusAction(explorer, TriageStatus::Closed)->isEnabled());
        QVERIFY(!explorer->action(ExplorerView::Action::AddNote)->isEnabled());
        auto *status = explorer->findChild<QComboBox *>(QStringLiteral("triageStatus"));
        QVERIFY(status);
        QTRY_VERIFY(explorer->findChild<DetailPane *>()->alertId() == id);
        QVERIFY(!status->isEnabled());

        window.setReadOnly(QString());
        QVERIFY(import->isEnabled());
        QVERIFY(!label->isVisible());
        QVERIFY(sources->isEnabled());
        QVERIFY(status->isEnabled());
        QVERIFY(ExplorerView::statusAction(explorer, TriageStatus::Closed)->isEnabled());
    }

    // Enter on a broken query greys the results it no longer describes and says where the error is, under
    // the filter bar, with a caret at the column. A good query brings the results back.
    void queryErrorGreysResultsAndPointsAtTheColumn()
    {
        FilterState state;
        ExplorerView explorer(&state);
        explorer.setDatabasePath(m_db);
        explorer.resize(1400, 800);
        explorer.show();
        explorer.waitUntilSettled();
        QCOMPARE(explorer.tableModel()->rowCount(), kCount);
        QueryLineEdit *edit = explorer.queryEdit();
        edit->setFocus();
        QTest::keyClicks(edit, QStringLiteral("host.name:("));
        QTest::keyClick(edit, Qt::Key_Return);
        FilterBar *bar = explorer.filterBar();
        QVERIFY(bar->hasError());
        const QStringList lines = bar->errorText().split(u'\n');
        QCOMPARE(lines.value(0), QStringLiteral("host.name:("));
        QVERIFY2(lines.value(1).startsWith(QStringLiteral("           ^")), qPrintable(bar->errorText()));   // under column 12
        QVERIFY(lines.value(1).contains(QStringLiteral("column 12")));
        QVERIFY(explorer.resultsStale());
        QVERIFY(!explorer.tableView()->isEnabled());
        QCOMPARE(state.query(), QString());   // not applied
        // Fixed and applied: fresh results, nothing greyed.
        edit->selectAll();
        QTest::keyClicks(edit, QStringLiteral("host.name:(host-1 or host-3)"));
        QTest::keyClick(edit, Qt::Key_Return);
        explorer.waitUntilSettled();
        QVERIFY(!bar->hasError());
        QVERIFY(!explorer.resultsStale());
        QVERIFY(explorer.tableView()->isEnabled());
        QCOMPARE(explorer.tableModel()->rowCount(), kCount / 2);
        // A long query shows the part around the error.
        const QString longQuery = QStringLiteral("rule.name:x and ").repeated(10) + QStringLiteral("(");
        const QStringList caret = FilterBar::caretText(longQuery, int(longQuery.size())).split(u'\n');
        QVERIFY(caret.at(0).startsWith(QStringLiteral("…")));
        QCOMPARE(caret.at(1).size(), caret.at(0).size() + 1);   // the caret is one past the shown text's end
    }

    // No match says so, with the query and the range, and the detail pane lets go of the old alert.
    void emptyResultsSayNoAlertsMatch()
    {
        FilterState state;
        ExplorerView explorer(&state);
        explorer.setDatabasePath(m_db);
        explorer.resize(1400, 800);
        explorer.show();
        explorer.waitUntilSettled();
        explorer.tableView()->selectRow(0);
        explorer.detailPane()->waitForIdle();
        QVERIFY(explorer.detailPane()->alertId() > 0);
        QVERIFY(explorer.emptyMessage().isEmpty());
        state.setRelativeRange(24 * 3600000LL);
        state.filterIn(QStringLiteral("host.name"), QStringLiteral("no-such-host"));
        explorer.waitUntilSettled();
        QCOMPARE(explorer.tableModel()->rowCount(), 0);
        QTRY_VERIFY(!explorer.emptyMessage().isEmpty());
        QVERIFY(explorer.emptyMessage().startsWith(QStringLiteral("No alerts match")));
        QVERIFY(explorer.emptyMessage().contains(QStringLiteral("host.name:no-such-host")));
        QVERIFY(explorer.emptyMessage().contains(QStringLiteral("last 24 hours")));
        QCOMPARE(explorer.detailPane()->alertId(), qint64(0));
        QVERIFY(explorer.detailPane()->document().isEmpty());
        // Results again: the message goes.
        state.clear();
        explorer.waitUntilSettled();
        QTRY_VERIFY(explorer.emptyMessage().isEmpty());
    }

    // The Triage column is on screen at 1600 px, right after the priority.
    void triageColumnIsVisibleByDefault()
    {
        QSettings().clear();
        MainWindow window;
        window.setDatabasePath(m_db);
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.explorer()->waitUntilSettled();
        QTableView *table = window.explorer()->tableView();
        QVERIFY(!table->isColumnHidden(AlertTableModel::TriageColumn));
        const QHeaderView *header = table->horizontalHeader();
        QCOMPARE(header->visualIndex(AlertTableModel::TriageColumn), header->visualIndex(AlertTableModel::PriorityColumn) + 1);
        const QRect cell = table->visualRect(table->model()->index(0, AlertTableModel::TriageColumn));
        QVERIFY2(table->viewport()->rect().contains(cell), qPrintable(QStringLiteral("%1 %2").arg(cell.right()).arg(table->viewport()->width())));
        QCOMPARE(table->model()->index(0, AlertTableModel::TriageColumn).data().toString(), QStringLiteral("New"));
    }

    // Every view is usable at 1024x700.
    void everyViewIsUsableAt1024x700()
    {
        QSettings().clear();
        MainWindow window;
        auto *dashboard = new DashboardView(window.filterState(), QString());
        window.addDashboard(dashboard);
        window.setDatabasePath(m_db);
        window.resize(1024, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ExplorerView *explorer = window.explorer();
        explorer->waitUntilSettled();
        // The explorer: the detail pane goes under the table, and the table shows time, priority, triage, rule and
        // host whole; host names are elided in the middle.
        QVERIFY(explorer->detailBelow());
        QTableView *table = explorer->tableView();
        const QHeaderView *header = table->horizontalHeader();
        for (int column : {AlertTableModel::TimeColumn, AlertTableModel::PriorityColumn, AlertTableModel::TriageColumn,
                           AlertTableModel::RuleColumn, AlertTableModel::HostColumn}) {
            const int left = header->sectionViewportPosition(column);
            QVERIFY2(left >= 0 && left + header->sectionSize(column) <= table->viewport()->width(),
                     qPrintable(QStringLiteral("column %1 at %2+%3 of %4").arg(column).arg(left).arg(header->sectionSize(column))
                                    .arg(table->viewport()->width())));
        }
        QVERIFY(qobject_cast<ElideMiddleDelegate *>(table->itemDelegateForColumn(AlertTableModel::HostColumn)));
        QVERIFY(table->height() > 200);
        QVERIFY(explorer->detailPane()->height() > 120);

        // The dashboard: two columns, every MITRE tactic in view, pie labels whole or left to the legend.
        window.showView(QStringLiteral("Dashboard"));
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard->isBusy() && dashboard->data().total == kCount, 20000);
        QVERIFY(dashboard->isNarrow());
        auto *matrix = dashboard->findChild<MitreMatrixWidget *>(QStringLiteral("mitreMatrix"));
        QVERIFY(matrix);
        auto *scroll = qobject_cast<QScrollArea *>(matrix->parentWidget()->parentWidget());
        QVERIFY(scroll);
        QVERIFY2(matrix->minimumSizeHint().width() <= scroll->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(matrix->minimumSizeHint().width()).arg(scroll->viewport()->width())));
        auto *pie = dashboard->findChild<DashboardPriorityChart *>(QStringLiteral("priorityPanel"));
        QVERIFY(pie);
        if (pie->labelsShown()) {
            const QFontMetrics fm(pie->chartView()->chart()->font());
            for (const QPieSlice *slice : pie->series()->slices()) {
                if (slice->isLabelVisible())
                    QVERIFY(fm.horizontalAdvance(slice->label()) < pie->chartView()->width() / 3);
            }
        }
        // Wide again: three panels a row, the detail beside the table.
        window.resize(1600, 1000);
        QTRY_VERIFY(!dashboard->isNarrow());
        window.showView(QStringLiteral("Explorer"));
        QTRY_VERIFY(!explorer->detailBelow());
    }

    // File > Open says "Open" (and still creates a store from a new name); the shortcut list is a
    // two-column table built from the actions; the sources pane starts shown, on the left.
    void smallThings()
    {
        QSettings().clear();
        MainWindow window;
        window.setDatabasePath(m_db);
        std::unique_ptr<QFileDialog> dialog(window.newOpenDatabaseDialog());
        QCOMPARE(dialog->acceptMode(), QFileDialog::AcceptOpen);
        QCOMPARE(dialog->fileMode(), QFileDialog::AnyFile);
        QCOMPARE(dialog->labelText(QFileDialog::Accept), QStringLiteral("&Open"));
        dialog->setOption(QFileDialog::DontUseNativeDialog);
        dialog->show();
        auto *box = dialog->findChild<QDialogButtonBox *>();
        QVERIFY(box);
        QPushButton *accept = box->button(QDialogButtonBox::Open);
        if (!accept)
            accept = box->button(QDialogButtonBox::Save);
        QVERIFY(accept);
        QCOMPARE(accept->text(), QStringLiteral("&Open"));
        dialog->hide();

        std::unique_ptr<QTreeWidget> list(window.newShortcutList(nullptr));
        QCOMPARE(list->columnCount(), 2);
        QHash<QString, QString> byAction;
        for (int i = 0; i < list->topLevelItemCount(); ++i) {
            const QTreeWidgetItem *item = list->topLevelItem(i);
            QVERIFY(!item->text(0).contains(u'\t') && !item->text(1).contains(u'\t'));
            byAction.insert(item->text(1), item->text(0));
        }
        QCOMPARE(byAction.value(QStringLiteral("Filter")), QStringLiteral("Ctrl+L or /"));
        QCOMPARE(byAction.value(QStringLiteral("Mark Acknowledged")), QStringLiteral("Alt+2"));
        QCOMPARE(byAction.value(QStringLiteral("Next alert")), QStringLiteral("J"));

        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *dock = window.findChild<QDockWidget *>(QStringLiteral("sourcesDock"));
        QVERIFY(dock);
        QVERIFY(dock->isVisible());
        QCOMPARE(window.dockWidgetArea(dock), Qt::LeftDockWidgetArea);
        QVERIFY(window.sourcesPane()->findChild<QLabel *>(QStringLiteral("sourcesHint"))->isVisible());
    }

    // The full-text index built in the background shows in the status bar while it runs, never at 100%, and goes
    // when the run ends or another store is opened.
    void textIndexProgress()
    {
        MainWindow window;
        window.setDatabasePath(m_db);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *label = window.findChild<QLabel *>(QStringLiteral("textIndexLabel"));
        QVERIFY(label);
        QVERIFY(!label->isVisible());
        window.setTextIndexProgress(0, 200000);
        QVERIFY(label->isVisible());
        QCOMPARE(label->text(), QStringLiteral("Indexing text for search: 0%"));
        window.setTextIndexProgress(84000, 200000);
        QCOMPARE(label->text(), QStringLiteral("Indexing text for search: 42%"));
        window.setTextIndexProgress(230000, 200000);   // alerts that arrived meanwhile
        QCOMPARE(label->text(), QStringLiteral("Indexing text for search: 99%"));
        window.setTextIndexProgress(0, 0);
        QVERIFY(!label->isVisible());
        window.setTextIndexProgress(10, 100);
        QVERIFY(label->isVisible());
        window.setDatabasePath(m_otherDb);
        QVERIFY(!label->isVisible());
        window.setDatabasePath(m_db);
    }

    void completion()
    {
        QueryLineEdit edit;
        edit.setFieldValues(QStringLiteral("host.name"), {QStringLiteral("host-1"), QStringLiteral("web server")});
        QVERIFY(edit.completionsFor(QStringLiteral("priority:cr")).contains(QStringLiteral("priority:critical")));
        QVERIFY(edit.completionsFor(QStringLiteral("a and host.name:")).contains(QStringLiteral("host.name:\"web server\"")));
        QVERIFY(edit.completionsFor(QStringLiteral("(rule")).contains(QStringLiteral("rule.name:")));
        QVERIFY(edit.completionsFor(QString()).isEmpty());

        // Enter while the popup offers completions applies what was typed; Down picks an offer first.
        edit.show();
        QVERIFY(QTest::qWaitForWindowActive(&edit));
        QSignalSpy entered(&edit, &QLineEdit::returnPressed);
        QTest::keyClicks(&edit, QStringLiteral("host.name:x or"));
        QTRY_VERIFY(edit.completer()->popup()->isVisible());
        QTest::keyClick(edit.completer()->popup(), Qt::Key_Return);
        QCOMPARE(edit.text(), QStringLiteral("host.name:x or"));
        QTRY_COMPARE(entered.count(), 1);
        QTest::keyClicks(&edit, QStringLiteral(" host.name:web"));
        QTRY_VERIFY(edit.completer()->popup()->isVisible());
        QTest::keyClick(edit.completer()->popup(), Qt::Key_Down);
        QTest::keyClick(edit.completer()->popup(), Qt::Key_Return);
        QCOMPARE(edit.text(), QStringLiteral("host.name:x or host.name:\"web server\""));
    }

    void facetsAndDetailFilterInAndOut()
    {
        FilterState state;
        ExplorerView explorer(&state);
        explorer.setDatabasePath(m_db);
        explorer.waitUntilSettled();
        QStandardItemModel *facets = explorer.facetPanel()->model();
        QVERIFY(facets->rowCount() > 0);
        QCOMPARE(facets->item(0)->text(), QStringLiteral("Priority"));
        QVERIFY(facets->item(0)->rowCount() >= 2);

        state.filterIn(QStringLiteral("host.name"), QStringLiteral("host-1"));
        state.filterOut(QStringLiteral("rule.name"), QStringLiteral("Terminal shell in container"));
        // Clicks become pills beside the (empty) query.
        QCOMPARE(state.query(), QString());
        QCOMPARE(state.pills().size(), 2);
        QCOMPARE(state.effectiveQuery(), QStringLiteral("host.name:host-1 and not rule.name:\"Terminal shell in container\""));
        explorer.waitUntilSettled();
        AlertStore reader;
        QVERIFY(reader.open(m_db, AlertStore::OpenMode::ReadOnly));
        QCOMPARE(qint64(explorer.tableModel()->rowCount()), reader.count({state.effectiveQuery()}));
        // Flipping a clause replaces it instead of contradicting it.
        state.filterIn(QStringLiteral("rule.name"), QStringLiteral("Terminal shell in container"));
        QCOMPARE(state.pills().size(), 2);
        QCOMPARE(state.effectiveQuery(), QStringLiteral("host.name:host-1 and rule.name:\"Terminal shell in container\""));
        explorer.waitUntilSettled();
        QVERIFY(explorer.tableModel()->rowCount() > 0);

        // The detail pane shows the document as a field tree and the ancestry as a chain; text stays plain.
        explorer.tableView()->selectRow(0);
        explorer.detailPane()->waitForIdle();
        const qint64 id = explorer.tableModel()->idAt(0);
        QVERIFY(id > 0);
        QCOMPARE(explorer.detailPane()->alertId(), id);
        QVERIFY2(explorer.detailPane()->fieldModel()->rowCount() >= 3, explorer.detailPane()->document().constData());
        QCOMPARE(explorer.detailPane()->ancestry(), (QStringList{QStringLiteral("bash -i"), QStringLiteral("sshd: root"),
                                                                 QStringLiteral("systemd")}));
    }

    void triageFromTheExplorerPersists()
    {
        FilterState state;
        ExplorerView explorer(&state);
        explorer.setDatabasePath(m_db);
        explorer.waitUntilSettled();
        explorer.tableView()->selectRow(0);
        explorer.tableView()->selectionModel()->select(explorer.tableModel()->index(1, 0),
                                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
        const qint64 a = explorer.tableModel()->idAt(0), b = explorer.tableModel()->idAt(1);
        explorer.setStatusOfSelection(TriageStatus::FalsePositive);
        AlertStore reader;
        QVERIFY(reader.open(m_db, AlertStore::OpenMode::ReadOnly));
        TriageStore triage(reader);
        QTRY_COMPARE_WITH_TIMEOUT(triage.status(a), TriageStatus::FalsePositive, 10000);
        QCOMPARE(triage.status(b), TriageStatus::FalsePositive);
        QTRY_COMPARE_WITH_TIMEOUT(explorer.tableModel()->data(explorer.tableModel()->index(0, AlertTableModel::TriageColumn)).toString(),
                                  QStringLiteral("False positive"), 10000);
        state.setQuery(QStringLiteral("triage.status:false_positive"));
        explorer.waitUntilSettled();
        QCOMPARE(explorer.tableModel()->rowCount(), 2);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
