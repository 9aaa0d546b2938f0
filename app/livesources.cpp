// SPDX-License-Identifier: Apache-2.0
#include "app/livesources.h"

#include "ingest/filetailer.h"
#include "ingest/ingestpipeline.h"
#include "ingest/sysloglistener.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QFileInfo>

namespace fe {

struct LiveSources::Source
{
    QString kind;                        // "tcp" or "file"
    ListenerConfig listener;
    TailConfig tail;
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<SyslogListener> syslog;
    std::unique_ptr<FileTailer> tailer;
};

LiveSources::LiveSources(MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_window(window)
{
    SourcesPane *pane = window->sourcesPane();
    connect(pane, &SourcesPane::addSourceRequested, this, [this](const QString &kind) {
        if (kind == QLatin1String("tcp"))
            addListener();
    });
    connect(pane, &SourcesPane::watchFilesRequested, this, &LiveSources::addFiles);
    connect(pane, &SourcesPane::startRequested, this, [this](const QString &id) {
        QString error;
        if (!start(id, &error))
            m_window->showStatus(tr("Could not start %1: %2").arg(id, error));
    });
    connect(pane, &SourcesPane::stopRequested, this, &LiveSources::stop);
}

LiveSources::~LiveSources()
{
    stopAll();
}

void LiveSources::addListener()
{
    auto source = std::make_shared<Source>();
    source->kind = QStringLiteral("tcp");
    const QString id = QStringLiteral("tcp:%1:%2").arg(source->listener.bindAddress.toString()).arg(source->listener.tcpPort);
    if (m_sources.contains(id))
        return;
    m_sources.insert(id, source);
    m_window->sourcesPane()->setSource(id, source->kind, id.mid(4), false);
    QString error;
    if (!start(id, &error))
        m_window->showStatus(tr("Could not start the syslog listener: %1").arg(error));
}

void LiveSources::addFiles(const QStringList &paths)
{
    for (const QString &path : paths) {
        const QString absolute = QFileInfo(path).absoluteFilePath();
        const QString id = QStringLiteral("file:") + absolute;
        if (m_sources.contains(id))
            continue;
        auto source = std::make_shared<Source>();
        source->kind = QStringLiteral("file");
        source->tail.paths = {absolute};
        m_sources.insert(id, source);
        m_window->sourcesPane()->setSource(id, source->kind, absolute, false);
        QString error;
        if (!start(id, &error))
            m_window->showStatus(tr("Could not watch %1: %2").arg(absolute, error));
    }
}

bool LiveSources::start(const QString &id, QString *error)
{
    const auto it = m_sources.constFind(id);
    if (it == m_sources.cend())
        return false;
    Source &source = **it;
    if (source.pipeline)
        return true;

    IngestConfig config;
    config.dbPath = m_window->databasePath();
    config.mapOptions.preserveOriginal = true;   // the detail pane shows the original event
    auto pipeline = std::make_unique<IngestPipeline>(config);
    if (!pipeline->start(error))
        return false;
    connect(pipeline.get(), &IngestPipeline::statsChanged, this, [this, id](const PipelineStats &stats) {
        m_window->sourcesPane()->setStats(id, stats);
        m_window->setPipelineStats(stats);
    });
    connect(pipeline.get(), &IngestPipeline::diagnosticsReported, m_window, &MainWindow::addDiagnostics);
    connect(pipeline.get(), &IngestPipeline::alertsStored, this, [this] { Q_EMIT alertsStored(); });

    if (source.kind == QLatin1String("tcp")) {
        auto listener = std::make_unique<SyslogListener>(source.listener, pipeline.get());
        if (!listener->start(error)) {
            pipeline->stop();
            return false;
        }
        source.syslog = std::move(listener);
    } else {
        auto tailer = std::make_unique<FileTailer>(source.tail, pipeline.get());
        if (!tailer->start(error)) {
            pipeline->stop();
            return false;
        }
        source.tailer = std::move(tailer);
    }
    source.pipeline = std::move(pipeline);
    m_window->sourcesPane()->setRunning(id, true);
    return true;
}

void LiveSources::stop(const QString &id)
{
    const auto it = m_sources.constFind(id);
    if (it == m_sources.cend())
        return;
    Source &source = **it;
    // Sources first (they hand what they already read to the pipeline), then the pipeline stores it all.
    if (source.syslog)
        source.syslog->stop();
    if (source.tailer)
        source.tailer->stop();
    if (source.pipeline)
        source.pipeline->stop();
    source.syslog.reset();
    source.tailer.reset();
    source.pipeline.reset();
    m_window->sourcesPane()->setRunning(id, false);
}

void LiveSources::stopAll()
{
    const QStringList ids = m_sources.keys();
    for (const QString &id : ids)
        stop(id);
}

} // namespace fe
