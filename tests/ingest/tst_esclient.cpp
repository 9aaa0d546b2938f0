// SPDX-License-Identifier: Apache-2.0
// EsClient's own HTTP/1.1 over real loopback sockets: a scripted server answers with canned bytes, written in
// pieces, so every way an answer can be framed (length, chunks, until close, interim 1xx) and broken is seen.
#include "ingest/elasticsearch/esclient.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace fe;

namespace {

// Answers each request (head + Content-Length body) with the next canned answer, each piece written in a turn
// of the event loop of its own; "<close>" as a piece closes the connection there.
class CannedServer : public QObject
{
public:
    CannedServer()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            }
        });
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

    QList<QList<QByteArray>> answers;
    QList<QByteArray> requests;   // head + body as received
    int connections = 0;

private:
    void onReadyRead(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        qsizetype length = 0;
        for (const QByteArray &line : buffer.left(end).split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        if (buffer.size() < end + 4 + length)
            return;
        requests.append(buffer.left(end + 4 + length));
        buffer.remove(0, end + 4 + length);
        if (answers.isEmpty())
            return;   // never answers (a stalled node)
        writePieces(socket, answers.takeFirst());
    }

    void writePieces(QTcpSocket *socket, QList<QByteArray> pieces)
    {
        if (pieces.isEmpty())
            return;
        const QByteArray piece = pieces.takeFirst();
        if (piece == "<close>") {
            socket->disconnectFromHost();
            return;
        }
        socket->write(piece);
        socket->flush();
        QTimer::singleShot(20, socket, [this, socket, pieces] { writePieces(socket, pieces); });
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

ForwardConfig configFor(const CannedServer &server)
{
    ForwardConfig c;
    c.nodes = {server.url()};
    c.requestTimeoutMs = 5000;
    return c;
}

EsClient::Reply exchange(EsClient &client, const QByteArray &method, const QByteArray &path, const QByteArray &body)
{
    EsClient::Reply reply;
    bool done = false;
    client.send(method, path, body, [&](const EsClient::Reply &r) {
        reply = r;
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 10000))
        reply.networkError = QStringLiteral("test: no callback");
    return reply;
}

} // namespace

class TestEsClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answers_data()
    {
        QTest::addColumn<QList<QByteArray>>("pieces");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("product");
        QTest::addColumn<QString>("error");   // part of the transport error when status is 0

        QTest::newRow("content length")
            << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-elastic-product: Elasticsearch\r\n\r\nhello"}
            << 200 << QByteArray("hello") << QByteArray("Elasticsearch") << QString();
        QTest::newRow("status line, headers and body split across reads")
            << QList<QByteArray>{"HTTP/1.1 201 Cre", "ated\r\ncontent-length: 11\r\n\r", "\nhello", " world"}
            << 201 << QByteArray("hello world") << QByteArray() << QString();
        QTest::newRow("chunked with an extension and a trailer")
            << QList<QByteArray>{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhel", "lo\r\n6\r\n world\r\n0\r\n",
                                 "X-Trailer: 1\r\n\r\n"}
            << 200 << QByteArray("hello world") << QByteArray() << QString();
        QTest::newRow("interim 100 Continue first")
            << QList<QByteArray>{"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\nno"}
            << 429 << QByteArray("no") << QByteArray() << QString();
        QTest::newRow("HTTP/1.0 body until the connection closes")
            << QList<QByteArray>{"HTTP/1.0 200 OK\r\n\r\nuntil ", "close", "<close>"}
            << 200 << QByteArray("until close") << QByteArray() << QString();
        QTest::newRow("204 has no body") << QList<QByteArray>{"HTTP/1.1 204 No Content\r\n\r\n"} << 204 << QByteArray()
                                         << QByteArray() << QString();
        QTest::newRow("not HTTP") << QList<QByteArray>{"SSH-2.0-OpenSSH_9.2\r\n\r\n"} << 0 << QByteArray() << QByteArray()
                                  << QStringLiteral("malformed HTTP answer");
        QTest::newRow("closed before the whole body")
            << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", "<close>"} << 0 << QByteArray()
            << QByteArray() << QStringLiteral("closed before a complete answer");
        QTest::newRow("closed without an answer") << QList<QByteArray>{"<close>"} << 0 << QByteArray() << QByteArray()
                                                  << QStringLiteral("closed");
    }
    void answers()
    {
        QFETCH(QList<QByteArray>, pieces);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, product);
        QFETCH(QString, error);
        CannedServer server;
        server.answers = {pieces};
        EsClient client(configFor(server));
        const EsClient::Reply reply = exchange(client, "POST", "/_bulk?filter_path=errors", "{\"a\":1}\n{\"b\":2}\n");
        QCOMPARE(reply.status, status);
        QCOMPARE(reply.body, body);
        QCOMPARE(reply.productHeader, product);
        QCOMPARE(reply.node, server.url());
        if (status == 0) {
            QVERIFY2(reply.networkError.contains(error), qPrintable(reply.networkError));
            QVERIFY2(reply.networkError.startsWith(server.url()), qPrintable(reply.networkError));   // names the node
        } else {
            QVERIFY2(reply.networkError.isEmpty(), qPrintable(reply.networkError));
        }
    }

    // The request as it goes on the wire: method, target, Host, length, auth, custom headers replacing ours.
    void requestOnTheWire()
    {
        CannedServer server;
        server.answers = {{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"}};
        ForwardConfig c = configFor(server);
        c.apiKey = QStringLiteral("a2V5");
        c.headers = {{"user-agent", "custom/1.0"}, {"X-Opaque-Id", "t1"}};
        EsClient client(c);
        const QByteArray body = "{\"create\":{}}\n{\"x\":1}\n";
        QCOMPARE(exchange(client, "POST", "/_bulk?pipeline=_none", body).status, 200);
        QCOMPARE(server.requests.size(), 1);
        const QByteArray request = server.requests.first();
        const QByteArray head = request.left(request.indexOf("\r\n\r\n") + 2);
        QVERIFY2(head.startsWith("POST /_bulk?pipeline=_none HTTP/1.1\r\n"), head.constData());
        QVERIFY(head.contains("\r\nHost: 127.0.0.1:" + server.url().section(QLatin1Char(':'), 2).toUtf8() + "\r\n"));
        QVERIFY(head.contains("\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n"));
        QVERIFY(head.contains("\r\nContent-Type: application/x-ndjson\r\n"));
        QVERIFY(head.contains("\r\nAuthorization: ApiKey a2V5\r\n"));
        QVERIFY(head.contains("\r\nuser-agent: custom/1.0\r\n"));
        QVERIFY(!head.contains("falco-explorer"));   // replaced, not sent twice
        QVERIFY(head.contains("\r\nX-Opaque-Id: t1\r\n"));
        QVERIFY(request.endsWith("\r\n\r\n" + body));
    }

    // Keep-alive: the next request reuses the connection, unless the answer said close.
    void connectionReuse_data()
    {
        QTest::addColumn<QByteArray>("firstAnswer");
        QTest::addColumn<int>("connections");
        QTest::newRow("keep-alive") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na") << 1;
        QTest::newRow("Connection: close") << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na")
                                           << 2;
        QTest::newRow("HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na") << 2;
    }
    void connectionReuse()
    {
        QFETCH(QByteArray, firstAnswer);
        QFETCH(int, connections);
        CannedServer server;
        server.answers = {{firstAnswer}, {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"}};
        EsClient client(configFor(server));
        QCOMPARE(exchange(client, "GET", "/", QByteArray()).body, QByteArray("a"));
        QCOMPARE(exchange(client, "GET", "/", QByteArray()).body, QByteArray("b"));
        QCOMPARE(server.connections, connections);
        QCOMPARE(server.requests.size(), 2);
    }

    // The server drops a kept-alive connection just as the next request goes out (its idle timeout): the request
    // goes again on a new connection, once, and the caller sees the answer. A second drop is an error.
    void droppedKeptAliveConnectionIsRetriedOnce_data()
    {
        QTest::addColumn<QList<QList<QByteArray>>>("answers");
        QTest::addColumn<QByteArray>("secondBody");
        QTest::addColumn<int>("requests");
        QTest::addColumn<int>("connections");
        const QList<QByteArray> a{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"};
        const QList<QByteArray> b{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"};
        const QList<QByteArray> drop{"<close>"};
        QTest::newRow("dropped, then answered") << QList<QList<QByteArray>>{a, drop, b} << QByteArray("b") << 3 << 2;
        QTest::newRow("dropped twice") << QList<QList<QByteArray>>{a, drop, drop} << QByteArray() << 3 << 2;
        QTest::newRow("dropped after part of an answer")
            << QList<QList<QByteArray>>{a, {"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart", "<close>"}, b}
            << QByteArray() << 2 << 1;
    }
    void droppedKeptAliveConnectionIsRetriedOnce()
    {
        QFETCH(QList<QList<QByteArray>>, answers);
        QFETCH(QByteArray, secondBody);
        QFETCH(int, requests);
        QFETCH(int, connections);
        CannedServer server;
        server.answers = answers;
        EsClient client(configFor(server));
        QCOMPARE(exchange(client, "POST", "/_bulk", "{}\n{}\n").body, QByteArray("a"));
        const EsClient::Reply second = exchange(client, "POST", "/_bulk", "{\"x\":1}\n{}\n");
        QCOMPARE(second.body, secondBody);
        QCOMPARE(second.status, secondBody.isEmpty() ? 0 : 200);
        if (secondBody.isEmpty())
            QVERIFY2(second.networkError.contains(QLatin1String("closed")), qPrintable(second.networkError));
        QCOMPARE(server.requests.size(), requests);
        QCOMPARE(server.connections, connections);
        for (int i = 1; i < server.requests.size(); ++i)
            QVERIFY(server.requests.at(i).endsWith("\r\n\r\n{\"x\":1}\n{}\n"));   // the same request, whole
    }

    // Two requests at once go out on two connections.
    void concurrentRequests()
    {
        CannedServer server;
        server.answers = {{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"}, {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"}};
        EsClient client(configFor(server));
        QList<QByteArray> bodies;
        for (int i = 0; i < 2; ++i)
            client.send("POST", "/_bulk", "{}\n{}\n", [&](const EsClient::Reply &r) { bodies.append(r.body); });
        QTRY_COMPARE_WITH_TIMEOUT(bodies.size(), 2, 10000);
        QCOMPARE(server.connections, 2);
        QCOMPARE(client.connectionCount(), 2);   // both kept for the next requests
    }

    void stalledNodeTimesOut()
    {
        CannedServer server;   // no answers: reads the request, never answers
        ForwardConfig c = configFor(server);
        c.requestTimeoutMs = 200;
        EsClient client(c);
        const EsClient::Reply reply = exchange(client, "POST", "/_bulk", "{}\n{}\n");
        QCOMPARE(reply.status, 0);
        QVERIFY2(reply.networkError.contains(QLatin1String("no answer within 200 ms")), qPrintable(reply.networkError));
        QCOMPARE(client.connectionCount(), 0);   // a timed-out connection is closed, never reused
    }

    // A callback is never called from inside send(), even when the URL cannot be used at all.
    void badUrlAnswersLater()
    {
        ForwardConfig c;
        c.nodes = {QStringLiteral("ftp://127.0.0.1:1")};
        EsClient client(c);
        bool done = false;
        EsClient::Reply reply;
        client.send("GET", "/", QByteArray(), [&](const EsClient::Reply &r) {
            reply = r;
            done = true;
        });
        QVERIFY(!done);
        QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
        QCOMPARE(reply.status, 0);
        QVERIFY2(reply.networkError.contains(QLatin1String("not an http(s) URL")), qPrintable(reply.networkError));
    }

    // Credentials in a node URL are refused, never sent (the server sees no connection), never shown.
    void credentialsInTheUrlAreRefused()
    {
        CannedServer server;
        server.answers.append({QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")});
        ForwardConfig c;
        const QString secret = QStringLiteral("s3cr3t-pw");
        c.nodes = {server.url().replace(QLatin1String("http://"), QStringLiteral("http://elastic:%1@").arg(secret))};
        EsClient client(c);
        QVERIFY2(client.setupError().contains(QLatin1String("credentials")), qPrintable(client.setupError()));
        QVERIFY2(!client.setupError().contains(secret), qPrintable(client.setupError()));
        bool done = false;
        EsClient::Reply reply;
        client.send("GET", "/", QByteArray(), [&](const EsClient::Reply &r) {
            reply = r;
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
        QCOMPARE(reply.status, 0);
        QVERIFY2(reply.networkError.contains(QLatin1String("refused")), qPrintable(reply.networkError));
        QVERIFY2(!reply.networkError.contains(secret) && !reply.node.contains(secret), qPrintable(reply.networkError));
        QVERIFY2(!reply.networkError.contains(QLatin1String("elastic")), qPrintable(reply.networkError));
        QTest::qWait(100);
        QCOMPARE(server.connections, 0);
    }

    // What a server writes into its answer is shown to the user: control characters arrive escaped.
    void healthTextFromTheServerIsEscaped()
    {
        EsClient::Reply reply;
        reply.status = 200;
        reply.node = QStringLiteral("http://127.0.0.1:9200");
        reply.productHeader = "Elasticsearch";
        reply.body = "{\"cluster_name\":\"prod\\u001b]0;owned\\u0007\",\"version\":{\"number\":\"8.13.4\"}}";
        const EsClient::Health h = EsClient::healthFromReply(reply);
        QVERIFY(h.ok);
        QCOMPARE(h.clusterName, QStringLiteral("prod\\x1b]0;owned\\x07"));
    }
};

QTEST_GUILESS_MAIN(TestEsClient)
#include "tst_esclient.moc"
