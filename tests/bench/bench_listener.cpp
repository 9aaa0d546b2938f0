// SPDX-License-Identifier: Apache-2.0
// Figures for live ingest (prints, never fails on speed):
//  1. Sustained loopback ingest, stored and committed: N Falcosidekick-style syslog lines (~1 KB) sent over C
//     connections to the in-process SyslogListener → IngestPipeline → SQLite, and the same bytes to
//     `rsyslogd -n` with imtcp → omfile (%rawmsg%) in the same run. Time = first byte until all N are durable
//     (our stored counter; rsyslog's output file size). ratio = t_rsyslog / t_ours.
//  2. Idle cost: 10,000 connections to `falco-explorer listen` (a separate process), each sending one alert and
//     left open like Falcosidekick does: RSS before/after and CPU used over an idle window.
// Environment: FE_BENCH_LISTENER_ALERTS (default 200000), FE_BENCH_LISTENER_CONNECTIONS (default 4),
// FE_BENCH_IDLE_CONNECTIONS (default 10000).
#include "ingest/ingestpipeline.h"
#include "ingest/sysloglistener.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace fe;

namespace {

int envInt(const char *name, int fallback)
{
    const QByteArray value = qgetenv(name);
    bool ok = false;
    const int n = value.toInt(&ok);
    return ok && n > 0 ? n : fallback;
}

QByteArray sidekickLine(int i)
{
    const QByteArray n = QByteArray::number(i);
    return "<4>2024-08-07T13:49:16Z sidekick-7d9 Falco[1]: {\"uuid\":\"5f0e" + n.rightJustified(28, '0')
        + "\",\"output\":\"13:49:16.479964318: Warning Sensitive file opened for reading by non-trusted program "
          "(file=/etc/shadow gparent=runc evt_type=openat user=root user_uid=0 process=cat proc_exepath=/usr/bin/cat "
          "parent=bash command=cat /etc/shadow terminal=34816 container_id=9656db3bb358 container_name=nginx-"
        + n
        + ")\",\"priority\":\"Warning\",\"rule\":\"Read sensitive file untrusted\",\"time\":\"2024-08-07T13:49:16."
        + n.rightJustified(9, '0')
        + "Z\",\"source\":\"syscall\",\"hostname\":\"worker-3\",\"tags\":[\"T1555\",\"container\",\"filesystem\","
          "\"mitre_credential_access\"],\"output_fields\":{\"container.id\":\"9656db3bb358\",\"container.image.repository\":"
          "\"docker.io/library/nginx\",\"container.name\":\"nginx-"
        + n
        + "\",\"evt.type\":\"openat\",\"fd.name\":\"/etc/shadow\",\"proc.cmdline\":\"cat /etc/shadow\",\"proc.name\":"
          "\"cat\",\"proc.pname\":\"bash\",\"user.name\":\"root\",\"user.uid\":0,\"k8s.ns.name\":\"default\","
          "\"k8s.pod.name\":\"nginx-7d4b\"}}\n";
}

int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool writeAll(int fd, const QByteArray &data)
{
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n <= 0)
            return false;
        done += n;
    }
    return true;
}

// Sends each slice over its own connection, in parallel; returns when everything is written.
void send(quint16 port, const std::vector<QByteArray> &slices)
{
    std::vector<std::thread> senders;
    for (const QByteArray &slice : slices) {
        senders.emplace_back([port, &slice] {
            const int fd = connectTo(port);
            if (fd < 0 || !writeAll(fd, slice))
                std::fprintf(stderr, "sender: connection to %u failed\n", unsigned(port));
            ::shutdown(fd, SHUT_WR);
            ::close(fd);
        });
    }
    for (std::thread &t : senders)
        t.join();
}

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

double processCpuSeconds(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.value(11).toDouble() + fields.value(12).toDouble()) / ticks;   // utime + stime
}

qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

double selfCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void throughput(int alerts, int connections)
{
    std::vector<QByteArray> slices(static_cast<size_t>(connections));
    qint64 totalBytes = 0;
    for (int i = 0; i < alerts; ++i) {
        const QByteArray line = sidekickLine(i);
        slices[size_t(i % connections)] += line;
        totalBytes += line.size();
    }
    std::printf("throughput: %d alerts, %d connections, %.1f MiB, %.0f bytes/alert\n", alerts, connections,
                double(totalBytes) / (1 << 20), double(totalBytes) / alerts);

    // Ours.
    double ourSeconds = 0;
    {
        QTemporaryDir dir;
        IngestConfig config;
        config.dbPath = dir.filePath(QStringLiteral("bench.db"));
        IngestPipeline pipeline(config);
        if (!pipeline.start())
            return;
        ListenerConfig listen;
        listen.tcpPort = 0;
        SyslogListener listener(listen, &pipeline);
        if (!listener.start())
            return;
        const double cpu0 = selfCpuSeconds();
        QElapsedTimer timer;
        timer.start();
        std::thread sender([&] { send(listener.tcpPort(), slices); });
        while (pipeline.stats().stored + pipeline.stats().duplicates + pipeline.stats().rejected < alerts
               && timer.elapsed() < 600000)
            QThread::msleep(5);
        ourSeconds = double(timer.nsecsElapsed()) / 1e9;
        sender.join();
        const PipelineStats stats = pipeline.stats();
        std::printf("  falco-explorer: %.2f s  %.0f alerts/s  %.1f MiB/s  stored %lld  rejected %lld  CPU %.2f s "
                    "(sender included)\n",
                    ourSeconds, alerts / ourSeconds, double(totalBytes) / (1 << 20) / ourSeconds,
                    static_cast<long long>(stats.stored), static_cast<long long>(stats.rejected), selfCpuSeconds() - cpu0);
        listener.stop();
        pipeline.stop();
    }

    // rsyslog imtcp → omfile, the same bytes.
    const QString rsyslogd = QStandardPaths::findExecutable(QStringLiteral("rsyslogd"), {QStringLiteral("/usr/sbin")});
    if (rsyslogd.isEmpty()) {
        std::printf("  rsyslogd: not installed, no ratio\n");
        return;
    }
    QTemporaryDir dir;
    const quint16 port = freePort();
    const QString out = dir.filePath(QStringLiteral("out.log"));
    QFile conf(dir.filePath(QStringLiteral("rsyslog.conf")));
    conf.open(QIODevice::WriteOnly);
    conf.write("global(workDirectory=\"" + dir.path().toUtf8() + "\" maxMessageSize=\"64k\")\n"
               "main_queue(queue.type=\"FixedArray\" queue.size=\"250000\")\n"
               "module(load=\"imtcp\" MaxSessions=\"1000\")\n"
               "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n"
               "input(type=\"imtcp\" port=\"" + QByteArray::number(port) + "\" address=\"127.0.0.1\")\n"
               "action(type=\"omfile\" file=\"" + out.toUtf8() + "\" template=\"raw\" asyncWriting=\"on\" "
               "ioBufferSize=\"1m\" flushOnTXEnd=\"off\")\n");
    conf.close();
    QProcess rsyslog;
    rsyslog.start(rsyslogd, {QStringLiteral("-n"), QStringLiteral("-f"), conf.fileName(), QStringLiteral("-i"),
                             dir.filePath(QStringLiteral("rsyslogd.pid"))});
    rsyslog.waitForStarted();
    // Wait until it listens.
    for (int i = 0; i < 100; ++i) {
        const int fd = connectTo(port);
        if (fd >= 0) {
            ::close(fd);
            break;
        }
        QThread::msleep(50);
    }
    QElapsedTimer timer;
    timer.start();
    std::thread sender([&] { send(port, slices); });
    while (QFileInfo(out).size() < totalBytes && timer.elapsed() < 600000) {
        QThread::msleep(5);
    }
    const double rsyslogSeconds = double(timer.nsecsElapsed()) / 1e9;
    sender.join();
    const double rsyslogCpu = processCpuSeconds(rsyslog.processId());
    const qint64 written = QFileInfo(out).size();
    rsyslog.terminate();
    rsyslog.waitForFinished(10000);
    std::printf("  rsyslogd imtcp->omfile: %.2f s  %.0f msg/s  %.1f MiB/s  written %lld of %lld bytes  CPU %.2f s\n",
                rsyslogSeconds, alerts / rsyslogSeconds, double(totalBytes) / (1 << 20) / rsyslogSeconds,
                static_cast<long long>(written), static_cast<long long>(totalBytes), rsyslogCpu);
    std::printf("  ratio t_rsyslog / t_ours = %.2f (>= 1.0: we parse, map and commit to SQLite faster than rsyslog "
                "writes raw lines to a file)\n",
                rsyslogSeconds / ourSeconds);
}

void idleCost(int connections)
{
    rlimit limit {};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < rlim_t(connections) + 100) {
        connections = int(limit.rlim_cur) - 100;
        std::printf("idle: RLIMIT_NOFILE is %llu: using %d connections\n", static_cast<unsigned long long>(limit.rlim_cur),
                    connections);
    }
    QTemporaryDir dir;
    const quint16 port = freePort();
    QProcess listen;
    listen.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    listen.start(QStringLiteral(FE_EXPLORER_BIN),
                 {QStringLiteral("listen"), QStringLiteral("--db"), dir.filePath(QStringLiteral("idle.db")),
                  QStringLiteral("--port"), QString::number(port), QStringLiteral("--quiet"),
                  QStringLiteral("--max-connections"), QString::number(connections + 10), QStringLiteral("--idle-timeout"),
                  QStringLiteral("0")});
    if (!listen.waitForStarted() || !listen.waitForReadyRead(10000)) {
        std::printf("idle: falco-explorer listen did not start\n");
        return;
    }
    QThread::msleep(300);
    const qint64 pid = listen.processId();
    const qint64 rssBefore = rssKiB(pid);
    std::vector<int> fds;
    fds.reserve(size_t(connections));
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < connections; ++i) {
        const int fd = connectTo(port);
        if (fd < 0)
            break;
        writeAll(fd, sidekickLine(i));   // one alert per connection, never closed: Falcosidekick's pattern
        fds.push_back(fd);
    }
    const double connectSeconds = double(timer.nsecsElapsed()) / 1e9;
    QThread::msleep(5000);   // let the listener store the alerts: the window below measures idling only
    const qint64 rssAfter = rssKiB(pid);
    const double cpu0 = processCpuSeconds(pid);
    QThread::msleep(5000);
    const double idleCpu = processCpuSeconds(pid) - cpu0;
    std::printf("idle: %zu connections opened (one alert each) in %.2f s; falco-explorer listen RSS %lld KiB -> %lld KiB "
                "(%.1f KiB per connection); CPU over 5 s idle: %.3f s (%.2f%%)\n",
                fds.size(), connectSeconds, static_cast<long long>(rssBefore), static_cast<long long>(rssAfter),
                double(rssAfter - rssBefore) / double(qMax<size_t>(1, fds.size())), idleCpu, idleCpu / 5.0 * 100);
    for (int fd : fds)
        ::close(fd);
    listen.terminate();
    listen.waitForFinished(30000);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    throughput(envInt("FE_BENCH_LISTENER_ALERTS", 200000), envInt("FE_BENCH_LISTENER_CONNECTIONS", 4));
    idleCost(envInt("FE_BENCH_IDLE_CONNECTIONS", 10000));
    return 0;
}
