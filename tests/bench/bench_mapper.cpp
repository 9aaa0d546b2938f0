// SPDX-License-Identifier: Apache-2.0
// Figures for the ECS mapper (the import hot path): alerts/s for fe::mapLine on generated alerts shaped like
// the conformance fixtures (a syscall alert with container, k8s, fd and process fields, ~1.5 KB each), as
// plain file lines and as Falcosidekick syslog lines, and on the demo corpus (`falco-explorer demo`, the
// corpus of the figures in README/perf.md). Prints figures; never fails on speed.
//
// Before/after the arena rewrite of the mapper (EcsValue nodes and strings in a per-line arena, string views
// into the parsed input, a pointer-based JSON writer), same 2-vCPU VM, CPU time per core, best of 3:
//   file, no preserve            41–47k alerts/s before  →  77–85k after
//   file, preserve both          42–44k                  →  67–77k
//   tcp syslog, preserve both    36–41k                  →  62–72k
//   demo corpus, no preserve     56k                     →  106k
// Output was checked byte for byte against the old mapper on 200k demo alerts, the test fixtures and fuzzed
// lines (every MapResult field, all option sets).
//
// Second round (member key tags, SSE2 escape loop, copy-free syslog header, shared QStrings for repeated
// columns, fewer temporaries), alerts kept in batches of 1024 as the pipeline does, best of 3 alternating runs
// (load ~3): file, no preserve 71k -> 87k; file, preserve both 59k -> 81k; tcp syslog, preserve both 59k -> 78k;
// tcp syslog, mapFrame 61k -> 78k; demo corpus 91k -> 108k. callgrind, tcp row: 169k -> 141k instructions per
// alert besides SHA-256. `bench_mapper --digest` printed the same checksum before and after every step.
//
// Third round: a fast path (ecsmapper.cpp, FastMapper) writes the usual Falco / Falcosidekick alert straight
// into its document in the general pipeline's final key order (ECS fields in a fixed-id ordered tree,
// output_fields expanded once into an empty object, a Bloom filter instead of member scans, one pass per
// group for reads and clean-up), everything else goes to the general pipeline unchanged; plus shared tag
// lists and per-column memos for the alert's QStrings. callgrind instructions per alert besides SHA-256
// (`valgrind --tool=callgrind bench_mapper "<row>" 2000`): tcp syslog, listener 139.7k -> 75.4k (1.85x);
// tcp syslog, preserve both 140.8k -> 83.8k (1.68x); tcp sidekick uuid, listener 77.0k. CPU time, best of 3
// alternating runs against the old binary (load 3-4): tcp listener 83k -> 123k alerts/s per core, tcp preserve
// both 79k -> 109k, mapFrame 77k -> 109k, file no preserve 89k -> 134k, demo corpus 114k -> 161k; with uuids
// (no SHA-256) 146k on the fast path against 97k on the general one. Time gains less than instructions: each
// alert still allocates its JSON, output and uuid, and these rows hash every line (SHA-256: 1.7 us an alert).
// `--digest` printed 531502...2e25 before and after every step; tst_mapperpaths maps seven corpora through
// both paths under seven option sets and compares every MapResult field.
#include "ingest/syslog/cefdecoder.h"
#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"
#include "ingest/ecs/mapperpath.h"
#include "ingest/ecs/sha256.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QList>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

// CPU time of this thread: the machine is shared, so wall-clock figures would measure the neighbours.
double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

QByteArray makeAlert(int i)
{
    const qint64 ns = 1715606609089890892LL + qint64(i) * 1000003;
    const QByteArray n = QByteArray::number(i);
    return QByteArray("{\"hostname\":\"worker-") + QByteArray::number(i % 17)
        + "\",\"output\":\"2024-05-13T13:23:29.089890892+0000: Warning Sensitive file opened for reading by "
          "non-trusted program (file=/etc/shadow gparent=runc ggparent=init evt_type=openat user=root "
          "user_uid=0 user_loginuid=-1 process=cat proc_exepath=/usr/bin/cat parent=bash command=cat "
          "/etc/shadow terminal=34816 container_id=9656db3bb358 container_name=nginx-"
        + n
        + " k8s_pod_name=nginx-7d4b k8s_ns_name=default)\",\"priority\":\"Warning\",\"rule\":\"Read sensitive "
          "file untrusted\",\"source\":\"syscall\",\"tags\":[\"T1555\",\"container\",\"filesystem\",\"host\","
          "\"maturity_stable\",\"mitre_credential_access\"],\"time\":\"2024-05-13T13:23:29.089890892Z\","
          "\"output_fields\":{\"container.id\":\"9656db3bb358\",\"container.image\":\"docker.io/library/nginx\","
          "\"container.image.tag\":\"1.25\",\"container.name\":\"nginx-"
        + n + "\",\"container.privileged\":false,\"evt.num\":" + QByteArray::number(1000 + i)
        + ",\"evt.res\":\"SUCCESS\",\"evt.time.iso8601\":" + QByteArray::number(ns)
        + ",\"evt.type\":\"openat\",\"fd.name\":\"/etc/shadow\",\"fd.type\":\"file\",\"fd.directory\":\"/etc\","
          "\"fd.filename\":\"shadow\",\"fd.ino\":\"567874\",\"fd.cip\":\"10.0.0."
        + QByteArray::number(i % 250)
        + "\",\"fd.cport\":5400,\"fd.lport\":5689,\"k8s.ns.name\":\"default\",\"k8s.pod.name\":\"nginx-7d4b\","
          "\"k8s.pod.ip\":\"10.1.2.3\",\"k8s.pod.uid\":\"6a1d6f0e-4b0b-4d2c-9a6e-0f5b8c3d2e11\","
          "\"proc.aname[2]\":\"runc\",\"proc.aname[3]\":\"init\",\"proc.aname[4]\":null,\"proc.args\":\"/etc/shadow\","
          "\"proc.cmdline\":\"cat /etc/shadow\",\"proc.cwd\":\"/root/\",\"proc.exepath\":\"/usr/bin/cat\","
          "\"proc.name\":\"cat\",\"proc.pcmdline\":\"bash\",\"proc.pexepath\":\"/usr/bin/bash\",\"proc.pid\":"
        + QByteArray::number(4000 + i % 3000)
        + ",\"proc.pname\":\"bash\",\"proc.ppid\":4001,\"proc.tty\":34816,\"user.loginuid\":-1,"
          "\"user.name\":\"root\",\"user.uid\":0}}";
}

constexpr qsizetype s_batch = 1024;

// The rows to run: all, or those whose label contains the first argument (for profiling one row).
const char *s_only = nullptr;

// frame: through fe::mapFrame (what the ingest pipeline's mapper calls: one decode, CEF included, then the
// mapping); general: through the general pipeline only (fe::mapLineVia, MapperPath::General), the mapper before
// its fast path; outputText: fe::alertOutputText only (what a full-text index over stored originals calls);
// noFacts: without the facts path (fe::mapFrameVia / mapLineVia, MapperPath::NoFacts), the mapper before it.
void run(const char *label, const QList<QByteArray> &lines, const fe::MapOptions &options, bool frame = false,
         bool general = false, bool outputText = false, bool noFacts = false)
{
    if (s_only && !std::strstr(label, s_only))
        return;
    qint64 bytes = 0;
    for (const QByteArray &l : lines)
        bytes += l.size();
    // Warm-up (parser buffers, caches), then the best of three passes.
    for (int i = 0; i < 2000 && i < lines.size(); ++i)
        (void)fe::mapLine(lines.at(i), options);
    double best = 0;
    double bestWall = 0;
    int errors = 0;
    for (int pass = 0; pass < 3; ++pass) {
        QElapsedTimer timer;
        timer.start();
        const double cpuStart = cpuSeconds();
        // Alerts are kept in batches and dropped a batch at a time, as the ingest pipeline does (its mapper
        // thread also frees the stored batches): their destruction is part of the cost, on memory gone cold.
        fe::AlertBatch batch;
        batch.reserve(s_batch);
        for (const QByteArray &line : lines) {
            if (outputText) {
                if (fe::alertOutputText(line, options, frame).isEmpty())
                    ++errors;
                continue;
            }
            fe::MapResult r = general ? fe::mapLineVia(line, options, fe::MapperPath::General)
                : noFacts         ? (frame ? fe::mapFrameVia(line, options, fe::MapperPath::NoFacts)
                                           : fe::mapLineVia(line, options, fe::MapperPath::NoFacts))
                : frame           ? fe::mapFrame(line, options)
                                  : fe::mapLine(line, options);
            if (r.status != fe::MapResult::Status::Alert || !r.error.isEmpty())
                ++errors;
            batch.append(std::move(r.alert));
            if (batch.size() == s_batch)
                batch.clear();
        }
        const double cpu = cpuSeconds() - cpuStart;
        best = qMax(best, double(lines.size()) / cpu);
        bestWall = qMax(bestWall, double(lines.size()) / (double(timer.nsecsElapsed()) / 1e9));
    }
    std::printf("bench_mapper: %-26s %8.0f alerts/s per core (CPU time; wall %6.0f/s)  %6.1f MB/s  "
                "(avg %lld B/alert, %d errors)\n",
                label, best, bestWall, best * double(bytes) / double(lines.size()) / 1e6, bytes / lines.size(),
                errors);
}

void hashText(QCryptographicHash &h, const QString &s)
{
    const QByteArray utf8 = s.toUtf8();
    const qint64 n = utf8.size();
    h.addData(QByteArrayView(reinterpret_cast<const char *>(&n), sizeof n));
    h.addData(utf8);
}

void hashBytes(QCryptographicHash &h, const QByteArray &b)
{
    const qint64 n = b.size();
    h.addData(QByteArrayView(reinterpret_cast<const char *>(&n), sizeof n));
    h.addData(b);
}

// Every field of a MapResult, length-prefixed.
void hashResult(QCryptographicHash &h, const fe::MapResult &r)
{
    const qint64 head[4] = {qint64(r.status), r.alert.timestampMs, qint64(r.alert.priority), r.alert.severity};
    h.addData(QByteArrayView(reinterpret_cast<const char *>(head), sizeof head));
    hashText(h, r.error);
    hashText(h, r.warning);
    const fe::Alert &a = r.alert;
    for (const QString *s : {&a.rule, &a.hostname, &a.source, &a.output, &a.uuid, &a.containerId, &a.containerName,
                             &a.containerImage, &a.podName, &a.namespaceName, &a.processName, &a.commandLine,
                             &a.userName, &a.technique, &a.subtechnique})
        hashText(h, *s);
    for (const QStringList *l : {&a.tags, &a.tactics}) {
        hashText(h, QString::number(l->size()));
        for (const QString &s : *l)
            hashText(h, s);
    }
    hashBytes(h, a.dedupeKey);
    hashBytes(h, a.ecsJson);
}

// Deterministic edits of a line: escapes, control bytes, non-ASCII text, cut lines, broken syslog headers.
QByteArray mutate(const QByteArray &line, quint64 *state)
{
    auto next = [state] {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        return quint32(*state >> 33);
    };
    static const QByteArray pieces[] = {
        "\\\"", "\\n", "\\t", "\\u0001", "\\u001f", "\\\\", "\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC",
        "\xF0\x9F\x98\x80", "\\/", "T1234.001", "mitre_x", ".", "..", "\"", "{", "}", "[", ",", ":", "null", "0",
        "-1", "1e3", "\\u00e9", "\x01", "\xFF"};
    QByteArray out = line;
    const int edits = 1 + int(next() % 3);
    for (int e = 0; e < edits && !out.isEmpty(); ++e) {
        const qsizetype at = qsizetype(next() % quint32(out.size()));
        switch (next() % 4) {
        case 0: out.insert(at, pieces[next() % (sizeof pieces / sizeof pieces[0])]); break;
        case 1: out.truncate(at); break;
        case 2: out.remove(at, 1 + qsizetype(next() % 8)); break;
        default: out[at] = char(next() % 256); break;
        }
    }
    return out;
}

// Prints one SHA-256 over every output byte of the mapper (all MapResult fields) for the bench corpora, the
// demo corpus and mutated lines, under several option sets: equal digests before and after a change of the
// mapper mean the same output.
int digest(const QList<QByteArray> &plain, const QList<QByteArray> &syslog, const QList<QByteArray> &demo)
{
    QList<QByteArray> lines;
    quint64 state = 7;
    for (qsizetype i = 0; i < 2000; ++i) {
        lines.append(plain.at(i));
        lines.append(syslog.at(i));
    }
    for (const QByteArray &d : demo) {
        lines.append(d);
        lines.append("<14>1 2024-05-13T13:23:29.123Z host app 12 ID1 [a b=\"c\"] " + d);
        lines.append("<13>May 13 13:23:29 host falco: " + d);
        lines.append("2024-05-13T13:23:29.123456789Z stdout F " + d);
    }
    for (qsizetype i = 0; i < 40000; ++i) {
        const QByteArray &base = i % 2 ? demo.at(i % demo.size()) : syslog.at(i % syslog.size());
        lines.append(mutate(base, &state));
    }
    lines.append(QByteArray("CEF:0|Falco|Falco|0.37|rule|Read sensitive file|5|src=10.0.0.1 msg=hello"));
    lines.append(QByteArray("<13>May 13 13:23:29 host falco: CEF:0|Falco|Falco|0.37|r|Name|7|msg=x"));

    QList<fe::MapOptions> optionSets;
    fe::MapOptions file;
    file.logFilePath = QStringLiteral("/var/log/falco.log");
    file.readTimeMs = 1715606609000;
    optionSets.append(file);
    fe::MapOptions preserve = file;
    preserve.preserveOriginal = true;
    preserve.preserveFalcoFields = true;
    preserve.logOffset = 1234;
    optionSets.append(preserve);
    fe::MapOptions tcp = preserve;
    tcp.input = fe::MapOptions::Input::Tcp;
    tcp.logFilePath.clear();
    tcp.logOffset = -1;
    tcp.sourceAddress = QStringLiteral("127.0.0.1:40000");
    tcp.extraFields = {{QStringLiteral("labels.site"), QStringLiteral("lab \u00e9 \"1\"")},
                       {QStringLiteral("host.name"), QStringLiteral("override")}};
    optionSets.append(tcp);
    fe::MapOptions originalOnly = file;
    originalOnly.preserveOriginal = true;
    optionSets.append(originalOnly);

    QCryptographicHash all(QCryptographicHash::Sha256);
    for (int o = 0; o < optionSets.size(); ++o) {
        QCryptographicHash h(QCryptographicHash::Sha256);
        for (const QByteArray &line : lines) {
            hashResult(h, fe::mapLine(line, optionSets.at(o)));
            if (o >= 2)
                hashResult(h, fe::mapFrame(line, optionSets.at(o)));
        }
        std::printf("bench_mapper: digest of option set %d: %s\n", o, h.result().toHex().constData());
        all.addData(h.result());
    }
    std::printf("bench_mapper: digest of %lld lines: %s\n", qint64(lines.size()), all.result().toHex().constData());

    // Facts only (MapOptions::buildDocument = false) must fill the Alert as the full mapping does, but for the document,
    // the output and the command line: every line under every option set, as a line and as a frame.
    qint64 mappings = 0;
    qint64 differ = 0;
    for (const fe::MapOptions &options : std::as_const(optionSets)) {
        fe::MapOptions facts = options;
        facts.buildDocument = false;
        for (const QByteArray &line : lines) {
            for (const bool frame : {false, true}) {
                fe::MapResult want = frame ? fe::mapFrame(line, options) : fe::mapLine(line, options);
                want.alert.ecsJson.clear();
                want.alert.output.clear();
                want.alert.commandLine.clear();
                const fe::MapResult got = frame ? fe::mapFrame(line, facts) : fe::mapLine(line, facts);
                QCryptographicHash a(QCryptographicHash::Sha256);
                QCryptographicHash b(QCryptographicHash::Sha256);
                hashResult(a, want);
                hashResult(b, got);
                ++mappings;
                if (a.result() != b.result() || want.alert.timeIsReceipt != got.alert.timeIsReceipt) {
                    if (++differ <= 3)
                        std::printf("bench_mapper: facts differ for: %s\n", line.left(300).constData());
                }
            }
        }
    }
    std::printf("bench_mapper: facts only: %lld mappings, %lld differ from the full mapping's facts\n", mappings, differ);
    return differ == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    // --digest: a checksum of every output byte instead of figures (see digest()).
    const bool digestOnly = argc > 1 && std::strcmp(argv[1], "--digest") == 0;
    if (argc > 1 && !digestOnly)
        s_only = argv[1];
    // A second argument: alerts per corpus (fewer for runs under valgrind).
    const int count = argc > 2 && !digestOnly ? qMax(1, std::atoi(argv[2])) : 30000;
    QList<QByteArray> plain;
    QList<QByteArray> syslog;
    plain.reserve(count);
    syslog.reserve(count);
    for (int i = 0; i < count; ++i) {
        plain.append(makeAlert(i));
        syslog.append("<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + plain.last());
    }
    // The demo corpus: the generator's rule mix (short internal events to full container/k8s alerts).
    fe::DemoOptions demoOptions;
    demoOptions.count = count;
    demoOptions.seed = 42;
    demoOptions.endMs = 1715606609000;
    fe::DemoGenerator demo(demoOptions);
    QList<QByteArray> demoLines;
    demoLines.reserve(count);
    while (!demo.atEnd())
        demoLines.append(demo.next());
    if (digestOnly)
        return digest(plain, syslog, demoLines);

    fe::MapOptions file;
    file.logFilePath = QStringLiteral("/var/log/falco.log");
    file.readTimeMs = 1715606609000;
    run("file, no preserve", plain, file);
    fe::MapOptions preserve = file;
    preserve.preserveOriginal = true;
    preserve.preserveFalcoFields = true;
    run("file, preserve both", plain, preserve);
    fe::MapOptions tcp = preserve;
    tcp.input = fe::MapOptions::Input::Tcp;
    tcp.logFilePath.clear();
    tcp.sourceAddress = QStringLiteral("127.0.0.1:40000");
    run("tcp syslog, preserve both", syslog, tcp);
    run("tcp syslog, mapFrame", syslog, tcp, true);
    // The live listener's case: TCP input without the preserve options, through mapFrame; then with the uuid
    // Falcosidekick puts in every alert (its dedupe key needs no SHA-256 of the line), as bench_listener sends.
    fe::MapOptions listener;
    listener.input = fe::MapOptions::Input::Tcp;
    listener.sourceAddress = QStringLiteral("127.0.0.1:40000");
    run("tcp syslog, listener", syslog, listener, true);
    // What a store that derives documents on read needs at ingest (the columns), and at indexing (the output).
    fe::MapOptions facts = listener;
    facts.buildDocument = false;
    run("tcp syslog, facts only", syslog, facts, true);
    run("tcp syslog, facts no facts path", syslog, facts, true, false, false, true);
    run("tcp syslog, output text", syslog, listener, true, false, true);
    QList<QByteArray> sidekick;
    if (!s_only || std::strstr("tcp sidekick uuid, listener", s_only) || std::strstr("tcp sidekick uuid, facts only", s_only)
        || std::strstr("tcp sidekick uuid, facts no facts path", s_only)) {
        sidekick.reserve(count);
        for (int i = 0; i < count; ++i) {
            QByteArray alert = makeAlert(i);
            alert.insert(1, "\"uuid\":\"" + QByteArray::number(0x5c9c3c1e00000000LL + i * 7919LL, 16)
                                + "-0f3b-4d7e-9a51-" + QByteArray::number(100000000000LL + i) + "\",");
            sidekick.append("<4>2024-05-13T13:23:29Z sidekick Falco[1]: " + alert);
        }
    }
    run("tcp sidekick uuid, listener", sidekick, listener, true);
    run("tcp sidekick uuid, facts only", sidekick, facts, true);
    run("tcp sidekick uuid, facts no facts path", sidekick, facts, true, false, false, true);
    run("tcp sidekick uuid, general path", sidekick, listener, false, true);
    run("demo corpus, no preserve", demoLines, file);
    fe::MapOptions demoFacts = file;
    demoFacts.buildDocument = false;
    run("demo corpus, facts only", demoLines, demoFacts);
    run("demo corpus, facts no facts path", demoLines, demoFacts, false, false, false, true);
    run("demo corpus, output text", demoLines, file, false, false, true);

    // For scale: the SHA-256 dedupe key alone (alerts without a Falcosidekick uuid need it).
    for (bool ours : {true, false}) {
        if (s_only && !std::strstr("sha-256", s_only))
            break;
        double best = 0;
        for (int pass = 0; pass < 3; ++pass) {
            const double start = cpuSeconds();
            qint64 sink = 0;
            for (const QByteArray &line : plain)
                sink += ours ? fe::sha256Hex(line).at(0) : QCryptographicHash::hash(line, QCryptographicHash::Sha256).at(0);
            best = qMax(best, double(plain.size()) / (cpuSeconds() - start));
            if (sink == 42)
                std::printf(" ");
        }
        std::printf("bench_mapper: %-26s %8.0f hashes/s per core\n",
                    ours ? (fe::sha256Accelerated() ? "sha-256, fe::sha256Hex (SHA-NI)" : "sha-256, fe::sha256Hex")
                         : "sha-256, QCryptographicHash",
                    best);
    }
    return 0;
}
