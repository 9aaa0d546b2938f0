// SPDX-License-Identifier: Apache-2.0
// The GUI's live sources: a file watched from the sources pane is tailed into the window's database, stops
// and restarts from its checkpoint (nothing lost, nothing stored twice); a listener started with the dialog's
// options receives syslog; the sources of a database come back after a restart of the window and follow
// database switches.
#include "app/livesources.h"
#include "ingest/ecs/demogenerator.h"
#include "model/alertstore.h"
#include "ui/listeneroptions.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QCoreApplication>
#include <QFile>
#include <QSettings>
#include <QTcpSocket>
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

void sendSyslog(quint16 port, DemoGenerator &gen, int n)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(socket.waitForConnected(5000));
    for (int i = 0; i < n; ++i)
        socket.write("<5>2024-08-07T13:49:16Z host Falco[1]: " + gen.next() + '\n');
    while (socket.bytesToWrite() > 0)
        QVERIFY(socket.waitForBytesWritten(5000));   // all of it: one wait returns after the first chunk
    socket.disconnectFromHost();
}

DemoGenerator demoGenerator(quint64 seed)
{
    DemoOptions options;
    options.count = 1000;
    options.seed = seed;
    options.endMs = 1'700'000'000'000;
    return DemoGenerator(options);
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

    void listenerFromTheDialogIsRestoredWithTheWindow()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("tcp.db"));
        DemoGenerator gen = demoGenerator(11);
        ListenerOptions options;
        options.tcpPort = 0;              // any free port
        options.maxConnections = 50;

        MainWindow window;
        window.setDatabasePath(db);
        QString id;
        {
            LiveSources live(&window);
            live.restore();               // nothing saved for this database yet
            QVERIFY(window.sourcesPane()->sourceIds().isEmpty());
            Q_EMIT window.sourcesPane()->listenerRequested(options);   // what the pane emits after the dialog
            QCOMPARE(window.sourcesPane()->sourceIds().size(), 1);
            id = window.sourcesPane()->sourceIds().first();
            QCOMPARE(id, QStringLiteral("tcp:127.0.0.1:0"));
            QVERIFY(window.sourcesPane()->isRunning(id));
            const quint16 port = live.listenerPort(id);
            QVERIFY(port != 0);
            sendSyslog(port, gen, 25);
            QTRY_COMPARE_WITH_TIMEOUT(storedCount(db), qint64(25), 20000);
        }   // the window closes: the listener stops, the saved list keeps it running
        QVERIFY(!window.sourcesPane()->isRunning(id));

        LiveSources live(&window);
        live.restore();
        QCOMPARE(window.sourcesPane()->sourceIds(), QStringList{id});
        QVERIFY(window.sourcesPane()->isRunning(id));
        sendSyslog(live.listenerPort(id), gen, 5);
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(db), qint64(30), 20000);

        // Removed: gone from the pane and from what the next window restores.
        Q_EMIT window.sourcesPane()->removeRequested(id);
        QVERIFY(window.sourcesPane()->sourceIds().isEmpty());
        QCOMPARE(live.listenerPort(id), quint16(0));
        LiveSources again(&window);
        again.restore();
        QVERIFY(window.sourcesPane()->sourceIds().isEmpty());
    }

    void sourcesFollowTheDatabase()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString dbA = dir.filePath(QStringLiteral("a.db"));
        const QString dbB = dir.filePath(QStringLiteral("b.db"));
        const QString log = dir.filePath(QStringLiteral("a.log"));
        DemoGenerator gen = demoGenerator(12);
        appendAlerts(log, gen, 20);

        MainWindow window;
        window.setDatabasePath(dbA);
        LiveSources live(&window);
        live.restore();
        Q_EMIT window.sourcesPane()->watchFilesRequested({log});
        const QString id = QStringLiteral("file:") + QFileInfo(log).absoluteFilePath();
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(dbA), qint64(20), 20000);

        // Another database: a's file stops (everything read is in a), b has no sources.
        window.setDatabasePath(dbB);
        QVERIFY(window.sourcesPane()->sourceIds().isEmpty());
        appendAlerts(log, gen, 7);
        QTest::qWait(300);
        QCOMPARE(storedCount(dbA), qint64(20));
        QVERIFY(storedCount(dbB) <= 0);   // never written (-1: no file) or empty

        // Back to a: the watched file is running again and resumes from its checkpoint.
        window.setDatabasePath(dbA);
        QCOMPARE(window.sourcesPane()->sourceIds(), QStringList{id});
        QVERIFY(window.sourcesPane()->isRunning(id));
        QTRY_COMPARE_WITH_TIMEOUT(storedCount(dbA), qint64(27), 20000);

        // Stopped by the analyst: stays stopped after a switch and back.
        Q_EMIT window.sourcesPane()->stopRequested(id);
        window.setDatabasePath(dbB);
        window.setDatabasePath(dbA);
        QCOMPARE(window.sourcesPane()->sourceIds(), QStringList{id});
        QVERIFY(!window.sourcesPane()->isRunning(id));
        QCOMPARE(storedCount(dbA), qint64(27));
    }
};

QTEST_MAIN(TestLiveSources)
#include "tst_livesources.moc"
