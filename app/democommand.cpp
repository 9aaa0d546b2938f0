// SPDX-License-Identifier: Apache-2.0
// `falco-explorer demo`: realistic Falco alerts from the DemoGenerator, stored or printed raw.
#include "app/cliutil.h"
#include "app/commands.h"
#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"
#include "ingest/pipeline/demoloader.h"
#include "model/alertstore.h"

#include <QCommandLineOption>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

namespace fe::cli {

namespace {
const char s_description[] =
    "Generates realistic Falco alerts (real rule names, priorities, MITRE tags, output formats and fields; syscall,\n"
    "k8s_audit and internal events) over many hosts, containers and pods, spread over a time range with bursts.\n"
    "Stores them (mapped to ECS) by default; --stdout or --format jsonl -o FILE writes the raw Falco JSON lines.\n"
    "The same --seed, --count and --end give the same alerts.";
}

int runDemo(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The store (default: %1).").arg(AlertStore::defaultPath()),
                                QStringLiteral("PATH"));
    const QCommandLineOption count(QStringLiteral("count"), QStringLiteral("Number of alerts (default 5000)."), QStringLiteral("N"),
                                   QStringLiteral("5000"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed (default 1)."), QStringLiteral("S"),
                                  QStringLiteral("1"));
    const QCommandLineOption end(QStringLiteral("end"), QStringLiteral("Time of the newest alert (default now): ISO 8601, epoch ms, now-1d."),
                                 QStringLiteral("T"));
    const QCommandLineOption days(QStringLiteral("days"), QStringLiteral("Days covered, ending at --end (default 7)."),
                                  QStringLiteral("D"), QStringLiteral("7"));
    const QCommandLineOption toStdout(QStringLiteral("stdout"), QStringLiteral("Write raw Falco JSON lines to stdout, store nothing."));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("jsonl: write raw Falco JSON lines (with -o), store nothing."),
                                    QStringLiteral("FORMAT"));
    const QCommandLineOption output(QStringList{QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("File for --format jsonl (- = stdout)."), QStringLiteral("FILE"));
    parser.addOptions({db, count, seed, end, days, toStdout, format, output});
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("demo"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;

    DemoOptions options;
    bool ok = false;
    options.count = parser.value(count).toLongLong(&ok);
    if (!ok || options.count < 0) {
        writeErr(QStringLiteral("falco-explorer demo: --count expects a number >= 0\n"));
        return 2;
    }
    options.seed = parser.value(seed).toULongLong(&ok);
    if (!ok) {
        writeErr(QStringLiteral("falco-explorer demo: --seed expects a non-negative integer\n"));
        return 2;
    }
    const double dayCount = parser.value(days).toDouble(&ok);
    if (!ok || dayCount <= 0) {
        writeErr(QStringLiteral("falco-explorer demo: --days expects a positive number\n"));
        return 2;
    }
    options.spanMs = qint64(dayCount * 24 * 3600 * 1000);
    if (parser.isSet(end)) {
        QString error;
        if (!parseTime(parser.value(end), QDateTime::currentMSecsSinceEpoch(), &options.endMs, &error)) {
            writeErr(QStringLiteral("falco-explorer demo: --end: %1\n").arg(error));
            return 2;
        }
    }

    const bool raw = parser.isSet(toStdout) || parser.isSet(format);
    if (parser.isSet(format) && parser.value(format).toLower() != QStringLiteral("jsonl")) {
        writeErr(QStringLiteral("falco-explorer demo: --format must be jsonl\n"));
        return 2;
    }
    if (raw) {
        DemoGenerator generator(options);
        QFile out;
        const bool toFile = parser.isSet(output) && parser.value(output) != QStringLiteral("-") && !parser.isSet(toStdout);
        if (toFile) {
            out.setFileName(parser.value(output));
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                writeErr(QStringLiteral("falco-explorer demo: cannot write %1: %2\n").arg(out.fileName(), out.errorString()));
                return 1;
            }
        } else if (!out.open(stdout, QIODevice::WriteOnly)) {
            return 1;
        }
        QByteArray buffer;
        while (!generator.atEnd()) {
            buffer.append(generator.next()).append('\n');
            if (buffer.size() >= (1 << 20) || generator.atEnd()) {
                if (out.write(buffer) != buffer.size()) {
                    writeErr(QStringLiteral("falco-explorer demo: write failed: %1\n").arg(out.errorString()));
                    return 1;
                }
                buffer.clear();
            }
        }
        return 0;
    }

    const QString path = databasePath(parser);
    AlertStore store;
    QString error;
    if (!openStoreForWriting(path, QStringLiteral("demo"), &store, &exitCode))
        return exitCode;
    MapOptions mapOptions;
    mapOptions.logFilePath = QStringLiteral("/var/log/falco/events.log");
    DemoLoadResult loaded;
    if (!loadDemoAlerts(&store, options, mapOptions, &loaded, &error)) {
        writeErr(QStringLiteral("falco-explorer demo: store error: %1\n").arg(error));
        return 1;
    }
    const qint64 stored = loaded.stored;
    const qint64 duplicates = loaded.duplicates;
    writeErr(QStringLiteral("Stored %1 demo alert(s) in %2 (%3 already there)\n").arg(stored).arg(path).arg(duplicates));
    return 0;
}

} // namespace fe::cli
