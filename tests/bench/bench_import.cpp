// SPDX-License-Identifier: Apache-2.0
// Figures for the foundation (prints, never fails on speed): `falco-explorer map` and `import` + the first
// `stats --json` on generated corpora of 200k and 1M alerts (real processes, real files), with alerts/s and each
// process's peak RSS (wait4). When lnav is installed, the same 200k file through lnav for a side-by-side
// (perf.md §4.2: lnav loads and aggregates 200k Falco alerts in ~2.6 s on this machine class).
// Environment: FE_BENCH_IMPORT_SIZES (default "200000,1000000").
#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct Run
{
    double seconds = 0;
    double cpuSeconds = 0;   // user + sys of the child: the honest figure on a shared, loaded machine
    long peakRssKb = 0;
    int status = -1;
};

// fork/exec with stdout to outFile ("/dev/null" when empty), stderr discarded; per-child rusage via wait4.
Run runProcess(const QStringList &argv, const QString &outFile = QString())
{
    std::vector<QByteArray> storage;
    for (const QString &a : argv)
        storage.push_back(a.toLocal8Bit());
    std::vector<char *> args;
    for (QByteArray &a : storage)
        args.push_back(a.data());
    args.push_back(nullptr);
    const QByteArray out = (outFile.isEmpty() ? QStringLiteral("/dev/null") : outFile).toLocal8Bit();

    QElapsedTimer timer;
    timer.start();
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = open(out.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int null = open("/dev/null", O_WRONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(null, 2);
        execvp(args[0], args.data());
        _exit(127);
    }
    Run run;
    struct rusage usage = {};
    int status = 0;
    if (pid > 0 && wait4(pid, &status, 0, &usage) == pid) {
        run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        run.peakRssKb = usage.ru_maxrss;
        run.cpuSeconds = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    }
    run.seconds = timer.nsecsElapsed() / 1e9;
    return run;
}

void print(const char *what, qint64 n, const Run &r)
{
    std::printf("  %-34s %8.2f s  %9.0f alerts/s  CPU %7.2f s (%9.0f alerts per CPU-second)  peak RSS %6.0f MB%s\n",
                what, r.seconds, n / r.seconds, r.cpuSeconds, n / std::max(r.cpuSeconds, 1e-9), r.peakRssKb / 1024.0,
                r.status == 0 ? "" : "  (FAILED)");
}

} // namespace

int main()
{
    const QString bin = QStringLiteral(FE_EXPLORER_BIN);
    QStringList sizes = QString::fromLocal8Bit(qgetenv("FE_BENCH_IMPORT_SIZES")).split(u',', Qt::SkipEmptyParts);
    if (sizes.isEmpty())
        sizes = {QStringLiteral("200000"), QStringLiteral("1000000")};
    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;

    std::printf("bench_import: %s\n", qPrintable(bin));
    for (const QString &size : sizes) {
        const qint64 n = size.toLongLong();
        const QString corpus = dir.filePath(QStringLiteral("corpus-%1.jsonl").arg(n));
        const QString db = dir.filePath(QStringLiteral("import-%1.db").arg(n));
        const Run gen = runProcess({bin, QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"), size,
                                    QStringLiteral("--seed"), QStringLiteral("42"), QStringLiteral("--end"),
                                    QStringLiteral("2026-01-01T00:00:00Z")},
                                   corpus);
        std::printf("%lld alerts, %.0f MB corpus (generated in %.1f s)\n", static_cast<long long>(n),
                    QFile(corpus).size() / 1e6, gen.seconds);
        print("map (ECS NDJSON to /dev/null)", n, runProcess({bin, QStringLiteral("map"), corpus}));
        const Run import = runProcess({bin, QStringLiteral("import"), QStringLiteral("--db"), db, QStringLiteral("--json"), corpus});
        print("import (stored, committed)", n, import);
        const Run stats = runProcess({bin, QStringLiteral("stats"), QStringLiteral("--db"), db, QStringLiteral("--json")});
        print("first stats --json", n, stats);
        Run both = import;
        both.seconds += stats.seconds;
        both.cpuSeconds += stats.cpuSeconds;
        print("import + first stats", n, both);

        const QString lnav = QStandardPaths::findExecutable(QStringLiteral("lnav"));
        if (!lnav.isEmpty() && n <= 200000) {
            const Run l = runProcess({lnav, QStringLiteral("-n"), QStringLiteral("-c"),
                                      QStringLiteral(";SELECT count(*) FROM all_logs"), corpus});
            print("lnav -n (load + count)", n, l);
            std::printf("  ratio lnav / ours (import + stats): %.2f\n", l.seconds / both.seconds);
        } else if (lnav.isEmpty()) {
            std::printf("  (lnav not installed: apt-get install lnav for the side-by-side)\n");
        }
        QFile::remove(db);
        QFile::remove(corpus);
    }
    return 0;
}
