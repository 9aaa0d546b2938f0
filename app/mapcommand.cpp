// SPDX-License-Identifier: Apache-2.0
// `falco-explorer map`: Falco alerts in, ECS documents out (NDJSON), nothing stored.
#include "app/cliutil.h"
#include "app/commands.h"
#include "ingest/pipeline/fileimporter.h"

#include <QCommandLineOption>
#include <QDateTime>

#include <cstdio>
#include <string>

namespace fe::cli {

namespace {
const char s_description[] =
    "Maps Falco JSON alerts (one per line; syslog-wrapped and Falcosidekick lines too) to ECS documents exactly\n"
    "like Elastic's Falco integration and prints one document per alert on stdout (NDJSON). Nothing is stored.\n"
    "Lines that are not alerts are skipped; bad lines are reported on stderr as FILE:LINE: reason.";
}

int runMap(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption input(QStringLiteral("input"), QStringLiteral("The integration input to emulate: logfile (default) or tcp."),
                                   QStringLiteral("logfile|tcp"), QStringLiteral("logfile"));
    const QCommandLineOption preserveOriginal(QStringLiteral("preserve-original"),
                                              QStringLiteral("Keep event.original (tag preserve_original_event)."));
    const QCommandLineOption preserveFalco(QStringLiteral("preserve-falco-fields"),
                                           QStringLiteral("Keep the falco.* fields (tag preserve_falco_fields)."));
    const QCommandLineOption set(QStringLiteral("set"), QStringLiteral("Add FIELD=VALUE (dotted ECS path) to every document; repeatable."),
                                 QStringLiteral("FIELD=VALUE"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Mapper threads (default: one per core)."),
                                     QStringLiteral("N"));
    // The context a store keeps with each alert, for reproducing a stored alert's document (event.ingested, the
    // time of an alert without one, log.source.address): `export --format ndjson` gives the same documents.
    const QCommandLineOption readTime(QStringLiteral("read-time"),
                                      QStringLiteral("The time the input was read (event.ingested, and @timestamp of an "
                                                     "alert without a time): ISO 8601 or epoch ms (default: now)."),
                                      QStringLiteral("T"));
    const QCommandLineOption sourceAddress(QStringLiteral("source-address"),
                                           QStringLiteral("With --input tcp: the peer ip:port (log.source.address)."),
                                           QStringLiteral("ADDR"));
    parser.addOptions({input, preserveOriginal, preserveFalco, set, threads, readTime, sourceAddress});
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Input files (plain or .gz); - or nothing for stdin."),
                                 QStringLiteral("[FILE|-]..."));
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("map"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;

    ImportOptions options;
    const QString inputName = parser.value(input).toLower();
    if (inputName == QStringLiteral("tcp")) {
        options.mapOptions.input = MapOptions::Input::Tcp;
    } else if (inputName != QStringLiteral("logfile")) {
        writeErr(QStringLiteral("falco-explorer map: --input must be logfile or tcp, not '%1'\n").arg(parser.value(input)));
        return 2;
    }
    if (parser.isSet(readTime)) {
        QString error;
        qint64 ms = 0;
        if (!parseTime(parser.value(readTime), QDateTime::currentMSecsSinceEpoch(), &ms, &error) || ms <= 0) {
            writeErr(QStringLiteral("falco-explorer map: --read-time: %1\n")
                         .arg(error.isEmpty() ? QStringLiteral("must be after 1970") : error));
            return 2;
        }
        options.mapOptions.readTimeMs = ms;
    }
    if (parser.isSet(sourceAddress)) {
        if (options.mapOptions.input != MapOptions::Input::Tcp) {
            writeErr(QStringLiteral("falco-explorer map: --source-address needs --input tcp\n"));
            return 2;
        }
        options.mapOptions.sourceAddress = parser.value(sourceAddress);
    }
    options.mapOptions.preserveOriginal = parser.isSet(preserveOriginal);
    options.mapOptions.preserveFalcoFields = parser.isSet(preserveFalco);
    for (const QString &assignment : parser.values(set)) {
        const qsizetype eq = assignment.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            writeErr(QStringLiteral("falco-explorer map: --set expects FIELD=VALUE, got '%1'\n").arg(assignment));
            return 2;
        }
        options.mapOptions.extraFields.append({assignment.left(eq), assignment.mid(eq + 1)});
    }
    options.mapperThreads = parser.value(threads).toInt();
    options.optimizeAfter = false;
    // Nothing is stored, so nothing needs large batches: small ones keep the writer's pending alerts (and so
    // the peak memory) small, independent of the input size.
    options.batchSize = 1024;
    options.alertSink = [](const AlertBatch &batch) {
        // Documents are gathered in one reused buffer and written in pieces; a large one is written from where it
        // is, so the buffer stays small whatever the input (a copy of a 15 MiB document would stay with the thread).
        constexpr size_t piece = 256u << 10;
        thread_local std::string out;
        for (const Alert &alert : batch) {
            const size_t size = size_t(alert.ecsJson.size());
            if (out.size() + size >= piece) {
                std::fwrite(out.data(), 1, out.size(), stdout);
                out.clear();
            }
            if (size >= piece) {
                std::fwrite(alert.ecsJson.constData(), 1, size, stdout);
                std::fputc('\n', stdout);
                continue;
            }
            out.append(alert.ecsJson.constData(), size);
            out.push_back('\n');
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
        return std::ferror(stdout) == 0;   // stop when stdout is gone (e.g. piped into head)
    };

    QStringList paths = parser.positionalArguments();
    if (paths.isEmpty())
        paths << QStringLiteral("-");
    FileImporter importer(options);
    QObject::connect(&importer, &FileImporter::diagnostic, &importer,
                     [](const Diagnostic &d) { writeErr(d.toString() + QLatin1Char('\n')); }, Qt::DirectConnection);
    const bool ok = importer.run(paths);
    std::fflush(stdout);
    return ok ? 0 : 1;
}

} // namespace fe::cli
