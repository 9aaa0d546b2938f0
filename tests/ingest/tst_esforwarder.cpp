// SPDX-License-Identifier: Apache-2.0
// End to end: a real store file, the forwarder's worker thread and real sockets to the fake _bulk server.
#include "ingest/elasticsearch/bulkencoder.h"
#include "ingest/elasticsearch/esclient.h"
#include "ingest/elasticsearch/esforwarder.h"
#include "model/alertstore.h"
#include "model/forwardoutbox.h"
#include "support/fakeelasticsearch.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fe;
using fe::test::FakeElasticsearch;
using Json = nlohmann::json;

// QTest cannot print nlohmann values: compare their JSON text.
#define JCOMPARE(actual, expected) \
    QCOMPARE(QString::fromStdString(Json(actual).dump()), QString::fromStdString(Json(expected).dump()))

Q_DECLARE_METATYPE(FakeElasticsearch::FaultKind)

namespace {

Alert makeAlert(int n)
{
    Alert a;
    a.timestampMs = 1700000000000LL + n * 1000;
    a.priority = Priority::Warning;
    a.rule = QStringLiteral("Read sensitive file untrusted");
    a.dedupeKey = "u:alert-" + QByteArray::number(n);
    a.ecsJson = R"({"@timestamp":"2024-05-07T18:54:19.341Z","event":{"kind":"alert","severity":47},"falco":{"hostname":"h","output":"o","priority":"Warning","rule":"Read sensitive file untrusted","time":"2024-05-07T18:54:19.341081180Z","output_fields":{"proc":{"name":"cat"}}},"n":)"
        + QByteArray::number(n) + '}';
    return a;
}

// A port where nothing listens: bound, then closed.
QString deadNode()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost);
    const quint16 port = s.serverPort();
    s.close();
    return QStringLiteral("http://127.0.0.1:%1").arg(port);
}

} // namespace

class TestEsForwarder : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    int m_stored = 0;

    void store(int from, int count)
    {
        AlertStore s;
        QString error;
        QVERIFY2(s.open(m_db, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        AlertBatch batch;
        for (int i = from; i < from + count; ++i)
            batch.append(makeAlert(i));
        QCOMPARE(s.insert(batch).stored, count);
        m_stored += count;
    }

    ForwardConfig config(const FakeElasticsearch &es) const
    {
        ForwardConfig c;
        c.nodes = {es.url()};
        c.maxBatchDocs = 20;
        c.backoffBaseMs = 10;
        c.backoffMaxMs = 40;
        c.requestTimeoutMs = 5000;
        c.pollIntervalMs = 50;
        c.maxBatchAgeMs = 50;
        return c;
    }

    // Runs a forwarder in once mode to the end; returns finished()'s argument.
    bool runOnce(const ForwardConfig &c, ForwardStatus *status = nullptr, bool retryDeadLetters = false)
    {
        EsForwarder forwarder(c, m_db);
        QSignalSpy finished(&forwarder, &EsForwarder::finished);
        forwarder.start(true, retryDeadLetters);
        if (!finished.wait(30000))
            return false;
        QTest::qWait(250);   // the last throttled status
        if (status)
            *status = forwarder.status();
        return finished.first().first().toBool();
    }

    // Every stored alert is in Elasticsearch exactly once, with the right index, _id and body.
    void verifyExactlyOnce(const FakeElasticsearch &es, const QString &index, int count)
    {
        QCOMPARE(es.documentCount(), qint64(count));
        const auto docs = es.documents();
        QCOMPARE(docs.size(), 1);
        QVERIFY(docs.contains(index));
        const auto &byId = docs.value(index);
        for (int n = 1; n <= count; ++n) {
            const QByteArray id = BulkEncoder::documentId("u:alert-" + QByteArray::number(n));
            QVERIFY2(byId.contains(id), qPrintable(QStringLiteral("alert %1 missing").arg(n)));
            const QByteArray body = byId.value(id);
            const Json doc = Json::parse(body.constData(), body.constData() + body.size());
            QCOMPARE(doc["n"].get<int>(), n);
            QVERIFY(!doc.contains("rule"));   // the test documents carry the rule only under falco
            JCOMPARE(doc["falco"]["rule"], Json("Read sensitive file untrusted"));
            JCOMPARE(doc["data_stream"]["dataset"], Json("falco.alerts"));
            JCOMPARE(doc["event"]["kind"], Json("alert"));
        }
    }

private Q_SLOTS:
    void init()
    {
        m_db = m_dir.filePath(QStringLiteral("%1-%2.db").arg(QString::fromLatin1(QTest::currentTestFunction()),
                                                              QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
        m_stored = 0;
        store(1, 50);
    }

    void exactlyOnceUnderFaults_data()
    {
        QTest::addColumn<QList<int>>("faults");   // FaultKind, status pairs
        QTest::addColumn<bool>("expectConflicts");
        QTest::addColumn<bool>("expectRetries");   // the client never re-sends by itself: the forwarder retries (an idempotent-safe resend)
        using K = FakeElasticsearch::FaultKind;
        QTest::newRow("no fault") << QList<int>{} << false << false;
        QTest::newRow("whole-request 429") << QList<int>{int(K::Status), 429} << false << true;
        QTest::newRow("503 twice") << QList<int>{int(K::Status), 503, int(K::Status), 503} << false << true;
        QTest::newRow("connection dropped mid-request") << QList<int>{int(K::DropMidRequest), 0} << false << true;
        QTest::newRow("answer lost after the documents were applied") << QList<int>{int(K::DropAfterApplying), 0} << true << true;
        QTest::newRow("answer lost three times") << QList<int>{int(K::DropAfterApplying), 0, int(K::DropAfterApplying), 0, int(K::DropAfterApplying), 0}
                                                 << true << true;
        QTest::newRow("413 splits the batch") << QList<int>{int(K::Status), 413} << false << false;
        QTest::newRow("server stalls until the request times out") << QList<int>{int(K::Stall), 0} << false << true;
    }
    void exactlyOnceUnderFaults()
    {
        QFETCH(QList<int>, faults);
        QFETCH(bool, expectConflicts);
        QFETCH(bool, expectRetries);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        for (int i = 0; i + 1 < faults.size(); i += 2)
            es.queueFault(FakeElasticsearch::FaultKind(faults[i]), faults[i + 1]);
        ForwardConfig c = config(es);
        c.requestTimeoutMs = 1000;
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QCOMPARE(es.conflicts() > 0, expectConflicts);
        QCOMPARE(status.delivered, 50);
        QCOMPARE(status.pending, 0);
        QCOMPARE(status.deadLettered, 0);
        if (expectRetries)
            QVERIFY(status.retriedRequests > 0);
        else if (faults.isEmpty())
            QCOMPARE(status.retriedRequests, 0);
        for (const QByteArray &query : es.bulkQueries())
            QVERIFY(query.contains("pipeline=_none"));
    }

    void perItem429IsRetriedAlone()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.failItem(BulkEncoder::documentId("u:alert-3"), 429, 2);
        es.failItem(BulkEncoder::documentId("u:alert-30"), 503, 1);
        ForwardStatus status;
        QVERIFY(runOnce(config(es), &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QCOMPARE(es.conflicts(), 0);
        QCOMPARE(es.createAttempts(), 53);   // 50 + 2 retries of alert 3 + 1 of alert 30
        QCOMPARE(status.retrying, 0);
    }

    void gzipAndCustomHeaders()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        ForwardConfig c = config(es);
        c.gzip = true;
        c.headers = {{"X-Opaque-Id", "falco-explorer-test"}};
        QVERIFY(runOnce(c));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        const auto requests = es.requests();
        QVERIFY(!requests.isEmpty());
        for (const auto &r : requests) {
            QVERIFY(r.gzipped);
            QCOMPARE(r.headers.value("x-opaque-id"), QByteArray("falco-explorer-test"));
            QCOMPARE(r.headers.value("content-type"), QByteArray("application/x-ndjson"));
        }
    }

    // The fake itself: a chunked, gzipped request written by hand on a raw socket (EsClient never chunks).
    void fakeServerDecodesChunkedGzipBodies()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        const QByteArray ndjson = "{\"create\":{\"_index\":\"logs-x-y\",\"_id\":\"a\"}}\n{\"f\":1}\n"
                                  "{\"index\":{\"_index\":\"logs-x-y\",\"_id\":\"b\"}}\n{\"f\":2}\n";
        const QByteArray gz = EsClient::gzip(ndjson);
        QByteArray request = "POST /_bulk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n";
        const qsizetype half = gz.size() / 2;
        request += QByteArray::number(half, 16) + "\r\n" + gz.left(half) + "\r\n";
        request += QByteArray::number(gz.size() - half, 16) + "\r\n" + gz.mid(half) + "\r\n0\r\n\r\n";
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, es.port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write(request);
        QByteArray answer;
        QTRY_VERIFY_WITH_TIMEOUT((answer += socket.readAll()).contains("\"items\""), 5000);
        QVERIFY(answer.startsWith("HTTP/1.1 200"));
        QCOMPARE(es.documentCount(), 1);
        QCOMPARE(es.document(QStringLiteral("logs-x-y"), "a"), QByteArray("{\"f\":1}"));
        // `index` into a data stream is refused per item, as Elasticsearch does.
        QVERIFY(answer.contains("only write ops with an op_type of create are allowed in data streams"));
        QVERIFY(es.requests().value(0).chunked);
        QVERIFY(es.requests().value(0).gzipped);
    }

    void failoverToTheNextNode()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        ForwardConfig c = config(es);
        c.nodes = {deadNode(), es.url()};
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QVERIFY(status.retriedRequests >= 1);
    }

    void restartResumesWithoutDuplicates()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        ForwardConfig c = config(es);
        c.maxAttempts = 1;   // the first run gives up at the first failure, like a crash after sending
        es.queueFault(FakeElasticsearch::FaultKind::Status, 500);
        // First run: the first request fails and the forwarder gives up: nothing delivered, nothing recorded.
        QVERIFY(!runOnce(c));
        QCOMPARE(es.documentCount(), 0);
        // Second run: batch 1 is applied but the answer is lost: the forwarder gives up without recording anything.
        es.queueFault(FakeElasticsearch::FaultKind::DropAfterApplying);
        QVERIFY(!runOnce(c));
        QCOMPARE(es.documentCount(), 20);
        // Third run, a new forwarder on the same db: resumes, re-sends batch 1 (409s) and the rest.
        c.maxAttempts = 0;
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QVERIFY(es.conflicts() >= 20);
        QCOMPARE(status.delivered, 50);
        QCOMPARE(status.duplicates, 20);   // batch 1 again: delivered earlier, 409 now
        // A fourth run has nothing to do.
        const int before = es.bulkRequests();
        QVERIFY(runOnce(c));
        QCOMPARE(es.bulkRequests(), before);
    }

    // The first request goes alone; after it succeeded, up to maxInFlight requests are open at once.
    void requestsInFlight_data()
    {
        QTest::addColumn<int>("maxInFlight");
        QTest::newRow("one") << 1;
        QTest::newRow("two") << 2;
    }
    void requestsInFlight()
    {
        QFETCH(int, maxInFlight);
        store(51, 50);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.setAnswerDelayMs(100);
        ForwardConfig c = config(es);
        c.maxInFlight = maxInFlight;
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 100);
        QCOMPARE(es.maxOpenBulkRequests(), maxInFlight);
        QCOMPARE(es.createAttempts(), 100);
        QCOMPARE(status.delivered, 100);
    }

    // Two in flight, one fails for good (maxAttempts) while the other is still out: the other's answer is
    // recorded before stopping (as a span when it is the later batch), so the next run sends only what was not
    // accepted — not a single document twice.
    void failureWhileAnotherRequestIsInFlight()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.setAnswerDelayMs(50);
        es.queueFault(FakeElasticsearch::FaultKind::None);
        es.queueFault(FakeElasticsearch::FaultKind::Status, 503);
        es.queueFault(FakeElasticsearch::FaultKind::None);
        ForwardConfig c = config(es);
        c.maxAttempts = 1;
        QVERIFY(!runOnce(c));
        QCOMPARE(es.maxOpenBulkRequests(), 2);
        const qint64 firstRun = es.documentCount();
        QVERIFY2(firstRun == 30 || firstRun == 40, qPrintable(QString::number(firstRun)));   // 20 + the 10 or 20 not refused
        c.maxAttempts = 0;
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QCOMPARE(es.createAttempts(), 50);
        QCOMPARE(es.conflicts(), 0);
        QCOMPARE(status.delivered, 50);
        QCOMPARE(status.duplicates, 0);
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_db, c.targetKey()));
        QCOMPARE(outbox.cursor(), 50);
        QVERIFY(outbox.spans().isEmpty());
    }

    // Two in flight, connections dropped mid-request, then the forwarder is stopped with requests open (a
    // restart): the next run delivers everything exactly once. Only the requests open at the stop can come
    // back as 409s; everything answered before is never sent again.
    void twoInFlightDroppedConnectionsAndRestart()
    {
        store(51, 200);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.setAnswerDelayMs(100);
        es.queueFault(FakeElasticsearch::FaultKind::None);
        for (int i = 0; i < 3; ++i)
            es.queueFault(FakeElasticsearch::FaultKind::DropMidRequest);
        ForwardConfig c = config(es);
        c.maxInFlight = 2;
        {
            EsForwarder forwarder(c, m_db);
            forwarder.start(false);
            QTRY_VERIFY_WITH_TIMEOUT(es.documentCount() >= 100, 20000);
            forwarder.stop();
        }
        QCOMPARE(es.maxOpenBulkRequests(), 2);
        QVERIFY(es.documentCount() < 250);
        ForwardStatus status;
        QVERIFY(runOnce(c, &status));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 250);
        QCOMPARE(es.createAttempts() - es.conflicts(), 250);
        QVERIFY2(es.conflicts() <= 2 * c.maxBatchDocs, qPrintable(QString::number(es.conflicts())));
        QCOMPARE(status.delivered, 250);
        QCOMPARE(status.pending, 0);
        QCOMPARE(status.deadLettered, 0);
    }

    void deadLetterThenRetryAfterTheFix()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.rejectDocumentsContaining("\"n\":7}", QStringLiteral("failed to parse field [n] of type [long]"));
        ForwardStatus status;
        QVERIFY(!runOnce(config(es), &status));   // not everything delivered
        QCOMPARE(es.documentCount(), 49);
        QCOMPARE(status.deadLettered, 1);
        QCOMPARE(status.delivered, 49);
        {
            ForwardOutbox outbox;
            QVERIFY(outbox.open(m_db, config(es).targetKey()));
            const auto dead = outbox.deadLetters();
            QCOMPARE(dead.size(), 1);
            QCOMPARE(dead[0].alertId, 7);
            QCOMPARE(dead[0].status, 400);
            QVERIFY(dead[0].reason.contains(QLatin1String("document_parsing_exception")));
        }
        // Still dead on a plain re-run.
        QVERIFY(!runOnce(config(es)));
        QCOMPARE(es.documentCount(), 49);
        // The user fixes the mapping and retries the dead letters.
        es.clearRejections();
        QVERIFY(runOnce(config(es), &status, true));
        verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        QCOMPARE(status.deadLettered, 0);
    }

    void authentication_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("apiKey");
        QTest::addColumn<bool>("serverWantsApiKey");
        QTest::addColumn<bool>("ok");
        QTest::newRow("basic auth") << QStringLiteral("elastic") << QStringLiteral("s3cr:et") << QString() << false << true;
        QTest::newRow("wrong password") << QStringLiteral("elastic") << QStringLiteral("nope") << QString() << false << false;
        QTest::newRow("no credentials") << QString() << QString() << QString() << false << false;
        QTest::newRow("api key") << QString() << QString() << QStringLiteral("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==") << true << true;
    }
    void authentication()
    {
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(QString, apiKey);
        QFETCH(bool, serverWantsApiKey);
        QFETCH(bool, ok);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        if (serverWantsApiKey)
            es.requireApiKey(QStringLiteral("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="));
        else
            es.requireBasicAuth(QStringLiteral("elastic"), QStringLiteral("s3cr:et"));
        ForwardConfig c = config(es);
        c.user = user;
        c.password = password;
        c.apiKey = apiKey;
        ForwardStatus status;
        QCOMPARE(runOnce(c, &status), ok);
        if (ok) {
            verifyExactlyOnce(es, QStringLiteral("logs-falco.alerts-default"), 50);
        } else {
            QCOMPARE(es.documentCount(), 0);
            QCOMPARE(status.state, ForwardStatus::State::Failed);
            QVERIFY2(status.lastError.contains(QLatin1String("401")), qPrintable(status.lastError));
            QCOMPARE(es.requests().size(), 1);   // no retry loop on a credentials problem
        }
    }

    void followsNewAlerts()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        EsForwarder forwarder(config(es), m_db);
        forwarder.start(false);
        QTRY_COMPARE_WITH_TIMEOUT(es.documentCount(), qint64(50), 20000);
        store(51, 25);
        forwarder.wake();
        QTRY_COMPARE_WITH_TIMEOUT(es.documentCount(), qint64(75), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(forwarder.status().delivered, qint64(75), 5000);
        forwarder.stop();
        QCOMPARE(es.conflicts(), 0);
    }

    void rawModeSendsFalcoJsonThroughTheIntegrationPipeline()
    {
        FakeElasticsearch es;
        QVERIFY(es.listen());
        ForwardConfig c = config(es);
        c.mode = ForwardConfig::Mode::Raw;
        c.namespaceName = QStringLiteral("lab");
        QVERIFY(runOnce(c));
        QCOMPARE(es.documentCount(), 50);
        const auto byId = es.documents().value(QStringLiteral("logs-falco.alerts-lab"));
        const QByteArray body = byId.value(BulkEncoder::documentId("u:alert-1"));
        const Json doc = Json::parse(body.constData(), body.constData() + body.size());
        JCOMPARE(doc["rule"], Json("Read sensitive file untrusted"));
        JCOMPARE(doc["output_fields"]["proc.name"], Json("cat"));
        QVERIFY(!doc.contains("data_stream"));
        for (const QByteArray &query : es.bulkQueries())
            QVERIFY(!query.contains("pipeline="));
    }

    void healthCheck_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<bool>("productHeader");
        QTest::addColumn<bool>("reachable");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("message");
        QTest::newRow("8.13.4") << QStringLiteral("8.13.4") << true << true << true << QString();
        QTest::newRow("older than the integration warns") << QStringLiteral("8.11.0") << true << true << true << QStringLiteral("8.13.3");
        QTest::newRow("7.17 is refused") << QStringLiteral("7.17.9") << true << true << false << QStringLiteral("needs 8.0");
        QTest::newRow("no product header") << QStringLiteral("8.13.4") << false << true << false << QStringLiteral("X-elastic-product");
        QTest::newRow("unreachable") << QStringLiteral("8.13.4") << true << false << false << QStringLiteral("cannot reach");
    }
    void healthCheck()
    {
        QFETCH(QString, version);
        QFETCH(bool, productHeader);
        QFETCH(bool, reachable);
        QFETCH(bool, ok);
        QFETCH(QString, message);
        FakeElasticsearch es;
        QVERIFY(es.listen());
        es.setVersion(version);
        es.setSendProductHeader(productHeader);
        ForwardConfig c = config(es);
        if (!reachable)
            c.nodes = {deadNode()};
        EsClient client(c);
        bool done = false;
        EsClient::Health health;
        client.checkHealth([&](const EsClient::Health &h) {
            health = h;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(health.ok, ok);
        if (ok)
            QCOMPARE(health.version, version);
        const QString text = ok ? health.warning : health.error;
        if (message.isEmpty())
            QVERIFY(text.isEmpty());
        else
            QVERIFY2(text.contains(message), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestEsForwarder)
#include "tst_esforwarder.moc"
