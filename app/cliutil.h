// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <cstdio>

// Small helpers shared by the CLI subcommands: argument parsing, time parsing, output.
namespace fe {
struct AlertFilter;
class AlertStore;
}

namespace fe::cli {

// Parses args for `falco-explorer <command>`. Handles --help (prints help, *exitCode = 0) and errors
// (prints them and the usage to stderr, *exitCode = 2). Returns false when the command should return *exitCode.
bool parseCommandLine(QCommandLineParser &parser, const QString &command, const QString &description,
                      const QStringList &args, int *exitCode);

// T for --from/--to: ISO 8601 (date, date-time with optional fraction and Z/offset; no zone = UTC),
// epoch milliseconds (digits), "now", or now-N / now+N with unit s, m, h, d, w. false + error when invalid.
bool parseTime(const QString &text, qint64 nowMs, qint64 *outMs, QString *error = nullptr);

// "2024-05-07T18:54:19.341Z"
QString isoMs(qint64 ms);

// --db or the default store path.
QString databasePath(const QCommandLineParser &parser);

// Adds the options every store-reading command shares: --db PATH, --query Q, --from T, --to T.
void addStoreFilterOptions(QCommandLineParser &parser);

// --query, --from and --to (options with those names) as a filter. On a bad time, prints
// "falco-explorer <command>: --from: why" and returns false (a usage error).
bool filterFromOptions(const QCommandLineParser &parser, const QString &command, qint64 nowMs, AlertFilter *filter);

// Checks that the --db store exists (else prints "falco-explorer <command>: no store at PATH<missingHint>") and,
// when store is given, opens it read-only (else prints why). false = the command fails (exit 1).
bool openStoreForReading(const QCommandLineParser &parser, const QString &command, AlertStore *store,
                         const QString &missingHint = QString());

// Opens the store at path for writing (creating it when missing). A store of an older format is converted in place
// first, with its progress on stderr (CliProgress: "Converting store to format 5: 42% (420000/1000000 alerts)");
// SIGINT or SIGTERM stop the conversion between two chunks, leaving the store valid, and it goes on where it stopped
// the next time. false when the command must return *exitCode: 1 when the store cannot be opened, 128 + the signal
// when a signal stopped the conversion (or came during it). Messages name "falco-explorer <command>".
bool openStoreForWriting(const QString &path, const QString &command, AlertStore *store, int *exitCode,
                         bool quiet = false);
// For commands whose own machinery opens the store (an import, the listener, forwarding): when a store exists at
// path, opens it for writing as above, which converts it with progress, and closes it again.
bool convertStoreIfNeeded(const QString &path, const QString &command, int *exitCode);

// A JSON string literal (quotes included) for hand-written JSON output.
QByteArray jsonString(const QString &text);

bool isTerminal(std::FILE *stream);

void writeOut(const QByteArray &bytes);
void writeErr(const QString &text);   // adds nothing: pass the newline

} // namespace fe::cli
