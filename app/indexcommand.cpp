// SPDX-License-Identifier: Apache-2.0
// `falco-explorer index`: builds the full-text index of a store's alerts that are not in it yet.
#include "app/cliprogress.h"
#include "app/cliutil.h"
#include "app/commands.h"
#include "app/stopsignals.h"
#include "model/alertstore.h"

#include <QCommandLineOption>
#include <QElapsedTimer>
#include <QFileInfo>

#include <algorithm>

namespace fe::cli {

namespace {

const char s_description[] =
    "Builds the full-text index (the words of each alert's output) for every stored alert not in it yet. An import\n"
    "leaves it to this command or to the next program that opens the store for writing (the desktop application\n"
    "builds it in the background); searches are exact meanwhile, only slower. A store of an older format is\n"
    "converted first. Progress goes to stderr: a bar on a terminal, a line now and then otherwise. SIGINT or SIGTERM\n"
    "stop between two chunks of the index, the store valid; the next run goes on from there.";

// Outputs per transaction: a stop waits for at most one of these, and so does another writer of the store.
constexpr qint64 s_chunkRows = 10000;

} // namespace

int runIndex(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption db(QStringList{QStringLiteral("db"), QStringLiteral("store")},
                                QStringLiteral("The store (default: %1).").arg(AlertStore::defaultPath()),
                                QStringLiteral("PATH"));
    const QCommandLineOption quiet(QStringList{QStringLiteral("q"), QStringLiteral("quiet")},
                                   QStringLiteral("No progress and no summary, only problems."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the summary as JSON on stdout: indexed, pending, elapsed_ms."));
    parser.addOptions({db, quiet, json});
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("index"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        writeErr(QStringLiteral("falco-explorer index: unexpected argument '%1'\n").arg(parser.positionalArguments().constFirst()));
        return 2;
    }
    const QString path = databasePath(parser);
    if (!QFileInfo::exists(path)) {
        writeErr(QStringLiteral("falco-explorer index: no store at %1\n").arg(path));
        return 1;
    }
    const bool silent = parser.isSet(quiet);
    QElapsedTimer elapsed;
    elapsed.start();
    AlertStore store;
    if (!openStoreForWriting(path, QStringLiteral("index"), &store, &exitCode, silent))
        return exitCode;

    const StopSignals stop;
    qint64 total = store.pendingIndexRows();
    qint64 indexed = 0;
    QString error;
    bool failed = false;
    bool stopped = false;
    {
        CliProgress progress(QStringLiteral("Indexing text"), silent || total == 0);
        progress.update(0, total);
        while (true) {
            if (stop.stopRequested()) {
                stopped = true;
                break;
            }
            const qint64 n = store.indexPending(s_chunkRows, &error);
            if (n < 0) {
                failed = true;
                break;
            }
            if (n == 0)
                break;
            indexed += n;
            // Live ingest may store more meanwhile: the total grows with what is indexed.
            total = std::max(total, indexed);
            progress.update(indexed, n < s_chunkRows ? indexed : total);
        }
        if (!failed && !stopped)
            progress.update(indexed, indexed);
    }
    const qint64 pending = store.pendingIndexRows();
    store.close();
    if (failed) {
        writeErr(QStringLiteral("falco-explorer index: %1 (%2 alert(s) indexed, %3 waiting)\n").arg(error).arg(indexed).arg(pending));
        return 1;
    }
    if (stopped) {
        writeErr(QStringLiteral("falco-explorer index: interrupted after %1 alert(s), %2 waiting; the next run goes on "
                                "from there\n")
                     .arg(indexed)
                     .arg(pending));
        return stop.exitCode();
    }
    const qint64 ms = elapsed.elapsed();
    if (parser.isSet(json)) {
        writeOut(QStringLiteral("{\"indexed\":%1,\"pending\":%2,\"elapsed_ms\":%3}\n").arg(indexed).arg(pending).arg(ms).toUtf8());
    } else if (!silent) {
        if (indexed == 0)
            writeErr(QStringLiteral("The full-text index of %1 is up to date.\n").arg(path));
        else
            writeErr(QStringLiteral("Indexed %1 alert(s) in %2 s.\n").arg(indexed).arg(double(ms) / 1000.0, 0, 'f', 2));
    }
    return 0;
}

} // namespace fe::cli
