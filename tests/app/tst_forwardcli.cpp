// SPDX-License-Identifier: Apache-2.0
// The falco-explorer binary's forward / es-setup commands against the fake Elasticsearch, which runs in this
// process while the CLI runs as a child process.
#include "ingest/elasticsearch/bulkencoder.h"
#include "model/alertstore.h"
#include "support/fakeelasticsearch.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fe;
using fe::test::FakeElasticsearch;
using Json = nlohmann::json;

// QTest cannot print nlohmann values: compare their JSON text.
#define JCOMPARE(actual, expected) \
    QCOMPARE(QString::fromStdString(Json(actual).dump()), QString::fromStdString(Json(expected).dump()))

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    // Wait with the event loop running: the fake server lives in this thread.
    if (!finished.wait(60000)) {
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TestForwardCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

private Q_SLOTS:
    void init()
    {
        // One store per test row: each row starts from the same 30 undelivered alerts.
        m_db = m_dir.filePath(QStringLiteral("%1-%2.db").arg(QString::fromLatin1(QTest::currentTestFunction()),
                                                              QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
        AlertStore store;
        QString error;
        QVERIFY2(store.open(m_db, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        AlertBatch batch;
        for (int n = 1; n <= 30; ++n) {
            Alert a;
            a.timestampMs = 1700000000000LL + n;
            a.rule = QStringLiteral("Terminal shell in container");
            a.dedupeKey = "u:cli-" + QByteArray::number(n);
            a.ecsJson = R"({"@timestamp":"2024-05-07T18:54:19.341Z","falco":{"rule":"Terminal shell in container","priority":"Notice","output":"o","time":"2024-05-07T18:54:19Z"},"n":)"
                + QByteArray::number(n) + '}';
            batch.append(a);
        }
        QCOMPARE(store.insert(batch).stored, 30);
    }

    void onceDeliversEverythingAndExitsZero()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        const Run r = runCli({QStringLiteral("forward"), QStringLiteral("--db"), m_db, QStringLiteral("--es"), es.url(),
                              QStringLiteral("--once"), QStringLiteral("--namespace"), QStringLiteral("cli"),
                              QStringLiteral("--batch-docs"), QStringLiteral("7")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(es.documentCount(), 30);
        const auto byId = es.documents().value(QStringLiteral("logs-falco.alerts-cli"));
        QCOMPARE(byId.size(), 30);
        QVERIFY(byId.contains(BulkEncoder::documentId("u:cli-17")));
        QCOMPARE(es.bulkRequests(), 5);   // 7+7+7+7+2
        QVERIFY2(r.err.contains(QLatin1String("30 delivered (0 already there), 0 pending, 0 retrying, 0 dead-lettered")),
                 qPrintable(r.err));
        QVERIFY(r.err.contains(QLatin1String("Elasticsearch 8.13.4")));

        // A second run has nothing to send and still exits 0.
        const Run again = runCli({QStringLiteral("forward"), QStringLiteral("--db"), m_db, QStringLiteral("--es"), es.url(),
                                  QStringLiteral("--once"), QStringLiteral("--namespace"), QStringLiteral("cli")});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(es.bulkRequests(), 5);
        QCOMPARE(es.conflicts(), 0);
    }

    void inFlightOption_data()
    {
        QTest::addColumn<int>("inFlight");
        QTest::newRow("one") << 1;
        QTest::newRow("three") << 3;
    }
    void inFlightOption()
    {
        QFETCH(int, inFlight);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.setAnswerDelayMs(100);
        const Run r = runCli({QStringLiteral("forward"), QStringLiteral("--db"), m_db, QStringLiteral("--es"), es.url(),
                              QStringLiteral("--once"), QStringLiteral("--batch-docs"), QStringLiteral("5"),
                              QStringLiteral("--in-flight"), QString::number(inFlight)});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(es.documentCount(), 30);
        QCOMPARE(es.createAttempts(), 30);
        QCOMPARE(es.maxOpenBulkRequests(), inFlight);
    }

    void credentialsComeFromTheEnvironment_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("basic auth from env") << QStringList{QStringLiteral("--user"), QStringLiteral("elastic"), QStringLiteral("--password-env"), QStringLiteral("FE_TEST_SECRET")}
                                             << QStringLiteral("changeme") << 0 << QString();
        QTest::newRow("wrong password") << QStringList{QStringLiteral("--user"), QStringLiteral("elastic"), QStringLiteral("--password-env"), QStringLiteral("FE_TEST_SECRET")}
                                        << QStringLiteral("wrong") << 1 << QStringLiteral("401");
        QTest::newRow("no credentials") << QStringList{} << QString() << 1 << QStringLiteral("401");
        QTest::newRow("variable not set") << QStringList{QStringLiteral("--api-key-env"), QStringLiteral("FE_TEST_UNSET_VARIABLE")}
                                          << QString() << 2 << QStringLiteral("FE_TEST_UNSET_VARIABLE is not set");
    }
    void credentialsComeFromTheEnvironment()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, envValue);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.requireBasicAuth(QStringLiteral("elastic"), QStringLiteral("changeme"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("FE_TEST_UNSET_VARIABLE"));
        if (!envValue.isEmpty())
            env.insert(QStringLiteral("FE_TEST_SECRET"), envValue);
        const Run r = runCli(QStringList{QStringLiteral("forward"), QStringLiteral("--db"), m_db, QStringLiteral("--es"), es.url(),
                                         QStringLiteral("--once")} + args, env);
        QVERIFY2(r.exitCode == exitCode, qPrintable(r.err));
        if (!message.isEmpty())
            QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!r.err.contains(QLatin1String("changeme")));
        QCOMPARE(es.documentCount(), exitCode == 0 ? 30 : 0);
    }

    void deadLettersListedThenRetried()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.rejectDocumentsContaining("\"n\":12}", QStringLiteral("failed to parse field [n]"));
        const QStringList base{QStringLiteral("forward"), QStringLiteral("--db"), m_db, QStringLiteral("--es"), es.url()};
        Run r = runCli(base + QStringList{QStringLiteral("--once")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String("1 alert(s) are dead-lettered")), qPrintable(r.err));
        QCOMPARE(es.documentCount(), 29);

        r = runCli(base + QStringList{QStringLiteral("--dead-letters")});
        QCOMPARE(r.exitCode, 0);
        const QStringList columns = r.out.trimmed().split(QLatin1Char('\t'));
        QCOMPARE(columns.value(0), QStringLiteral("12"));
        QCOMPARE(columns.value(2), QStringLiteral("Terminal shell in container"));
        QVERIFY(columns.value(4).contains(QLatin1String("failed to parse field [n]")));

        es.clearRejections();
        r = runCli(base + QStringList{QStringLiteral("--once"), QStringLiteral("--retry-dead-letters")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(es.documentCount(), 30);
        QCOMPARE(es.conflicts(), 0);
    }

    void clearErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no --es") << QStringList{QStringLiteral("--once")} << 2 << QStringLiteral("--es URL is required");
        QTest::newRow("bad mode") << QStringList{QStringLiteral("--es"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--mode"), QStringLiteral("xml")}
                                  << 2 << QStringLiteral("--mode must be ecs or raw");
        QTest::newRow("unreachable") << QStringList{QStringLiteral("--es"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--once")}
                                     << 1 << QStringLiteral("cannot reach Elasticsearch");
        QTest::newRow("upper-case index") << QStringList{QStringLiteral("--es"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--index"), QStringLiteral("Falco")}
                                          << 2 << QStringLiteral("lower case");
        QTest::newRow("in-flight out of range") << QStringList{QStringLiteral("--es"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--in-flight"), QStringLiteral("0")}
                                                << 2 << QStringLiteral("--in-flight must be between 1 and 6");
        QTest::newRow("missing CA file") << QStringList{QStringLiteral("--es"), QStringLiteral("https://127.0.0.1:1"), QStringLiteral("--ca"), QStringLiteral("/nonexistent/ca.pem"), QStringLiteral("--once")}
                                         << 1 << QStringLiteral("/nonexistent/ca.pem");
    }
    void clearErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const Run r = runCli(QStringList{QStringLiteral("forward"), QStringLiteral("--db"), m_db} + args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void esSetupInstallsTheTemplate()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        const Run r = runCli({QStringLiteral("es-setup"), QStringLiteral("--es"), es.url()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QByteArray body = es.templates().value(QStringLiteral("logs-falco.alerts-explorer"));
        QVERIFY(!body.isEmpty());
        const Json t = Json::parse(body.constData(), body.constData() + body.size());
        JCOMPARE(t["index_patterns"], Json::array({"logs-falco.alerts-*"}));
        QVERIFY(t["data_stream"].is_object());
        const Json &p = t["template"]["mappings"]["properties"];
        JCOMPARE(p["falco"]["properties"]["priority"]["type"], Json("keyword"));
        JCOMPARE(p["falco"]["properties"]["container"]["properties"]["mounts"]["type"], Json("nested"));
        JCOMPARE(p["falco"]["properties"]["output_fields"]["properties"]["client"]["properties"]["ip"]["type"], Json("ip"));
        JCOMPARE(p["falco"]["properties"]["output_fields"]["properties"]["evt"]["properties"]["time"]["properties"]["iso8601"]["type"],
                 Json("date"));
        JCOMPARE(p["falco"]["properties"]["output_fields"]["dynamic"], Json(false));
        JCOMPARE(p["@timestamp"]["type"], Json("date"));
        QVERIFY(r.err.contains(QLatin1String("installed")));
    }
};

QTEST_GUILESS_MAIN(TestForwardCli)
#include "tst_forwardcli.moc"
