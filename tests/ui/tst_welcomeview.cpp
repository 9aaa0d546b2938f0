// SPDX-License-Identifier: Apache-2.0
// The welcome view on its own (offscreen): the settings it shows for Falcosidekick and Falco follow the listener's
// address, port and TLS; its buttons ask for files, a listener or demo data; the indicator goes from "not
// listening" to waiting, then green on the first alert, or red with the reason; Copy puts the snippet shown on the
// clipboard. FE_WELCOME_SCREENSHOTS=DIR saves the view in each state, to look at.
#include "ui/falcosetupsnippets.h"
#include "ui/welcomeview.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

using namespace fe;

namespace {

template<typename T>
T *child(const QWidget &view, const char *name)
{
    T *w = view.findChild<T *>(QLatin1String(name));
    if (!w)
        qFatal("no child %s", name);
    return w;
}

void screenshot(QWidget &view, const char *state)
{
    const QString dir = qEnvironmentVariable("FE_WELCOME_SCREENSHOTS");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QVERIFY(view.grab().save(QDir(dir).filePath(QStringLiteral("welcome-%1-%2x%3.png")
                                                     .arg(QLatin1String(state)).arg(view.width()).arg(view.height()))));
}

} // namespace

class TestWelcomeView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void snippets_data()
    {
        QTest::addColumn<QString>("bind");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("tls");
        QTest::addColumn<bool>("clientCa");
        QTest::addColumn<QStringList>("sidekickHas");
        QTest::addColumn<QStringList>("falcoHas");

        QTest::newRow("this machine, plain TCP")
            << QStringLiteral("127.0.0.1") << 9030 << false << false
            << QStringList{QStringLiteral("syslog:\n  host: \"127.0.0.1\"\n  port: \"9030\"\n  protocol: \"tcp\"\n  format: \"json\""),
                           QStringLiteral("SYSLOG_HOST=127.0.0.1 SYSLOG_PORT=9030 SYSLOG_PROTOCOL=tcp SYSLOG_FORMAT=json"),
                           QStringLiteral("--set falcosidekick.config.syslog.host=127.0.0.1")}
            << QStringList{QStringLiteral("json_output: true"), QStringLiteral("program_output:\n  enabled: true"),
                           QStringLiteral("program: \"logger --tcp --server 127.0.0.1 --port 9030 --rfc5424 --octet-count --size 1048576 --tag Falco\""),
                           QStringLiteral("file_output:")};
        QTest::newRow("a routable address, another port")
            << QStringLiteral("192.0.2.7") << 6514 << false << false
            << QStringList{QStringLiteral("host: \"192.0.2.7\""), QStringLiteral("port: \"6514\"")}
            << QStringList{QStringLiteral("--server 192.0.2.7 --port 6514")};
        QTest::newRow("TLS: Falcosidekick cannot, Falco sends with openssl")
            << QStringLiteral("192.0.2.7") << 6514 << true << false
            << QStringList{QStringLiteral("never TLS"), QStringLiteral("#1421")}
            << QStringList{QStringLiteral("openssl s_client -quiet -no_ign_eof -connect 192.0.2.7:6514 -CAfile /etc/falco/falco-explorer-ca.pem "
                                          "-verify_return_error -verify_ip 192.0.2.7\"")};
        QTest::newRow("TLS with client certificates")
            << QStringLiteral("192.0.2.7") << 6514 << true << true << QStringList{QStringLiteral("never TLS")}
            << QStringList{QStringLiteral("-verify_ip 192.0.2.7 -cert /etc/falco/falco-explorer-client.pem -key /etc/falco/falco-explorer-client.key\"")};
        QTest::newRow("IPv6 loopback")
            << QStringLiteral("::1") << 9030 << true << false << QStringList{QStringLiteral("never TLS")}
            << QStringList{QStringLiteral("-connect [::1]:9030"), QStringLiteral("-verify_ip ::1")};
    }

    void snippets()
    {
        QFETCH(QString, bind);
        QFETCH(int, port);
        QFETCH(bool, tls);
        QFETCH(bool, clientCa);
        QFETCH(QStringList, sidekickHas);
        QFETCH(QStringList, falcoHas);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        ListenerOptions options;
        options.bindAddress = bind;
        options.tcpPort = port;
        if (tls) {   // validationError() reads the files: they exist, their content does not matter here
            for (const char *name : {"cert.pem", "key.pem", "ca.pem"}) {
                QFile f(dir.filePath(QLatin1String(name)));
                QVERIFY(f.open(QIODevice::WriteOnly));
            }
            options.tlsCertificate = dir.filePath(QStringLiteral("cert.pem"));
            options.tlsKey = dir.filePath(QStringLiteral("key.pem"));
            if (clientCa)
                options.tlsClientCa = dir.filePath(QStringLiteral("ca.pem"));
        }
        WelcomeView view;
        view.setListenerOptions(options);
        QCOMPARE(view.listenerOptions(), options);
        QCOMPARE(view.clientHost(), bind);
        for (const QString &text : std::as_const(sidekickHas))
            QVERIFY2(view.falcosidekickSnippet().contains(text), qPrintable(view.falcosidekickSnippet()));
        for (const QString &text : std::as_const(falcoHas))
            QVERIFY2(view.falcoSnippet().contains(text), qPrintable(view.falcoSnippet()));
        if (tls)
            QVERIFY(!view.falcosidekickSnippet().contains(QStringLiteral("syslog:")));   // nothing that cannot work
        else
            QVERIFY(!view.falcoSnippet().contains(QStringLiteral("openssl")));
        // The address combo shows the bound address, the port spin box the port.
        QCOMPARE(child<QComboBox>(view, "listenAddress")->currentData().toString(), bind);
        QCOMPARE(child<QSpinBox>(view, "listenPort")->value(), port);
    }

    void clientHostOfAWildcardIsThisMachinesAddress()
    {
        const QStringList addresses = FalcoSetupSnippets::machineAddresses();
        for (const QString &a : addresses)
            QVERIFY2(!QHostAddress(a).isLoopback() && !QHostAddress(a).isNull(), qPrintable(a));
        const QString expected = addresses.isEmpty() ? QStringLiteral("127.0.0.1") : addresses.first();
        QCOMPARE(FalcoSetupSnippets::clientHost(QStringLiteral("0.0.0.0")), expected);
        QCOMPARE(FalcoSetupSnippets::clientHost(QStringLiteral("::")), expected);
        QCOMPARE(FalcoSetupSnippets::clientHost(QStringLiteral("127.0.0.1")), QStringLiteral("127.0.0.1"));
        QCOMPARE(FalcoSetupSnippets::clientHost(QStringLiteral("10.1.2.3")), QStringLiteral("10.1.2.3"));
    }

    void listenerFromRequestToFirstAlert()
    {
        WelcomeView view;
        view.resize(1024, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.listenerState(), WelcomeView::ListenerState::NotStarted);
        QVERIFY(view.indicatorText().contains(QStringLiteral("Not listening")));
        screenshot(view, "start");

        // The analyst picks a port: the snippets follow before anything starts.
        auto *port = child<QSpinBox>(view, "listenPort");
        port->setValue(9123);
        QVERIFY(view.falcosidekickSnippet().contains(QStringLiteral("port: \"9123\"")));
        QVERIFY(view.falcoSnippet().contains(QStringLiteral("--port 9123")));
        auto *address = child<QComboBox>(view, "listenAddress");
        QCOMPARE(address->currentData().toString(), QStringLiteral("127.0.0.1"));
        QVERIFY(!child<QWidget>(view, "listenAddress")->isHidden());

        QSignalSpy requested(&view, &WelcomeView::listenerRequested);
        auto *start = child<QPushButton>(view, "startListening");
        QTest::mouseClick(start, Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        const auto options = requested.at(0).at(0).value<ListenerOptions>();
        QCOMPARE(options.bindAddress, QStringLiteral("127.0.0.1"));
        QCOMPARE(options.tcpPort, 9123);

        view.setListening(options, 9123);
        QCOMPARE(view.listenerState(), WelcomeView::ListenerState::Waiting);
        QVERIFY2(view.indicatorText().contains(QStringLiteral("127.0.0.1:9123")), qPrintable(view.indicatorText()));
        QVERIFY(view.indicatorText().contains(QStringLiteral("waiting for the first alert")));
        QVERIFY(!start->isEnabled());                  // one listener from here; more in View › Sources
        QVERIFY(!port->isEnabled());                   // the snippets describe the running listener
        QVERIFY(!child<QPushButton>(view, "moreListenerOptions")->isEnabled());
        QVERIFY(child<QPushButton>(view, "openExplorer")->isHidden());
        screenshot(view, "waiting");

        QSignalSpy explorer(&view, &WelcomeView::explorerRequested);
        view.setAlertReceived();
        QCOMPARE(view.listenerState(), WelcomeView::ListenerState::Receiving);
        QVERIFY2(view.indicatorText().contains(QStringLiteral("the first one is stored")), qPrintable(view.indicatorText()));
        auto *open = child<QPushButton>(view, "openExplorer");
        QVERIFY(open->isVisible());
        screenshot(view, "receiving");
        QTest::mouseClick(open, Qt::LeftButton);
        QCOMPARE(explorer.size(), 1);
        // A later "listening" report (the same listener restarted) keeps it green: alerts did arrive.
        view.setListening(options, 9123);
        QCOMPARE(view.listenerState(), WelcomeView::ListenerState::Receiving);
    }

    void listenerFailureSaysWhyAndAllowsAnotherTry()
    {
        WelcomeView view;
        view.resize(1600, 1000);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setListenerFailed(QStringLiteral("127.0.0.1:9030: The bound address is already in use"));
        QCOMPARE(view.listenerState(), WelcomeView::ListenerState::Failed);
        QVERIFY(view.indicatorText().contains(QStringLiteral("already in use")));
        QVERIFY(child<QPushButton>(view, "startListening")->isEnabled());
        QVERIFY(child<QSpinBox>(view, "listenPort")->isEnabled());
        screenshot(view, "failed");
    }

    void exposedAddressWarns()
    {
        WelcomeView view;
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto *address = child<QComboBox>(view, "listenAddress");
        const int everywhere = address->findData(QStringLiteral("0.0.0.0"));
        QVERIFY(everywhere >= 0);
        address->setCurrentIndex(everywhere);
        QCOMPARE(view.listenerOptions().bindAddress, QStringLiteral("0.0.0.0"));
        QVERIFY(view.listenerOptions().isExposed());
        const QList<QLabel *> labels = view.findChildren<QLabel *>();
        const bool warned = std::any_of(labels.cbegin(), labels.cend(), [](const QLabel *l) {
            return l->isVisible() && l->text().contains(QStringLiteral("Other machines can reach this port"));
        });
        QVERIFY(warned);
        // Falco is told this machine's routable address, never the wildcard.
        QVERIFY(!view.falcosidekickSnippet().contains(QStringLiteral("0.0.0.0")));
        QVERIFY(view.falcosidekickSnippet().contains(QStringLiteral("host: \"%1\"").arg(view.clientHost())));
    }

    void copyPutsTheShownSnippetOnTheClipboard()
    {
        WelcomeView view;
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto *tabs = child<QTabWidget>(view, "snippetTabs");
        auto *copy = child<QPushButton>(view, "copySnippet");
        tabs->setCurrentIndex(1);
        QTest::mouseClick(copy, Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), view.falcoSnippet());
        tabs->setCurrentIndex(0);
        QTest::mouseClick(copy, Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), view.falcosidekickSnippet());
        QCOMPARE(copy->text(), QStringLiteral("Copied"));
    }

    void filesAndDemoAreRequests()
    {
        WelcomeView view;
        QList<bool> asked;
        QStringList answer{QStringLiteral("/var/log/falco/events.log"), QStringLiteral("/var/log/falco/events.log.1.gz")};
        view.setFileChooser([&](QWidget *, bool folder) {
            asked << folder;
            return answer;
        });
        QSignalSpy imports(&view, &WelcomeView::importRequested);
        QTest::mouseClick(child<QPushButton>(view, "openFiles"), Qt::LeftButton);
        QCOMPARE(imports.size(), 1);
        QCOMPARE(imports.at(0).at(0).toStringList(), answer);
        answer = {QStringLiteral("/var/log/falco")};
        QTest::mouseClick(child<QPushButton>(view, "openFolder"), Qt::LeftButton);
        QCOMPARE(imports.size(), 2);
        QCOMPARE(imports.at(1).at(0).toStringList(), answer);
        QCOMPARE(asked, (QList<bool>{false, true}));
        answer.clear();   // the dialog was cancelled: nothing to import
        QTest::mouseClick(child<QPushButton>(view, "openFiles"), Qt::LeftButton);
        QCOMPARE(imports.size(), 2);

        QSignalSpy demo(&view, &WelcomeView::demoRequested);
        auto *load = child<QPushButton>(view, "loadDemo");
        QTest::mouseClick(load, Qt::LeftButton);
        QCOMPARE(demo.size(), 1);
        view.setDemoLoading(true);
        QVERIFY(!load->isEnabled());
        view.setDemoLoading(false);
        QVERIFY(load->isEnabled());

        QSignalSpy close(&view, &WelcomeView::closeRequested);
        QTest::mouseClick(child<QPushButton>(view, "closeWelcome"), Qt::LeftButton);
        QCOMPARE(close.size(), 1);
    }

    void storeLine()
    {
        WelcomeView view;
        view.setDatabasePath(QStringLiteral("/tmp/alerts.db"), 0);
        const QList<QLabel *> labels = view.findChildren<QLabel *>();
        auto shows = [&](const QString &text) {
            return std::any_of(labels.cbegin(), labels.cend(), [&](const QLabel *l) { return l->text().contains(text); });
        };
        QVERIFY(shows(QStringLiteral("/tmp/alerts.db has no alerts yet")));
        view.setDatabasePath(QStringLiteral("/tmp/alerts.db"), 5000);
        QVERIFY(shows(QStringLiteral("holds %1 alerts").arg(QLocale().toString(5000))));
    }
};

QTEST_MAIN(TestWelcomeView)
#include "tst_welcomeview.moc"
