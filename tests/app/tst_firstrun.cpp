// SPDX-License-Identifier: Apache-2.0
// The first run of the desktop app, from an empty store to the first alert, with the real parts: the main window,
// the live sources (a real syslog listener on 127.0.0.1), the settings the welcome view shows run as Falco's
// program_output would run them (logger over TCP, openssl s_client over TLS), demo data into a real store, and the
// binary itself (an empty store opens the welcome view and stays empty; --demo fills it). Every empty panel says
// what to do next, and stops saying it once there is something to show.
#include "app/firstrun.h"
#include "app/livesources.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "ui/dashboardview.h"
#include "ui/emptystatehint.h"
#include "ui/explorerview.h"
#include "ui/falcosetupsnippets.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"
#include "ui/welcomeview.h"

#include "testpaths.h"

#include <QAction>
#include <QFile>
#include <QMenuBar>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace fe;

namespace {

qint64 storedCount(const QString &db)
{
    AlertStore store;
    if (!store.open(db, AlertStore::OpenMode::ReadOnly))
        return -1;
    return store.count();
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QByteArray firstAlertLine()
{
    QFile f(QStringLiteral(FE_TEST_DATA_DIR "/cli/alerts.jsonl"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readLine().trimmed();
}

// The program_output line of the falco.yaml snippet: what Falco runs for each alert.
QString programOf(const QString &falcoYaml)
{
    static const QRegularExpression program(QStringLiteral("\\n  program: \"([^\"]+)\"\\n"));
    return program.match(falcoYaml).captured(1);
}

// Runs command as Falco's program_output does (a shell, one alert on stdin); true when it exited 0.
bool runAsFalco(const QString &command, const QByteArray &alert, QString *output)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
    if (!p.waitForStarted(5000))
        return false;
    p.write(alert + '\n');
    p.closeWriteChannel();
    const bool finished = p.waitForFinished(20000);
    *output = QString::fromLocal8Bit(p.readAll());
    return finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool run(const QString &program, const QStringList &args, QString *output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    const bool ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    return ok;
}

EmptyStateHint *hintOn(QWidget *host)
{
    return host->findChild<EmptyStateHint *>(QString(), Qt::FindDirectChildrenOnly);
}

// The desktop app's window as app/guimain.cpp assembles it, on a store of its own.
struct App
{
    explicit App(const QString &db)
    {
        {
            AlertStore store;   // created before the window, as the app does
            QVERIFY(store.open(db));
        }
        window.setDatabasePath(db);
        dashboard = new DashboardView(window.filterState(), db);
        window.addDashboard(dashboard);
        live = std::make_unique<LiveSources>(&window);
        firstRun = std::make_unique<FirstRun>(&window, live.get());
        window.resize(1600, 1000);
        window.show();
    }
    ~App()
    {
        firstRun.reset();
        live.reset();   // stops the listeners, storing what they received
    }
    WelcomeView *welcome() const { return firstRun->welcomeView(); }

    MainWindow window;
    DashboardView *dashboard = nullptr;
    std::unique_ptr<LiveSources> live;
    std::unique_ptr<FirstRun> firstRun;
};

} // namespace

class TestFirstRun : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_firstrun"));
        QSettings().clear();
    }

    void cleanup()
    {
        QSettings().clear();   // listeners are remembered per store: each test starts with none
    }

    void emptyStoreShowsTheWelcomeAndEveryPanelSaysWhatToDo()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("alerts.db"));
        App app(db);
        app.firstRun->showWelcome();
        QVERIFY(app.welcome());
        QCOMPARE(app.window.tabs()->currentWidget(), app.welcome());

        // Help › Getting started brings the page back after it was closed.
        QAction *gettingStarted = app.window.menuBar()->findChild<QAction *>(QStringLiteral("gettingStarted"));
        QVERIFY(gettingStarted);
        QTest::mouseClick(app.welcome()->findChild<QPushButton *>(QStringLiteral("closeWelcome")), Qt::LeftButton);
        QTRY_VERIFY(!app.welcome());
        QCOMPARE(app.window.tabs()->currentWidget(), app.window.explorer());
        gettingStarted->trigger();
        QVERIFY(app.welcome());
        QCOMPARE(app.window.tabs()->currentWidget(), app.welcome());

        // The alert table, once its (empty) query ran, says how alerts get in.
        app.window.showView(QStringLiteral("Explorer"));
        app.window.explorer()->waitUntilSettled();
        EmptyStateHint *table = hintOn(app.window.explorer()->tableView()->viewport());
        QVERIFY(table);
        QTRY_VERIFY(table->isVisible());
        QVERIFY2(table->text().contains(QStringLiteral("No alerts in this store yet")), qPrintable(table->text()));
        QVERIFY(table->text().contains(QStringLiteral("Import")));
        QVERIFY(table->testAttribute(Qt::WA_TransparentForMouseEvents));
        QCOMPARE(table->geometry(), app.window.explorer()->tableView()->viewport()->rect());

        // A filter that matches nothing says so, and how to widen it.
        app.window.filterState()->setQuery(QStringLiteral("rule.name:\"no such rule\""));
        QTRY_VERIFY(table->isVisible() && table->text().contains(QStringLiteral("No alert matches the filter")));
        QVERIFY(table->text().contains(QStringLiteral("Ctrl+Shift+Backspace")));
        app.window.filterState()->clear();

        // Every dashboard panel that has nothing to show says so (the MITRE matrix paints its own message).
        app.window.showView(QStringLiteral("Dashboard"));
        QTRY_VERIFY(!app.dashboard->isBusy());
        const QList<EmptyStateHint *> dashboardHints = app.dashboard->findChildren<EmptyStateHint *>();
        QVERIFY2(dashboardHints.size() >= 8, qPrintable(QString::number(dashboardHints.size())));
        for (EmptyStateHint *hint : dashboardHints)
            QTRY_VERIFY2(hint->isVisible() && hint->text().contains(QStringLiteral("No alerts yet")), qPrintable(hint->text()));

        // The sources pane too.
        const QList<EmptyStateHint *> sourceHints = app.window.sourcesPane()->findChildren<EmptyStateHint *>();
        QCOMPARE(sourceHints.size(), 1);
        QVERIFY(sourceHints.first()->text().contains(QStringLiteral("Listen for syslog")));
    }

    void demoDataFromTheWelcome()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("alerts.db"));
        App app(db);
        app.firstRun->showWelcome();
        QSignalSpy done(app.firstRun.get(), &FirstRun::demoFinished);
        QTest::mouseClick(app.welcome()->findChild<QPushButton *>(QStringLiteral("loadDemo")), Qt::LeftButton);
        QVERIFY(app.firstRun->isDemoRunning());
        QVERIFY(done.wait(120000));
        QCOMPARE(done.at(0).at(0).toLongLong(), qint64(5000));
        QVERIFY(!app.firstRun->isDemoRunning());
        QCOMPARE(storedCount(db), qint64(5000));
        QCOMPARE(app.window.tabs()->currentWidget(), app.window.explorer());   // the analyst asked to see alerts

        app.window.explorer()->waitUntilSettled();
        QTRY_COMPARE(app.window.explorer()->tableModel()->rowCount() > 0, true);
        EmptyStateHint *table = hintOn(app.window.explorer()->tableView()->viewport());
        QTRY_VERIFY(!table->isVisible());
        app.window.showView(QStringLiteral("Dashboard"));
        QTRY_VERIFY_WITH_TIMEOUT(app.dashboard->data().total == 5000 && !app.dashboard->isBusy(), 30000);
        const QList<EmptyStateHint *> dashboardHints = app.dashboard->findChildren<EmptyStateHint *>();
        for (EmptyStateHint *hint : dashboardHints)
            QTRY_VERIFY2(!hint->isVisible() || !hint->text().contains(QStringLiteral("No alerts yet")), qPrintable(hint->text()));
    }

    void importFromTheWelcomeGoesToTheWindowsImport()
    {
        QTemporaryDir dir;
        App app(dir.filePath(QStringLiteral("alerts.db")));
        app.firstRun->showWelcome();
        const QStringList files{QStringLiteral(FE_TEST_DATA_DIR "/cli/alerts.jsonl")};
        app.welcome()->setFileChooser([&](QWidget *, bool) { return files; });
        QSignalSpy imports(&app.window, &MainWindow::importRequested);
        QTest::mouseClick(app.welcome()->findChild<QPushButton *>(QStringLiteral("openFiles")), Qt::LeftButton);
        QCOMPARE(imports.size(), 1);
        QCOMPARE(imports.at(0).at(0).toStringList(), files);
        QCOMPARE(app.window.tabs()->currentWidget(), app.window.explorer());
    }

    // The whole path a user takes: start the listener on the welcome page, paste the falco.yaml settings shown
    // (here: run its program_output command as Falco would, with one alert on stdin), see the light turn green.
    void firstAlertThroughTheSettingsShown_data()
    {
        QTest::addColumn<bool>("tls");
        QTest::newRow("plain TCP: logger") << false;
        QTest::newRow("TLS: openssl s_client") << true;
    }

    void firstAlertThroughTheSettingsShown()
    {
        QFETCH(bool, tls);
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("alerts.db"));
        App app(db);
        app.firstRun->showWelcome();
        WelcomeView *welcome = app.welcome();

        ListenerOptions options = welcome->listenerOptions();
        options.tcpPort = freePort();
        QVERIFY(options.tcpPort > 0);
        QString caFile;
        if (tls) {
            QFile ext(dir.filePath(QStringLiteral("san.ext")));
            QVERIFY(ext.open(QIODevice::WriteOnly));
            ext.write("subjectAltName=IP:127.0.0.1\n");
            ext.close();
            caFile = dir.filePath(QStringLiteral("server.pem"));
            QString out;
            QVERIFY2(run(QStringLiteral("openssl"),
                         {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                          QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                          QStringLiteral("/CN=falco-explorer test"), QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                          QStringLiteral("-keyout"), dir.filePath(QStringLiteral("server.key")), QStringLiteral("-out"), caFile},
                         &out),
                     qPrintable(out));
            options.tlsCertificate = caFile;
            options.tlsKey = dir.filePath(QStringLiteral("server.key"));
        }
        welcome->setListenerOptions(options);
        QCOMPARE(welcome->findChild<QSpinBox *>(QStringLiteral("listenPort"))->value(), options.tcpPort);

        QTest::mouseClick(welcome->findChild<QPushButton *>(QStringLiteral("startListening")), Qt::LeftButton);
        QCOMPARE(welcome->listenerState(), WelcomeView::ListenerState::Waiting);
        QVERIFY(welcome->indicatorText().contains(QStringLiteral("waiting for the first alert")));
        QCOMPARE(app.window.sourcesPane()->sourceIds().size(), 1);
        QVERIFY(app.window.sourcesPane()->isRunning(app.window.sourcesPane()->sourceIds().first()));

        QString program = programOf(welcome->falcoSnippet());
        QVERIFY2(!program.isEmpty(), qPrintable(welcome->falcoSnippet()));
        QVERIFY(program.contains(QString::number(options.tcpPort)));
        if (tls) {
            QVERIFY(program.startsWith(QStringLiteral("openssl s_client")));
            program.replace(FalcoSetupSnippets::caFile(), caFile);   // where this test keeps the listener's certificate
        } else {
            QVERIFY(program.startsWith(QStringLiteral("logger ")));
        }
        QString output;
        QVERIFY2(runAsFalco(program, firstAlertLine(), &output), qPrintable(program + QStringLiteral("\n") + output));

        QTRY_COMPARE_WITH_TIMEOUT(welcome->listenerState(), WelcomeView::ListenerState::Receiving, 20000);
        QVERIFY(welcome->indicatorText().contains(QStringLiteral("the first one is stored")));

        // Closed and opened again (Help › Getting started), the page shows the running listener, still green.
        QTest::mouseClick(welcome->findChild<QPushButton *>(QStringLiteral("closeWelcome")), Qt::LeftButton);
        QVERIFY(!app.welcome());
        app.firstRun->showWelcome();
        QVERIFY(app.welcome() && app.welcome() != welcome);
        QCOMPARE(app.welcome()->listenerState(), WelcomeView::ListenerState::Receiving);
        QVERIFY2(app.welcome()->indicatorText().contains(QString::number(options.tcpPort)), qPrintable(app.welcome()->indicatorText()));
        QCOMPARE(app.welcome()->listenerOptions(), options);
        app.live.reset();   // stop the listener: everything received is stored
        QCOMPARE(storedCount(db), qint64(1));
    }

    void aListenerThatCannotStartSaysWhy()
    {
        QTemporaryDir dir;
        App app(dir.filePath(QStringLiteral("alerts.db")));
        app.firstRun->showWelcome();
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress(QStringLiteral("127.0.0.1")), 0));
        ListenerOptions options = app.welcome()->listenerOptions();
        options.tcpPort = taken.serverPort();
        app.welcome()->setListenerOptions(options);
        QTest::mouseClick(app.welcome()->findChild<QPushButton *>(QStringLiteral("startListening")), Qt::LeftButton);
        QCOMPARE(app.welcome()->listenerState(), WelcomeView::ListenerState::Failed);
        QVERIFY2(app.welcome()->indicatorText().contains(QString::number(options.tcpPort)), qPrintable(app.welcome()->indicatorText()));
        QVERIFY(app.window.sourcesPane()->sourceIds().isEmpty());   // no dead listener left behind
        QVERIFY(app.welcome()->findChild<QPushButton *>(QStringLiteral("startListening"))->isEnabled());
    }

    // The binary: an empty store opens the welcome view and stays empty; --demo (./installer/run.sh) fills it.
    void binaryEmptyStoreAndDemoFlag()
    {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty.db"));
        const QString demo = dir.filePath(QStringLiteral("demo.db"));
        QString out;
        QVERIFY2(run(QStringLiteral(FE_EXPLORER_BIN),
                     {QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("--db"), empty,
                      QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("welcome.png")), QStringLiteral("--size"),
                      QStringLiteral("1024x700")},
                     &out),
                 qPrintable(out));
        QCOMPARE(storedCount(empty), qint64(0));
        QImage welcome(dir.filePath(QStringLiteral("welcome.png")));
        QCOMPARE(welcome.size(), QSize(1024, 700));

        QVERIFY2(run(QStringLiteral(FE_EXPLORER_BIN),
                     {QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("--db"), demo, QStringLiteral("--demo"),
                      QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("demo.png"))},
                     &out),
                 qPrintable(out));
        QCOMPARE(storedCount(demo), qint64(5000));
        QVERIFY(!QImage(dir.filePath(QStringLiteral("demo.png"))).isNull());

        QVERIFY(!run(QStringLiteral(FE_EXPLORER_BIN), {QStringLiteral("--no-such-gui-option")}, &out));
        QVERIFY2(out.contains(QStringLiteral("--demo")), qPrintable(out));   // the error lists the options
    }
};

QTEST_MAIN(TestFirstRun)
#include "tst_firstrun.moc"
