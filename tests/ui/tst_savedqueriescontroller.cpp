// SPDX-License-Identifier: Apache-2.0
// Saved queries in the GUI: save the current query, range and pills, recall them from the menu and from the filter
// bar's completion, one list per store, import and export as JSON.
#include "model/alertstore.h"
#include "ui/filterbar.h"
#include "ui/filterstate.h"
#include "ui/querylineedit.h"
#include "ui/savedqueriescontroller.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFile>
#include <QMenu>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;

class TestSavedQueriesController : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_a, m_b;

    // The state an analyst would save: a query, an absolute range (a brushed one) and two pills.
    static void setUp(FilterState &state)
    {
        state.set(QStringLiteral("priority >= warning"), -1, 1715083200000, 1715086800000,
                  {FilterPill::match(QStringLiteral("host.name"), QStringLiteral("web-1")),
                   FilterPill::match(QStringLiteral("rule.name"), QStringLiteral("Terminal shell in container"), true)});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_a = m_dir.filePath(QStringLiteral("a.db"));
        m_b = m_dir.filePath(QStringLiteral("b.db"));
        for (const QString &path : {m_a, m_b}) {
            AlertStore store;
            QVERIFY(store.open(path));
        }
    }

    // Saved in one store, back after a restart, not in another store; recalled whole.
    void saveRecallPerStore()
    {
        FilterState state;
        {
            SavedQueriesController controller(&state);
            controller.setDatabasePath(m_a);
            setUp(state);
            QVERIFY(controller.saveCurrent(QStringLiteral("Web shells")));
            QVERIFY(!controller.saveCurrent(QStringLiteral("  ")));
            controller.waitForWrites();
        }
        state.clear();
        SavedQueriesController controller(&state);
        controller.setDatabasePath(m_b);
        QVERIFY(controller.names().isEmpty());
        controller.setDatabasePath(m_a);
        QCOMPARE(controller.names(), QStringList{QStringLiteral("Web shells")});
        QSignalSpy changed(&state, &FilterState::changed);
        QVERIFY(controller.recall(QStringLiteral("web SHELLS")));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(state.query(), QStringLiteral("priority >= warning"));
        QVERIFY(!state.isRelative());
        QCOMPARE(state.absoluteFromMs(), qint64(1715083200000));
        QCOMPARE(state.absoluteToMs(), qint64(1715086800000));
        QCOMPARE(state.pills().size(), 2);
        QVERIFY(state.pills().at(1).exclude);
        QVERIFY(!controller.recall(QStringLiteral("nothing")));
        QVERIFY(controller.remove(QStringLiteral("Web shells")));
        controller.waitForWrites();
        SavedQueriesController again(&state);
        again.setDatabasePath(m_a);
        QVERIFY(again.names().isEmpty());
    }

    // The filter bar's completion offers the saved queries whose name starts with what was typed; choosing one
    // recalls it.
    void recallFromTheFilterBarCompletion()
    {
        FilterState state;
        SavedQueriesController controller(&state);
        controller.setDatabasePath(m_b);
        setUp(state);
        QVERIFY(controller.saveCurrent(QStringLiteral("Shells on web")));
        state.clear();
        FilterBar bar(&state);
        bar.setSavedQueries(&controller);
        bar.show();
        QueryLineEdit *edit = bar.queryEdit();
        QCOMPARE(edit->savedQueriesFor(QStringLiteral("shells o")), QStringList{QStringLiteral("Shells on web")});
        QVERIFY(edit->savedQueriesFor(QStringLiteral("web")).isEmpty());
        edit->setFocus();
        QTest::keyClicks(edit, QStringLiteral("Shel"));
        auto *model = qobject_cast<QStandardItemModel *>(edit->completer()->model());
        QVERIFY(model);
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(model->item(0)->text().contains(QStringLiteral("Shells on web")));
        Q_EMIT edit->completer()->activated(model->index(0, 0));
        QCOMPARE(state.query(), QStringLiteral("priority >= warning"));
        QCOMPARE(state.pills().size(), 2);
        QCOMPARE(edit->text(), QStringLiteral("priority >= warning"));
        controller.remove(QStringLiteral("Shells on web"));
        controller.waitForWrites();
    }

    // The menu lists them (choose one to recall), and export then import gives the same list; a bad file says where.
    void menuImportExport()
    {
        FilterState state;
        SavedQueriesController controller(&state);
        controller.setDatabasePath(m_b);
        setUp(state);
        controller.saveCurrent(QStringLiteral("One"));
        state.setQuery(QStringLiteral("rule.name:x"));
        controller.saveCurrent(QStringLiteral("Two"));
        QMenu menu;
        controller.fillMenu(&menu, nullptr);
        QStringList recallable;
        QAction *one = nullptr;
        for (QAction *a : menu.actions()) {
            if (a->objectName() == u"savedQuery") {
                recallable << a->text();
                if (a->text() == u"One")
                    one = a;
            }
        }
        QCOMPARE(recallable, (QStringList{QStringLiteral("One"), QStringLiteral("Two")}));
        one->trigger();
        QCOMPARE(state.query(), QStringLiteral("priority >= warning"));

        const QString file = m_dir.filePath(QStringLiteral("queries.json"));
        QString error;
        QVERIFY2(controller.exportFile(file, &error), qPrintable(error));
        SavedQueriesController other(&state);
        other.setDatabasePath(m_a);
        QVERIFY2(other.importFile(file, &error), qPrintable(error));
        QCOMPARE(other.names(), (QStringList{QStringLiteral("One"), QStringLiteral("Two")}));
        QVERIFY(other.list().queries() == controller.list().queries());

        QFile broken(m_dir.filePath(QStringLiteral("broken.json")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\n \"format\": \"falco-explorer-saved-queries\",\n \"version\": 1,\n \"queries\": [ {\"name\": } ]\n}");
        broken.close();
        QVERIFY(!other.importFile(broken.fileName(), &error));
        QVERIFY2(error.contains(QStringLiteral("broken.json: line 4, column")), qPrintable(error));
        QCOMPARE(other.names().size(), 2);   // unchanged
        other.remove(QStringLiteral("One"));
        other.remove(QStringLiteral("Two"));
        controller.remove(QStringLiteral("One"));
        controller.remove(QStringLiteral("Two"));
        other.waitForWrites();
        controller.waitForWrites();
    }
};

QTEST_MAIN(TestSavedQueriesController)
#include "tst_savedqueriescontroller.moc"
