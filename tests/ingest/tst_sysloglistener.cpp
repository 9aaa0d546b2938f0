// SPDX-License-Identifier: Apache-2.0
// End-to-end: real sockets on 127.0.0.1, real clients (logger, rsyslogd, openssl-made certificates), a real
// SQLite store; counts are exact.
#include "ingest/pipeline/ingestpipeline.h"
#include "ingest/sources/sysloglistener.h"
#include "model/alertstore.h"

#include "support/loopbackclient.h"
#include "testpaths.h"

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <nlohmann/json.hpp>

#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace fe;

namespace {

QByteArray alertJson(int i, const QByteArray &tag = "t")
{
    return QByteArray(R"({"uuid":"00000000-0000-4000-8000-)") + QByteArray::number(i).rightJustified(12, '0')
        + R"(","output":"12:00:00.000000000: Notice Shell spawned n=)" + QByteArray::number(i) + R"(","priority":"Notice",)"
        + R"("rule":"Terminal shell in container","time":"2024-08-07T13:49:16.479964318Z","source":"syscall",)"
        + R"("hostname":"node-1","tags":[")" + tag + R"("],"output_fields":{"container.id":"2ae6a7f15b6e","proc.name":"bash"}})";
}

QString str(const nlohmann::json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString::fromStdString(value.dump());
}

// What Falcosidekick (Go log/syslog) writes for one alert.
QByteArray sidekickLine(int i)
{
    return "<5>2024-08-07T13:49:16Z sidekick-7d9 Falco[1]: " + alertJson(i);
}

struct Harness
{
    QTemporaryDir dir;
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<SyslogListener> listener;

    bool start(ListenerConfig listen = {}, IngestConfig config = {})
    {
        config.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        config.statsIntervalMs = 100;
        pipeline = std::make_unique<IngestPipeline>(config);
        QString error;
        if (!pipeline->start(&error)) {
            qWarning() << error;
            return false;
        }
        listen.bindAddress = QHostAddress(QHostAddress::LocalHost);
        if (listen.tcpPort == 9030)
            listen.tcpPort = 0;
        listener = std::make_unique<SyslogListener>(listen, pipeline.get());
        if (!listener->start(&error)) {
            qWarning() << error;
            return false;
        }
        return true;
    }

    qint64 stored() const { return pipeline->stats().stored; }

    qint64 countInStore() const
    {
        AlertStore store;
        if (!store.open(dir.filePath(QStringLiteral("alerts.db")), AlertStore::OpenMode::ReadOnly))
            return -1;
        return store.count();
    }

    nlohmann::json firstDocument() const
    {
        AlertStore store;
        store.open(dir.filePath(QStringLiteral("alerts.db")), AlertStore::OpenMode::ReadOnly);
        nlohmann::json doc;
        store.forEachDocument({}, [&doc](qint64, const QByteArray &json) {
            doc = nlohmann::json::parse(json.constData(), json.constData() + json.size());
            return false;
        });
        return doc;
    }

    ~Harness()
    {
        if (listener)
            listener->stop();
        if (pipeline)
            pipeline->stop();
    }
};

bool run(const QString &program, const QStringList &args, QByteArray *output = nullptr, int timeoutMs = 30000)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, args);
    if (!process.waitForFinished(timeoutMs))
        return false;
    if (output)
        *output = process.readAll();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        qWarning() << program << args << process.readAll();
        return false;
    }
    return true;
}


} // namespace

class TestSyslogListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Falcosidekick opens one connection per alert and never closes it.
    void sidekickOneConnectionPerAlert()
    {
        Harness h;
        IngestConfig config;
        config.mapOptions.preserveOriginal = true;
        QVERIFY(h.start({}, config));
        constexpr int n = 300;
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int i = 0; i < n; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
            QVERIFY(socket->waitForConnected(5000));
            socket->write(sidekickLine(i) + '\n');
            QVERIFY(socket->waitForBytesWritten(5000));
            clients.push_back(std::move(socket));
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().connections, qint64(n), 5000);
        QCOMPARE(h.pipeline->stats().rejected, 0);
        QCOMPARE(h.countInStore(), qint64(n));

        const nlohmann::json doc = h.firstDocument();
        QCOMPARE(str(doc["input"]["type"]), QStringLiteral("tcp"));
        QCOMPARE(str(doc["log"]["syslog"]["appname"]), QStringLiteral("Falco"));
        QCOMPARE(str(doc["log"]["syslog"]["hostname"]), QStringLiteral("sidekick-7d9"));
        QCOMPARE(doc["log"]["syslog"]["priority"].get<int>(), 5);
        QCOMPARE(str(doc["log"]["syslog"]["facility"]["name"]), QStringLiteral("kernel"));
        QCOMPARE(str(doc["log"]["syslog"]["severity"]["name"]), QStringLiteral("Notice"));
        QCOMPARE(str(doc["log"]["syslog"]["procid"]), QStringLiteral("1"));
        QVERIFY(QByteArray::fromStdString(doc["log"]["source"]["address"].get<std::string>()).startsWith("127.0.0.1:"));
        QVERIFY(QByteArray::fromStdString(doc["event"]["original"].get<std::string>()).startsWith("<5>2024-08-07T13:49:16Z "));
        clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().connections, qint64(0), 5000);
    }

    void loggerClient_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("expectedAppname");
        QTest::newRow("RFC 3164") << QStringList{QStringLiteral("--rfc3164")} << QStringLiteral("Falco");
        QTest::newRow("RFC 5424") << QStringList{QStringLiteral("--rfc5424")} << QStringLiteral("Falco");
        QTest::newRow("RFC 5424 octet-counted")
            << QStringList{QStringLiteral("--rfc5424"), QStringLiteral("--octet-count")} << QStringLiteral("Falco");
        QTest::newRow("RFC 5424 with structured data")
            << QStringList{QStringLiteral("--rfc5424"), QStringLiteral("--octet-count"), QStringLiteral("--sd-id"),
                           QStringLiteral("falco@32473"), QStringLiteral("--sd-param"), QStringLiteral("rule=\"x y\"")}
            << QStringLiteral("Falco");
    }

    void loggerClient()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, expectedAppname);
        Harness h;
        QVERIFY(h.start());
        constexpr int n = 50;
        QFile input(h.dir.filePath(QStringLiteral("alerts.jsonl")));
        QVERIFY(input.open(QIODevice::WriteOnly));
        for (int i = 0; i < n; ++i)
            input.write(alertJson(i) + '\n');
        input.close();
        QStringList args{QStringLiteral("--tcp"), QStringLiteral("--server"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("--port"), QString::number(h.listener->tcpPort()), QStringLiteral("--tag"),
                         QStringLiteral("Falco"), QStringLiteral("--size"), QStringLiteral("65536")};
        args += flags;
        args += {QStringLiteral("--file"), input.fileName()};
        QVERIFY(run(QStringLiteral("logger"), args));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 20000);
        QCOMPARE(h.pipeline->stats().rejected, 0);
        QCOMPARE(h.countInStore(), qint64(n));
        const nlohmann::json doc = h.firstDocument();
        QCOMPARE(QString::fromStdString(doc["log"]["syslog"]["appname"].get<std::string>()), expectedAppname);
        QCOMPARE(str(doc["rule"]["name"]), QStringLiteral("Terminal shell in container"));
    }

    // rsyslog reads a file (imfile) and forwards it with omfwd, RFC 5424 and octet-counted framing.
    void rsyslogForwarding()
    {
        const QString rsyslogd = QStandardPaths::findExecutable(QStringLiteral("rsyslogd"), {QStringLiteral("/usr/sbin")});
        QVERIFY2(!rsyslogd.isEmpty(), "rsyslogd is required");
        Harness h;
        QVERIFY(h.start());
        constexpr int n = 200;
        const QString inputPath = h.dir.filePath(QStringLiteral("falco.log"));
        QFile input(inputPath);
        QVERIFY(input.open(QIODevice::WriteOnly));
        for (int i = 0; i < n; ++i)
            input.write(alertJson(i) + '\n');
        input.close();
        QDir().mkpath(h.dir.filePath(QStringLiteral("rs")));
        const QByteArray conf = "global(workDirectory=\"" + h.dir.filePath(QStringLiteral("rs")).toUtf8() + "\")\n"
            "module(load=\"imfile\" mode=\"polling\" PollingInterval=\"1\")\n"
            "input(type=\"imfile\" File=\"" + inputPath.toUtf8() + "\" Tag=\"Falco\" Severity=\"notice\" Facility=\"local0\" "
            "readMode=\"0\" freshStartTail=\"off\" ruleset=\"fwd\")\n"
            "ruleset(name=\"fwd\") {\n"
            "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + QByteArray::number(h.listener->tcpPort()) + "\" "
            "protocol=\"tcp\" TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n"
            "}\n";
        QFile confFile(h.dir.filePath(QStringLiteral("rsyslog.conf")));
        QVERIFY(confFile.open(QIODevice::WriteOnly));
        confFile.write(conf);
        confFile.close();
        QProcess rsyslog;
        rsyslog.setProcessChannelMode(QProcess::MergedChannels);
        rsyslog.start(rsyslogd, {QStringLiteral("-n"), QStringLiteral("-f"), confFile.fileName(), QStringLiteral("-i"),
                                 h.dir.filePath(QStringLiteral("rs/rsyslogd.pid"))});
        QVERIFY(rsyslog.waitForStarted(5000));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 30000);
        rsyslog.terminate();
        QVERIFY(rsyslog.waitForFinished(10000));
        QCOMPARE(h.pipeline->stats().rejected, 0);
        QCOMPARE(h.countInStore(), qint64(n));
        const nlohmann::json doc = h.firstDocument();
        QCOMPARE(str(doc["log"]["syslog"]["appname"]), QStringLiteral("Falco"));
        QCOMPARE(str(doc["log"]["syslog"]["facility"]["name"]), QStringLiteral("local0"));
        QCOMPARE(doc["log"]["syslog"]["severity"]["code"].get<int>(), 5);
    }

    void udpDatagrams()
    {
        Harness h;
        ListenerConfig listen;
        listen.udpPort = 0;
        QVERIFY(h.start(listen));
        QVERIFY(h.listener->udpPort() != 0);
        constexpr int n = 100;
        QUdpSocket udp;
        for (int i = 0; i < n; ++i) {
            QCOMPARE(udp.writeDatagram(sidekickLine(i) + '\n', QHostAddress::LocalHost, h.listener->udpPort()),
                     qint64(sidekickLine(i).size() + 1));
            if (i % 20 == 19)
                QTest::qWait(20);   // loopback UDP has no flow control: stay under the socket buffer
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 20000);
        QCOMPARE(h.countInStore(), qint64(n));
        QCOMPARE(str(h.firstDocument()["input"]["type"]), QStringLiteral("tcp"));
    }

    void tls_data()
    {
        QTest::addColumn<bool>("requireClientCert");
        QTest::addColumn<bool>("presentClientCert");
        QTest::addColumn<int>("expectedStored");
        QTest::newRow("server certificate only") << false << false << 20;
        QTest::newRow("client certificate required and presented") << true << true << 20;
        QTest::newRow("client certificate required, none presented") << true << false << 0;
    }

    void tls()
    {
        QFETCH(bool, requireClientCert);
        QFETCH(bool, presentClientCert);
        QFETCH(int, expectedStored);
        if (!QSslSocket::supportsSsl())
            QFAIL("Qt has no TLS backend");
        QTemporaryDir pki;
        const auto path = [&pki](const char *name) { return pki.filePath(QString::fromLatin1(name)); };
        QFile ext(path("san.ext"));
        QVERIFY(ext.open(QIODevice::WriteOnly));
        ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        ext.close();
        const QString openssl = QStringLiteral("openssl");
        QVERIFY(run(openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                              QStringLiteral("-nodes"), QStringLiteral("-keyout"), path("ca.key"), QStringLiteral("-out"),
                              path("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                              QStringLiteral("/CN=Falco Explorer test CA")}));
        for (const char *who : {"server", "client"}) {
            const QString key = path(who) + QStringLiteral(".key");
            const QString csr = path(who) + QStringLiteral(".csr");
            const QString pem = path(who) + QStringLiteral(".pem");
            QVERIFY(run(openssl, {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                                  QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr, QStringLiteral("-subj"),
                                  QStringLiteral("/CN=") + QString::fromLatin1(who)}));
            QVERIFY(run(openssl, {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr, QStringLiteral("-CA"),
                                  path("ca.pem"), QStringLiteral("-CAkey"), path("ca.key"), QStringLiteral("-CAcreateserial"),
                                  QStringLiteral("-out"), pem, QStringLiteral("-days"), QStringLiteral("2"),
                                  QStringLiteral("-extfile"), path("san.ext")}));
        }

        Harness h;
        ListenerConfig listen;
        listen.tlsCertificate = path("server.pem");
        listen.tlsKey = path("server.key");
        if (requireClientCert)
            listen.tlsClientCa = path("ca.pem");
        QVERIFY(h.start(listen));

        QSslSocket client;
        QSslConfiguration tlsConfig = client.sslConfiguration();
        tlsConfig.setCaCertificates(QSslCertificate::fromPath(path("ca.pem")));
        if (presentClientCert) {
            tlsConfig.setLocalCertificate(QSslCertificate::fromPath(path("client.pem")).value(0));
            QFile keyFile(path("client.key"));
            QVERIFY(keyFile.open(QIODevice::ReadOnly));
            tlsConfig.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
        }
        client.setSslConfiguration(tlsConfig);
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), h.listener->tcpPort());
        const bool encrypted = client.waitForEncrypted(10000);
        if (expectedStored > 0)
            QVERIFY2(encrypted, qPrintable(client.errorString()));
        if (encrypted) {
            for (int i = 0; i < 20; ++i)
                client.write(sidekickLine(i) + '\n');
            client.waitForBytesWritten(5000);
        }
        if (expectedStored > 0) {
            QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(expectedStored), 20000);
            QCOMPARE(h.pipeline->stats().rejected, 0);
        } else {
            QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().rejectedByReason.value(QStringLiteral("TLS handshake failed")),
                                      qint64(1), 10000);
            QTest::qWait(300);
            QCOMPARE(h.stored(), 0);
        }
        QCOMPARE(h.countInStore(), qint64(expectedStored));
    }

    // Garbage, broken JSON and two 30 MiB frames (one newline-terminated, one octet-counted) in a good stream:
    // each bad frame is counted with its reason and a diagnostic naming the peer; every good alert is stored.
    void badInputMixedIntoGoodStream()
    {
        Harness h;
        QVERIFY(h.start());
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
        QVERIFY(client.waitForConnected(5000));
        const QString peer = QStringLiteral("127.0.0.1:%1").arg(client.localPort());
        int good = 0;
        auto sendGood = [&](int count, bool octets) {
            for (int i = 0; i < count; ++i) {
                const QByteArray line = sidekickLine(good++);
                client.write(octets ? QByteArray::number(line.size()) + ' ' + line : line + '\n');
            }
        };
        const QByteArray huge(30 * 1024 * 1024, 'x');
        sendGood(10, false);
        client.write("this is not syslog at all\n");
        client.write("<13>Aug  7 13:49:16 host Falco[1]: {\"rule\": broken\n");
        client.write(huge + "\n");
        sendGood(10, false);
        client.write(QByteArray::number(huge.size()) + ' ' + huge);
        sendGood(10, true);
        sendGood(10, false);
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(10000));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(40), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().rejected, qint64(4), 5000);
        const PipelineStats stats = h.pipeline->stats();
        QCOMPARE(stats.rejectedByReason.value(QStringLiteral("frame too large")), 2);
        QCOMPARE(stats.rejectedByReason.value(QStringLiteral("not syslog")), 1);
        QCOMPARE(stats.rejectedByReason.value(QStringLiteral("invalid JSON")), 1);
        int naming = 0;
        for (const Diagnostic &diagnostic : h.pipeline->diagnostics())
            naming += diagnostic.location == peer ? int(diagnostic.count) : 0;
        QCOMPARE(naming, 4);
        QCOMPARE(h.countInStore(), qint64(40));
    }

    // A small queue and a flood on several connections: the listener pauses, nothing is lost.
    void backpressureLosesNothing()
    {
        Harness h;
        IngestConfig config;
        config.maxQueuedBytes = 32 * 1024;
        config.mapperThreads = 1;
        config.maxBatchAlerts = 256;
        ListenerConfig listen;
        listen.maxBatchFrames = 64;
        QVERIFY(h.start(listen, config));
        constexpr int connections = 4;
        constexpr int perConnection = 5000;
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int c = 0; c < connections; ++c) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
            QVERIFY(socket->waitForConnected(5000));
            QByteArray data;
            for (int i = 0; i < perConnection; ++i)
                data += sidekickLine(c * perConnection + i) + '\n';
            socket->write(data);
            clients.push_back(std::move(socket));
        }
        for (auto &socket : clients) {
            while (socket->bytesToWrite() > 0)
                QVERIFY(socket->waitForBytesWritten(20000));
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(connections * perConnection), 45000);
        QCOMPARE(h.pipeline->stats().rejected, 0);
        QCOMPARE(h.pipeline->stats().duplicates, 0);
        QCOMPARE(h.countInStore(), qint64(connections * perConnection));
    }

    // Several mappers map batches in parallel; the writer still stores them in the order they arrived.
    void parallelMappersStoreInArrivalOrder_data()
    {
        QTest::addColumn<int>("mappers");
        QTest::newRow("one mapper") << 1;
        QTest::newRow("three mappers, small batches") << 3;
    }

    void parallelMappersStoreInArrivalOrder()
    {
        QFETCH(int, mappers);
        Harness h;
        IngestConfig config;
        config.mapperThreads = mappers;
        config.maxBatchAlerts = 500;
        ListenerConfig listen;
        listen.maxBatchFrames = 16;
        QVERIFY(h.start(listen, config));
        QCOMPARE(h.pipeline->mapperThreads(), mappers);
        constexpr int n = 3000;
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
        QVERIFY(client.waitForConnected(5000));
        for (int i = 0; i < n; ++i)
            client.write(sidekickLine(i) + '\n');
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(10000));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 30000);
        QVERIFY(h.pipeline->commits() > 1);   // several transactions of about maxBatchAlerts
        AlertStore store;
        QVERIFY(store.open(h.dir.filePath(QStringLiteral("alerts.db")), AlertStore::OpenMode::ReadOnly));
        const AlertBatch stored = store.alertsAfter(0, n + 1);
        QCOMPARE(stored.size(), n);
        for (int i = 0; i < n; ++i) {
            const QString expected = QStringLiteral("00000000-0000-4000-8000-%1").arg(i, 12, 10, QLatin1Char('0'));
            QCOMPARE(stored.at(i).uuid, expected);
        }
    }

    // Large batches (a burst) leave the full-text index to the writer's idle time: it catches up once the
    // queue is empty, without new alerts arriving.
    void fullTextIndexCatchesUpWhenIdle()
    {
        Harness h;
        IngestConfig config;
        config.maxBatchAlerts = 3000;   // above the store's inline-indexing size
        config.maxBatchAgeMs = 10000;
        QVERIFY(h.start({}, config));
        constexpr int n = 6000;
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
        QVERIFY(client.waitForConnected(5000));
        QByteArray data;
        for (int i = 0; i < n; ++i)
            data += sidekickLine(i) + '\n';
        client.write(data);
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(10000));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(n), 30000);
        AlertStore store;
        QVERIFY(store.open(h.dir.filePath(QStringLiteral("alerts.db")), AlertStore::OpenMode::ReadOnly));
        QTRY_COMPARE_WITH_TIMEOUT(store.pendingIndexRows(), qint64(0), 20000);
    }

    void idleConnectionsAreClosed()
    {
        Harness h;
        ListenerConfig listen;
        listen.idleTimeoutSeconds = 1;
        QVERIFY(h.start(listen));
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int i = 0; i < 5; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
            QVERIFY(socket->waitForConnected(5000));
            clients.push_back(std::move(socket));
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().connections, qint64(5), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().connections, qint64(0), 10000);
        for (auto &socket : clients) {
            if (socket->state() != QAbstractSocket::UnconnectedState)
                QVERIFY(socket->waitForDisconnected(5000));
        }
    }

    void connectionLimit()
    {
        Harness h;
        ListenerConfig listen;
        listen.maxConnections = 3;
        QVERIFY(h.start(listen));
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int i = 0; i < 5; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, h.listener->tcpPort());
            QVERIFY(socket->waitForConnected(5000));
            clients.push_back(std::move(socket));
            QTRY_COMPARE_WITH_TIMEOUT(h.pipeline->stats().connections + h.pipeline->stats().rejected, qint64(i + 1), 5000);
        }
        QCOMPARE(h.pipeline->stats().connections, 3);
        QCOMPARE(h.pipeline->stats().rejectedByReason.value(QStringLiteral("connection limit")), 2);
    }

    // Every connection is a descriptor. `listen` raises its soft RLIMIT_NOFILE towards --max-connections (the
    // hard limit allows it); when the hard limit is too low it says so, and still serves what it can.
    void cliFileLimit_data()
    {
        QTest::addColumn<bool>("hardLimitTooLow");
        QTest::addColumn<int>("connections");
        QTest::newRow("soft limit 128, raised for 400 connections") << false << 400;
        QTest::newRow("hard limit 128, below --max-connections") << true << 40;
    }

    void cliFileLimit()
    {
        QFETCH(bool, hardLimitTooLow);
        QFETCH(int, connections);
        rlimit own {};
        QVERIFY(getrlimit(RLIMIT_NOFILE, &own) == 0);
        if (own.rlim_cur < rlim_t(connections) + 100) {   // the test's own clients need descriptors too
            rlimit raised = own;
            raised.rlim_cur = qMin<rlim_t>(raised.rlim_max, rlim_t(connections) + 100);
            QVERIFY(setrlimit(RLIMIT_NOFILE, &raised) == 0);
        }
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("limit.db"));
        QProcess listen;
        listen.setChildProcessModifier([hardLimitTooLow] {
            rlimit limit {};
            getrlimit(RLIMIT_NOFILE, &limit);
            limit.rlim_cur = 128;
            if (hardLimitTooLow)
                limit.rlim_max = 128;
            setrlimit(RLIMIT_NOFILE, &limit);
        });
        listen.start(QStringLiteral(FE_EXPLORER_BIN),
                     {QStringLiteral("listen"), QStringLiteral("--db"), db, QStringLiteral("--port"), QStringLiteral("0"),
                      QStringLiteral("--max-connections"), QStringLiteral("600"), QStringLiteral("--quiet")});
        QVERIFY(listen.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(listen.canReadLine(), 10000);
        const QByteArray first = listen.readLine();
        QVERIFY2(first.startsWith("listening on tcp 127.0.0.1:"), first.constData());
        const quint16 port = quint16(first.trimmed().mid(first.lastIndexOf(':') + 1).toUInt());
        std::vector<int> fds;
        for (int i = 0; i < connections; ++i) {
            const int fd = fe::test::connectToLoopback(port);
            QVERIFY(fd >= 0);
            fds.push_back(fd);
            const QByteArray line = sidekickLine(i) + '\n';
            QCOMPARE(::write(fd, line.constData(), size_t(line.size())), ssize_t(line.size()));
        }
        QTest::qWait(1500);   // accepted and read (the listener reads each connection as it accepts it)
        listen.terminate();
        QVERIFY(listen.waitForFinished(20000));
        for (int fd : fds)
            ::close(fd);
        QCOMPARE(listen.exitCode(), 0);
        const QByteArray errors = listen.readAllStandardError();
        QCOMPARE(errors.contains("the open-file limit is 128 (hard limit 128)"), hardLimitTooLow);
        AlertStore store;
        QVERIFY(store.open(db, AlertStore::OpenMode::ReadOnly));
        QCOMPARE(store.count(), qint64(connections));
    }

    // The CLI: `falco-explorer listen --port 0`, alerts sent, SIGTERM: everything received is stored.
    void cliStoresEverythingOnSigterm()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("cli.db"));
        QProcess listen;
        listen.start(QStringLiteral(FE_EXPLORER_BIN),
                     {QStringLiteral("listen"), QStringLiteral("--db"), db, QStringLiteral("--port"), QStringLiteral("0"),
                      QStringLiteral("--quiet")});
        QVERIFY(listen.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(listen.canReadLine(), 10000);
        const QByteArray first = listen.readLine();
        QVERIFY2(first.startsWith("listening on tcp 127.0.0.1:"), first.constData());
        const quint16 port = quint16(first.trimmed().mid(first.lastIndexOf(':') + 1).toUInt());
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(client.waitForConnected(5000));
        constexpr int n = 500;
        for (int i = 0; i < n; ++i)
            client.write(sidekickLine(i) + '\n');
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(5000));
        QTest::qWait(200);   // the bytes are in the listener's socket; SIGTERM now
        listen.terminate();
        QVERIFY(listen.waitForFinished(20000));
        QCOMPARE(listen.exitStatus(), QProcess::NormalExit);
        QCOMPARE(listen.exitCode(), 0);
        AlertStore store;
        QVERIFY(store.open(db, AlertStore::OpenMode::ReadOnly));
        QCOMPARE(store.count(), qint64(n));
    }
};

QTEST_GUILESS_MAIN(TestSyslogListener)
#include "tst_sysloglistener.moc"
