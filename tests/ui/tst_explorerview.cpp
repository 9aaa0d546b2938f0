// SPDX-License-Identifier: Apache-2.0
// ExplorerView's alert table over a store larger than the model's window (AlertTableModel::windowRows()): the
// snapshot-wide scroll bar, Home/End and the keyboard reach every alert, the window moving under the table.
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "ui/explorerview.h"
#include "ui/filterstate.h"

#include "support/testalerts.h"

#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;

namespace {

constexpr int kCount = 600;

// Ids 1..kCount, one a minute, the newest last: newest first, snapshot row r is the alert with id kCount - r.
AlertBatch makeAlerts()
{
    AlertBatch batch;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < kCount; ++i) {
        Alert a = test::makeAlert(now - (kCount - i) * 60000LL, Priority::Warning, QStringLiteral("Rule %1").arg(i % 3),
                                  QStringLiteral("host-%1").arg(i % 2), QStringLiteral("alert %1").arg(i + 1),
                                  "w:" + QByteArray::number(i));
        a.processName = QStringLiteral("sh");
        batch.append(a);
    }
    return batch;
}

qint64 idOfSnapshotRow(qint64 row)
{
    return kCount - row;
}

// The snapshot row at the top of the table.
qint64 topRow(ExplorerView &view)
{
    return view.tableModel()->windowStart() + view.tableView()->rowAt(0);
}

} // namespace

class TestExplorerView : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath(QStringLiteral("alerts.db")); }

    // An explorer on the store with a window of `window` rows, shown and settled.
    void open(ExplorerView &view, int window)
    {
        AlertTableModel *model = view.tableModel();
        model->setPageSize(20);
        model->setAnchorStride(16);
        model->setWindowRows(window);
        view.setDatabasePath(path());
        view.resize(1000, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.waitUntilSettled();
        QCOMPARE(model->snapshotRows(), qint64(kCount));
        QCOMPARE(model->rowCount(), std::min(window, kCount));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QCOMPARE(test::storeAlerts(path(), makeAlerts(), &error), qint64(kCount));
    }

    // The scroll bar spans the snapshot whatever the window; dragging it anywhere shows that row at the top.
    void scrollBarSpansTheSnapshot_data()
    {
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("target");
        QTest::newRow("window holds everything, middle") << 5000 << 300;
        QTest::newRow("small window, middle") << 100 << 300;
        QTest::newRow("small window, near the start") << 100 << 7;
        QTest::newRow("small window, the end") << 100 << -1;
        QTest::newRow("window of half the rows, the end") << 300 << -1;
    }

    void scrollBarSpansTheSnapshot()
    {
        QFETCH(int, window);
        QFETCH(int, target);
        FilterState state;
        state.setRelativeRange(0);
        ExplorerView view(&state);
        open(view, window);
        QScrollBar *bar = view.rowScrollBar();
        QTableView *table = view.tableView();
        QVERIFY(bar->isVisible());
        QVERIFY(!table->verticalScrollBar()->isVisible());
        const int visible = table->verticalScrollBar()->pageStep();
        QVERIFY(visible > 5);
        // The bar's range is the snapshot's: the last value shows the last rows.
        QCOMPARE(bar->maximum(), kCount - (table->model()->rowCount() - table->verticalScrollBar()->maximum()));
        const int value = target < 0 ? bar->maximum() : target;
        bar->setValue(value);
        view.waitUntilSettled();
        // (At the bottom QTableView aligns the last row with the bottom edge: the top row may be cut, one earlier.)
        QVERIFY2(topRow(view) == value || (target < 0 && topRow(view) == value - 1), qPrintable(QString::number(topRow(view))));
        QCOMPARE(bar->value(), value);
        AlertTableModel *model = view.tableModel();
        QTRY_COMPARE(model->idAt(table->rowAt(0)), idOfSnapshotRow(topRow(view)));
        if (target < 0) {   // the oldest alert is the table's last row, on screen
            const int last = model->rowCount() - 1;
            QCOMPARE(model->windowStart() + last, qint64(kCount - 1));
            QTRY_COMPARE(model->idAt(last), qint64(1));
            QVERIFY(table->visualRect(model->index(last, 0)).bottom() <= table->viewport()->height());
        }
        // Scrolling the table itself (here: its hidden scroll bar, as the wheel does) moves the snapshot-wide bar.
        table->verticalScrollBar()->setValue(table->verticalScrollBar()->value() - 3);
        QCoreApplication::processEvents();
        QCOMPARE(bar->value(), int(topRow(view)));
    }

    // The keyboard walks across the window's edge: the window moves, the current row stays on its alert.
    void keyboardCrossesTheWindow()
    {
        FilterState state;
        state.setRelativeRange(0);
        ExplorerView view(&state);
        open(view, 100);
        AlertTableModel *model = view.tableModel();
        QTableView *table = view.tableView();
        table->setFocus();
        table->setCurrentIndex(model->index(0, AlertTableModel::RuleColumn));
        for (int i = 0; i < 150; ++i) {
            QTest::keyClick(table, Qt::Key_Down);
            QCoreApplication::processEvents();   // the window moves after the key press
        }
        view.waitUntilSettled();
        QVERIFY(model->windowStart() > 0);
        QCOMPARE(model->windowStart() + table->currentIndex().row(), qint64(150));
        QCOMPARE(table->currentIndex().column(), int(AlertTableModel::RuleColumn));
        QTRY_COMPARE(model->idAt(table->currentIndex().row()), idOfSnapshotRow(150));
        QCOMPARE(view.rowScrollBar()->value(), int(topRow(view)));

        // End: the oldest alert, Home: the newest, however far.
        QTest::keyClick(table, Qt::Key_End);
        view.waitUntilSettled();
        QCOMPARE(model->windowStart() + table->currentIndex().row(), qint64(kCount - 1));
        QTRY_COMPARE(model->idAt(table->currentIndex().row()), qint64(1));
        QCOMPARE(view.rowScrollBar()->value(), view.rowScrollBar()->maximum());
        QTest::keyClick(table, Qt::Key_Home);
        view.waitUntilSettled();
        QCOMPARE(model->windowStart(), qint64(0));
        QCOMPARE(table->currentIndex().row(), 0);
        QTRY_COMPARE(model->idAt(0), qint64(kCount));
        QCOMPARE(view.rowScrollBar()->value(), 0);

        // Walking up from the end crosses the window's other edge.
        QTest::keyClick(table, Qt::Key_End);
        for (int i = 0; i < 120; ++i) {
            QTest::keyClick(table, Qt::Key_Up);
            QCoreApplication::processEvents();
        }
        view.waitUntilSettled();
        QCOMPARE(model->windowStart() + table->currentIndex().row(), qint64(kCount - 1 - 120));
        QVERIFY(model->windowStart() < kCount - 100);
        QTRY_COMPARE(model->idAt(table->currentIndex().row()), idOfSnapshotRow(kCount - 1 - 120));
    }

    // A new filter starts at the top of its own snapshot; the bar spans it, and hides when there is nothing to scroll.
    void filterChangeStartsAtTheTop()
    {
        FilterState state;
        state.setRelativeRange(0);
        ExplorerView view(&state);
        open(view, 100);
        AlertTableModel *model = view.tableModel();
        QScrollBar *bar = view.rowScrollBar();
        bar->setValue(bar->maximum());
        view.waitUntilSettled();
        QVERIFY(model->windowStart() > 0);

        state.setQuery(QStringLiteral("host.name:host-1"));   // every other alert: 300
        view.waitUntilSettled();
        QCOMPARE(model->snapshotRows(), qint64(kCount / 2));
        QCOMPARE(model->windowStart(), qint64(0));
        QCOMPARE(view.tableView()->rowAt(0), 0);
        QCOMPARE(bar->value(), 0);
        QCOMPARE(bar->maximum(), kCount / 2 - (model->rowCount() - view.tableView()->verticalScrollBar()->maximum()));
        QVERIFY(bar->isVisible());
        QTRY_COMPARE(model->idAt(0), qint64(kCount));   // the newest alert (index 599: host-1)

        state.setQuery(QStringLiteral("host.name:nowhere"));
        view.waitUntilSettled();
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(bar->maximum(), 0);
        QVERIFY(!bar->isVisible());
    }

    // A selection stays on its alerts when the window moves by less than its size.
    void selectionFollowsTheWindow()
    {
        FilterState state;
        state.setRelativeRange(0);
        ExplorerView view(&state);
        open(view, 100);
        AlertTableModel *model = view.tableModel();
        QTableView *table = view.tableView();
        view.scrollToSnapshotRow(60);
        view.waitUntilSettled();
        const qint64 start = model->windowStart();
        const int row = int(70 - start);
        table->selectRow(row);
        QTRY_COMPARE(model->idAt(row), idOfSnapshotRow(70));
        view.scrollToSnapshotRow(90);   // near the window's end: it moves
        view.waitUntilSettled();
        QVERIFY(model->windowStart() != start);
        const QModelIndexList selected = table->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(model->windowStart() + selected.first().row(), qint64(70));
        QTRY_COMPARE(model->idAt(selected.first().row()), idOfSnapshotRow(70));
    }
};

QTEST_MAIN(TestExplorerView)
#include "tst_explorerview.moc"
