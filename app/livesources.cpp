// SPDX-License-Identifier: Apache-2.0
#include "app/livesources.h"

#include "ingest/sources/filetailer.h"
#include "ingest/pipeline/ingestpipeline.h"
#include "ingest/sources/sysloglistener.h"
#include "ui/listeneroptions.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QSettings>

namespace fe {

struct LiveSources::Source
{
    QString kind;                        // "tcp" or "file"
    ListenerOptions options;             // tcp
    QString path;                        // file
    bool running = false;                // as the analyst left it (saved)
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<SyslogListener> syslog;
    std::unique_ptr<FileTailer> tailer;
};

namespace {

ListenerConfig listenerConfig(const ListenerOptions &o)
{
    ListenerConfig config;
    config.bindAddress = QHostAddress(o.bindAddress);
    config.tcpPort = o.tcpPort;
    config.udpPort = o.udpPort;
    config.tlsCertificate = o.tlsCertificate;
    config.tlsKey = o.tlsKey;
    config.tlsClientCa = o.tlsClientCa;
    config.maxMessageSize = o.maxMessageSize;
    config.maxConnections = o.maxConnections;
    config.idleTimeoutSeconds = o.idleTimeoutSeconds;
    return config;
}

QString listenerId(const ListenerOptions &o)
{
    // IPv6 addresses are bracketed so that the port stays readable.
    const QString address = o.bindAddress.contains(u':') ? u'[' + o.bindAddress + u']' : o.bindAddress;
    return QStringLiteral("tcp:%1:%2").arg(address).arg(o.tcpPort);
}

} // namespace

LiveSources::LiveSources(MainWindow *window, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_dbPath(window->databasePath())
{
    SourcesPane *pane = window->sourcesPane();
    connect(pane, &SourcesPane::listenerRequested, this, [this](const ListenerOptions &options) {
        addListener(options);
    });
    connect(pane, &SourcesPane::watchFilesRequested, this, &LiveSources::addFiles);
    connect(pane, &SourcesPane::startRequested, this, [this](const QString &id) {
        QString error;
        if (!start(id, &error))
            m_window->showStatus(tr("Could not start %1: %2").arg(id, error));
    });
    connect(pane, &SourcesPane::stopRequested, this, &LiveSources::stop);
    connect(pane, &SourcesPane::removeRequested, this, &LiveSources::remove);
    connect(window, &MainWindow::databaseChanged, this, &LiveSources::switchDatabase);
}

LiveSources::~LiveSources()
{
    stopAll();
}

QString LiveSources::addListener(const ListenerOptions &options, QString *error)
{
    const QString id = listenerId(options);
    if (m_sources.contains(id))
        return id;
    auto source = std::make_shared<Source>();
    source->kind = QStringLiteral("tcp");
    source->options = options;
    m_sources.insert(id, source);
    m_order << id;
    m_window->sourcesPane()->setSource(id, source->kind, id.mid(4), false);
    QString why;
    if (!start(id, &why)) {   // saves the list
        if (error)
            *error = why;
        else
            m_window->showStatus(tr("Could not start the syslog listener: %1").arg(why));
    }
    save();
    return id;
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
        source->path = absolute;
        m_sources.insert(id, source);
        m_order << id;
        m_window->sourcesPane()->setSource(id, source->kind, absolute, false);
        QString error;
        if (!start(id, &error))
            m_window->showStatus(tr("Could not watch %1: %2").arg(absolute, error));
    }
    save();
}

bool LiveSources::start(const QString &id, QString *error)
{
    const auto it = m_sources.constFind(id);
    if (it == m_sources.cend())
        return false;
    Source &source = **it;
    if (source.pipeline)
        return true;
    if (source.kind == QLatin1String("tcp")) {
        const QString problem = source.options.validationError();
        if (!problem.isEmpty()) {
            if (error)
                *error = problem;
            return false;
        }
    }

    IngestConfig config;
    config.dbPath = m_dbPath;
    config.mapOptions.preserveOriginal = source.kind == QLatin1String("tcp") ? source.options.preserveOriginal : true;
    config.mapOptions.preserveFalcoFields = source.kind == QLatin1String("tcp") && source.options.preserveFalcoFields;
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
        auto listener = std::make_unique<SyslogListener>(listenerConfig(source.options), pipeline.get());
        if (!listener->start(error)) {
            pipeline->stop();
            return false;
        }
        QString detail = QStringLiteral("%1:%2").arg(id.mid(4).section(u':', 0, -2)).arg(listener->tcpPort());
        if (listener->udpPort())
            detail += tr(" (UDP %1)").arg(listener->udpPort());
        if (source.options.isTls())
            detail += tr(" TLS");
        m_window->sourcesPane()->setSource(id, source.kind, detail, false);
        source.syslog = std::move(listener);
    } else {
        TailConfig tail;
        tail.paths = {source.path};
        auto tailer = std::make_unique<FileTailer>(tail, pipeline.get());
        if (!tailer->start(error)) {
            pipeline->stop();
            return false;
        }
        source.tailer = std::move(tailer);
    }
    source.pipeline = std::move(pipeline);
    m_window->sourcesPane()->setRunning(id, true);
    if (!source.running) {
        source.running = true;
        save();
    }
    return true;
}

void LiveSources::stop(const QString &id)
{
    const std::shared_ptr<Source> source = m_sources.value(id);
    if (!source)
        return;
    halt(id);
    if (source->running) {
        source->running = false;
        save();
    }
}

void LiveSources::halt(const QString &id)
{
    const std::shared_ptr<Source> source = m_sources.value(id);
    if (!source)
        return;
    // Sources first (they hand what they already read to the pipeline), then the pipeline stores it all. A store
    // that keeps failing (a full disk) is given up after a few attempts, so that a source waiting for room can stop.
    if (source->pipeline)
        source->pipeline->requestStop();
    if (source->syslog)
        source->syslog->stop();
    if (source->tailer)
        source->tailer->stop();
    if (source->pipeline)
        source->pipeline->stop();
    source->syslog.reset();
    source->tailer.reset();
    source->pipeline.reset();
    m_window->sourcesPane()->setRunning(id, false);
}

void LiveSources::remove(const QString &id)
{
    if (!m_sources.contains(id))
        return;
    stop(id);
    m_sources.remove(id);
    m_order.removeAll(id);
    m_window->sourcesPane()->removeSource(id);
    save();
}

void LiveSources::stopAll()
{
    for (const QString &id : std::as_const(m_order))
        halt(id);   // the saved list still says what the analyst left running: restore() brings it back
}

quint16 LiveSources::listenerPort(const QString &id) const
{
    const std::shared_ptr<Source> source = m_sources.value(id);
    return source && source->syslog ? source->syslog->tcpPort() : 0;
}

ListenerOptions LiveSources::listenerOptions(const QString &id) const
{
    const std::shared_ptr<Source> source = m_sources.value(id);
    return source && source->kind == QLatin1String("tcp") ? source->options : ListenerOptions();
}

void LiveSources::restore()
{
    m_restoring = true;
    const QVariantList saved = QSettings().value(settingsKey(m_dbPath)).toList();
    for (const QVariant &entry : saved) {
        const QVariantMap map = entry.toMap();
        const QString kind = map.value(QStringLiteral("kind")).toString();
        const bool running = map.value(QStringLiteral("running")).toBool();
        QString id;
        auto source = std::make_shared<Source>();
        source->kind = kind;
        source->running = running;   // set first: start() saves only changes, and a source that cannot start now
                                     // is still wanted next time
        if (kind == QLatin1String("tcp")) {
            source->options = ListenerOptions::fromMap(map.value(QStringLiteral("listener")).toMap());
            id = listenerId(source->options);
        } else if (kind == QLatin1String("file")) {
            source->path = map.value(QStringLiteral("path")).toString();
            id = QStringLiteral("file:") + source->path;
        }
        if (id.isEmpty() || m_sources.contains(id))
            continue;
        m_sources.insert(id, source);
        m_order << id;
        m_window->sourcesPane()->setSource(id, kind, kind == QLatin1String("tcp") ? id.mid(4) : source->path, false);
        QString error;
        if (running && !start(id, &error))
            m_window->showStatus(tr("Could not restart %1: %2").arg(id, error));
    }
}

void LiveSources::switchDatabase(const QString &path)
{
    if (path == m_dbPath)
        return;
    stopAll();   // everything received so far is stored in the old database
    for (const QString &id : std::as_const(m_order))
        m_window->sourcesPane()->removeSource(id);
    m_sources.clear();
    m_order.clear();
    m_dbPath = path;
    if (m_restoring)
        restore();
}

void LiveSources::save() const
{
    if (m_dbPath.isEmpty())
        return;
    QVariantList list;
    for (const QString &id : m_order) {
        const Source &source = *m_sources.value(id);
        QVariantMap map{{QStringLiteral("kind"), source.kind}, {QStringLiteral("running"), source.running}};
        if (source.kind == QLatin1String("tcp"))
            map.insert(QStringLiteral("listener"), source.options.toMap());
        else
            map.insert(QStringLiteral("path"), source.path);
        list << map;
    }
    QSettings settings;
    if (list.isEmpty())
        settings.remove(settingsKey(m_dbPath));
    else
        settings.setValue(settingsKey(m_dbPath), list);
}

QString LiveSources::settingsKey(const QString &dbPath) const
{
    // One entry per database file; the hash keeps the key a plain word whatever the path contains.
    const QByteArray hash = QCryptographicHash::hash(QFileInfo(dbPath).absoluteFilePath().toUtf8(), QCryptographicHash::Sha1);
    return QStringLiteral("liveSources/") + QString::fromLatin1(hash.toHex().left(16));
}

} // namespace fe
