// SPDX-License-Identifier: Apache-2.0
// fe::mapLine on our own fixtures (tests/data/mapper/cases.jsonl): input shapes (Falco, Falcosidekick,
// Sidekick-direct, syslog, CRI, Docker), drift (evt_time, object values, null values, odd tags, invalid IPs),
// bad input (Rejected with a reason, Skipped) and the Alert columns. One case per line:
//   {"name", "input": {alert object} | "line": "raw line", "options": {...}, "expect": {...}}
// Expected fields are compared the way Elasticsearch indexes (dotted paths, strict types); a null expected
// value means "absent".
#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/mapperpath.h"

#include "testpaths.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

#include <limits>
#include <map>

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

void flatten(const json &v, const std::string &prefix, std::map<std::string, json> &out)
{
    if (v.is_null() || ((v.is_array() || v.is_object()) && v.empty()))
        return;
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + '.' + it.key(), out);
        return;
    }
    out[prefix] = v;
}

bool sameValue(const json &a, const json &b)
{
    if (a.is_number() && b.is_number())
        return a == b;
    return a.type() == b.type() && a == b;
}

QString str(const json &v)
{
    return QString::fromStdString(v.dump());
}

fe::MapOptions optionsFrom(const json &o)
{
    fe::MapOptions options;
    options.readTimeMs = 1700000000000;
    if (o.value("input", std::string()) == "tcp")
        options.input = fe::MapOptions::Input::Tcp;
    options.preserveOriginal = o.value("preserveOriginal", false);
    options.preserveFalcoFields = o.value("preserveFalcoFields", false);
    options.logFilePath = QString::fromStdString(o.value("logFilePath", std::string()));
    options.logOffset = o.value("logOffset", qint64(-1));
    options.sourceAddress = QString::fromStdString(o.value("sourceAddress", std::string()));
    options.readTimeMs = o.value("readTimeMs", options.readTimeMs);
    if (o.contains("extraFields")) {
        for (const json &pair : o["extraFields"])
            options.extraFields.append({QString::fromStdString(pair[0].get<std::string>()),
                                        QString::fromStdString(pair[1].get<std::string>())});
    }
    return options;
}

QStringList stringList(const json &arr)
{
    QStringList out;
    for (const json &s : arr)
        out << QString::fromStdString(s.get<std::string>());
    return out;
}

} // namespace

class TestEcsMapper : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cases_data();
    void cases();
    void sameAlertSameDedupeKey();
    void statelessAcrossCalls();
    void jsonEscaping_data();
    void jsonEscaping();
    void largeAlertThenSmall();
    void hostileObjects_data();
    void hostileObjects();
    void hugeSplits_data();
    void hugeSplits();
};

void TestEcsMapper::cases_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("options");
    QTest::addColumn<QByteArray>("expect");

    QFile f(QStringLiteral(FE_TEST_DATA_DIR "/mapper/cases.jsonl"));
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
    int n = 0;
    for (const QByteArray &raw : f.readAll().split('\n')) {
        if (raw.trimmed().isEmpty())
            continue;
        // ordered_json keeps the alert's key order when an "input" object is turned back into a line.
        const ordered_json c = ordered_json::parse(raw.toStdString());
        const QByteArray line = c.contains("input") ? QByteArray::fromStdString(c["input"].dump())
                                                    : QByteArray::fromStdString(c["line"].get<std::string>());
        QTest::newRow(c["name"].get<std::string>().c_str())
            << line << QByteArray::fromStdString(c["options"].dump()) << QByteArray::fromStdString(c["expect"].dump());
        ++n;
    }
    QVERIFY(n >= 40);
}

void TestEcsMapper::cases()
{
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, options);
    QFETCH(QByteArray, expect);
    const json e = json::parse(expect.toStdString());
    const fe::MapResult r = fe::mapLine(line, optionsFrom(json::parse(options.toStdString())));

    const std::string status = e.value("status", std::string("alert"));
    const fe::MapResult::Status wantStatus = status == "rejected" ? fe::MapResult::Status::Rejected
        : status == "skipped"                                     ? fe::MapResult::Status::Skipped
                                                                  : fe::MapResult::Status::Alert;
    QVERIFY2(r.status == wantStatus, qPrintable(QStringLiteral("status %1, error: %2").arg(int(r.status)).arg(r.error)));
    if (e.contains("error"))
        QVERIFY2(r.error.contains(QString::fromStdString(e["error"].get<std::string>())), qPrintable(r.error));
    else if (wantStatus == fe::MapResult::Status::Alert)
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    if (wantStatus != fe::MapResult::Status::Alert) {
        QVERIFY(r.alert.ecsJson.isEmpty());
        return;
    }
    if (e.contains("warning"))
        QVERIFY2(r.warning.contains(QString::fromStdString(e["warning"].get<std::string>())), qPrintable(r.warning));
    else
        QVERIFY2(r.warning.isEmpty(), qPrintable(r.warning));
    // Whatever the input, an alert's time is one the store can hold, and @timestamp is readable.
    QVERIFY2(r.alert.timestampMs >= 0 && r.alert.timestampMs <= std::numeric_limits<qint64>::max() / 1000000,
             qPrintable(QString::number(r.alert.timestampMs)));

    // The document is compact UTF-8 JSON: re-serialising it (key order kept) gives the same bytes.
    const ordered_json ordered = ordered_json::parse(r.alert.ecsJson.toStdString());
    QCOMPARE(QByteArray::fromStdString(ordered.dump()), r.alert.ecsJson);
    const json doc = json::parse(r.alert.ecsJson.toStdString());
    std::map<std::string, json> flat;
    flatten(doc, std::string(), flat);

    if (e.contains("fields")) {
        for (auto it = e["fields"].begin(); it != e["fields"].end(); ++it) {
            const auto found = flat.find(it.key());
            if (it.value().is_null()) {
                QVERIFY2(found == flat.end(), qPrintable(QStringLiteral("%1 should be absent").arg(QString::fromStdString(it.key()))));
                continue;
            }
            QVERIFY2(found != flat.end(), qPrintable(QStringLiteral("missing %1").arg(QString::fromStdString(it.key()))));
            QVERIFY2(sameValue(found->second, it.value()),
                     qPrintable(QStringLiteral("%1: got %2, expected %3")
                                    .arg(QString::fromStdString(it.key()), str(found->second), str(it.value()))));
        }
    }
    for (const json &path : e.value("absent", json::array()))
        QVERIFY2(!flat.count(path.get<std::string>()), qPrintable(QStringLiteral("%1 should be absent: %2")
                                                                      .arg(str(path), str(flat[path.get<std::string>()]))));
    for (const json &path : e.value("nonEmpty", json::array()))
        QVERIFY2(flat.count(path.get<std::string>()), qPrintable(QStringLiteral("%1 missing").arg(str(path))));
    for (const json &key : e.value("rawNull", json::array())) {
        QVERIFY2(doc.contains(key.get<std::string>()), qPrintable(str(key)));
        QVERIFY(doc[key.get<std::string>()].is_null());
    }
    if (e.contains("mounts"))
        QVERIFY2(doc["falco.container.mounts"] == e["mounts"], qPrintable(str(doc["falco.container.mounts"])));
    if (e.value("originalIsLine", false))
        QCOMPARE(QByteArray::fromStdString(doc["event"]["original"].get<std::string>()), line);
    if (e.value("originalIsFalcoJson", false)) {
        // Sidekick-direct: event.original is the JSON of the falco object as moved (output_fields still flat).
        const json original = json::parse(doc["event"]["original"].get<std::string>());
        const json input = json::parse(line.toStdString());
        json falcoPart = input;
        falcoPart.erase("@timestamp");
        QVERIFY2(original == falcoPart, qPrintable(str(original)));
    }

    if (e.contains("alert")) {
        const json &a = e["alert"];
        const fe::Alert &alert = r.alert;
        if (a.contains("severity"))
            QCOMPARE(alert.severity, a["severity"].get<int>());
        if (a.contains("priority"))
            QCOMPARE(int(alert.priority), a["priority"].get<int>());
        if (a.contains("rule"))
            QCOMPARE(alert.rule, QString::fromStdString(a["rule"].get<std::string>()));
        if (a.contains("source"))
            QCOMPARE(alert.source, QString::fromStdString(a["source"].get<std::string>()));
        if (a.contains("hostname"))
            QCOMPARE(alert.hostname, QString::fromStdString(a["hostname"].get<std::string>()));
        if (a.contains("uuid"))
            QCOMPARE(alert.uuid, QString::fromStdString(a["uuid"].get<std::string>()));
        if (a.contains("containerImage"))
            QCOMPARE(alert.containerImage, QString::fromStdString(a["containerImage"].get<std::string>()));
        if (a.contains("timeIsReceipt"))
            QCOMPARE(alert.timeIsReceipt, a["timeIsReceipt"].get<bool>());
        if (a.contains("commandLine"))
            QCOMPARE(alert.commandLine, QString::fromStdString(a["commandLine"].get<std::string>()));
        if (a.contains("timestampMs"))
            QCOMPARE(alert.timestampMs, a["timestampMs"].get<qint64>());
        if (a.contains("technique"))
            QCOMPARE(alert.technique, QString::fromStdString(a["technique"].get<std::string>()));
        if (a.contains("subtechnique"))
            QCOMPARE(alert.subtechnique, QString::fromStdString(a["subtechnique"].get<std::string>()));
        if (a.contains("tactics"))
            QCOMPARE(alert.tactics, stringList(a["tactics"]));
        if (a.contains("tags"))
            QCOMPARE(alert.tags, stringList(a["tags"]));
        if (a.contains("dedupeKey"))
            QCOMPARE(alert.dedupeKey, QByteArray::fromStdString(a["dedupeKey"].get<std::string>()));
        if (a.contains("dedupePrefix"))
            QVERIFY(alert.dedupeKey.startsWith(QByteArray::fromStdString(a["dedupePrefix"].get<std::string>())));
    }
}

void TestEcsMapper::sameAlertSameDedupeKey()
{
    // The same alert read from a file, a syslog stream, a CRI log or a Docker log dedupes to one key: the
    // SHA-256 of the alert JSON text itself.
    const QByteArray alert = R"({"output":"o","priority":"Warning","rule":"R","output_fields":{"proc.name":"x"}})";
    const QByteArray key = "h:" + QCryptographicHash::hash(alert, QCryptographicHash::Sha256).toHex();
    fe::MapOptions tcp;
    tcp.input = fe::MapOptions::Input::Tcp;
    const QByteArray docker = QByteArray::fromStdString(
        json{{"log", alert.toStdString() + "\n"}, {"stream", "stdout"}, {"time", "2025-01-01T00:00:00Z"}}.dump());
    const QList<QPair<QByteArray, fe::MapOptions>> forms = {
        {alert, fe::MapOptions()},
        {alert + "\r\n", fe::MapOptions()},
        {"<4>2024-08-07T13:49:16Z h Falco[1]: " + alert, tcp},
        {"2025-01-01T00:00:00.123456789Z stdout F " + alert, fe::MapOptions()},
        {docker, fe::MapOptions()},
    };
    for (const auto &form : forms) {
        const fe::MapResult r = fe::mapLine(form.first, form.second);
        QVERIFY2(r.status == fe::MapResult::Status::Alert, qPrintable(r.error + QLatin1String(form.first)));
        QCOMPARE(r.alert.dedupeKey, key);
    }
}

void TestEcsMapper::statelessAcrossCalls()
{
    // A rejected line between two alerts leaves no trace (thread_local parser reuse).
    const QByteArray good = R"({"output":"o","priority":"Error","rule":"R","output_fields":{"evt.time":1715108059341081180}})";
    const fe::MapResult first = fe::mapLine(good, fe::MapOptions());
    QCOMPARE(fe::mapLine("{\"rule\":", fe::MapOptions()).status, fe::MapResult::Status::Rejected);
    const fe::MapResult second = fe::mapLine(good, fe::MapOptions());
    QCOMPARE(second.alert.ecsJson.size(), first.alert.ecsJson.size());
    QCOMPARE(second.alert.dedupeKey, first.alert.dedupeKey);
    QCOMPARE(second.alert.timestampMs, qint64(1715108059341));
}

void TestEcsMapper::jsonEscaping_data()
{
    QTest::addColumn<QByteArray>("special");
    QTest::newRow("quote") << QByteArray("\"");
    QTest::newRow("backslash") << QByteArray("\\");
    QTest::newRow("newline") << QByteArray("\n");
    QTest::newRow("tab") << QByteArray("\t");
    QTest::newRow("control 0x01") << QByteArray("\x01");
    QTest::newRow("control 0x1f") << QByteArray("\x1f");
    QTest::newRow("DEL stays raw") << QByteArray("\x7f");
    QTest::newRow("space stays raw") << QByteArray(" ");
    QTest::newRow("two-byte UTF-8 stays raw") << QByteArray("\xc3\xa9");
    QTest::newRow("four-byte UTF-8 stays raw") << QByteArray("\xf0\x9f\x98\x80");
}

void TestEcsMapper::jsonEscaping()
{
    // The document writer scans 16 and 8 bytes at a time: the special byte at every position of strings of
    // every length around those widths, in a value and in a key, must come out exactly as a reference JSON
    // writer (nlohmann) escapes it.
    QFETCH(QByteArray, special);
    fe::MapOptions options;
    options.preserveFalcoFields = true;
    options.readTimeMs = 1700000000000;
    for (int length = 0; length <= 40; ++length) {
        for (int at = 0; at <= length; ++at) {
            std::string text(size_t(length), 'a');
            text.insert(size_t(at), special.toStdString());
            const std::string key = "k" + text;
            ordered_json alert = {{"output", "o"}, {"priority", "Warning"}, {"rule", text},
                                  {"output_fields", {{"proc.name", text}, {key, 1}}}};
            const fe::MapResult r = fe::mapLine(QByteArray::fromStdString(alert.dump()), options);
            QVERIFY2(r.status == fe::MapResult::Status::Alert, qPrintable(r.error));
            const std::string doc = r.alert.ecsJson.toStdString();
            const std::string escapedValue = json(text).dump();
            const std::string escapedKey = json(key).dump();
            QVERIFY2(doc.find("\"rule\":{\"name\":" + escapedValue + "}") != std::string::npos, doc.c_str());
            QVERIFY2(doc.find(escapedKey + ":1") != std::string::npos, doc.c_str());
            const json parsed = json::parse(doc);
            QCOMPARE(QString::fromStdString(parsed["process"]["name"].get<std::string>()), QString::fromStdString(text));
            QCOMPARE(r.alert.rule, QString::fromStdString(text));
        }
    }
}

void TestEcsMapper::largeAlertThenSmall()
{
    // A line far larger than the mapper's per-thread working memory, then a small one: the big document is
    // whole, and the small one comes out as it does on its own.
    const QByteArray small = R"({"output":"o","priority":"Error","rule":"R","output_fields":{"proc.name":"x","evt.time":1715108059341081180}})";
    const QByteArray alone = fe::mapLine(small, fe::MapOptions()).alert.ecsJson;
    json fields = json::object();
    for (int i = 0; i < 5000; ++i)
        fields["field.n" + std::to_string(i)] = std::string(size_t(100 + i % 50), char('a' + i % 26));
    const std::string output(size_t(2) << 20, 'o');
    const json big = {{"output", output}, {"priority", "Notice"}, {"rule", "Big"}, {"output_fields", fields}};
    fe::MapOptions options;
    options.preserveFalcoFields = true;
    const fe::MapResult r = fe::mapLine(QByteArray::fromStdString(big.dump()), options);
    QVERIFY2(r.status == fe::MapResult::Status::Alert, qPrintable(r.error));
    QVERIFY(r.error.isEmpty());
    const json doc = json::parse(r.alert.ecsJson.toStdString());
    QCOMPARE(doc["falco"]["output"].get<std::string>().size(), output.size());
    QCOMPARE(doc["falco"]["output_fields"]["field"].size(), size_t(5000));
    QCOMPARE(doc["falco"]["output_fields"]["field"]["n4999"].get<std::string>(), fields["field.n4999"].get<std::string>());
    const fe::MapResult after = fe::mapLine(small, fe::MapOptions());
    QCOMPARE(after.alert.ecsJson.size(), alone.size());
    // event.ingested is the time of the call: compare everything else.
    json a = json::parse(after.alert.ecsJson.toStdString());
    json b = json::parse(alone.toStdString());
    a["event"].erase("ingested");
    b["event"].erase("ingested");
    QCOMPARE(QString::fromStdString(a.dump()), QString::fromStdString(b.dump()));
}

// Objects with very many members, at the limit (kMaxObjectMembers, 10,000) and past it, in lines up to 16 MiB:
// each is mapped or rejected with a clear reason, in one linear pass (the time is printed, never asserted).
void TestEcsMapper::hostileObjects_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<bool>("mapped");
    QTest::addColumn<QString>("error");
    const QByteArray head = R"({"output":"o","priority":"Warning","rule":"R","time":"2024-05-07T18:54:19.341081180Z",)";
    const auto keys = [](int count, const char *prefix, int distinct) {
        QByteArray text;
        text.reserve(qsizetype(count) * 16);
        for (int i = 0; i < count; ++i) {
            if (i)
                text += ',';
            text += '"' + QByteArray(prefix) + QByteArray::number(i % distinct) + "\":" + QByteArray::number(i % 10);
        }
        return text;
    };
    QTest::newRow("output_fields at the limit, all under one parent (expansion's worst case)")
        << head + "\"output_fields\":{" + keys(10000, "a.k", 10000) + "}}" << true << QString();
    QTest::newRow("1M output_fields keys under one parent (14 MB)")
        << head + "\"output_fields\":{" + keys(1000000, "a.k", 1000000) + "}}" << false
        << QStringLiteral("JSON object output_fields has 1000000 members, more than the 10000");
    QTest::newRow("1M top-level keys")
        << head + keys(1000000, "k", 1000000) + ",\"output_fields\":{}}" << false
        << QStringLiteral("JSON object (the alert) has 1000005 members");
    QTest::newRow("1M copies of one key")
        << head + "\"output_fields\":{" + keys(1000000, "proc.name", 1) + "}}" << false
        << QStringLiteral("more than the 10000");
    const auto objects = [&](int count) {
        QByteArray text;
        for (int i = 0; i < count; ++i)
            text += (i ? ",\"x.v" : "\"x.v") + QByteArray::number(i) + "\":{" + keys(9999, "k", 9999 - i) + "}";
        return text;
    };
    QTest::newRow("9 objects of 9,999 members with duplicates (90,000 values)")
        << head + "\"output_fields\":{" + objects(9) + "}}" << true << QString();
    QTest::newRow("160 objects of 9,999 members (1.6M values, 16 MB)")
        << head + "\"output_fields\":{" + objects(160) + "}}" << false
        << QStringLiteral("JSON text has more than 100000 values");
    QByteArray numbers = "[0";
    for (int i = 1; i < 100000; ++i)
        numbers += ",1";
    QTest::newRow("an array of 100,000 numbers (with the alert's, past the limit)")
        << head + "\"output_fields\":{\"evt.arg.x\":" + numbers + "]}}" << false
        << QStringLiteral("JSON text has more than 100000 values");
    QTest::newRow("3.9M numbers in 3,900 arrays of 1,000 (8 MB)")
        << head + "\"output_fields\":{\"evt.arg.x\":[" + QByteArray("[" + QByteArray(1999, '1').replace("11", "1,") + "1],").repeated(3900) + "[]]}}"
        << false << QStringLiteral("JSON text has more than 100000 values");
    QTest::newRow("nesting past the parser's depth (16 MiB)") << "{\"a\":" + QByteArray((16 << 20) - 5, '[') << false
                                                              << QStringLiteral("invalid JSON");
}

void TestEcsMapper::hostileObjects()
{
    QFETCH(QByteArray, line);
    QFETCH(bool, mapped);
    QFETCH(QString, error);
    QVERIFY(line.size() <= 16 << 20);
    for (const bool frame : {false, true}) {
        fe::MapOptions options;
        options.input = frame ? fe::MapOptions::Input::Tcp : fe::MapOptions::Input::Logfile;
        QElapsedTimer timer;
        timer.start();
        const fe::MapResult r = frame ? fe::mapFrame(line, options) : fe::mapLine(line, options);
        qInfo("%s, %lld bytes: %lld ms", frame ? "mapFrame" : "mapLine", qint64(line.size()), timer.elapsed());
        if (mapped) {
            QVERIFY2(r.status == fe::MapResult::Status::Alert, qPrintable(r.error));
            QVERIFY(r.error.isEmpty());
            QCOMPARE(r.alert.rule, QStringLiteral("R"));
            QVERIFY(json::accept(r.alert.ecsJson.toStdString()));
        } else {
            QCOMPARE(r.status, fe::MapResult::Status::Rejected);
            QVERIFY2(r.error.contains(error), qPrintable(r.error));
            QVERIFY(fe::alertOutputText(line, options, frame).isEmpty());
        }
    }
}

void TestEcsMapper::hugeSplits_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<QByteArray>("item");
    QTest::addColumn<QByteArray>("ecsField");
    QTest::newRow("proc.env") << QByteArray("proc.env") << QByteArray("A=1") << QByteArray("env_vars");
    QTest::newRow("proc.args") << QByteArray("proc.args") << QByteArray("a") << QByteArray("args");
}

// A command line or environment of 150,000 words maps to at most kMaxSplitParts (100,000) items, the last one holding
// the rest unsplit: the alert is kept (its text is the attacker's to choose) and its memory stays bounded.
void TestEcsMapper::hugeSplits()
{
    QFETCH(QByteArray, field);
    QFETCH(QByteArray, item);
    QFETCH(QByteArray, ecsField);
    const QByteArray words = (item + ' ').repeated(150000).trimmed();
    const QByteArray line = R"({"output":"o","priority":"Warning","rule":"R","time":"2024-05-07T18:54:19.341081180Z",)"
                            R"("output_fields":{"proc.exepath":"/bin/x",")" + field + "\":\"" + words + "\"}}";
    for (const fe::MapperPath path : {fe::MapperPath::Auto, fe::MapperPath::General}) {
        const fe::MapResult r = fe::mapLineVia(line, fe::MapOptions(), path);
        QVERIFY2(r.status == fe::MapResult::Status::Alert && r.error.isEmpty(), qPrintable(r.error));
        const json doc = json::parse(r.alert.ecsJson.toStdString());
        const json &items = doc["process"][ecsField.toStdString()];
        // process.args starts with the executable.
        QCOMPARE(items.size(), size_t(field == "proc.args" ? 100001 : 100000));
        const QByteArray rest = (item + ' ').repeated(150000 - 99999).trimmed();
        QCOMPARE(QByteArray::fromStdString(items.back().get<std::string>()), rest);
    }
}

QTEST_GUILESS_MAIN(TestEcsMapper)
#include "tst_ecsmapper.moc"
