// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

namespace fe::cli {

// Options of `import --follow` that concern the live tail (the import command parses them).
struct FollowOptions
{
    bool preserveOriginal = false;
    bool preserveFalcoFields = false;
    QList<QPair<QString, QString>> extraFields;   // --set FIELD=VALUE
    int pollIntervalMs = 250;
    int statsIntervalSeconds = 5;                 // 0 = no periodic stats line
    bool quiet = false;                           // no stats lines, diagnostics only
};

// Follows files and globs (tail -F: appends, rename rotation, copytruncate, delete-recreate), storing new
// alerts in the database at dbPath, until SIGINT or SIGTERM; everything read is stored before it returns.
// Resumes each file where the last run stopped (positions are kept in the database). Returns the exit code
// (0 on a clean stop, 1 when the store cannot be opened or nothing can be followed).
int runFollow(const QStringList &paths, const QString &dbPath, const FollowOptions &options = {});

// For long-running commands: SIGINT and SIGTERM quit the QCoreApplication event loop (once; a second
// signal kills the process the default way).
void quitOnTerminationSignals();

// One line of pipeline counters, as the CLI prints them every few seconds.
QString formatStatsLine(const fe::PipelineStats &stats);
// Diagnostics on stderr, one a line: "warning: 127.0.0.1:5140: frame too large: ...".
void printDiagnostics(const QVector<fe::Diagnostic> &diagnostics);

} // namespace fe::cli
