// SPDX-License-Identifier: Apache-2.0
// Figures for live ingest (prints, never fails on speed):
//  1. Sustained loopback ingest, stored and committed: N Falcosidekick-style syslog lines (~940 B) sent over C
//     connections (one sender thread each) to the in-process SyslogListener → IngestPipeline → SQLite, and the
//     same bytes to `rsyslogd -n` with imtcp → omfile (%rawmsg%) in the same run, alternating for R rounds.
//     Time = first byte sent until all N are durable (our stored counter after the commit; rsyslog's output file
//     size). ratio = our alerts/s / rsyslog msgs/s. CPU per thread group shows where the time goes.
//  2. Idle cost: connections to `falco-explorer listen` (a separate process started with the shell's fd limits:
//     it raises its own), first bare, then each sending one alert and left open as Falcosidekick does: RSS per
//     connection and CPU used over a 10 s idle window.
// Environment: FE_BENCH_LISTENER_ALERTS (default 200000), FE_BENCH_LISTENER_CONNECTIONS (default 8),
// FE_BENCH_LISTENER_ROUNDS (default 2), FE_BENCH_IDLE_CONNECTIONS (default 10000), FE_BENCH_LISTENER_SEED (a store
// to copy and ingest into, e.g. /work/bench/db-1m.db: sustained ingest into a full store; default: a new one); for A/B runs of the pipeline's
// structure: FE_BENCH_LISTENER_MAPPERS (mapper threads, default: IngestConfig's), FE_BENCH_LISTENER_BATCH (rows/txn);
// FE_BENCH_LISTENER_PRESERVE=1 maps as `listen --preserve-original --preserve-falco-fields`;
// FE_BENCH_LISTENER_DROP_INDEXES=alerts_rule_ts,alerts_host_ts drops those indexes from the store before the run (what
// the write path would gain without them: an experiment, the explorer's filters and sorts need them today);
// FE_BENCH_LISTENER_PAGE_SIZE=N creates the new store with N-byte pages instead of the store's 65536;
// FE_BENCH_LISTENER_INDEX_BACKLOG=N bounds the full-text backlog at N outputs (IngestConfig::maxIndexBacklog): with N
// below the run's size, the rate past N is what sustained ingest costs with the index kept up;
// FE_BENCH_LISTENER_QUEUED_MIB=M bounds the bytes between the stages (IngestConfig::maxQueuedBytes).
#include "ingest/pipeline/ingestpipeline.h"
#include "ingest/sources/sysloglistener.h"
#include "model/alertstore.h"
#include "support/loopbackclient.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include <arpa/inet.h>
#include <sqlite3.h>
#include <cstdio>
#include <netinet/in.h>
#include <pthread.h>
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

// A Falcosidekick syslog line. Alert i happens i * 10 us after start (100k alerts a second, as in a burst at the
// target rate; start = the run's start: live alerts are newer than any stored).
QByteArray sidekickLine(int i, const QDateTime &start)
{
    const QByteArray n = QByteArray::number(i);
    const QByteArray second = start.addSecs(i / 100000).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")).toLatin1();
    const QByteArray nanos = QByteArray::number(qint64(i % 100000) * 10000).rightJustified(9, '0');
    // A random-looking version 4 UUID, as Falcosidekick sends (uuid.New()): dedupe keys arrive in no order.
    quint64 a = quint64(i) * 0x9E3779B97F4A7C15ull;
    quint64 b = (a ^ (a >> 29)) * 0xBF58476D1CE4E5B9ull;
    a ^= a >> 31;
    b ^= b >> 32;
    const QByteArray hex = QByteArray::number(a | (quint64(1) << 63), 16).right(16) + QByteArray::number(b | (quint64(1) << 63), 16).right(16);
    const QByteArray uuid = hex.mid(0, 8) + '-' + hex.mid(8, 4) + "-4" + hex.mid(13, 3) + "-a" + hex.mid(17, 3) + '-' + hex.mid(20, 12);
    return "<4>" + second + "Z sidekick-7d9 Falco[1]: {\"uuid\":\"" + uuid
        + "\",\"output\":\"13:49:16.479964318: Warning Sensitive file opened for reading by non-trusted program "
          "(file=/etc/shadow gparent=runc evt_type=openat user=root user_uid=0 process=cat proc_exepath=/usr/bin/cat "
          "parent=bash command=cat /etc/shadow terminal=34816 container_id=9656db3bb358 container_name=nginx-"
        + n
        + ")\",\"priority\":\"Warning\",\"rule\":\"Read sensitive file untrusted\",\"time\":\"" + second + "."
        + nanos
        + "Z\",\"source\":\"syscall\",\"hostname\":\"worker-3\",\"tags\":[\"T1555\",\"container\",\"filesystem\","
          "\"mitre_credential_access\"],\"output_fields\":{\"container.id\":\"9656db3bb358\",\"container.image.repository\":"
          "\"docker.io/library/nginx\",\"container.name\":\"nginx-"
        + n
        + "\",\"evt.type\":\"openat\",\"fd.name\":\"/etc/shadow\",\"proc.cmdline\":\"cat /etc/shadow\",\"proc.name\":"
          "\"cat\",\"proc.pname\":\"bash\",\"user.name\":\"root\",\"user.uid\":0,\"k8s.ns.name\":\"default\","
          "\"k8s.pod.name\":\"nginx-7d4b\"}}\n";
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

// Sends each slice over its own connection, one thread each, in parallel; returns when everything is written.
void send(quint16 port, const std::vector<QByteArray> &slices)
{
    std::vector<std::thread> senders;
    for (const QByteArray &slice : slices) {
        senders.emplace_back([port, &slice] {
            pthread_setname_np(pthread_self(), "bench-sender");
            const int fd = fe::test::connectToLoopback(port);
            if (fd < 0 || !writeAll(fd, slice))
                std::fprintf(stderr, "sender: connection to %u failed\n", unsigned(port));
            if (fd >= 0) {
                ::shutdown(fd, SHUT_WR);
                ::close(fd);
            }
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

struct CpuSeconds
{
    double total = 0;    // user + kernel
    double kernel = 0;   // in the kernel on the thread's behalf (system calls, page faults)
};

CpuSeconds cpuSeconds(const QByteArray &statLine)
{
    const QList<QByteArray> fields = statLine.mid(statLine.lastIndexOf(')') + 2).split(' ');
    const double tick = double(sysconf(_SC_CLK_TCK));
    const double stime = fields.value(12).toDouble() / tick;
    return {fields.value(11).toDouble() / tick + stime, stime};   // utime + stime, stime
}

double processCpuSeconds(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    return cpuSeconds(stat.readAll()).total;
}

// CPU seconds of this process's live threads, by thread group: the name without a trailing "-<n>".
QMap<QString, CpuSeconds> threadCpuSeconds()
{
    QMap<QString, CpuSeconds> groups;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const qsizetype open = line.indexOf('(');
        QString name = QString::fromUtf8(line.mid(open + 1, line.lastIndexOf(')') - open - 1));
        name.remove(QRegularExpression(QStringLiteral("-\\d+$")));
        const CpuSeconds used = cpuSeconds(line);
        groups[name].total += used.total;
        groups[name].kernel += used.kernel;
    }
    return groups;
}

// Kernel memory of all TCP sockets (both ends of loopback connections), KiB.
qint64 tcpKernelKiB()
{
    QFile sockstat(QStringLiteral("/proc/net/sockstat"));
    if (!sockstat.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : sockstat.readAll().split('\n')) {
        const QList<QByteArray> words = line.simplified().split(' ');
        if (words.value(0) == "TCP:" && words.size() >= 2 && words.at(words.size() - 2) == "mem")
            return words.constLast().toLongLong() * (sysconf(_SC_PAGESIZE) / 1024);
    }
    return -1;
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

// Bytes this process sent to storage so far (/proc/self/io write_bytes: page-cache pages dirtied by write calls).
qint64 selfWriteBytes()
{
    QFile io(QStringLiteral("/proc/self/io"));
    if (!io.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : io.readAll().split('\n')) {
        if (line.startsWith("write_bytes:"))
            return line.mid(12).trimmed().toLongLong();
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

struct Stream
{
    std::vector<QByteArray> slices;   // one per connection
    int alerts = 0;
    qint64 bytes = 0;
};

IngestConfig benchConfig()
{
    IngestConfig config;
    config.mapperThreads = envInt("FE_BENCH_LISTENER_MAPPERS", config.mapperThreads);
    config.maxBatchAlerts = envInt("FE_BENCH_LISTENER_BATCH", config.maxBatchAlerts);
    config.maxQueuedBytes = qint64(envInt("FE_BENCH_LISTENER_QUEUED_MIB", int(config.maxQueuedBytes >> 20))) << 20;
    config.maxIndexBacklog = envInt("FE_BENCH_LISTENER_INDEX_BACKLOG", int(config.maxIndexBacklog));
    // MiB of the store's newest pages kept in the page cache behind the checkpoints; "off": no drop-behind.
    const QByteArray keep = qgetenv("FE_BENCH_LISTENER_PAGE_CACHE_KEEP_MIB");
    if (keep == "off")
        config.pageCacheKeepBytes = -1;
    else if (const int mib = keep.toInt(); mib > 0)
        config.pageCacheKeepBytes = qint64(mib) << 20;
    // As `listen --preserve-original --preserve-falco-fields` (the documents grow by the whole syslog line).
    config.mapOptions.preserveOriginal = config.mapOptions.preserveFalcoFields =
        qEnvironmentVariableIntValue("FE_BENCH_LISTENER_PRESERVE") == 1;
    return config;
}

// Ours: listener → mappers → one writer → SQLite, all in this process. Alerts/s stored and committed.
double runOurs(const Stream &stream)
{
    QTemporaryDir dir;
    IngestConfig config = benchConfig();
    config.dbPath = dir.filePath(QStringLiteral("bench.db"));
    const QString seed = qEnvironmentVariable("FE_BENCH_LISTENER_SEED");
    if (!seed.isEmpty()) {
        // Into a store that already holds alerts (a copy of seed, migrated by the pipeline's open if older).
        if (!QFile::copy(seed, config.dbPath)) {
            std::printf("  cannot copy the seed store %s\n", qPrintable(seed));
            return 0;
        }
        // Written back before the clock starts: otherwise the run pays for flushing the copy (the checkpoint's
        // fdatasync waits for it, and the kernel throttles the writer's dirty pages).
        QFile copy(config.dbPath);
        if (copy.open(QIODevice::ReadWrite))
            ::fsync(copy.handle());
        std::printf("  into a copy of %s (%.0f MiB, synced)\n", qPrintable(seed), double(QFileInfo(seed).size()) / (1 << 20));
    }
    if (const int pageSize = envInt("FE_BENCH_LISTENER_PAGE_SIZE", 0); pageSize > 0 && seed.isEmpty()) {
        // An empty file in WAL mode keeps the page size it was given: AlertStore's own PRAGMA page_size is then a no-op.
        sqlite3 *db = nullptr;
        const QByteArray sql = "PRAGMA page_size=" + QByteArray::number(pageSize) + "; PRAGMA journal_mode=WAL;";
        const bool made = sqlite3_open(QFile::encodeName(config.dbPath).constData(), &db) == SQLITE_OK
            && sqlite3_exec(db, sql.constData(), nullptr, nullptr, nullptr) == SQLITE_OK;
        sqlite3_close(db);
        if (!made) {
            std::printf("  cannot create the store with %d-byte pages\n", pageSize);
            return 0;
        }
        std::printf("  experiment: %d-byte pages\n", pageSize);
    }
    const QStringList dropIndexes =
        qEnvironmentVariable("FE_BENCH_LISTENER_DROP_INDEXES").split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (!dropIndexes.isEmpty()) {
        // The store is created (or migrated) by AlertStore first, then the indexes go, on a connection of our own.
        {
            AlertStore create;
            if (!create.open(config.dbPath)) {
                std::printf("  cannot create the store %s\n", qPrintable(config.dbPath));
                return 0;
            }
        }
        sqlite3 *db = nullptr;
        bool dropped = sqlite3_open_v2(QFile::encodeName(config.dbPath).constData(), &db, SQLITE_OPEN_READWRITE,
                                       nullptr) == SQLITE_OK;
        for (const QString &index : dropIndexes) {
            static const QRegularExpression name(QStringLiteral("^alerts_[a-z_]+$"));
            dropped = dropped && name.match(index).hasMatch()
                && sqlite3_exec(db, ("DROP INDEX " + index.toUtf8()).constData(), nullptr, nullptr, nullptr) == SQLITE_OK;
        }
        if (!dropped) {
            std::printf("  cannot drop the indexes %s: %s\n", qPrintable(dropIndexes.join(QLatin1Char(','))),
                        db ? sqlite3_errmsg(db) : "cannot open the store");
            sqlite3_close(db);
            return 0;
        }
        sqlite3_close(db);
        std::printf("  experiment: the store has no %s\n", qPrintable(dropIndexes.join(QLatin1Char(','))));
    }
    IngestPipeline pipeline(config);
    if (!pipeline.start())
        return 0;
    ListenerConfig listen;
    listen.tcpPort = 0;
    SyslogListener listener(listen, &pipeline);
    if (!listener.start())
        return 0;
    const QMap<QString, CpuSeconds> threads0 = threadCpuSeconds();
    const double cpu0 = selfCpuSeconds();
    const qint64 written0 = selfWriteBytes();
    QElapsedTimer timer;
    timer.start();
    std::thread sender([&] { send(listener.tcpPort(), stream.slices); });
    PipelineStats stats;
    do {
        QThread::msleep(2);
        stats = pipeline.stats();
    } while (stats.stored + stats.duplicates + stats.rejected < stream.alerts && timer.elapsed() < 600000);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const QMap<QString, CpuSeconds> threads1 = threadCpuSeconds();
    const double cpu = selfCpuSeconds() - cpu0;
    sender.join();
    const double rate = double(stats.stored) / seconds;
    std::printf("  falco-explorer listener: %.2f s  %.0f alerts/s stored+committed  %.1f MiB/s  stored %lld  rejected %lld"
                "  %lld txns (%.0f rows/txn)\n",
                seconds, rate, double(stream.bytes) / (1 << 20) / seconds, static_cast<long long>(stats.stored),
                static_cast<long long>(stats.rejected), static_cast<long long>(pipeline.commits()),
                double(stats.stored) / double(qMax<qint64>(1, pipeline.commits())));
    QString split;
    double listed = 0;
    for (auto it = threads1.cbegin(); it != threads1.cend(); ++it) {
        const double used = it.value().total - threads0.value(it.key()).total;
        if (it.key() == QLatin1String("bench_listener") || used < 0.005)
            continue;
        listed += used;
        const double kernel = it.value().kernel - threads0.value(it.key()).kernel;
        split += QStringLiteral("%1 %2 s (%3 us/alert, %4 in the kernel)  ")
                     .arg(it.key())
                     .arg(used, 0, 'f', 2)
                     .arg(used * 1e6 / stream.alerts, 0, 'f', 1)
                     .arg(kernel * 1e6 / stream.alerts, 0, 'f', 1);
    }
    std::printf("    CPU %.2f s in %.2f s wall: %ssenders+bench %.2f s\n", cpu, seconds, qPrintable(split), cpu - listed);
    // The full-text index of a burst is built by the writer when its queue is empty (searches are exact meanwhile):
    // work that sustained ingest owes too, so its cost is shown beside the stored rate.
    {
        AlertStore reader;
        if (reader.open(config.dbPath, AlertStore::OpenMode::ReadOnly)) {
            const qint64 pending = reader.pendingIndexRows();
            const QMap<QString, CpuSeconds> before = threadCpuSeconds();
            QElapsedTimer catchUp;
            catchUp.start();
            qint64 left = pending;
            while (left > 0 && catchUp.elapsed() < 300000) {
                QThread::msleep(20);
                left = reader.pendingIndexRows();
            }
            const double writerCpu = threadCpuSeconds().value(QStringLiteral("fe-store-writer")).total
                - before.value(QStringLiteral("fe-store-writer")).total;
            std::printf("    full-text index: %lld of %lld outputs left to index when the last alert was committed; "
                        "caught up %.2f s later (writer %.2f s CPU, %.1f us per output); %lld left\n",
                        static_cast<long long>(pending), static_cast<long long>(stats.stored),
                        double(catchUp.elapsed()) / 1000, writerCpu, pending > 0 ? writerCpu * 1e6 / double(pending) : 0.0,
                        static_cast<long long>(left));
        }
    }
    listener.stop();
    pipeline.stop();   // the last checkpoint included
    const qint64 written = selfWriteBytes() - written0;
    std::printf("    storage writes: %.0f MiB, %.1f KiB per alert (WAL frames + their checkpoint into the database, %lld "
                "bytes of input per alert); database file %.0f MiB\n",
                double(written) / (1 << 20), double(written) / 1024 / stream.alerts,
                static_cast<long long>(stream.bytes / stream.alerts),
                double(QFileInfo(config.dbPath).size()) / (1 << 20));
    return rate;
}

// rsyslog imtcp → omfile, the same bytes. Messages/s written to the file.
double runRsyslog(const QString &rsyslogd, const Stream &stream)
{
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
    for (int i = 0; i < 100; ++i) {   // until it listens
        const int fd = fe::test::connectToLoopback(port);
        if (fd >= 0) {
            ::close(fd);
            break;
        }
        QThread::msleep(50);
    }
    const double cpu0 = processCpuSeconds(rsyslog.processId());
    QElapsedTimer timer;
    timer.start();
    std::thread sender([&] { send(port, stream.slices); });
    while (QFileInfo(out).size() < stream.bytes && timer.elapsed() < 600000)
        QThread::msleep(2);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    sender.join();
    const double cpu = processCpuSeconds(rsyslog.processId()) - cpu0;
    const qint64 written = QFileInfo(out).size();
    rsyslog.terminate();
    rsyslog.waitForFinished(10000);
    const double rate = stream.alerts / seconds;
    std::printf("  rsyslogd imtcp->omfile:  %.2f s  %.0f msgs/s written  %.1f MiB/s  %lld of %lld bytes  rsyslogd CPU %.2f s\n",
                seconds, rate, double(stream.bytes) / (1 << 20) / seconds, static_cast<long long>(written),
                static_cast<long long>(stream.bytes), cpu);
    return rate;
}

void throughput(int alerts, int connections, int rounds)
{
    Stream stream;
    stream.alerts = alerts;
    const QDateTime start = QDateTime::currentDateTimeUtc();
    stream.slices.resize(static_cast<size_t>(connections));
    for (int i = 0; i < alerts; ++i) {
        const QByteArray line = sidekickLine(i, start);
        stream.slices[size_t(i % connections)] += line;
        stream.bytes += line.size();
    }
    const IngestConfig defaults = benchConfig();
    ListenerConfig listenDefaults;
    const int mappers = defaults.mapperThreads > 0 ? defaults.mapperThreads : qBound(1, QThread::idealThreadCount() - 1, 8);
    std::printf("throughput: %d alerts, %d connections (one sender thread each, in this process), %.1f MiB, %.0f bytes/alert; "
                "%d cores\n",
                alerts, connections, double(stream.bytes) / (1 << 20), double(stream.bytes) / alerts,
                QThread::idealThreadCount());
    std::printf("  ours: 1 listener thread (frames of up to %d per hand-off), %d mapper threads, 1 writer thread "
                "(<= %d rows/txn or %d ms), <= %lld MiB in flight, page cache drop-behind %s\n",
                listenDefaults.maxBatchFrames, mappers, defaults.maxBatchAlerts, defaults.maxBatchAgeMs,
                static_cast<long long>(defaults.maxQueuedBytes >> 20),
                defaults.pageCacheKeepBytes < 0
                    ? "off"
                    : qPrintable(QStringLiteral("keeping the newest %1 MiB").arg(defaults.pageCacheKeepBytes >> 20)));
    const QString rsyslogd = QStandardPaths::findExecutable(QStringLiteral("rsyslogd"), {QStringLiteral("/usr/sbin")});
    double bestOurs = 0;
    double bestRsyslog = 0;
    for (int round = 1; round <= rounds; ++round) {
        std::printf(" round %d\n", round);
        const double ours = runOurs(stream);
        bestOurs = qMax(bestOurs, ours);
        if (rsyslogd.isEmpty())
            continue;
        const double theirs = runRsyslog(rsyslogd, stream);
        bestRsyslog = qMax(bestRsyslog, theirs);
        std::printf("  ratio ours/rsyslog = %.2f\n", theirs > 0 ? ours / theirs : 0.0);
    }
    if (rsyslogd.isEmpty()) {
        std::printf("  rsyslogd: not installed, no ratio; best ours %.0f alerts/s\n", bestOurs);
        return;
    }
    std::printf("  best of %d: falco-explorer %.0f alerts/s stored+committed, rsyslogd %.0f msgs/s to a file: ratio %.2f "
                "(>= 1.0: we parse, map and commit to SQLite faster than rsyslog writes raw lines to a file)\n",
                rounds, bestOurs, bestRsyslog, bestRsyslog > 0 ? bestOurs / bestRsyslog : 0.0);
}

// Reads `falco-explorer listen` stats lines (stderr) until one satisfies done, or timeout.
bool waitForStats(QProcess &listen, const char *counter, qint64 value, int timeoutMs)
{
    const QRegularExpression pattern(QStringLiteral("\\b%1 (\\d+)").arg(QLatin1String(counter)));
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (!listen.canReadLine() && !listen.waitForReadyRead(500))
            continue;
        while (listen.canReadLine()) {
            const QString line = QString::fromUtf8(listen.readLine());
            const QRegularExpressionMatch match = pattern.match(line);
            if (match.hasMatch() && match.captured(1).toLongLong() >= value)
                return true;
        }
    }
    return false;
}

void idleCost(int connections)
{
    // The sender (this process) needs one descriptor per connection; the listener raises its own limit.
    rlimit original {};
    getrlimit(RLIMIT_NOFILE, &original);
    rlimit raised = original;
    raised.rlim_cur = raised.rlim_max;
    setrlimit(RLIMIT_NOFILE, &raised);
    if (raised.rlim_cur != RLIM_INFINITY && raised.rlim_cur < rlim_t(connections) + 100) {
        connections = int(raised.rlim_cur) - 100;
        std::printf("idle: RLIMIT_NOFILE hard limit is %llu: using %d connections\n",
                    static_cast<unsigned long long>(raised.rlim_cur), connections);
    }
    QTemporaryDir dir;
    const quint16 port = freePort();
    QProcess listen;
    listen.setReadChannel(QProcess::StandardError);
    listen.setChildProcessModifier([original] { setrlimit(RLIMIT_NOFILE, &original); });
    QStringList args {QStringLiteral("listen"), QStringLiteral("--db"), dir.filePath(QStringLiteral("idle.db")),
                      QStringLiteral("--port"), QString::number(port), QStringLiteral("--stats-interval"),
                      QStringLiteral("1"), QStringLiteral("--idle-timeout"), QStringLiteral("0")};
    if (connections > ListenerConfig().maxConnections)
        args << QStringLiteral("--max-connections") << QString::number(connections);
    listen.start(QStringLiteral(FE_EXPLORER_BIN), args);
    if (!listen.waitForStarted() || !waitForStats(listen, "connections", 0, 10000)) {
        std::printf("idle: falco-explorer listen did not start\n");
        return;
    }
    const qint64 pid = listen.processId();
    std::printf("idle: falco-explorer listen (pid %lld) started with RLIMIT_NOFILE %llu/%llu; %d connections, "
                "--max-connections %s\n",
                pid, static_cast<unsigned long long>(original.rlim_cur), static_cast<unsigned long long>(original.rlim_max),
                connections, connections > ListenerConfig().maxConnections ? "raised" : "default");
    const qint64 rss0 = rssKiB(pid);
    const qint64 kernel0 = tcpKernelKiB();
    std::vector<int> fds;
    fds.reserve(size_t(connections));
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < connections; ++i) {
        const int fd = fe::test::connectToLoopback(port);
        if (fd < 0) {
            std::printf("idle: connect #%d failed\n", i + 1);
            break;
        }
        fds.push_back(fd);
    }
    const int open = int(fds.size());
    const bool accepted = waitForStats(listen, "connections", open, 60000);
    const double connectSeconds = double(timer.nsecsElapsed()) / 1e9;
    QThread::msleep(500);
    const qint64 rss1 = rssKiB(pid);
    const QDateTime start = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < open; ++i)
        writeAll(fds[size_t(i)], sidekickLine(i, start));   // one alert per connection, never closed: Falcosidekick's pattern
    const bool stored = waitForStats(listen, "stored", open, 120000);
    QThread::msleep(1500);   // the idle window below measures idling only
    const qint64 rss2 = rssKiB(pid);
    const qint64 kernel2 = tcpKernelKiB();
    const double cpu0 = processCpuSeconds(pid);
    QThread::msleep(10000);
    const double idleCpu = processCpuSeconds(pid) - cpu0;
    const qint64 rss3 = rssKiB(pid);
    std::printf("idle: %d connections %s in %.2f s; RSS %lld KiB before -> %lld KiB bare (%.2f KiB per connection) -> %lld "
                "KiB after one alert each (%s; %.2f KiB per connection over the start)\n",
                open, accepted ? "accepted" : "NOT all accepted", connectSeconds, static_cast<long long>(rss0),
                static_cast<long long>(rss1), double(rss1 - rss0) / qMax(1, open), static_cast<long long>(rss2),
                stored ? "all stored" : "NOT all stored", double(rss2 - rss0) / qMax(1, open));
    std::printf("idle: kernel TCP memory (both ends, system-wide) %lld KiB -> %lld KiB (%.2f KiB per connection)\n",
                static_cast<long long>(kernel0), static_cast<long long>(kernel2), double(kernel2 - kernel0) / qMax(1, open));
    std::printf("idle: CPU over 10 s with %d idle connections: %.3f s (%.2f%% of a core); RSS after %lld KiB\n", open,
                idleCpu, idleCpu / 10.0 * 100, static_cast<long long>(rss3));
    for (int fd : fds)
        ::close(fd);
    listen.terminate();
    listen.waitForFinished(30000);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    throughput(envInt("FE_BENCH_LISTENER_ALERTS", 200000), envInt("FE_BENCH_LISTENER_CONNECTIONS", 8),
               envInt("FE_BENCH_LISTENER_ROUNDS", 2));
    idleCost(envInt("FE_BENCH_IDLE_CONNECTIONS", 10000));
    return 0;
}
