// SPDX-License-Identifier: Apache-2.0
#include "app/followcommand.h"

#include "ingest/sources/filetailer.h"
#include "ingest/pipeline/ingestpipeline.h"
#include "model/alertstore.h"

#include <QCoreApplication>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace fe::cli {

namespace {

std::atomic<int> s_signalled {0};

void onSignal(int signal)
{
    s_signalled.store(signal);
    // A second signal while shutting down ends the process the default way.
    std::signal(signal, SIG_DFL);
}

} // namespace

void quitOnTerminationSignals()
{
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // The handler only sets a flag; the event loop looks at it (no Qt call is async-signal-safe).
    auto *poll = new QTimer(QCoreApplication::instance());
    poll->setInterval(100);
    QObject::connect(poll, &QTimer::timeout, QCoreApplication::instance(), [] {
        if (s_signalled.load() != 0)
            QCoreApplication::quit();
    });
    poll->start();
}

void printDiagnostics(const QVector<Diagnostic> &diagnostics)
{
    for (const Diagnostic &diagnostic : diagnostics) {
        const char *level = diagnostic.severity == Diagnostic::Severity::Error ? "error"
            : diagnostic.severity == Diagnostic::Severity::Warning             ? "warning"
                                                                               : "info";
        QString line = diagnostic.toString();
        if (diagnostic.count > 1)
            line += QStringLiteral(" (x%1)").arg(diagnostic.count);
        std::fprintf(stderr, "%s: %s\n", level, qPrintable(line));
    }
}

QString formatStatsLine(const PipelineStats &stats)
{
    QString line = QStringLiteral("received %1  framed %2  decoded %3  skipped %4  rejected %5  stored %6  duplicates %7  "
                                  "queued %8  connections %9")
                       .arg(stats.received)
                       .arg(stats.framed)
                       .arg(stats.decoded)
                       .arg(stats.skipped)
                       .arg(stats.rejected)
                       .arg(stats.stored)
                       .arg(stats.duplicates)
                       .arg(stats.queued)
                       .arg(stats.connections);
    if (!stats.rejectedByReason.isEmpty()) {
        QStringList reasons;
        for (auto it = stats.rejectedByReason.cbegin(); it != stats.rejectedByReason.cend(); ++it)
            reasons.append(QStringLiteral("%1: %2").arg(it.key()).arg(it.value()));
        line += QStringLiteral("  {") + reasons.join(QStringLiteral(", ")) + QLatin1Char('}');
    }
    return line;
}

int runFollow(const QStringList &paths, const QString &dbPath, const FollowOptions &options)
{
    IngestConfig config;
    config.dbPath = dbPath.isEmpty() ? AlertStore::defaultPath() : dbPath;
    config.mapOptions.input = MapOptions::Input::Logfile;
    config.mapOptions.preserveOriginal = options.preserveOriginal;
    config.mapOptions.preserveFalcoFields = options.preserveFalcoFields;
    config.mapOptions.extraFields = options.extraFields;
    IngestPipeline pipeline(config);
    QString error;
    if (!pipeline.start(&error)) {
        std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
        return 1;
    }
    TailConfig tailConfig;
    tailConfig.paths = paths;
    tailConfig.pollIntervalMs = options.pollIntervalMs;
    FileTailer tailer(tailConfig, &pipeline);
    if (!tailer.start(&error)) {
        std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
        return 1;
    }
    std::fprintf(stderr, "following %s into %s (Ctrl+C to stop)\n", qPrintable(paths.join(QStringLiteral(", "))),
                 qPrintable(config.dbPath));

    QObject::connect(&pipeline, &IngestPipeline::diagnosticsReported, &pipeline, printDiagnostics);
    QTimer statsTimer;
    if (!options.quiet && options.statsIntervalSeconds > 0) {
        statsTimer.setInterval(options.statsIntervalSeconds * 1000);
        QObject::connect(&statsTimer, &QTimer::timeout, &pipeline,
                         [&pipeline] { std::fprintf(stderr, "%s\n", qPrintable(formatStatsLine(pipeline.stats()))); });
        statsTimer.start();
    }
    quitOnTerminationSignals();
    QCoreApplication::exec();

    pipeline.requestStop();   // a store that still fails is given up: the tailer may wait for room to submit
    tailer.stop();
    pipeline.stop();   // emits the last diagnostics
    const PipelineStats stats = pipeline.stats();
    std::fprintf(stderr, "stopped: %s\n", qPrintable(formatStatsLine(stats)));
    // The files' positions advance with what is stored only, so the next run reads these again.
    const qint64 lost = pipeline.alertsLostAtStop();
    if (lost > 0) {
        std::fprintf(stderr, "falco-explorer import: %lld alerts read could not be stored (the store was still "
                             "failing when stopped); the next --follow reads them again\n",
                     static_cast<long long>(lost));
        return 1;
    }
    return 0;
}

} // namespace fe::cli
