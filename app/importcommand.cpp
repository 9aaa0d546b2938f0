// SPDX-License-Identifier: Apache-2.0
// `falco-explorer import`: files, .gz, directories and stdin into the local store.
#include "app/cliutil.h"
#include "app/commands.h"
#include "app/followcommand.h"
#include "ingest/pipeline/fileimporter.h"
#include "model/alertstore.h"

#include <QCommandLineOption>
#include <QDir>
#include <QFileInfo>

#include <cstdio>

namespace fe::cli {

namespace {

const char s_description[] =
    "Imports Falco alerts into the local store: files (.log, .json, .jsonl), gzip files, directories (recursive,\n"
    "rotated files oldest first) and - for stdin. Alerts already stored are counted as duplicates. Lines that are\n"
    "not alerts are skipped; bad lines are reported on stderr as FILE:LINE: reason and the import goes on.";

void drawProgress(qint64 done, qint64 total, const PipelineStats &stats)
{
    constexpr int width = 30;
    QString bar;
    if (total > 0) {
        const double fraction = std::min(1.0, double(done) / double(total));
        const int filled = int(fraction * width);
        bar = QStringLiteral("[%1%2] %3%").arg(QString(filled, QLatin1Char('#')), QString(width - filled, QLatin1Char('.')))
                  .arg(int(fraction * 100), 3);
    }
    writeErr(QStringLiteral("\r%1 %2 lines, %3 stored, %4 duplicates, %5 rejected ")
                 .arg(bar)
                 .arg(stats.received)
                 .arg(stats.stored)
                 .arg(stats.duplicates)
                 .arg(stats.rejected));
}

} // namespace

int runImport(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The store (default: %1).").arg(AlertStore::defaultPath()),
                                QStringLiteral("PATH"));
    const QCommandLineOption follow(QStringLiteral("follow"),
                                    QStringLiteral("After importing, keep following the files for new alerts (like tail -F)."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the summary as JSON on stdout."));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Mapper threads (default: one per core)."),
                                     QStringLiteral("N"));
    // The mapping options, as `map` and `listen` have them: the store keeps them with each file's alerts, whose
    // documents are derived with them when read.
    const QCommandLineOption preserveOriginal(QStringLiteral("preserve-original"),
                                              QStringLiteral("Keep event.original in the documents (tag preserve_original_event)."));
    const QCommandLineOption preserveFalco(QStringLiteral("preserve-falco-fields"),
                                           QStringLiteral("Keep the falco.* fields (tag preserve_falco_fields)."));
    const QCommandLineOption set(QStringLiteral("set"),
                                 QStringLiteral("Add FIELD=VALUE (dotted ECS path) to every document; repeatable."),
                                 QStringLiteral("FIELD=VALUE"));
    parser.addOptions({db, follow, json, threads, preserveOriginal, preserveFalco, set});
    parser.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Files, directories, or - for stdin."),
                                 QStringLiteral("PATH..."));
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("import"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;
    const QStringList paths = parser.positionalArguments();
    if (paths.isEmpty()) {
        writeErr(QStringLiteral("falco-explorer import: no PATH given (use - for stdin)\n"));
        return 2;
    }

    ImportOptions options;
    options.dbPath = databasePath(parser);
    options.mapperThreads = parser.value(threads).toInt();
    options.mapOptions.preserveOriginal = parser.isSet(preserveOriginal);
    options.mapOptions.preserveFalcoFields = parser.isSet(preserveFalco);
    FollowOptions followOptions;
    followOptions.preserveOriginal = options.mapOptions.preserveOriginal;
    followOptions.preserveFalcoFields = options.mapOptions.preserveFalcoFields;
    for (const QString &assignment : parser.values(set)) {
        const qsizetype eq = assignment.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            writeErr(QStringLiteral("falco-explorer import: --set expects FIELD=VALUE, got '%1'\n").arg(assignment));
            return 2;
        }
        options.mapOptions.extraFields.append({assignment.left(eq), assignment.mid(eq + 1)});
    }
    followOptions.extraFields = options.mapOptions.extraFields;
    if (!QFileInfo::exists(options.dbPath))
        QDir().mkpath(QFileInfo(options.dbPath).absolutePath());
    if (!convertStoreIfNeeded(options.dbPath, QStringLiteral("import"), &exitCode))
        return exitCode;

    FileImporter importer(options);
    const bool progress = isTerminal(stderr);
    bool progressShown = false;
    QObject::connect(&importer, &FileImporter::diagnostic, &importer, [&](const Diagnostic &d) {
        if (progressShown) {
            writeErr(QStringLiteral("\r\033[K"));
            progressShown = false;
        }
        writeErr(d.toString() + QLatin1Char('\n'));
    }, Qt::DirectConnection);
    if (progress) {
        QObject::connect(&importer, &FileImporter::progress, &importer,
                         [&](qint64 done, qint64 total, const PipelineStats &stats) {
                             drawProgress(done, total, stats);
                             progressShown = true;
                         }, Qt::DirectConnection);
    }
    const bool ok = importer.run(paths);
    if (progressShown)
        writeErr(QStringLiteral("\r\033[K"));
    const ImportSummary s = importer.summary();

    if (parser.isSet(json)) {
        writeOut(QStringLiteral("{\"files\":%1,\"read\":%2,\"stored\":%3,\"duplicates\":%4,\"skipped\":%5,\"rejected\":%6,"
                                "\"elapsed_ms\":%7}\n")
                     .arg(s.files)
                     .arg(s.read)
                     .arg(s.stored)
                     .arg(s.duplicates)
                     .arg(s.skipped)
                     .arg(s.rejected)
                     .arg(s.elapsedMs)
                     .toUtf8());
    } else {
        writeErr(QStringLiteral("Imported %1 file(s) into %2\n"
                                "  read        %3\n  stored      %4\n  duplicates  %5\n  skipped     %6\n  rejected    %7\n"
                                "  elapsed     %8 s (%9 alerts/s)\n")
                     .arg(s.files)
                     .arg(options.dbPath)
                     .arg(s.read, 10)
                     .arg(s.stored, 10)
                     .arg(s.duplicates, 10)
                     .arg(s.skipped, 10)
                     .arg(s.rejected, 10)
                     .arg(double(s.elapsedMs) / 1000.0, 0, 'f', 2)
                     .arg(qint64(s.alertsPerSecond())));
    }
    std::fflush(stdout);
    if (!ok)
        return 1;

    if (parser.isSet(follow)) {
        // Live tail after the initial import (engineer D's FileTailer through runFollow): it resumes from the
        // positions it keeps in the store and stores until SIGINT/SIGTERM; lines already imported dedupe.
        QStringList files;
        for (const QString &p : paths) {
            if (p != QStringLiteral("-"))
                files << p;
        }
        if (files.isEmpty()) {
            writeErr(QStringLiteral("falco-explorer import: --follow needs files or directories, not stdin\n"));
            return 2;
        }
        quitOnTerminationSignals();
        return runFollow(files, options.dbPath, followOptions);
    }
    return 0;
}

} // namespace fe::cli
