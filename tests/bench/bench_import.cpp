// SPDX-License-Identifier: Apache-2.0
// Figures (prints, never fails on speed): `falco-explorer map`, `import` + the first `stats --json`, and the
// background full-text index (`index`) on generated corpora (demo, seed 42) of 200k and 1M alerts, as real processes
// on real files, with each process's peak RSS (wait4) and the store's size against the raw log. Side by side in the
// same run: lnav loading the same file with a Falco JSON format (tests/bench/lnav/falco_json.json) and answering
// `SELECT rule, count(*) … GROUP BY rule`, the offline-review task an analyst does with it today.
// Environment: FE_BENCH_IMPORT_SIZES (default "200000,1000000").
#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
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
Run runProcess(const QStringList &argv, const QString &outFile = QString(), const QByteArray &home = QByteArray())
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
        if (!home.isEmpty()) {
            setenv("HOME", home.constData(), 1);
            unsetenv("XDG_CONFIG_HOME");
        }
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


qint64 storeBytes(const QString &db)
{
    return QFileInfo(db).size() + QFileInfo(db + QStringLiteral("-wal")).size();
}

// lnav reads formats from $HOME/.config/lnav/formats/installed; a private HOME keeps the run independent of the
// user's own lnav set-up.
QByteArray lnavHome(const QTemporaryDir &dir)
{
    const QString formats = dir.filePath(QStringLiteral("lnav-home/.config/lnav/formats/installed"));
    QDir().mkpath(formats);
    QFile::copy(QStringLiteral(FE_BENCH_LNAV_FORMAT), formats + QStringLiteral("/falco_json.json"));
    return dir.filePath(QStringLiteral("lnav-home")).toLocal8Bit();
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
    const QString lnav = QStandardPaths::findExecutable(QStringLiteral("lnav"));
    const QByteArray home = lnav.isEmpty() ? QByteArray() : lnavHome(dir);

    std::printf("bench_import: %s\n", qPrintable(bin));
    for (const QString &size : sizes) {
        const qint64 n = size.toLongLong();
        // lnav picks its format by file name (*.ndjson).
        const QString corpus = dir.filePath(QStringLiteral("corpus-%1.ndjson").arg(n));
        const QString db = dir.filePath(QStringLiteral("import-%1.db").arg(n));
        const Run gen = runProcess({bin, QStringLiteral("demo"), QStringLiteral("--stdout"), QStringLiteral("--count"), size,
                                    QStringLiteral("--seed"), QStringLiteral("42"), QStringLiteral("--end"),
                                    QStringLiteral("2026-01-01T00:00:00Z")},
                                   corpus);
        const qint64 raw = QFile(corpus).size();
        std::printf("%lld alerts, %.0f MB corpus (generated in %.1f s)\n", static_cast<long long>(n), raw / 1e6,
                    gen.seconds);
        print("map (ECS NDJSON to /dev/null)", n, runProcess({bin, QStringLiteral("map"), corpus}));
        const Run import = runProcess({bin, QStringLiteral("import"), QStringLiteral("--db"), db, QStringLiteral("--json"), corpus});
        print("import (stored, committed)", n, import);
        const Run stats = runProcess({bin, QStringLiteral("stats"), QStringLiteral("--db"), db, QStringLiteral("--json")});
        print("first stats --json", n, stats);
        Run both = import;
        both.seconds += stats.seconds;
        both.cpuSeconds += stats.cpuSeconds;
        print("import + first stats", n, both);
        const qint64 beforeIndex = storeBytes(db);
        std::printf("  store after import: %.0f MB = %.2f x the raw log (%.0f bytes per alert)\n", beforeIndex / 1e6,
                    double(beforeIndex) / raw, double(beforeIndex) / n);

        if (!lnav.isEmpty()) {
            const Run l = runProcess({lnav, QStringLiteral("-n"), QStringLiteral("-c"),
                                      QStringLiteral(";SELECT rule, count(*) FROM falco_json GROUP BY rule"), corpus},
                                     QString(), home);
            print("lnav 0.11 (load + GROUP BY rule)", n, l);
            std::printf("  ours / lnav (import + first answer): %.2f  (target <= 0.50, at most 0.75)\n",
                        both.seconds / l.seconds);
        } else {
            std::printf("  (lnav not installed: apt-get install lnav for the side-by-side)\n");
        }

        // The full-text index, built after the import by the next read-write opener or explicitly.
        const Run index = runProcess({bin, QStringLiteral("index"), QStringLiteral("--db"), db, QStringLiteral("--quiet")});
        print("index (full-text, afterwards)", n, index);
        const qint64 afterIndex = storeBytes(db);
        std::printf("  store with the full-text index: %.0f MB = %.2f x the raw log (%.0f bytes per alert)\n",
                    afterIndex / 1e6, double(afterIndex) / raw, double(afterIndex) / n);
        QFile::remove(db);
        QFile::remove(db + QStringLiteral("-wal"));
        QFile::remove(db + QStringLiteral("-shm"));
        QFile::remove(corpus);
    }
    return 0;
}
