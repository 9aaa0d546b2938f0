// SPDX-License-Identifier: Apache-2.0
// Conformance of fe::mapLine with Elastic's Falco integration, on Elastic's own pipeline-test fixtures
// (FE_CONFORMANCE_DIR, by default tests/data/elastic-falco: test data under the Elastic License 2.0, see its SOURCE.md).
//
// Documents are compared the way Elasticsearch indexes them: nested and dotted keys are the same field
// (both sides are flattened to dotted paths), null / [] / {} are dropped, and types are strict (the string
// "0" is not the number 0). Only `event.ingested` (the ingest time) and `agent.type` (injected by
// test-common-config.yml, not pipeline output) are ignored.
//
// 22 cases: 18 docs of test-falco.log-expected.json, 3 of test-nopreserve.log-expected.json, and input
// line 19 of test-falco.log, which has no expected doc (SOURCE.md "Version skew" 1): its derived values are
// asserted field by field.
#include "ingest/ecs/ecsmapper.h"

#include "testpaths.h"

#include <QDateTime>
#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

using nlohmann::json;

namespace {

const QString kDir = QStringLiteral(FE_CONFORMANCE_DIR);
// A fixed read time so event.ingested and the fallback @timestamp are deterministic.
const qint64 kReadTime = 1700000000000;
int s_passed = 0;

QByteArray readFile(const QString &name)
{
    QFile f(kDir + QLatin1Char('/') + name);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray();
    return f.readAll();
}

QList<QByteArray> readLines(const QString &name)
{
    QList<QByteArray> lines = readFile(name).split('\n');
    while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    return lines;
}

bool isEmptyJson(const json &v)
{
    return v.is_null() || ((v.is_array() || v.is_object()) && v.empty());
}

void flatten(const json &v, const std::string &prefix, std::map<std::string, json> &out);

// Arrays stay leaves; objects inside them are flattened too, so nested vs dotted keys compare equal.
json normaliseArray(const json &arr)
{
    json result = json::array();
    for (const json &item : arr) {
        if (item.is_null())
            continue;
        if (item.is_object()) {
            std::map<std::string, json> flat;
            flatten(item, std::string(), flat);
            json obj = json::object();
            for (auto &[k, val] : flat)
                obj[k] = val;
            result.push_back(obj);
        } else if (item.is_array()) {
            result.push_back(normaliseArray(item));
        } else {
            result.push_back(item);
        }
    }
    return result;
}

void flatten(const json &v, const std::string &prefix, std::map<std::string, json> &out)
{
    if (isEmptyJson(v))
        return;
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + '.' + it.key(), out);
        return;
    }
    if (v.is_array()) {
        json arr = normaliseArray(v);
        if (!arr.empty())
            out[prefix] = arr;
        return;
    }
    out[prefix] = v;
}

std::map<std::string, json> flatDoc(const json &doc)
{
    std::map<std::string, json> flat;
    flatten(doc, std::string(), flat);
    flat.erase("event.ingested");
    flat.erase("agent.type");
    return flat;
}

// Strict: a number never equals a string; integer and float kinds compare by value like ES numbers do.
bool sameValue(const json &a, const json &b)
{
    if (a.is_number() && b.is_number())
        return a == b;
    if (a.type() != b.type())
        return false;
    return a == b;
}

QString diff(const std::map<std::string, json> &expected, const std::map<std::string, json> &actual)
{
    QStringList lines;
    for (const auto &[k, v] : expected) {
        auto it = actual.find(k);
        if (it == actual.end())
            lines << QStringLiteral("missing %1 = %2").arg(QString::fromStdString(k), QString::fromStdString(v.dump()));
        else if (!sameValue(v, it->second))
            lines << QStringLiteral("differs %1: expected %2, got %3")
                         .arg(QString::fromStdString(k), QString::fromStdString(v.dump()),
                              QString::fromStdString(it->second.dump()));
    }
    for (const auto &[k, v] : actual) {
        if (!expected.count(k))
            lines << QStringLiteral("extra %1 = %2").arg(QString::fromStdString(k), QString::fromStdString(v.dump()));
    }
    return lines.join(QLatin1Char('\n'));
}

fe::MapOptions fileOptions(bool preserve)
{
    fe::MapOptions o;
    o.input = fe::MapOptions::Input::Logfile;
    o.preserveOriginal = preserve;
    o.preserveFalcoFields = preserve;
    o.logFilePath = QStringLiteral("/var/foo/events.log");
    o.readTimeMs = kReadTime;
    return o;
}

json mapToJson(const QByteArray &line, const fe::MapOptions &options, fe::MapResult *resultOut = nullptr)
{
    const fe::MapResult r = fe::mapLine(line, options);
    if (resultOut)
        *resultOut = r;
    if (r.status != fe::MapResult::Status::Alert)
        return json();
    return json::parse(r.alert.ecsJson.constData(), r.alert.ecsJson.constData() + r.alert.ecsJson.size());
}

} // namespace

// QCOMPARE cannot take nlohmann::json (its implicit conversions confuse QTest's overloads).
#define JCOMPARE(actual, expected)                                                                            \
    do {                                                                                                       \
        const json a_ = (actual);                                                                              \
        const json e_ = (expected);                                                                            \
        QVERIFY2(sameValue(a_, e_), qPrintable(QStringLiteral("%1: got %2, expected %3")                       \
                                                   .arg(QLatin1String(#actual), QString::fromStdString(a_.dump()), \
                                                        QString::fromStdString(e_.dump()))));                  \
    } while (false)

class TestConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fixturesPresent();
    void expectedDocs_data();
    void expectedDocs();
    void derivedLine19();
    void summary();
    void sampleSyslog_data();
    void sampleSyslog();
    void sampleEvent();
    void sampleLogs();
};

void TestConformance::fixturesPresent()
{
    // A missing fixture directory must fail the suite, not skip it.
    for (const char *name : {"test-falco.log", "test-falco.log-expected.json", "test-nopreserve.log",
                             "test-nopreserve.log-expected.json", "sample_event.json", "sample_syslog/sample.log",
                             "sample_logs/sample.log"}) {
        QVERIFY2(QFile::exists(kDir + QLatin1Char('/') + QLatin1String(name)),
                 qPrintable(QStringLiteral("FE_CONFORMANCE_DIR lacks %1 (%2)").arg(QLatin1String(name), kDir)));
    }
}

void TestConformance::expectedDocs_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<bool>("preserve");
    QTest::addColumn<int>("lineNo");

    struct Case
    {
        const char *log;
        const char *expected;
        bool preserve;
    };
    for (const Case &c : {Case{"test-falco.log", "test-falco.log-expected.json", true},
                          Case{"test-nopreserve.log", "test-nopreserve.log-expected.json", false}}) {
        const QList<QByteArray> lines = readLines(QLatin1String(c.log));
        const json expected = json::parse(readFile(QLatin1String(c.expected)).toStdString(), nullptr, false);
        if (expected.is_discarded() || !expected.contains("expected"))
            continue;   // fixturesPresent() fails for this
        const json &docs = expected["expected"];
        for (size_t i = 0; i < docs.size(); ++i) {
            QTest::addRow("%s line %d", c.log, int(i + 1))
                << (qsizetype(i) < lines.size() ? lines.at(qsizetype(i)) : QByteArray())
                << QByteArray::fromStdString(docs[i].dump()) << c.preserve << int(i + 1);
        }
    }
}

void TestConformance::expectedDocs()
{
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, expected);
    QFETCH(bool, preserve);
    QFETCH(int, lineNo);

    json want = json::parse(expected.toStdString());
    fe::MapResult result;
    json got = mapToJson(line, fileOptions(preserve), &result);
    QVERIFY2(result.status == fe::MapResult::Status::Alert, qPrintable(result.error));
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));

    // input.type is added by the agent's input; pipeline tests feed documents straight to the pipeline, so
    // the expected docs lack it. We check our value rather than ignoring the field.
    want["input"]["type"] = "log";

    // SOURCE.md "Version skew" 2: the current pipeline (1.3.2+) renames a scalar
    // falco.output_fields.evt.time to falco.output_fields.event.time; docs 17–18 (plain numeric "evt.time")
    // were generated before that.
    if (preserve && (lineNo == 17 || lineNo == 18)) {
        json &of = want["falco"]["output_fields"];
        QVERIFY(of["evt"]["time"].is_number());
        of["event"]["time"] = of["evt"]["time"];
        of["evt"].erase("time");
    }

    if (!preserve) {
        // SOURCE.md "Version skew" 4: pipeline tests skip Fleet's final pipeline, so the expected docs keep
        // event.original even without the preserve_original_event tag; a real deployment drops it, and so
        // do we. Check the fixture's value is the input line, that we leave it out, and that with the
        // preserve option we produce exactly that value.
        QCOMPARE(QByteArray::fromStdString(want["event"]["original"].get<std::string>()), line);
        want["event"].erase("original");
        QVERIFY(!got["event"].contains("original"));
        const json withOriginal = mapToJson(line, fileOptions(true));
        QCOMPARE(QByteArray::fromStdString(withOriginal["event"]["original"].get<std::string>()), line);
    }

    const QString d = diff(flatDoc(want), flatDoc(got));
    QVERIFY2(d.isEmpty(), qPrintable(QStringLiteral("\n") + d));
    ++s_passed;
}

void TestConformance::derivedLine19()
{
    // SOURCE.md "Version skew" 1: no expected doc upstream; values derived from the current pipeline.
    const QList<QByteArray> lines = readLines(QStringLiteral("test-falco.log"));
    QCOMPARE(lines.size(), 19);
    fe::MapResult result;
    json doc = mapToJson(lines.at(18), fileOptions(true), &result);
    QVERIFY2(result.status == fe::MapResult::Status::Alert && result.error.isEmpty(), qPrintable(result.error));
    const auto flat = flatDoc(doc);
    auto at = [&](const char *path) {
        auto it = flat.find(path);
        return it == flat.end() ? json() : it->second;
    };
    JCOMPARE(at("@timestamp"), json("2025-12-05T13:12:32.137Z"));
    JCOMPARE(at("event.severity"), json(99));
    JCOMPARE(at("event.kind"), json("alert"));
    JCOMPARE(at("event.category"), json::array({"process"}));
    JCOMPARE(at("event.type"), json::array({"info"}));
    JCOMPARE(at("event.provider"), json("syscall"));
    JCOMPARE(at("message"), json("Drop and execute new binary in container"));
    JCOMPARE(at("rule.name"), json("Drop and execute new binary in container"));
    JCOMPARE(at("host.name"), json("minikube"));
    JCOMPARE(at("observer.hostname"), json("minikube"));
    JCOMPARE(at("related.hosts"), json::array({"minikube"}));
    JCOMPARE(at("falco.output_fields.event.time"), json(1764940352137915184LL));
    QVERIFY(!flat.count("falco.output_fields.evt_time"));
    JCOMPARE(at("falco.uuid"), json("b791cbf1-245e-4574-9b91-f8f22a3bcbff"));
    QVERIFY(doc.contains("falco.container.mounts") && doc["falco.container.mounts"].is_null());
    QVERIFY(!flat.count("threat.technique.id"));
    QVERIFY(!flat.count("threat.technique.subtechnique.id"));
    QCOMPARE(result.alert.dedupeKey, QByteArray("u:b791cbf1-245e-4574-9b91-f8f22a3bcbff"));
    QCOMPARE(result.alert.tactics, QStringList{QStringLiteral("persistence")});
    ++s_passed;
}

void TestConformance::summary()
{
    qInfo("conformance: %d/22 cases match", s_passed);
    QCOMPARE(s_passed, 22);
}

void TestConformance::sampleSyslog_data()
{
    QTest::addColumn<QByteArray>("line");
    const QList<QByteArray> lines = readLines(QStringLiteral("sample_syslog/sample.log"));
    for (qsizetype i = 0; i < lines.size(); ++i)
        QTest::addRow("sample_syslog line %d", int(i + 1)) << lines.at(i);
}

void TestConformance::sampleSyslog()
{
    QFETCH(QByteArray, line);
    fe::MapOptions o = fileOptions(true);
    o.input = fe::MapOptions::Input::Tcp;
    o.logFilePath.clear();
    fe::MapResult result;
    const json doc = mapToJson(line, o, &result);
    QVERIFY2(result.status == fe::MapResult::Status::Alert && result.error.isEmpty(), qPrintable(result.error));
    JCOMPARE(doc["event"]["kind"], json("alert"));
    JCOMPARE(doc["input"]["type"], json("tcp"));
    // On TCP the agent copies the whole syslog line before the syslog processor runs.
    QCOMPARE(QByteArray::fromStdString(doc["event"]["original"].get<std::string>()), line);
    // Falcosidekick's PRI follows the Falco priority (facility 0, severity = priority).
    const int pri = line.mid(1, line.indexOf('>') - 1).toInt();
    JCOMPARE(doc["log"]["syslog"]["priority"], json(pri));
    QCOMPARE(int(result.alert.priority), pri % 8);
    JCOMPARE(doc["log"]["syslog"]["appname"], json("Falco"));
    JCOMPARE(doc["log"]["syslog"]["procid"], json("1"));
    JCOMPARE(doc["log"]["syslog"]["hostname"], json("a72f9a747cf8"));
    QVERIFY(result.alert.dedupeKey.startsWith("u:"));
    // The event time (ms precision) overrides the header time (second precision).
    const QByteArray header = line.mid(line.indexOf('>') + 1, 20);
    const qint64 headerMs = QDateTime::fromString(QString::fromLatin1(header), Qt::ISODate).toMSecsSinceEpoch();
    QVERIFY(result.alert.timestampMs >= headerMs - 1000 && result.alert.timestampMs < headerMs + 60000);
}

void TestConformance::sampleEvent()
{
    // sample_event.json is what the agent + an older pipeline stored for sample_syslog line 1. Compare every
    // field the pipeline and the tcp input produce; skip what the agent adds about itself (agent, host.* from
    // add_host_metadata, data_stream, ecs, elastic_agent, event.agent_id_status/dataset/timezone), and
    // check separately the two fields that changed since: event.severity (old 0–7 scale: 2 → 47 now) and
    // message (set to the rule name since 0.2.0).
    const json sample = json::parse(readFile(QStringLiteral("sample_event.json")).toStdString());
    const QByteArray line = QByteArray::fromStdString(sample["event"]["original"].get<std::string>());
    QCOMPARE(line, readLines(QStringLiteral("sample_syslog/sample.log")).value(0));
    fe::MapOptions o = fileOptions(true);
    o.input = fe::MapOptions::Input::Tcp;
    o.logFilePath.clear();
    o.sourceAddress = QStringLiteral("192.168.160.5:34984");
    json doc = mapToJson(line, o);
    JCOMPARE(doc["event"]["severity"], json(47));
    JCOMPARE(doc["message"], json("Run shell untrusted"));
    JCOMPARE(doc["host"]["name"], json("e822ea6618ae"));

    auto strip = [](std::map<std::string, json> flat) {
        for (auto it = flat.begin(); it != flat.end();) {
            const std::string &k = it->first;
            const bool agentSide = k.rfind("agent.", 0) == 0 || k.rfind("host.", 0) == 0
                || k.rfind("data_stream.", 0) == 0 || k.rfind("ecs.", 0) == 0 || k.rfind("elastic_agent.", 0) == 0
                || k == "event.agent_id_status" || k == "event.dataset" || k == "event.timezone"
                || k == "event.severity" || k == "message";
            it = agentSide ? flat.erase(it) : std::next(it);
        }
        return flat;
    };
    const QString d = diff(strip(flatDoc(sample)), strip(flatDoc(doc)));
    QVERIFY2(d.isEmpty(), qPrintable(QStringLiteral("\n") + d));
}

void TestConformance::sampleLogs()
{
    const QList<QByteArray> lines = readLines(QStringLiteral("sample_logs/sample.log"));
    QCOMPARE(lines.size(), 17);
    for (const QByteArray &line : lines) {
        fe::MapResult result;
        const json doc = mapToJson(line, fileOptions(false), &result);
        QVERIFY2(result.status == fe::MapResult::Status::Alert && result.error.isEmpty(), qPrintable(result.error));
        JCOMPARE(doc["event"]["kind"], json("alert"));
        QVERIFY(!doc["event"].contains("original"));
        // Every sample carries an event time, so the read time never shows.
        QVERIFY(result.alert.timestampMs != kReadTime);
        QVERIFY(result.alert.severity > 0);
        QVERIFY(!result.alert.rule.isEmpty());
    }
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
