// SPDX-License-Identifier: Apache-2.0
#include "app/guicontroller.h"

#include "app/esforwardingcontroller.h"
#include "app/firstrun.h"
#include "app/guiprobe.h"
#include "app/livesources.h"
#include "app/storeopener.h"
#include "app/textindexer.h"

#include "ingest/pipeline/fileimporter.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "ui/dashboardview.h"
#include "ui/explorerview.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QIcon>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QTableView>
#include <QThread>

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fe {

namespace {

constexpr qint64 s_firstRunDemoAlerts = 5000;
constexpr int s_screenshotPollMs = 100;
constexpr int s_trimIntervalMs = 5000;   // how often freed memory goes back to the system (returnFreedMemory)
constexpr int s_screenshotStableTicks = 5;
constexpr qint64 s_screenshotTimeoutMs = 60000;

bool isDashboard(const QString &view)
{
    return view.compare(QStringLiteral("dashboard"), Qt::CaseInsensitive) == 0;
}

} // namespace

QString GuiController::usage()
{
    return QStringLiteral("GUI options: --db PATH, --demo, --no-demo, --screenshot FILE, --view explorer|dashboard|dead-letters|welcome, "
                          "--sort time|priority|rule|host, --size WxH, --exit-after-first-paint, --probe FILE");
}

bool GuiController::parseArguments(const QStringList &args, Options *o, QString *error)
{
    for (int i = 1; i < args.size(); ++i) {
        const QString a = args.at(i);
        auto value = [&](QString *out) {
            if (i + 1 >= args.size()) {
                *error = QStringLiteral("%1 needs a value").arg(a);
                return false;
            }
            *out = args.at(++i);
            return true;
        };
        QString v;
        if (a == u"--db") {
            if (!value(&o->db))
                return false;
        } else if (a == u"--screenshot") {
            if (!value(&o->screenshot))
                return false;
        } else if (a == u"--probe") {
            if (!value(&o->probe))
                return false;
        } else if (a == u"--view") {
            if (!value(&o->view))
                return false;
        } else if (a == u"--sort") {
            if (!value(&v))
                return false;
            static const QHash<QString, int> columns = {{QStringLiteral("time"), AlertTableModel::TimeColumn},
                                                        {QStringLiteral("priority"), AlertTableModel::PriorityColumn},
                                                        {QStringLiteral("rule"), AlertTableModel::RuleColumn},
                                                        {QStringLiteral("host"), AlertTableModel::HostColumn}};
            if (!columns.contains(v)) {
                *error = QStringLiteral("--sort expects time, priority, rule or host");
                return false;
            }
            o->sortColumn = columns.value(v);
        } else if (a == u"--size") {
            if (!value(&v))
                return false;
            const QStringList wh = v.split(u'x');
            const int w = wh.value(0).toInt(), h = wh.value(1).toInt();
            if (wh.size() != 2 || w < 200 || h < 150 || w > 8000 || h > 8000) {
                *error = QStringLiteral("--size expects WIDTHxHEIGHT, e.g. 1600x1000");
                return false;
            }
            o->size = QSize(w, h);
        } else if (a == u"--exit-after-first-paint") {
            o->exitAfterFirstPaint = true;
        } else if (a == u"--demo") {
            o->demo = true;
        } else if (a == u"--no-demo") {
            o->demo = false;
        } else {
            *error = QStringLiteral("unknown option %1 (%2)").arg(a, usage());
            return false;
        }
    }
    return true;
}

GuiController::GuiController(const Options &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
}

GuiController::~GuiController()
{
    if (m_importer)
        m_importer->cancel();
    if (m_importThread)
        m_importThread->wait();
    m_indexer.reset();    // stops after the chunk in progress
    m_firstRun.reset();   // waits for demo data being generated
    // Sources stop (storing what they received) while the window they report to still exists.
    m_liveSources.reset();
    m_probe.reset();
}

bool GuiController::start(QString *error)
{
    const bool offline = !m_options.screenshot.isEmpty();
    m_dbPath = m_options.db.isEmpty() ? AlertStore::defaultPath() : QFileInfo(m_options.db).absoluteFilePath();
    qint64 existing = 0;
    QString readOnlyWhy;   // empty: open for writing
    {
        StoreOpener opener;
        const StoreOpener::Result opened = opener.exec(m_dbPath, nullptr);
        if (opened != StoreOpener::Result::Opened && opened != StoreOpener::Result::OpenedReadOnly) {
            m_startCancelled = opened == StoreOpener::Result::Cancelled;
            if (error)
                *error = opener.error();
            return false;
        }
        existing = opener.alertCount();
        if (opened == StoreOpener::Result::OpenedReadOnly)
            readOnlyWhy = opener.error();
    }

    m_window = std::make_unique<MainWindow>();
    m_window->setDatabasePath(m_dbPath);
    m_window->setReadOnly(readOnlyWhy);
    m_dashboard = new DashboardView(m_window->filterState(), m_dbPath);
    m_window->addDashboard(m_dashboard);   // it follows the window's database from now on
    // The PNGs rendered from the SVG: an SVG icon would need Qt's SVG plugin, which the app does not depend on.
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/hicolor/%1x%1/apps/falco-explorer.png").arg(size));
    m_window->setWindowIcon(icon);
    QGuiApplication::setDesktopFileName(QStringLiteral("falco-explorer"));   // Wayland: the installed .desktop entry

    // Elasticsearch forwarding and live sources (syslog listener, watched files) from the sources pane.
    m_forwarding = std::make_unique<EsForwardingController>(m_dbPath);
    m_forwarding->setStoreReadOnly(m_window->isReadOnly());
    m_window->addForwarding(m_forwarding.get());
    if (!offline)
        m_forwarding->load();   // settings + keyring secrets; starts forwarding when enabled
    m_liveSources = std::make_unique<LiveSources>(m_window.get());
    connect(m_liveSources.get(), &LiveSources::alertsStored, m_forwarding.get(), &EsForwardingController::wake);
    if (!offline && !m_window->isReadOnly())
        m_liveSources->restore();   // the listeners and watched files this database had (screenshots stay offline)
    connect(m_window.get(), &MainWindow::databaseChanged, m_forwarding.get(), &EsForwardingController::setDatabasePath);

    // The full-text index that imports, demo data and a conversion leave to be built afterwards; screenshots stay
    // as they are (offline and repeatable).
    m_indexer = std::make_unique<TextIndexer>();
    MainWindow *window = m_window.get();
    connect(m_indexer.get(), &TextIndexer::progress, window, &MainWindow::setTextIndexProgress);
    connect(m_indexer.get(), &TextIndexer::finished, window, [window](bool complete, const QString &why) {
        window->setTextIndexProgress(0, 0);
        if (!complete) {
            window->addDiagnostics({{Diagnostic::Severity::Warning, QStringLiteral("store"), window->databasePath(),
                                     tr("Indexing text for search stopped (searches still find every match, only "
                                        "more slowly): %1").arg(why), 1}});
        }
    });
    connect(window, &MainWindow::databaseChanged, this, &GuiController::indexText);

    connect(m_window.get(), &MainWindow::importRequested, this, &GuiController::importFiles);
    connect(m_window.get(), &MainWindow::importCancelRequested, this, &GuiController::cancelImport);
    connect(m_window.get(), &MainWindow::openDatabaseRequested, this, &GuiController::openDatabase);

    // First run: an empty store opens the welcome view (files, the syslog listener, demo data), or with --demo gets
    // demo alerts at once; every empty panel says what to do next.
    m_firstRun = std::make_unique<FirstRun>(m_window.get(), m_liveSources.get());
    connect(m_firstRun.get(), &FirstRun::demoFinished, this, &GuiController::indexText);
    if (existing == 0 && !m_window->isReadOnly()) {
        if (m_options.demo)
            m_firstRun->loadDemoData(s_firstRunDemoAlerts);
        else if (m_options.view.isEmpty())
            m_firstRun->showWelcome();
    }

    m_window->resize(m_options.size);
    if (m_options.sortColumn >= 0)
        m_window->explorer()->tableView()->sortByColumn(m_options.sortColumn, Qt::AscendingOrder);
    if (m_options.view.compare(QStringLiteral("welcome"), Qt::CaseInsensitive) == 0) {
        m_firstRun->showWelcome();
    } else if (!m_options.view.isEmpty() && !m_window->showView(m_options.view)) {
        if (error)
            *error = QStringLiteral("--view %1: no such view (explorer, dashboard, dead-letters, welcome)").arg(m_options.view);
        return false;
    }
    m_window->show();
    if (!m_firstRun->isDemoRunning())
        indexText();

    if (m_options.exitAfterFirstPaint) {
        m_window->repaint();
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    }
    if (!m_options.probe.isEmpty())
        m_probe = std::make_unique<GuiProbe>(m_window.get(), m_options.probe);
    returnFreedMemory();
    if (offline) {
        connect(&m_screenshotPoll, &QTimer::timeout, this, &GuiController::pollScreenshot);
        m_screenshotClock.start();
        m_screenshotPoll.start(s_screenshotPollMs);
    }
    return true;
}

// The GUI's large, short-lived work (a table order or a dashboard count over millions of alerts, a cache load, a page
// of documents) frees its memory in the threads' malloc arenas, which keep what lies below their tops: after a few
// sorts and filters on a big store the process holds tens of MB it no longer uses. Every few seconds the free pages
// go back to the system (malloc_trim: a few ms on the GUI thread, nothing when there is nothing to return).
void GuiController::returnFreedMemory()
{
#if defined(__GLIBC__)
    connect(&m_trimTimer, &QTimer::timeout, this, [] { malloc_trim(0); });
    m_trimTimer.start(s_trimIntervalMs);
#endif
}

// File imports (menu, drag and drop): the FileImporter runs on a worker thread, progress comes back queued.
void GuiController::importFiles(const QStringList &paths)
{
    if (m_window->isReadOnly()) {
        m_window->showStatus(tr("Nothing can be imported: the store is read-only"));
        return;
    }
    if (m_importThread && m_importThread->isRunning()) {
        m_window->showStatus(tr("An import is already running"));
        return;
    }
    if (m_importThread)
        m_importThread->wait();
    // The import has the store to itself; the index of what it stores is built after it (imports leave it out).
    m_indexer->stop();
    m_window->setTextIndexProgress(0, 0);
    ImportOptions io;
    io.dbPath = m_window->databasePath();
    m_importer = std::make_unique<FileImporter>(io);
    FileImporter *imp = m_importer.get();
    MainWindow *window = m_window.get();
    connect(imp, &FileImporter::progress, window, &MainWindow::setImportProgress, Qt::QueuedConnection);
    connect(imp, &FileImporter::diagnostic, window, [window](const Diagnostic &d) { window->addDiagnostics({d}); },
            Qt::QueuedConnection);
    connect(imp, &FileImporter::finished, window, [window, imp](bool ok) {
        const ImportSummary s = imp->summary();
        const QLocale l;
        window->importFinished(ok, tr("Import %1: %2 stored, %3 duplicates, %4 rejected, %5 skipped in %6 s")
                                       .arg(s.cancelled ? tr("cancelled") : ok ? tr("done") : tr("failed"),
                                            l.toString(s.stored), l.toString(s.duplicates), l.toString(s.rejected),
                                            l.toString(s.skipped), QString::number(s.elapsedMs / 1000.0, 'f', 1)));
    }, Qt::QueuedConnection);
    m_importThread.reset(QThread::create([imp, paths]() { imp->run(paths); }));
    // Once the importer has closed its store too.
    connect(m_importThread.get(), &QThread::finished, this, &GuiController::indexText, Qt::QueuedConnection);
    m_importThread->start();
}

void GuiController::cancelImport()
{
    if (m_importer)
        m_importer->cancel();
}

// File > Open, recent databases: create/migrate the file, then point the window (table, facets, detail pane,
// triage, dashboard) and the running live sources at it. A source resumes from the new store's own checkpoint.
void GuiController::openDatabase(const QString &path)
{
    if (m_opening)   // a conversion's dialog is up, or about to be
        return;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QString readOnlyWhy;   // empty: open for writing
    {
        m_opening = true;
        StoreOpener opener;
        const StoreOpener::Result opened = opener.exec(absolute, m_window.get());
        m_opening = false;
        if (opened == StoreOpener::Result::Cancelled) {
            QMessageBox::information(m_window.get(), tr("Open database"), opener.error());
            return;
        }
        if (opened != StoreOpener::Result::Opened && opened != StoreOpener::Result::OpenedReadOnly) {
            QMessageBox::warning(m_window.get(), tr("Open database"), opener.error());
            return;
        }
        readOnlyWhy = opened == StoreOpener::Result::OpenedReadOnly ? opener.error() : QString();
    }
    if (absolute == m_window->databasePath()) {
        m_window->setReadOnly(readOnlyWhy);
        m_forwarding->setStoreReadOnly(!readOnlyWhy.isEmpty());
        m_window->explorer()->refresh();
        return;
    }
    SourcesPane *pane = m_window->sourcesPane();
    QStringList running;
    const QStringList ids = pane->sourceIds();
    for (const QString &id : ids) {
        if (pane->isRunning(id))
            running << id;
    }
    for (const QString &id : std::as_const(running))
        m_liveSources->stop(id);   // stores what the source already read, into the old store
    // Forwarding first: it follows databaseChanged, and must not start on a store it cannot write to.
    m_forwarding->setStoreReadOnly(!readOnlyWhy.isEmpty());
    m_window->setDatabasePath(absolute);
    m_window->setReadOnly(readOnlyWhy);
    if (!readOnlyWhy.isEmpty()) {
        if (!running.isEmpty())
            m_window->showStatus(tr("Live sources stopped: %1 is read-only").arg(absolute));
        return;
    }
    for (const QString &id : std::as_const(running)) {
        QString error;
        if (!m_liveSources->start(id, &error))
            m_window->showStatus(tr("Could not restart %1 on the new database: %2").arg(id, error));
    }
}

// Builds what waits of the window's store's full-text index (after an open, an import, demo data), unless an import
// runs (it restarts this when it ends) or the run is a screenshot.
void GuiController::indexText()
{
    if (!m_options.screenshot.isEmpty() || m_window->isReadOnly() || (m_importThread && m_importThread->isRunning()))
        return;
    m_indexer->start(m_window->databasePath());
}

// --screenshot: waits until the demo data, the table, the facets (and the dashboard) have settled, selects the
// first alert so the detail pane shows something, then grabs the window.
void GuiController::pollScreenshot()
{
    ExplorerView *explorer = m_window->explorer();
    const bool settled = !m_firstRun->isDemoRunning() && explorer->isSettled() && (!isDashboard(m_options.view) || !m_dashboard->isBusy());
    m_stableTicks = settled ? m_stableTicks + 1 : 0;
    if (settled && !m_rowSelected && explorer->tableModel()->rowCount() > 0) {
        explorer->tableView()->selectRow(0);
        m_rowSelected = true;
        m_stableTicks = 0;
    }
    if (m_stableTicks < s_screenshotStableTicks && m_screenshotClock.elapsed() < s_screenshotTimeoutMs)
        return;
    m_screenshotPoll.stop();
    const QImage image = m_window->grab().toImage();
    const bool ok = image.save(m_options.screenshot);
    std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "wrote" : "cannot write", qPrintable(m_options.screenshot));
    QCoreApplication::exit(ok ? 0 : 1);
}

} // namespace fe
