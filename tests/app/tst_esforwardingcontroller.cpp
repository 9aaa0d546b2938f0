// SPDX-License-Identifier: Apache-2.0
// The GUI's forwarding controller follows the window's database: after File > Open it forwards the new store's
// outbox, and the old store's alerts are neither lost nor sent twice. Real stores made by the falco-explorer binary,
// the fake Elasticsearch on 127.0.0.1 in this process.
#include "app/esforwardingcontroller.h"
#include "model/alertstore.h"
#include "support/fakeelasticsearch.h"

#include <QCoreApplication>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;
using fe::test::FakeElasticsearch;

namespace {

bool makeDemoStore(const QString &path, int count, int seed)
{
    QProcess p;
    p.start(QStringLiteral(FE_EXPLORER_BIN),
            {QStringLiteral("demo"), QStringLiteral("--db"), path, QStringLiteral("--count"), QString::number(count),
             QStringLiteral("--seed"), QString::number(seed)});
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

qint64 documentsIn(const FakeElasticsearch &es)
{
    qint64 n = 0;
    const auto docs = es.documents();
    for (auto it = docs.cbegin(); it != docs.cend(); ++it)
        n += it.value().size();
    return n;
}

} // namespace

class TestEsForwardingController : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Settings of this test only: never the user's.
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("config"))));
        QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_esforwardingcontroller"));
    }

    // What the settings page applies comes back from the settings file (no secret among it).
    void deliverySettingsAreLoaded()
    {
        {
            QSettings s;
            s.setValue(QStringLiteral("forwarding/enabled"), false);
            s.setValue(QStringLiteral("forwarding/nodes"), QStringList{QStringLiteral("https://a:9200")});
            s.setValue(QStringLiteral("forwarding/headers"), QStringList{QStringLiteral("X-Opaque-Id: fe"),
                                                                         QStringLiteral("bad header line")});
            s.setValue(QStringLiteral("forwarding/batchDocs"), 2500);
            s.setValue(QStringLiteral("forwarding/batchBytes"), qint64(5) << 20);
            s.setValue(QStringLiteral("forwarding/inFlight"), 9);   // out of range: clamped
        }
        EsForwardingController controller(m_dir.filePath(QStringLiteral("settings.db")));
        controller.load();
        const ForwardConfig c = controller.config();
        QCOMPARE(c.headers, (QList<QPair<QByteArray, QByteArray>>{{"X-Opaque-Id", "fe"}}));
        QCOMPARE(c.maxBatchDocs, 2500);
        QCOMPARE(c.maxBatchBytes, qint64(5) << 20);
        QCOMPARE(c.maxInFlight, 6);
        QSettings().remove(QStringLiteral("forwarding"));
    }

    // A password typed into a node URL is refused, nothing is sent, and the settings file never holds it.
    void credentialsInANodeUrlNeverReachTheSettings()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        const QString secret = QStringLiteral("Pa55-in-url");
        ForwardConfig config;
        config.nodes = {es.url().replace(QLatin1String("http://"), QStringLiteral("http://elastic:%1@").arg(secret))};
        config.namespaceName = QStringLiteral("cred");
        QVERIFY(config.validate().contains(QLatin1String("credentials")));
        EsForwardingController controller(m_dir.filePath(QStringLiteral("cred.db")));
        QVERIFY(makeDemoStore(m_dir.filePath(QStringLiteral("cred.db")), 5, 3));
        controller.apply(config, true);
        QTest::qWait(500);
        QCOMPARE(es.requests().size(), 0);
        QSettings settings;
        settings.sync();
        const QStringList saved = settings.value(QStringLiteral("forwarding/nodes")).toStringList();
        QCOMPARE(saved, QStringList{es.url().replace(QLatin1String("http://"), QStringLiteral("http://***@"))});
        QFile file(settings.fileName());
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(settings.fileName()));
        QVERIFY(!file.readAll().contains(secret.toUtf8()));
        settings.remove(QStringLiteral("forwarding"));
    }

    void followsTheWindowsDatabase()
    {
        const QString dbA = m_dir.filePath(QStringLiteral("a.db"));
        const QString dbB = m_dir.filePath(QStringLiteral("b.db"));
        QVERIFY(makeDemoStore(dbA, 40, 1));
        QVERIFY(makeDemoStore(dbB, 25, 2));

        FakeElasticsearch es;
        QVERIFY(es.listen());
        {
            // Enabled, no secrets: load() starts forwarding without the keyring.
            QSettings s;
            s.setValue(QStringLiteral("forwarding/enabled"), true);
            s.setValue(QStringLiteral("forwarding/nodes"), QStringList{es.url()});
            s.setValue(QStringLiteral("forwarding/auth"), QStringLiteral("none"));
            s.setValue(QStringLiteral("forwarding/namespace"), QStringLiteral("ctl"));
        }

        EsForwardingController controller(dbA);
        QCOMPARE(controller.databasePath(), dbA);
        controller.load();
        QTRY_COMPARE_WITH_TIMEOUT(documentsIn(es), qint64(40), 20000);

        QSignalSpy deadLetters(&controller, &ForwardingController::deadLettersChanged);
        controller.setDatabasePath(dbB);
        QCOMPARE(controller.databasePath(), dbB);
        QVERIFY(!deadLetters.isEmpty());   // the old store's list was withdrawn
        QVERIFY(deadLetters.first().first().value<DeadLetterList>().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(documentsIn(es), qint64(65), 20000);
        QCOMPARE(es.conflicts(), qint64(0));   // nothing of a.db was sent again
        QCOMPARE(es.createAttempts(), qint64(65));
        QCOMPARE(es.documents().keys(), QStringList{QStringLiteral("logs-falco.alerts-ctl")});

        // The same path again is not a switch: no restart, nothing re-sent.
        const int requests = es.bulkRequests();
        controller.setDatabasePath(dbB);
        QTest::qWait(300);
        QCOMPARE(es.bulkRequests(), requests);

        // Back to a.db: its outbox says everything was delivered.
        controller.setDatabasePath(dbA);
        QTest::qWait(500);
        QCOMPARE(es.createAttempts(), qint64(65));
        QCOMPARE(documentsIn(es), qint64(65));
    }
};

QTEST_GUILESS_MAIN(TestEsForwardingController)
#include "tst_esforwardingcontroller.moc"
