// SPDX-License-Identifier: Apache-2.0
// The desktop application: opens (or creates) the alert store, shows the main window with the explorer and the
// dashboard (on an empty store the welcome view, or demo data with --demo), and wires file imports to the ingest layer.
#include "app/commands.h"
#include "app/esforwardingcontroller.h"
#include "app/firstrun.h"
#include "app/livesources.h"

#include "ingest/pipeline/fileimporter.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "ui/dashboardview.h"
#include "ui/explorerview.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/sourcespane.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace fe::cli {

namespace {

struct GuiOptions
{
    QString db;
    QString screenshot;
    QString view;   // --view; none: the explorer, or the welcome view on an empty store
    int sortColumn = -1;   // --sort: the alert table's sort (ascending), for screenshots
    QSize size{1600, 1000};
    bool exitAfterFirstPaint = false;
    bool demo = false;   // --demo: fill an empty store with demo alerts (run.sh); else the welcome view
};

bool parseOptions(const QStringList &args, GuiOptions *o, QString *error)
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
            *error = QStringLiteral("unknown option %1 (GUI options: --db PATH, --demo, --no-demo, --view explorer|dashboard|welcome, "
                                    "--sort time|priority|rule|host, --size WxH, --screenshot FILE, --exit-after-first-paint)").arg(a);
            return false;
        }
    }
    return true;
}

} // namespace

int runGui(int &argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    qRegisterMetaType<fe::PipelineStats>();
    qRegisterMetaType<fe::Diagnostic>();

    GuiOptions options;
    QString error;
    if (!parseOptions(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
        return 2;
    }
    const bool isDefaultDb = options.db.isEmpty();
    const QString dbPath = isDefaultDb ? AlertStore::defaultPath() : QFileInfo(options.db).absoluteFilePath();
    qint64 existing = 0;
    {
        AlertStore store;
        if (!store.open(dbPath, AlertStore::OpenMode::ReadWrite, &error)) {
            std::fprintf(stderr, "falco-explorer: %s\n", qPrintable(error));
            if (options.screenshot.isEmpty())
                QMessageBox::critical(nullptr, QStringLiteral("Falco Explorer"), error);
            return 1;
        }
        existing = store.count();
    }

    MainWindow window;
    window.setDatabasePath(dbPath);
    auto *dashboard = new DashboardView(window.filterState(), dbPath);
    window.addDashboard(dashboard);   // it follows the window's database from now on
    // The PNGs rendered from the SVG: an SVG icon would need Qt's SVG plugin, which the app does not depend on.
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/hicolor/%1x%1/apps/falco-explorer.png").arg(size));
    window.setWindowIcon(icon);
    QGuiApplication::setDesktopFileName(QStringLiteral("falco-explorer"));   // Wayland: the installed .desktop entry

    // Live sources (syslog listener, watched files) from the sources pane, and Elasticsearch forwarding.
    EsForwardingController forwarding(dbPath);
    window.addForwarding(&forwarding);
    if (options.screenshot.isEmpty())
        forwarding.load();   // settings + keyring secrets; starts forwarding when enabled
    LiveSources liveSources(&window);
    QObject::connect(&liveSources, &LiveSources::alertsStored, &forwarding, &EsForwardingController::wake);
    if (options.screenshot.isEmpty())
        liveSources.restore();   // the listeners and watched files this database had (screenshots stay offline)
    QObject::connect(&window, &MainWindow::databaseChanged, &forwarding, &EsForwardingController::setDatabasePath);

    // First run: an empty store opens the welcome view (files, the syslog listener, demo data), or with --demo gets
    // demo alerts at once; every empty panel says what to do next.
    FirstRun firstRun(&window, &liveSources);
    if (existing == 0) {
        if (options.demo)
            firstRun.loadDemoData(5000);
        else
            firstRun.showWelcome();
    }

    // File imports (menu, drag and drop): the FileImporter runs on a worker thread, progress comes back queued.
    std::unique_ptr<FileImporter> importer;
    std::unique_ptr<QThread> importThread;
    QObject::connect(&window, &MainWindow::importRequested, &window, [&](const QStringList &paths) {
        if (importThread && importThread->isRunning()) {
            window.showStatus(QObject::tr("An import is already running"));
            return;
        }
        if (importThread)
            importThread->wait();
        ImportOptions io;
        io.dbPath = window.databasePath();
        importer = std::make_unique<FileImporter>(io);
        FileImporter *imp = importer.get();
        QObject::connect(imp, &FileImporter::progress, &window, &MainWindow::setImportProgress, Qt::QueuedConnection);
        QObject::connect(imp, &FileImporter::diagnostic, &window,
                         [&window](const Diagnostic &d) { window.addDiagnostics({d}); }, Qt::QueuedConnection);
        QObject::connect(imp, &FileImporter::finished, &window, [&window, imp](bool ok) {
            const ImportSummary s = imp->summary();
            const QLocale l;
            window.importFinished(ok, QObject::tr("Import %1: %2 stored, %3 duplicates, %4 rejected, %5 skipped in %6 s")
                                          .arg(s.cancelled ? QObject::tr("cancelled") : ok ? QObject::tr("done") : QObject::tr("failed"),
                                               l.toString(s.stored), l.toString(s.duplicates), l.toString(s.rejected),
                                               l.toString(s.skipped), QString::number(s.elapsedMs / 1000.0, 'f', 1)));
        }, Qt::QueuedConnection);
        importThread.reset(QThread::create([imp, paths]() { imp->run(paths); }));
        importThread->start();
    });
    QObject::connect(&window, &MainWindow::importCancelRequested, &window, [&]() {
        if (importer)
            importer->cancel();
    });
    // File > Open, recent databases: create/migrate the file, then point the window (table, facets, detail pane,
    // triage, dashboard) and the running live sources at it. A source resumes from the new store's own checkpoint.
    QObject::connect(&window, &MainWindow::openDatabaseRequested, &window, [&window, &liveSources](const QString &path) {
        const QString absolute = QFileInfo(path).absoluteFilePath();
        AlertStore store;
        QString why;
        if (!store.open(absolute, AlertStore::OpenMode::ReadWrite, &why)) {
            QMessageBox::warning(&window, QObject::tr("Open database"), why);
            return;
        }
        store.close();
        if (absolute == window.databasePath()) {
            window.explorer()->refresh();
            return;
        }
        QStringList running;
        const QStringList ids = window.sourcesPane()->sourceIds();
        for (const QString &id : ids) {
            if (window.sourcesPane()->isRunning(id))
                running << id;
        }
        for (const QString &id : std::as_const(running))
            liveSources.stop(id);   // stores what the source already read, into the old store
        window.setDatabasePath(absolute);
        for (const QString &id : std::as_const(running)) {
            QString error;
            if (!liveSources.start(id, &error))
                window.showStatus(QObject::tr("Could not restart %1 on the new database: %2").arg(id, error));
        }
    });

    window.resize(options.size);
    if (options.sortColumn >= 0)
        window.explorer()->tableView()->sortByColumn(options.sortColumn, Qt::AscendingOrder);
    if (options.view.compare(QStringLiteral("welcome"), Qt::CaseInsensitive) == 0)
        firstRun.showWelcome();
    else if (!options.view.isEmpty())
        window.showView(options.view);
    window.show();

    if (options.exitAfterFirstPaint) {
        window.repaint();
        QTimer::singleShot(0, &app, &QCoreApplication::quit);
    }

    // --screenshot: wait until the demo data, the table, the facets (and the dashboard) have settled, select the
    // first alert so the detail pane shows something, then grab the window.
    QTimer poll;
    QElapsedTimer clock;
    clock.start();
    int stableTicks = 0;
    bool selected = false;
    if (!options.screenshot.isEmpty()) {
        QObject::connect(&poll, &QTimer::timeout, &window, [&]() {
            const bool dashboardShown = options.view.compare(QStringLiteral("dashboard"), Qt::CaseInsensitive) == 0;
            const bool settled = !firstRun.isDemoRunning() && window.explorer()->isSettled() && (!dashboardShown || !dashboard->isBusy());
            stableTicks = settled ? stableTicks + 1 : 0;
            if (settled && !selected && window.explorer()->tableModel()->rowCount() > 0) {
                QTableView *table = window.explorer()->tableView();
                table->selectRow(0);
                selected = true;
                stableTicks = 0;
            }
            if (stableTicks < 5 && clock.elapsed() < 60000)
                return;
            poll.stop();
            const QImage image = window.grab().toImage();
            const bool ok = image.save(options.screenshot);
            std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "wrote" : "cannot write", qPrintable(options.screenshot));
            QCoreApplication::exit(ok ? 0 : 1);
        });
        poll.start(100);
    }

    const int rc = app.exec();
    if (importer)
        importer->cancel();
    if (importThread)
        importThread->wait();
    return rc;
}

} // namespace fe::cli
