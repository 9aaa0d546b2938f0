// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/bulkencoder.h"

#include <QCryptographicHash>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fe;
using Json = nlohmann::json;

// QTest cannot print nlohmann values: compare their JSON text.
#define JCOMPARE(actual, expected) \
    QCOMPARE(QString::fromStdString(Json(actual).dump()), QString::fromStdString(Json(expected).dump()))

namespace {

Json parse(const QByteArray &text)
{
    return Json::parse(text.constData(), text.constData() + text.size());
}

ForwardConfig config(ForwardConfig::Mode mode, const QString &index = {})
{
    ForwardConfig c;
    c.nodes = {QStringLiteral("http://127.0.0.1:9200")};
    c.mode = mode;
    c.namespaceName = QStringLiteral("prod");
    c.index = index;
    return c;
}

const QByteArray s_ecsDoc = R"({"@timestamp":"2024-05-07T18:54:19.341Z","event":{"kind":"alert","severity":47},"falco":{"hostname":"h1","output":"out","priority":"Warning","rule":"Read sensitive file untrusted","source":"syscall","tags":["T1555"],"time":"2024-05-07T18:54:19.341081180Z","output_fields":{"container":{"id":"abc","image":{"name":"nginx"}},"evt":{"time":{"iso8601":1715108059341},"type":"openat"},"fd":{"name":"/etc/shadow"},"client":{"ip":"10.0.0.1"}}},"rule":{"name":"Read sensitive file untrusted"}})";

} // namespace

class TestBulkEncoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void documentIdIsStableHexOfDedupeKey()
    {
        const QByteArray id = BulkEncoder::documentId("u:1234");
        QCOMPARE(id.size(), 40);
        QCOMPARE(id, QCryptographicHash::hash("u:1234", QCryptographicHash::Sha256).toHex().left(40));
        QCOMPARE(BulkEncoder::documentId("u:1234"), id);
        QVERIFY(BulkEncoder::documentId("u:1235") != id);
    }

    void bulkPathByMode_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("pipelineNone");
        QTest::newRow("ecs sends pipeline=_none") << int(ForwardConfig::Mode::Ecs) << true;
        QTest::newRow("raw lets the integration pipeline run") << int(ForwardConfig::Mode::Raw) << false;
    }
    void bulkPathByMode()
    {
        QFETCH(int, mode);
        QFETCH(bool, pipelineNone);
        const BulkEncoder encoder(config(ForwardConfig::Mode(mode)));
        QVERIFY(encoder.bulkPath().startsWith("/_bulk?"));
        QCOMPARE(encoder.bulkPath().contains("pipeline=_none"), pipelineNone);
    }

    void ecsDocumentForTheIntegrationDataStream()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs));
        QCOMPARE(encoder.targetIndex(), QStringLiteral("logs-falco.alerts-prod"));
        QString error;
        const QByteArray out = encoder.encodeDocument(s_ecsDoc, &error);
        QVERIFY2(!out.isEmpty(), qPrintable(error));
        const Json doc = parse(out);
        Json expected = parse(s_ecsDoc);
        expected["data_stream"] = {{"type", "logs"}, {"dataset", "falco.alerts"}, {"namespace", "prod"}};
        expected["event"]["dataset"] = "falco.alerts";
        expected["event"]["module"] = "falco";
        QCOMPARE(QString::fromStdString(doc.dump()), QString::fromStdString(expected.dump()));
    }

    void ecsDocumentEdgeCases_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");   // compared as parsed JSON
        const QByteArray ds = R"("data_stream":{"type":"logs","dataset":"falco.alerts","namespace":"prod"})";
        QTest::newRow("empty object") << QByteArray("{}")
                                      << QByteArray("{" + ds + R"(,"event":{"dataset":"falco.alerts","module":"falco"}})");
        QTest::newRow("empty event object") << QByteArray(R"({"event":{}})")
                                            << QByteArray("{" + ds + R"(,"event":{"dataset":"falco.alerts","module":"falco"}})");
        QTest::newRow("data_stream already set is kept")
            << QByteArray(R"({"data_stream":{"type":"logs","dataset":"x","namespace":"y"},"event":{"dataset":"x","module":"falco"}})")
            << QByteArray(R"({"data_stream":{"type":"logs","dataset":"x","namespace":"y"},"event":{"dataset":"x","module":"falco"}})");
        QTest::newRow("dotted event.dataset is respected")
            << QByteArray(R"({"event.dataset":"x","event":{"kind":"alert"}})")
            << QByteArray("{" + ds + R"(,"event.dataset":"x","event":{"module":"falco","kind":"alert"}})");
        QTest::newRow("strings with braces and escapes")
            << QByteArray("{\"a\":\"}{\\\"event\\\":{\",\"event\":{\"k\":\"\\\\\"}}")
            << QByteArray("{" + ds + ",\"a\":\"}{\\\"event\\\":{\",\"event\":{\"dataset\":\"falco.alerts\",\"module\":\"falco\",\"k\":\"\\\\\"}}");
        QTest::newRow("escaped backslash before an escaped quote")
            << QByteArray("{\"a\":\"\\\\\\\"\",\"b\":\"\\\\\",\"event\":{\"kind\":\"alert\"}}")
            << QByteArray("{" + ds + ",\"a\":\"\\\\\\\"\",\"b\":\"\\\\\",\"event\":{\"dataset\":\"falco.alerts\",\"module\":\"falco\",\"kind\":\"alert\"}}");
        QTest::newRow("pretty printed becomes one line")
            << QByteArray("{\n  \"event\": {\n    \"kind\": \"alert\"\n  }\n}")
            << QByteArray("{" + ds + R"(,"event":{"dataset":"falco.alerts","module":"falco","kind":"alert"}})");
        QTest::newRow("event that is not an object is left alone")
            << QByteArray(R"({"event":"x","n":1})") << QByteArray("{" + ds + R"(,"event":"x","n":1})");
        QTest::newRow("event with dataset gets only module")
            << QByteArray(R"({"event":{"dataset":"mine"}})") << QByteArray("{" + ds + R"(,"event":{"module":"falco","dataset":"mine"}})");
    }
    void ecsDocumentEdgeCases()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs));
        QString error;
        const QByteArray out = encoder.encodeDocument(input, &error);
        QVERIFY2(!out.isEmpty(), qPrintable(error));
        QVERIFY(!out.contains('\n'));
        QCOMPARE(QString::fromStdString(parse(out).dump()), QString::fromStdString(parse(expected).dump()));
    }

    // The scanner looks at 16 bytes at a time: escapes, quotes and brackets inside strings at every position
    // around those blocks, at every depth, must neither end a string early nor miss the members after it.
    void scannerAcrossBlockBoundaries()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs));
        const QByteArray tricky[] = {"\\\"", "\\\\", "\\\\\\\"", "}", "]", "{", "[", "\\u0022"};
        int checked = 0;
        for (const QByteArray &piece : tricky) {
            for (int length = 0; length <= 40; ++length) {
                for (int k = 0; k <= length; ++k) {
                    const QByteArray value = QByteArray(k, 'x') + piece + QByteArray(length - k, 'y');
                    const QByteArray doc = "{\"pad\":\"" + value + "\",\"nested\":{\"a\":[\"" + value + "\",{\"b\":\"" + value
                        + "\"}],\"c\":[[1,2],{}]},\"event\":{\"kind\":\"alert\"},\"last\":\"" + value + "\"}";
                    Json expected = parse(doc);
                    expected["data_stream"] = {{"type", "logs"}, {"dataset", "falco.alerts"}, {"namespace", "prod"}};
                    expected["event"]["dataset"] = "falco.alerts";
                    expected["event"]["module"] = "falco";
                    QString error;
                    const QByteArray out = encoder.encodeDocument(doc, &error);
                    QVERIFY2(!out.isEmpty(), qPrintable(error + QLatin1Char(' ') + QString::fromUtf8(doc)));
                    QCOMPARE(QString::fromStdString(parse(out).dump()), QString::fromStdString(expected.dump()));
                    ++checked;
                }
            }
        }
        QCOMPARE(checked, 8 * 861);
    }

    void customIndexSendsTheDocumentUnchanged()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs, QStringLiteral("falco-alerts")));
        QString error;
        QCOMPARE(encoder.encodeDocument(s_ecsDoc, &error), s_ecsDoc);
    }

    void notAnObjectIsRefused_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("truncated") << QByteArray("{\"a\":\"b");
        QTest::newRow("empty") << QByteArray();
    }
    void notAnObjectIsRefused()
    {
        QFETCH(QByteArray, input);
        for (ForwardConfig::Mode mode : {ForwardConfig::Mode::Ecs, ForwardConfig::Mode::Raw}) {
            const BulkEncoder encoder(config(mode));
            QString error;
            QVERIFY(encoder.encodeDocument(input, &error).isEmpty());
            QVERIFY(!error.isEmpty());
        }
    }

    void rawFromEventOriginal_data()
    {
        QTest::addColumn<QByteArray>("original");
        const QByteArray falco = R"({"hostname":"h","output":"o","priority":"Notice","rule":"r","time":"2024-01-01T00:00:00Z","output_fields":{"proc.name":"bash"}})";
        QTest::newRow("plain Falco line") << falco;
        QTest::newRow("behind a syslog header") << QByteArray("<5>2024-08-07T13:49:16Z a72f Falco[1]: " + falco);
    }
    void rawFromEventOriginal()
    {
        QFETCH(QByteArray, original);
        Json ecs = parse(s_ecsDoc);
        ecs["event"]["original"] = original.toStdString();
        const BulkEncoder encoder(config(ForwardConfig::Mode::Raw));
        QString error;
        const QByteArray raw = encoder.encodeDocument(QByteArray::fromStdString(ecs.dump()), &error);
        QVERIFY2(!raw.isEmpty(), qPrintable(error));
        const Json j = parse(raw);
        JCOMPARE(j["rule"], Json("r"));
        JCOMPARE(j["output_fields"]["proc.name"], Json("bash"));
        QVERIFY(!j.contains("falco"));
    }

    void rawRebuiltFromTheFalcoObject()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Raw));
        QString error;
        const QByteArray raw = encoder.encodeDocument(s_ecsDoc, &error);
        QVERIFY2(!raw.isEmpty(), qPrintable(error));
        const Json j = parse(raw);
        JCOMPARE(j["rule"], Json("Read sensitive file untrusted"));
        JCOMPARE(j["priority"], Json("Warning"));
        JCOMPARE(j["hostname"], Json("h1"));
        JCOMPARE(j["tags"], Json::array({"T1555"}));
        JCOMPARE(j["@timestamp"], Json("2024-05-07T18:54:19.341Z"));
        const Json &of = j["output_fields"];
        JCOMPARE(of["container.id"], Json("abc"));
        JCOMPARE(of["container.image"], Json("nginx"));           // rename undone
        JCOMPARE(of["fd.cip"], Json("10.0.0.1"));                  // rename undone
        JCOMPARE(of["fd.name"], Json("/etc/shadow"));
        JCOMPARE(of["evt.type"], Json("openat"));
        JCOMPARE(of["evt.time.iso8601"], Json(1715108059341000000LL));   // back to nanoseconds
        QVERIFY(!of.contains("container.image.name"));
    }

    void rawWithoutFalcoObjectIsRefused()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Raw));
        QString error;
        QVERIFY(encoder.encodeDocument(R"({"event":{"kind":"alert"}})", &error).isEmpty());
        QVERIFY(error.contains(QLatin1String("raw mode")));
    }

    void encodeBuildsNdjsonPairs()
    {
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs));
        QVector<BulkSource> sources;
        for (int i = 1; i <= 5; ++i)
            sources.append({i, "u:" + QByteArray::number(i), s_ecsDoc});
        sources[2].ecsJson = "not json";
        BulkRequest request;
        QVector<BulkEncodeFailure> failures;
        QCOMPARE(encoder.encode(sources, 0, 100, 1 << 20, &request, &failures), 5);
        QCOMPARE(request.size(), 4);
        QCOMPARE(failures.size(), 1);
        QCOMPARE(failures[0].alertId, 3);
        QCOMPARE(request.alertIds, (QVector<qint64>{1, 2, 4, 5}));
        const QList<QByteArray> lines = request.body.split('\n');
        QCOMPARE(lines.size(), 9);   // 4 pairs + the empty string after the final newline
        QVERIFY(lines.last().isEmpty());
        const Json action = parse(lines[0]);
        JCOMPARE(action["create"]["_index"], Json("logs-falco.alerts-prod"));
        JCOMPARE(action["create"]["_id"], Json(BulkEncoder::documentId("u:1").toStdString()));
        JCOMPARE(parse(lines[1])["rule"]["name"], Json("Read sensitive file untrusted"));
        QCOMPARE(QByteArray::fromStdString(parse(lines[2])["create"]["_id"].get<std::string>()), request.documentIds[1]);
    }

    void encodeRespectsCountAndByteLimits_data()
    {
        QTest::addColumn<int>("maxDocs");
        QTest::addColumn<qint64>("maxBytes");
        QTest::addColumn<int>("expectedDocs");
        const qint64 pair = 60 + 40 + s_ecsDoc.size() + 160;   // generous upper bound of one pair
        QTest::newRow("count limit") << 3 << qint64(1 << 20) << 3;
        QTest::newRow("byte limit") << 100 << 2 * pair << 2;
        QTest::newRow("one document larger than the limit still goes alone") << 100 << qint64(10) << 1;
    }
    void encodeRespectsCountAndByteLimits()
    {
        QFETCH(int, maxDocs);
        QFETCH(qint64, maxBytes);
        QFETCH(int, expectedDocs);
        const BulkEncoder encoder(config(ForwardConfig::Mode::Ecs));
        QVector<BulkSource> sources;
        for (int i = 1; i <= 10; ++i)
            sources.append({i, "u:" + QByteArray::number(i), s_ecsDoc});
        BulkRequest request;
        const qsizetype next = encoder.encode(sources, 0, maxDocs, maxBytes, &request, nullptr);
        QCOMPARE(request.size(), expectedDocs);
        QCOMPARE(next, qsizetype(expectedDocs));
        if (expectedDocs > 1)
            QVERIFY(request.body.size() <= maxBytes);
    }

    void indexNameIsJsonEscaped()
    {
        ForwardConfig c = config(ForwardConfig::Mode::Ecs, QStringLiteral("a\"b"));
        QVERIFY(!c.validate().isEmpty());   // refused by validation...
        const BulkEncoder encoder(c);      // ...and still never breaks the JSON
        QVector<BulkSource> sources{{1, "u:1", s_ecsDoc}};
        BulkRequest request;
        encoder.encode(sources, 0, 10, 1 << 20, &request, nullptr);
        JCOMPARE(parse(request.body.split('\n')[0])["create"]["_index"], Json("a\"b"));
    }
};

QTEST_GUILESS_MAIN(TestBulkEncoder)
#include "tst_bulkencoder.moc"
