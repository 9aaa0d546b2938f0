// SPDX-License-Identifier: Apache-2.0
#include "app/firstrun.h"

#include "app/livesources.h"

#include "ingest/pipeline/demoloader.h"
#include "model/alertstore.h"
#include "ui/emptystatehint.h"
#include "ui/filterstate.h"
#include "ui/listeneroptions.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"
#include "ui/welcomeview.h"

#include <QAction>
#include <QDateTime>
#include <QDockWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QTabWidget>
#include <QThread>

namespace fe {

namespace {

// Generates count demo alerts into the store at path (worker thread). Returns the number stored.
qint64 fillWithDemoData(const QString &path, qint64 count)
{
    AlertStore store;
    if (!store.open(path))
        return 0;
    DemoOptions options;
    options.count = count;
    options.endMs = QDateTime::currentMSecsSinceEpoch();
    MapOptions mapOptions;
    mapOptions.preserveOriginal = true;
    DemoLoadResult result;
    loadDemoAlerts(&store, options, mapOptions, &result, nullptr);
    return result.stored;
}

qint64 alertCount(const QString &path)
{
    AlertStore store;
    return store.open(path, AlertStore::OpenMode::ReadOnly) ? store.count() : 0;
}

QMenu *helpMenu(MainWindow *window)
{
    const QList<QAction *> menus = window->menuBar()->actions();
    for (QAction *action : menus) {
        if (action->menu() && action->text().remove(u'&') == QObject::tr("Help"))
            return action->menu();
    }
    return window->menuBar()->addMenu(QObject::tr("&Help"));
}

} // namespace

FirstRun::FirstRun(MainWindow *window, LiveSources *sources, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_sources(sources)
{
    EmptyStateHint::installDefaults(window);

    QMenu *help = helpMenu(window);
    auto *gettingStarted = new QAction(tr("&Getting started"), help);
    gettingStarted->setObjectName(QStringLiteral("gettingStarted"));
    connect(gettingStarted, &QAction::triggered, this, &FirstRun::showWelcome);
    help->insertAction(help->actions().value(0), gettingStarted);

    connect(sources, &LiveSources::alertsStored, this, [this] {
        m_alertStored = true;
        if (m_welcome)
            m_welcome->setAlertReceived();
    });
    connect(window, &MainWindow::databaseChanged, this, [this](const QString &path) {
        if (m_welcome)
            m_welcome->setDatabasePath(path, alertCount(path));
    });
}

FirstRun::~FirstRun()
{
    if (m_demoThread)
        m_demoThread->wait();
}

void FirstRun::showWelcome()
{
    if (!m_welcome) {
        m_welcome = new WelcomeView(m_window);
        connect(m_welcome, &WelcomeView::importRequested, this, [this](const QStringList &paths) {
            m_window->showView(QStringLiteral("Explorer"));
            Q_EMIT m_window->importRequested(paths);
        });
        connect(m_welcome, &WelcomeView::listenerRequested, this, &FirstRun::startListener);
        connect(m_welcome, &WelcomeView::demoRequested, this, [this] { loadDemoData(); });
        connect(m_welcome, &WelcomeView::explorerRequested, this, [this] { m_window->showView(QStringLiteral("Explorer")); });
        connect(m_welcome, &WelcomeView::closeRequested, this, &FirstRun::closeWelcome);
        m_window->addView(m_welcome, tr("Welcome"));
        m_welcome->setDemoLoading(isDemoRunning());
        // A listener already running (restored with the store, or started before the page was closed) is shown as
        // such, with its settings.
        const QStringList ids = m_window->sourcesPane()->sourceIds();
        for (const QString &id : ids) {
            if (const int port = m_sources->listenerPort(id); port > 0) {
                m_welcome->setListening(m_sources->listenerOptions(id), port);
                break;
            }
        }
        if (m_alertStored)
            m_welcome->setAlertReceived();
    }
    m_welcome->setDatabasePath(m_window->databasePath(), alertCount(m_window->databasePath()));
    m_window->showView(QStringLiteral("Welcome"));
}

void FirstRun::startListener()
{
    if (!m_welcome)
        return;
    const ListenerOptions options = m_welcome->listenerOptions();
    const QStringList before = m_window->sourcesPane()->sourceIds();
    QString error;
    const QString id = m_sources->addListener(options, &error);
    if (!id.isEmpty() && error.isEmpty() && m_sources->listenerPort(id) == 0)
        m_sources->start(id, &error);   // a listener the store already had, stopped
    const int port = id.isEmpty() ? 0 : m_sources->listenerPort(id);
    if (port > 0) {
        m_welcome->setListening(options, port);
        // The listener's counters show in the sources pane, hidden until asked for: it is worth seeing now.
        if (auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("sourcesDock")))
            dock->show();
        return;
    }
    if (!id.isEmpty() && !before.contains(id))
        m_sources->remove(id);   // a listener that never ran is not worth keeping in the list
    m_welcome->setListenerFailed(error.isEmpty() ? tr("the listener did not start") : error);
}

void FirstRun::closeWelcome()
{
    if (!m_welcome)
        return;
    QTabWidget *tabs = m_window->tabs();
    WelcomeView *welcome = m_welcome;
    m_welcome = nullptr;   // Getting started makes a new page, even before this one is deleted
    tabs->removeTab(tabs->indexOf(welcome));
    welcome->deleteLater();
    m_window->showView(QStringLiteral("Explorer"));
}

bool FirstRun::isDemoRunning() const
{
    return m_demoRunning;
}

void FirstRun::loadDemoData(qint64 count)
{
    if (m_demoRunning)
        return;
    if (m_demoThread)
        m_demoThread->wait();
    m_demoRunning = true;
    const QString path = m_window->databasePath();
    m_window->showStatus(tr("Generating %1 demo alerts…").arg(QLocale().toString(count)));
    if (m_welcome)
        m_welcome->setDemoLoading(true);
    // The destructor waits for the thread, so this outlives it; a result queued after that is dropped with it.
    m_demoThread.reset(QThread::create([this, path, count] {
        const qint64 stored = fillWithDemoData(path, count);
        QMetaObject::invokeMethod(this, [this, path, stored] {
            m_demoRunning = false;
            m_window->showStatus(tr("%1 demo alerts stored").arg(QLocale().toString(stored)));
            Q_EMIT m_window->filterState()->changed();   // the explorer and the dashboard re-read
            if (m_welcome) {
                m_welcome->setDemoLoading(false);
                m_welcome->setDatabasePath(path, alertCount(path));
                if (m_window->tabs()->currentWidget() == m_welcome)
                    m_window->showView(QStringLiteral("Explorer"));
            }
            Q_EMIT demoFinished(stored);
        }, Qt::QueuedConnection);
    }));
    m_demoThread->start();
}

} // namespace fe
