// SPDX-License-Identifier: Apache-2.0
// The GUI's live sources: a file watched from the sources pane is tailed into the window's database, stops
// and restarts from its checkpoint (nothing lost, nothing stored twice).
#include "app/livesources.h"
#include "ingest/demogenerator.h"
#include "model/alertstore.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QCoreApplication>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace fe;

namespace {

qint64 storedCount(const QString &db)
{
    AlertStore store;
    if (!store.open(db, AlertStore::OpenMode::ReadOnly))
        return -1;
    return store.count();
}

void appendAlerts(const QString &path, DemoGenerator &gen, int n)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    for (int i = 0; i < n; ++i)
        f.write(gen.next() + '\n');
}

} // namespace

class TestLiveSources : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_livesources"));
        QSettings().clear();
    }

    void watchedFileIsTailedStoppedAndResumed()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("live.db"));
        const QString log = dir.filePath(QStringLiteral("falco.log"));
        {
            AlertStore store;
            QVERIFY(store.open(db));
        }
        DemoOptions options;
        options.count = 100;
        options.seed = 7;
        options.endMs = 1'700'000'000'000;
        DemoGenerator gen(options);
        appendAlerts(log, gen, 30);

        MainWindow window;
        window.setDatabasePath(db);
        LiveSources live(&window);
        QSignalSpy stored(&live, &LiveSources::alertsStored);

        // What the pane emits after the file dialog.
        Q_EMIT window.sourcesPane()->watchFilesRequested({log});
        const QString id = QStringLiteral("file:") + QFileInfo(log).absoluteFilePath();
        QVERIFY(window.sourcesPane()->sourceIds().contains(id));
        QVERIFY(window.sourcesPane()->isRunning(id));
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(db), qint64(30), 20000);

        appendAlerts(log, gen, 10);   // appended while watched
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(db), qint64(40), 20000);
        QTRY_VERIFY(stored.count() > 0);

        Q_EMIT window.sourcesPane()->stopRequested(id);
        QVERIFY(!window.sourcesPane()->isRunning(id));
        appendAlerts(log, gen, 5);    // written while stopped: read after the restart, from the checkpoint
        QCOMPARE(storedCount(db), qint64(40));

        Q_EMIT window.sourcesPane()->startRequested(id);
        QVERIFY(window.sourcesPane()->isRunning(id));
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(db), qint64(45), 20000);
        QTest::qWait(500);            // a duplicate read would show up as more rows or duplicates
        QCOMPARE(storedCount(db), qint64(45));
        live.stopAll();
        QVERIFY(!window.sourcesPane()->isRunning(id));
    }
};

QTEST_MAIN(TestLiveSources)
#include "tst_livesources.moc"
