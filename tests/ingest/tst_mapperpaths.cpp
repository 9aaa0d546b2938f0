// SPDX-License-Identifier: Apache-2.0
// The mapper's fast path against its general pipeline (ingest/mapperpath.h): every line of every corpus is
// mapped through both, under several option sets, and every MapResult field must be equal, byte for byte.
// Corpora: Elastic's conformance fixtures, our own mapper cases, the demo generator's rule mix, Falcosidekick
// syslog lines (Go, RFC 5424, RFC 3164, CRI wrappers), alerts edited key by key (null / number / array /
// object values, keys the renames collide with, duplicate keys, plain keys) and lines damaged byte by byte.
// Every line is also mapped as a frame (mapFrame, both paths), which must give mapLine's result for anything but
// CEF; a corpus of Falcosidekick CEF frames takes the frame paths only.
// The clean generated alerts must take the fast path (so that this test keeps testing it).
#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/ecsrecordmapper.h"
#include "ingest/ecs/mapperpath.h"

#include "testpaths.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

QList<QByteArray> readLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines;
    for (const QByteArray &l : f.readAll().split('\n')) {
        if (!l.trimmed().isEmpty())
            lines.append(l);
    }
    return lines;
}

// count demo alerts (Falco JSON lines) from seed, ending at a fixed time: the same lines on every run.
QList<QByteArray> demoLines(int count, quint64 seed)
{
    fe::DemoOptions options;
    options.count = count;
    options.seed = seed;
    options.endMs = 1715606609000;
    fe::DemoGenerator demo(options);
    QList<QByteArray> lines;
    while (!demo.atEnd())
        lines.append(demo.next());
    return lines;
}

QByteArray sidekickAlert(int i)
{
    const QByteArray n = QByteArray::number(i);
    QByteArray uuid = i % 3 ? QByteArray(",\"uuid\":\"5c9c3c1e-0000-4000-8000-") + n.rightJustified(12, '0') + "\""
                            : QByteArray();
    return "{\"hostname\":\"worker-" + QByteArray::number(i % 7)
        + "\",\"output\":\"13:23:29.089890892: Warning Sensitive file opened (file=/etc/shadow)\",\"priority\":\""
        + (i % 4 ? "Warning" : "Critical") + "\",\"rule\":\"Read sensitive file untrusted\",\"source\":\"syscall\","
        + "\"tags\":[\"T1555\",\"container\",\"mitre_credential_access\",\"T1552.001\"],"
          "\"time\":\"2024-05-13T13:23:29.089890892Z\""
        + uuid
        + ",\"output_fields\":{\"container.id\":\"9656db3bb358\",\"container.image\":\"docker.io/library/nginx\","
          "\"container.image.tag\":\"1.25\",\"container.name\":\"nginx-"
        + n + "\",\"container.privileged\":false,\"container.mounts\":\"/a:/b:rw:true:rprivate /c:/d\","
        + "\"evt.num\":" + QByteArray::number(1000 + i)
        + ",\"evt.res\":\"SUCCESS\",\"evt.time\":" + QByteArray::number(1715606609089890892LL + i)
        + ",\"evt.type\":\"openat\",\"evt.category\":\"file\",\"fd.name\":\"/etc/shadow\",\"fd.type\":\"file\","
          "\"fd.directory\":\"/etc\",\"fd.filename\":\"shadow\",\"fd.ino\":\"567874\",\"fd.cip\":\"10.0.0."
        + QByteArray::number(i % 250)
        + "\",\"fd.cport\":5400,\"fd.lport\":5689,\"fd.sip\":\"fe80::1\",\"fd.rip\":\"bad ip\",\"k8s.ns.name\":\"default\","
          "\"k8s.pod.name\":\"nginx-7d4b\",\"k8s.pod.ip\":\"10.1.2.3\",\"k8s.pod.uid\":\"6a1d6f0e\","
          "\"proc.aname[2]\":\"runc\",\"proc.aname[3]\":null,\"proc.args\":\"-n  /etc/shadow \","
          "\"proc.cmdline\":\"cat /etc/shadow\",\"proc.cwd\":\"/root/\",\"proc.exepath\":\"/usr/bin/cat\","
          "\"proc.env\":\"A=1  B=2\",\"proc.duration\":\"12345\",\"proc.pid.ts\":1715606609,"
          "\"proc.name\":\"cat\",\"proc.pcmdline\":\"bash\",\"proc.pexepath\":\"/usr/bin/bash\",\"proc.pid\":"
        + QByteArray::number(4000 + i % 3000)
        + ",\"proc.pname\":\"bash\",\"proc.ppid\":4001,\"proc.sid\":1,\"proc.vpgid\":7,\"proc.tty\":34816,"
          "\"thread.tid\":9,\"user.loginuid\":-1,\"user.name\":\"root\",\"user.uid\":0,\"group.gid\":0,"
          "\"evt.arg.flags\":\"O_RDONLY\"}}";
}

// One key-level edit of an alert: the shapes at the edge of what the fast path takes.
QByteArray editAlert(const QByteArray &line, int edit)
{
    ordered_json alert = ordered_json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
    if (!alert.is_object())
        return line;
    ordered_json &of = alert["output_fields"];
    if (!of.is_object())
        of = ordered_json::object();
    std::vector<std::string> keys;
    for (auto it = of.begin(); it != of.end(); ++it)
        keys.push_back(it.key());
    const std::string key = keys.empty() ? std::string("proc.name") : keys[size_t(edit / 16) % keys.size()];
    switch (edit % 16) {
    case 0: of[key] = nullptr; break;
    case 1: of[key] = 42; break;
    case 2: of[key] = "12345"; break;
    case 3: of[key] = ordered_json::array({"a", 1, nullptr}); break;
    case 4: of[key] = {{"x", 1}}; break;
    case 5: of[key] = ""; break;
    case 6: of[key] = 1.5; break;
    case 7: of[key] = true; break;
    case 8: {
        static const char *const extra[] = {"fd.cip.name", "proc.pid.ts", "container.image.name", "process.pid",
                                            "client.ip", "evt.time.iso8601", "evt_time", "syslog_facility",
                                            "proc.vpgid.name", "event.time", "fd.lip.name", "proc.ppid.duration",
                                            "evt.time.rawtime", "a..b", ".x", "syslog.facility"};
        of[extra[size_t(edit / 16) % 16]] = edit % 32 < 16 ? ordered_json("2024-05-13T13:23:29Z") : ordered_json(7);
        break;
    }
    case 9: of.erase(key); break;
    case 10: alert.erase(alert.begin().key()); break;
    case 11: alert["extra"] = 1; break;
    case 12: alert["priority"] = edit % 32 < 16 ? ordered_json(3) : ordered_json(nullptr); break;
    case 13: alert["tags"] = edit % 32 < 16 ? ordered_json("T1234") : ordered_json::array({1, "mitre_x", "T9999.999"}); break;
    case 14: alert["hostname"] = edit % 32 < 16 ? ordered_json("") : ordered_json(nullptr); break;
    default: {
        // The same key twice (nlohmann would merge them: spliced as text).
        const std::string text = alert.dump();
        const std::string dup = "\"" + key + "\":\"dup\",";
        const size_t at = text.find("\"output_fields\":{");
        if (at == std::string::npos)
            return QByteArray::fromStdString(text);
        return QByteArray::fromStdString(text.substr(0, at + 17) + dup + text.substr(at + 17));
    }
    }
    return QByteArray::fromStdString(alert.dump());
}

// Deterministic byte-level damage (escapes, control bytes, non-ASCII, cuts).
QByteArray damage(const QByteArray &line, quint64 *state)
{
    auto next = [state] {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        return quint32(*state >> 33);
    };
    static const QByteArray pieces[] = {"\\\"", "\\n", "\\u0001", "\xC3\xA9t\xC3\xA9", "\xF0\x9F\x98\x80", "\\/",
                                        "T1234.001", ".", "..", "\"", "{", "}", ",", ":", "null", "-1", "\xFF"};
    QByteArray out = line;
    const qsizetype at = qsizetype(next() % quint32(qMax<qsizetype>(1, out.size())));
    switch (next() % 3) {
    case 0: out.insert(at, pieces[next() % (sizeof pieces / sizeof pieces[0])]); break;
    case 1: out.remove(at, 1 + qsizetype(next() % 8)); break;
    default: out[at] = char(next() % 256); break;
    }
    return out;
}

// Alerts at the edges of the facts path (MapOptions::buildDocument = false): output_fields members spliced as raw text
// (order and repeats kept) into a Falco alert whose keys are sorted, and odd top-level values.
QList<QByteArray> factsEdges()
{
    const QByteArray head = "{\"hostname\":\"node-1\",\"output\":\"x\",\"priority\":\"Warning\",\"rule\":\"r\",\"source\":\"syscall\","
                            "\"tags\":[\"T1059\",\"container\",\"mitre_execution\"],\"time\":\"2024-05-13T13:23:29.5Z\","
                            "\"output_fields\":{";
    const QByteArray huge(100000, 'h');
    const QByteArray longName(300, 'n');
    // Each a list of members, in this order.
    const QList<QByteArray> members = {
        // Sorted, as Falco and Falcosidekick write them.
        "\"container.id\":\"c1\",\"container.image.repository\":\"nginx\",\"container.image.tag\":\"1.25\","
        "\"container.name\":\"web\",\"evt.time\":1715606609089890892,\"k8s.ns.name\":\"ns\",\"k8s.pod.name\":\"p\","
        "\"proc.name\":\"cat\",\"user.name\":\"root\"",
        // The same, unsorted.
        "\"user.name\":\"root\",\"proc.name\":\"cat\",\"k8s.pod.name\":\"p\",\"k8s.ns.name\":\"ns\",\"evt.time\":1715606609089890892,"
        "\"container.name\":\"web\",\"container.image.tag\":\"1.25\",\"container.image.repository\":\"nginx\",\"container.id\":\"c1\"",
        "\"container.id\":\"host\",\"container.name\":\"host\"",
        "\"container.id\":\"\",\"container.name\":null,\"proc.name\":\"\",\"user.name\":null",
        "\"container.id\":42,\"container.name\":true,\"proc.name\":1.5e300,\"user.name\":[1,\"a\",null]",
        "\"container.id\":18446744073709551615,\"k8s.pod.name\":-9223372036854775808,\"k8s.ns.name\":1e-320",
        "\"container.image\":\"nginx:1\",\"container.image.repository\":\"nginx\",\"container.image.tag\":\"1\"",
        "\"container.image\":null,\"container.image.repository\":\"nginx\"",
        "\"container.image\":null,\"container.name\":\"c\"",
        "\"container.image\":\"nginx\",\"container.image.name\":\"other\"",
        "\"container.image.name\":\"other\",\"container.image\":\"nginx\"",
        "\"container.image.name\":\"direct\",\"container.image.tag\":\"t\"",
        "\"container.image.repository\":\"\",\"container.image.tag\":\"t\"",
        "\"container.image.repository\":7,\"container.image.tag\":8",
        "\"container.image.repository\":[\"a\"],\"container.image.tag\":\"t\"",
        "\"container.id.x\":\"below a fact\"",
        "\"container.id\":\"c\",\"container.id.x\":\"below a fact\"",
        "\"proc.name.first\":\"a\"",
        "\"user.name.first\":\"a\",\"user.name\":\"b\"",
        "\"k8s.pod.name.x\":1",
        "\"evt.time.iso8601.x\":1",
        "\"fd.cip\":\"10.0.0.1\",\"client.ip\":\"10.0.0.2\"",
        "\"client.ip\":\"10.0.0.2\",\"fd.cip\":\"10.0.0.1\"",
        "\"client.ip.x\":\"a\",\"fd.cip\":\"10.0.0.1\"",
        "\"client.ip\":\"10.0.0.2\",\"fd.cip\":null",
        "\"fd.cip\":null,\"fd.cip.name\":\"h\"",
        "\"fd.cip\":\"10.0.0.1\",\"fd.cip.name\":\"h\"",
        "\"proc.ppid\":1,\"process.parent\":\"x\"",
        "\"process.parent\":\"x\",\"proc.ppid\":1",
        "\"process.parent.x\":\"x\",\"proc.ppid\":1",
        "\"proc.ppid\":1,\"process.parent.pid.x\":2",
        "\"proc.sid\":1,\"process.session_leader.pid\":2",
        "\"proc.vpgid\":1,\"process.group_leader\":2",
        "\"proc.pid\":null,\"proc.pid-x\":1,\"proc.pid.ts\":2",
        "\"proc.pid\":3,\"proc.pid-x\":1,\"proc.pid.ts\":2",
        "\"a.b\":1,\"a.b!\":2,\"a.b.c\":3",
        "\"a.b\":1,\"a.b!\":2,\"a.b!.c\":3,\"a.b.c\":3",
        "\"a.b\":1,\"a.b\":2",
        "\"a.b\":1,\"a.c\":2,\"a.b\":3",
        "\"syslog.facility\":3,\"syslog_facility.x\":4",
        "\"syslog_facility.x\":4,\"syslog.severity\":null",
        "\"syslog.facility\":3,\"syslog_facility\":4",
        "\"evt.time\":1715606609089890892,\"event.time\":\"2024-05-13T13:23:29Z\"",
        "\"event.time\":\"2024-05-13T13:23:29Z\"",
        "\"event.time\":null,\"evt.time\":null",
        "\"evt.time\":null,\"evt.time.iso8601\":1",
        "\"evt.time.iso8601\":1715606609089890892,\"evt.time.rawtime\":5",
        "\"evt.time.iso8601\":null,\"evt.time.rawtime\":\"1715606609089890892\"",
        "\"evt.time.iso8601\":\"2024-05-13T13:23:29.1234Z\"",
        "\"evt.time.iso8601\":\"not a time\"",
        "\"evt.time\":1e30",
        "\"evt.time\":99999999999999999999",
        "\"evt.time\":-1",
        "\"evt.time\":\"99999999999999999999\"",
        "\"evt.time\":true",
        "\"evt.time\":[1]",
        "\"proc.duration\":\"12x\"",
        "\"proc.duration\":1e300",
        "\"proc.duration\":1.5,\"proc.name\":\"a\"",
        "\"proc.duration\":\"-12\"",
        "\"proc.duration\":null",
        "\"proc.cmdline\":\"" + huge + "\",\"proc.name\":\"" + longName + "\"",
        "\"container.name\":\"" + longName + "\",\"user.name\":\"\\u00e9t\\u00e9 \\ud83d\\ude00\\u0000\"",
        "\"proc.name\":\"\xC3\xA9t\xC3\xA9\",\"user.name\":\"\xE2\x82\xAC\"",
        "\"proc.name\":\"\xC3\x28\"",
        "\"a.b.c.d.e.f.g.h\":1",
        "\"a.b.c.d.e.f.g.h.i\":1",
        "\"ab\":1",
        "\"a..b\":1",
        "\".a.b\":1",
        "\"evt.arg.flags\":\"O_RDONLY\",\"proc.aname[2]\":\"runc\",\"proc.aname[3]\":null",
        "",
        "\"k8s.pod\":\"q\",\"k8s.pod.name\":\"p\"",
        "\"k8s.pod.name\":\"p\",\"k8s.pod\":\"q\"",
        "\"k8s.ns\":{\"name\":\"x\"}",
    };
    QList<QByteArray> lines;
    for (const QByteArray &m : members)
        lines.append(head + m + "}}");
    // Many members, sorted and not: within the clash checks' bounds and past them.
    for (const int n : {100, 250, 300, 511, 513}) {
        QByteArray sorted;
        QByteArray reversed;
        for (int i = 0; i < n; ++i) {
            const QByteArray k = "\"k" + QByteArray::number(1000 + i) + ".a.b\":" + QByteArray::number(i);
            sorted += (i ? "," : "") + k;
            reversed = k + (i ? "," : "") + reversed;
        }
        lines.append(head + sorted + "}}");
        lines.append(head + reversed + "}}");
    }
    // A deep stack of prefixes (more than the sorted check holds).
    QByteArray deep = "\"a.b\":0";
    QByteArray key = "a.b";
    for (int i = 0; i < 20; ++i) {
        key += '!';
        deep += ",\"" + key + "\":" + QByteArray::number(i);
    }
    lines.append(head + deep + ",\"a.b!.c\":1}}");
    lines.append(head + deep + ",\"a.c\":1}}");
    // Odd top-level values.
    const QByteArray of = "\"output_fields\":{\"container.id\":\"c1\",\"proc.name\":\"cat\"}";
    for (const QByteArray &top : QList<QByteArray>{
             "\"priority\":\"\",\"rule\":\"\",\"hostname\":\"\",\"source\":\"\"",
             "\"priority\":\"WARNING\",\"rule\":7,\"hostname\":false,\"source\":[1]",
             "\"priority\":7",
             "\"priority\":null,\"rule\":null",
             "\"priority\":\"informational\",\"uuid\":\"\"",
             "\"priority\":\"Notice\",\"uuid\":12",
             "\"priority\":\"Notice\",\"uuid\":null",
             "\"priority\":\"Notice\",\"uuid\":\"5c9c3c1e-0000-4000-8000-000000000001\"",
             "\"rule\":\"r\",\"tags\":[]",
             "\"rule\":\"r\",\"tags\":[null,1,\"mitre_\",\"mitre_\xC3\xA4\",\"T1234.001x\",\"T1234\",\"T1234\"]",
             "\"rule\":\"r\",\"tags\":\"T1234\"",
             "\"rule\":\"r\",\"tags\":{\"a\":1}",
             "\"rule\":\"r\",\"time\":\"1500-01-01T00:00:00Z\"",
             "\"rule\":\"r\",\"time\":\"yesterday\"",
             "\"rule\":\"r\",\"time\":5",
             "\"rule\":\"r\",\"rule\":\"s\"",
             "\"rule\":\"r\",\"extra\":1",
             "\"source\":\"syscall\"",
         }) {
        lines.append("{" + top + "," + of + "}");
    }
    lines.append("{\"rule\":\"r\",\"output_fields\":[]}");
    lines.append("{\"rule\":\"r\",\"output_fields\":null}");
    lines.append("{\"rule\":\"r\",\"output_fields\":{}}");
    lines.append("{\"rule\":\"r\",\"@timestamp\":\"2024-05-13T13:23:29Z\"," + of + "}");
    // Behind a syslog header whose time is out of range, and a good one.
    lines.append("<4>1960-05-13T13:23:29Z sidekick Falco[1]: " + head + members.first() + "}}");
    lines.append("<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + head + members.first() + "}}");
    return lines;
}

QList<QByteArray> corpus(const QString &name)
{
    QList<QByteArray> lines;
    if (name == QLatin1String("conformance")) {
        const QString dir = QStringLiteral(FE_CONFORMANCE_DIR);
        for (const char *file : {"test-falco.log", "test-nopreserve.log", "sample_logs/sample.log",
                                 "sample_syslog/sample.log"})
            lines += readLines(dir + QLatin1Char('/') + QLatin1String(file));
    } else if (name == QLatin1String("mapper cases")) {
        for (const QByteArray &l : readLines(QStringLiteral(FE_TEST_DATA_DIR "/mapper/cases.jsonl"))) {
            const json c = json::parse(l.constData(), l.constData() + l.size(), nullptr, false);
            if (c.contains("line") && c["line"].is_string())
                lines.append(QByteArray::fromStdString(c["line"].get<std::string>()));
            else if (c.contains("input"))
                lines.append(QByteArray::fromStdString(c["input"].dump()));
        }
    } else if (name == QLatin1String("demo")) {
        lines = demoLines(3000, 11);
    } else if (name == QLatin1String("demo seeds")) {
        for (const quint64 seed : {1, 2, 3, 4})
            lines += demoLines(1500, seed);
    } else if (name == QLatin1String("facts edges")) {
        lines = factsEdges();
    } else if (name == QLatin1String("sidekick syslog")) {
        for (int i = 0; i < 400; ++i) {
            const QByteArray a = sidekickAlert(i);
            switch (i % 4) {
            case 0: lines.append("<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + a); break;
            case 1: lines.append("<14>1 2024-05-13T13:23:29.123Z host app 12 ID1 [a b=\"c\"] " + a); break;
            case 2: lines.append("<13>May 13 13:23:29 h\xC3\xA9st falco: " + a); break;
            default: lines.append("2024-05-13T13:23:29.123456789Z stdout F " + a); break;
            }
        }
    } else if (name == QLatin1String("edited")) {
        int edit = 0;
        for (const QByteArray &base : demoLines(200, 5)) {
            for (int k = 0; k < 8; ++k)
                lines.append(editAlert(base, edit++));
            lines.append(editAlert(sidekickAlert(edit), edit));
            ++edit;
        }
    } else if (name == QLatin1String("collisions")) {
        // Keys whose paths meet after expansion and renames, in both orders (raw text: order and repeats kept).
        static const char *const pairs[][2] = {
            {"\"fd.cip\":\"10.0.0.1\"", "\"client.ip\":\"10.0.0.2\""},
            {"\"container.image\":\"nginx\"", "\"container.image.name\":\"other\""},
            {"\"proc.pid\":12", "\"process.pid\":13"},
            {"\"proc.pid\":null", "\"proc.pid.ts\":5"},
            {"\"proc.pid\":12", "\"proc.pid.ts\":5"},
            {"\"fd.cip.name\":\"host\"", "\"fd.cip\":\"10.0.0.1\""},
            {"\"k8s.pod.name\":\"p\"", "\"k8s.pod\":\"q\""},
            {"\"k8s.pod\":\"q\"", "\"k8s.pod.name\":\"p\""},
            {"\"proc.name\":\"a\"", "\"proc.name\":\"b\""},
            {"\"evt.time\":1715606609089890892", "\"evt.time.iso8601\":1715606609089890892"},
            {"\"evt.time.iso8601\":\"2024-05-13T13:23:29.5Z\"", "\"evt.time\":null"},
            {"\"syslog.facility\":3", "\"syslog_facility\":4"},
            {"\"user.uid\":[1,null,\"x\"]", "\"user.name\":\"root\""},
            {"\"proc.duration\":\"12x\"", "\"proc.name\":\"a\""},
            {"\"evt.time\":\"yesterday\"", "\"proc.name\":\"a\""},
            {"\"proc.vpgid\":7", "\"proc.vpgid.name\":\"g\""},
        };
        for (const auto &p : pairs) {
            for (int order = 0; order < 2; ++order) {
                const QByteArray a = p[order], b = p[1 - order];
                lines.append("{\"output\":\"x\",\"priority\":\"Notice\",\"rule\":\"r\",\"source\":\"syscall\","
                             "\"time\":\"2024-05-13T13:23:29Z\",\"output_fields\":{\"container.id\":\"c1\","
                             + a + ",\"proc.exepath\":\"/bin/x\"," + b + ",\"fd.name\":\"/etc\"}}");
            }
        }
    } else if (name == QLatin1String("cef frames")) {
        // Falcosidekick's SYSLOG_FORMAT=cef, behind a Go syslog header or bare, with and without uuid values.
        for (int i = 0; i < 300; ++i) {
            const QByteArray n = QByteArray::number(i);
            const QByteArray cef = "CEF:0|Falcosecurity|Falco|1.0|Falco Event|Terminal shell in container|"
                + QByteArray::number((i % 5) * 2) + "|uuid=" + (i % 4 ? "4f1a0c1e-8c3b-4b2e-9a55-" + n.rightJustified(12, '0') : QByteArray())
                + " start=2024-08-07T13:49:16." + n + "Z msg=13:49:16.479964318: Notice A shell was spawned (user=root "
                  "shell=bash) source=syscall" + (i % 3 ? " hostname=node-" + n : QByteArray())
                + " outputfields=container.id:2ae6a7f15b6e proc.cmdline:bash -il evt.time:1.723038556479964e+18 "
                  "container.image.repository:docker.io/library/nginx container.image.tag:1.25 proc.name:bash "
                  "user.loginuid:-1 proc.aname[2]:<nil>" + (i % 2 ? " tags=container,shell,mitre_execution,T1059" : "");
            lines.append(i % 2 ? "<5>2024-08-07T13:49:16Z sidekick-7d9 Falco[1]: " + cef : cef);
        }
    } else if (name == QLatin1String("damaged")) {
        quint64 state = 3;
        for (int i = 0; i < 1500; ++i)
            lines.append(damage(i % 2 ? sidekickAlert(i) : "<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + sidekickAlert(i),
                                &state));
    }
    return lines;
}

fe::MapOptions optionSet(const QString &name)
{
    fe::MapOptions o;
    o.readTimeMs = 1715606609000;
    if (name.startsWith(QLatin1String("tcp"))) {
        o.input = fe::MapOptions::Input::Tcp;
        o.sourceAddress = QStringLiteral("127.0.0.1:40000");
    } else {
        o.logFilePath = QStringLiteral("/var/log/falco.log");
        o.logOffset = 77;
    }
    o.preserveOriginal = name.contains(QLatin1String("original"));
    o.preserveFalcoFields = name.contains(QLatin1String("fields"));
    if (name.contains(QLatin1String("set falco")))
        o.extraFields = {{QStringLiteral("falco.output"), QStringLiteral("overridden")}};
    else if (name.contains(QLatin1String("set")))
        o.extraFields = {{QStringLiteral("labels.site"), QStringLiteral("lab")}};
    return o;
}

QString describe(const fe::MapResult &r)
{
    const fe::Alert &a = r.alert;
    QStringList parts = {QString::number(int(r.status)), r.error, r.warning, QString::number(a.timestampMs),
                         QString::number(a.timeIsReceipt), QString::number(int(a.priority)), QString::number(a.severity),
                         a.rule, a.hostname, a.source, a.output, a.uuid, a.containerId, a.containerName,
                         a.containerImage, a.podName, a.namespaceName, a.processName, a.commandLine, a.userName,
                         a.technique, a.subtechnique, a.tags.join(QLatin1Char('|')), a.tactics.join(QLatin1Char('|')),
                         QString::fromUtf8(a.dedupeKey), QString::fromUtf8(a.ecsJson)};
    return parts.join(QLatin1Char('\n'));
}

} // namespace

class TestMapperPaths : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameResult_data();
    void sameResult();
    void factsOnly_data();
    void factsOnly();
    void outputText_data();
    void outputText();
    void recordOutputText_data();
    void recordOutputText();
    void usualAlertTakesFastPath_data();
    void usualAlertTakesFastPath();
};

void TestMapperPaths::sameResult_data()
{
    QTest::addColumn<QString>("corpus");
    QTest::addColumn<QString>("options");
    for (const char *c : {"conformance", "mapper cases", "demo", "sidekick syslog", "edited", "collisions", "damaged",
                          "cef frames"}) {
        for (const char *o : {"file", "file original fields", "file original", "file fields", "tcp", "tcp original fields",
                              "tcp set"})
            QTest::newRow(qPrintable(QStringLiteral("%1, %2").arg(QLatin1String(c), QLatin1String(o))))
                << QString::fromLatin1(c) << QString::fromLatin1(o);
    }
}

void TestMapperPaths::sameResult()
{
    QFETCH(QString, corpus);
    QFETCH(QString, options);
    const QList<QByteArray> lines = ::corpus(corpus);
    QVERIFY(!lines.isEmpty());
    const fe::MapOptions o = optionSet(options);
    const bool cef = corpus == QLatin1String("cef frames");
    int fast = 0;
    int alerts = 0;
    for (const QByteArray &line : lines) {
        bool wasFast = false;
        const fe::MapResult general = cef ? fe::mapFrameVia(line, o, fe::MapperPath::General)
                                          : fe::mapLineVia(line, o, fe::MapperPath::General);
        const fe::MapResult viaAuto = cef ? fe::mapFrameVia(line, o, fe::MapperPath::Auto, &wasFast)
                                          : fe::mapLineVia(line, o, fe::MapperPath::Auto, &wasFast);
        fast += wasFast ? 1 : 0;
        alerts += general.status == fe::MapResult::Status::Alert ? 1 : 0;
        const QString expected = describe(general);
        const QString actual = describe(viaAuto);
        if (expected != actual)
            QFAIL(qPrintable(QStringLiteral("line: %1\ngeneral:\n%2\nauto (fast %3):\n%4")
                                 .arg(QString::fromUtf8(line), expected)
                                 .arg(wasFast)
                                 .arg(actual)));
        QCOMPARE(viaAuto.alert.tags, general.alert.tags);
        QCOMPARE(viaAuto.alert.tactics, general.alert.tactics);
        if (!cef) {
            // Anything but CEF: a frame maps as the same line would.
            const QString frame = describe(fe::mapFrameVia(line, o, fe::MapperPath::General));
            if (frame != expected)
                QFAIL(qPrintable(QStringLiteral("line: %1\nmapLine:\n%2\nmapFrame:\n%3").arg(QString::fromUtf8(line), expected, frame)));
        }
    }
    if (cef)
        QCOMPARE(alerts, lines.size());
    qInfo("%s, %s: %d of %lld lines through the fast path", qPrintable(corpus), qPrintable(options), fast,
          qint64(lines.size()));
    if (options.contains(QLatin1String("set")))
        QCOMPARE(fast, 0);   // --set extras always take the general pipeline
    else if (corpus == QLatin1String("demo") || corpus == QLatin1String("sidekick syslog") || cef)
        QVERIFY(fast > lines.size() * 9 / 10);
}

// Every corpus under a few option sets (the frame corpus as frames, the others as lines and as frames).
void addCorpusRows(const QList<const char *> &optionSets)
{
    QTest::addColumn<QString>("corpus");
    QTest::addColumn<QString>("options");
    for (const char *c : {"conformance", "mapper cases", "demo", "sidekick syslog", "edited", "collisions", "damaged",
                          "cef frames"}) {
        for (const char *o : optionSets)
            QTest::newRow(qPrintable(QStringLiteral("%1, %2").arg(QLatin1String(c), QLatin1String(o))))
                << QString::fromLatin1(c) << QString::fromLatin1(o);
    }
}

void TestMapperPaths::factsOnly_data()
{
    addCorpusRows({"file", "file original fields", "tcp original fields", "tcp set"});
    for (const char *c : {"demo seeds", "facts edges"}) {
        for (const char *o : {"file", "file original fields", "tcp original fields", "tcp set"})
            QTest::newRow(qPrintable(QStringLiteral("%1, %2").arg(QLatin1String(c), QLatin1String(o))))
                << QString::fromLatin1(c) << QString::fromLatin1(o);
    }
}

// MapOptions::buildDocument = false fills every column as the full mapping does and leaves the document, the
// output and the command line empty.
void TestMapperPaths::factsOnly()
{
    QFETCH(QString, corpus);
    QFETCH(QString, options);
    const QList<QByteArray> lines = ::corpus(corpus);
    QVERIFY(!lines.isEmpty());
    const fe::MapOptions full = optionSet(options);
    fe::MapOptions facts = full;
    facts.buildDocument = false;
    int alerts = 0;
    int factsPath = 0;
    for (const QByteArray &line : lines) {
        for (const bool frame : {false, true}) {
            const fe::MapResult a = frame ? fe::mapFrame(line, full) : fe::mapLine(line, full);
            bool viaFacts = false;
            const fe::MapResult b = frame ? fe::mapFrameVia(line, facts, fe::MapperPath::Auto, nullptr, &viaFacts)
                                          : fe::mapLineVia(line, facts, fe::MapperPath::Auto, nullptr, &viaFacts);
            alerts += a.status == fe::MapResult::Status::Alert ? 1 : 0;
            factsPath += viaFacts ? 1 : 0;
            QVERIFY(b.alert.ecsJson.isEmpty());
            QVERIFY(b.alert.output.isEmpty());
            QVERIFY(b.alert.commandLine.isEmpty());
            fe::MapResult expected = a;
            expected.alert.ecsJson.clear();
            expected.alert.output.clear();
            expected.alert.commandLine.clear();
            const QString want = describe(expected);
            const QString got = describe(b);
            if (want != got)
                QFAIL(qPrintable(QStringLiteral("line: %1\nfull:\n%2\nfacts only:\n%3").arg(QString::fromUtf8(line), want, got)));
            QCOMPARE(b.alert.tags, a.alert.tags);
            QCOMPARE(b.alert.tactics, a.alert.tactics);
            // And as the mapper without its facts path maps facts only.
            const fe::MapResult c = frame ? fe::mapFrameVia(line, facts, fe::MapperPath::NoFacts)
                                          : fe::mapLineVia(line, facts, fe::MapperPath::NoFacts);
            const QString before = describe(c);
            if (before != got)
                QFAIL(qPrintable(QStringLiteral("line: %1\nwithout the facts path:\n%2\nfacts only:\n%3").arg(QString::fromUtf8(line), before, got)));
        }
    }
    QVERIFY(alerts > 0);
    qInfo("%s, %s: %d of %lld mappings through the facts path", qPrintable(corpus), qPrintable(options), factsPath,
          qint64(lines.size() * 2));
    // The facts path takes the usual alert (so that this test keeps testing it), never --set extras.
    if (options.contains(QLatin1String("set")))
        QCOMPARE(factsPath, 0);
    else if (corpus.startsWith(QLatin1String("demo")) || corpus == QLatin1String("sidekick syslog"))
        QVERIFY(factsPath > lines.size() * 2 * 9 / 10);
    else if (corpus == QLatin1String("facts edges"))
        QVERIFY(factsPath > lines.size() / 2);
}

void TestMapperPaths::outputText_data()
{
    addCorpusRows({"file", "tcp original fields", "tcp set", "tcp set falco"});
}

// alertOutputText gives the full mapping's alert.output, for lines and for frames.
void TestMapperPaths::outputText()
{
    QFETCH(QString, corpus);
    QFETCH(QString, options);
    const QList<QByteArray> lines = ::corpus(corpus);
    QVERIFY(!lines.isEmpty());
    const fe::MapOptions o = optionSet(options);
    int withOutput = 0;
    for (const QByteArray &line : lines) {
        for (const bool frame : {false, true}) {
            const fe::MapResult full = frame ? fe::mapFrame(line, o) : fe::mapLine(line, o);
            const QByteArray text = fe::alertOutputText(line, o, frame);
            withOutput += text.isEmpty() ? 0 : 1;
            if (QString::fromUtf8(text) != full.alert.output || (full.alert.output.isEmpty() && !text.isEmpty()))
                QFAIL(qPrintable(QStringLiteral("line: %1 (frame %2)\nmapped output: %3\nalertOutputText: %4")
                                     .arg(QString::fromUtf8(line))
                                     .arg(frame)
                                     .arg(full.alert.output, QString::fromUtf8(text))));
        }
    }
    QVERIFY(withOutput > 0);
}

void TestMapperPaths::recordOutputText_data()
{
    addCorpusRows({"file", "tcp original fields", "tcp set", "tcp set falco"});
}

// The full-text index reads EcsRecordMapper::outputUtf8 of every stored alert: the output derive() gives it.
void TestMapperPaths::recordOutputText()
{
    QFETCH(QString, corpus);
    QFETCH(QString, options);
    const QList<QByteArray> lines = ::corpus(corpus);
    QVERIFY(!lines.isEmpty());
    const fe::MapOptions o = optionSet(options);
    const bool tcp = o.input == fe::MapOptions::Input::Tcp;
    const fe::EcsRecordMapper mapper;
    int withOutput = 0;
    for (const QByteArray &line : lines) {
        fe::StoredRecord record;
        record.original = line;
        record.origin = fe::EcsRecordMapper::origin(o, tcp ? o.sourceAddress : o.logFilePath);
        record.offset = tcp ? -1 : o.logOffset;
        record.receivedMs = o.readTimeMs;
        fe::DerivedAlert derived;
        const QString expected = mapper.derive(record, &derived, nullptr) ? derived.output : QString();
        const QString text = QString::fromUtf8(mapper.outputUtf8(record));
        withOutput += text.isEmpty() ? 0 : 1;
        if (text != expected)
            QFAIL(qPrintable(QStringLiteral("line: %1\nderived output: %2\noutputUtf8: %3")
                                 .arg(QString::fromUtf8(line), expected, text)));
    }
    QVERIFY(withOutput > 0);
}

void TestMapperPaths::usualAlertTakesFastPath_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("options");
    QTest::newRow("falcosidekick syslog, listener options")
        << "<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + sidekickAlert(1) << QStringLiteral("tcp");
    QTest::newRow("falco json file line, preserve both") << sidekickAlert(3) << QStringLiteral("file original fields");
}

void TestMapperPaths::usualAlertTakesFastPath()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, options);
    bool fast = false;
    const fe::MapResult r = fe::mapLineVia(line, optionSet(options), fe::MapperPath::Auto, &fast);
    QVERIFY(fast);
    QCOMPARE(r.status, fe::MapResult::Status::Alert);
    QVERIFY(r.error.isEmpty());
    QVERIFY(r.alert.ecsJson.startsWith("{\"@timestamp\":\"2024-05-13T13:23:29.089Z\""));
}

QTEST_GUILESS_MAIN(TestMapperPaths)
#include "tst_mapperpaths.moc"
