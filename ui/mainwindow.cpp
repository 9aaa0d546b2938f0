// SPDX-License-Identifier: Apache-2.0
#include "ui/mainwindow.h"

#include "ui/deadletterview.h"
#include "ui/forwardingcontroller.h"
#include "ui/forwardingsettingspage.h"
#include "ui/forwardingstatuswidget.h"

#include "ui/dashboardview.h"
#include "ui/explorerview.h"
#include "ui/filterstate.h"
#include "ui/sourcespane.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace fe {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kExplorerKey = QStringLiteral("explorer/state");
const QString kRecentKey = QStringLiteral("databases/recent");
const QString kAuthorKey = QStringLiteral("triage/author");
const QString kRangeKey = QStringLiteral("explorer/relativeRangeMs");
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Falco Explorer"));
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    m_filterState = new FilterState(this);
    QSettings settings;
    m_filterState->setRelativeRange(settings.value(kRangeKey, qint64(0)).toLongLong());

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_explorer = new ExplorerView(m_filterState, m_tabs);
    m_explorer->setObjectName(QStringLiteral("Explorer"));
    m_explorer->setNoteAuthor(settings.value(kAuthorKey, qEnvironmentVariable("USER", QStringLiteral("analyst"))).toString());
    m_tabs->addTab(m_explorer, tr("Explorer"));
    setCentralWidget(m_tabs);

    m_sources = new SourcesPane(this);
    auto *dock = new QDockWidget(tr("Sources"), this);
    dock->setObjectName(QStringLiteral("sourcesDock"));
    dock->setWidget(m_sources);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    dock->hide();

    m_dbLabel = new QLabel(this);
    m_countLabel = new QLabel(this);
    m_pipelineLabel = new QLabel(this);
    for (QLabel *l : {m_dbLabel, m_countLabel, m_pipelineLabel})
        l->setTextFormat(Qt::PlainText);
    statusBar()->addWidget(m_dbLabel, 1);
    statusBar()->addPermanentWidget(m_pipelineLabel);
    statusBar()->addPermanentWidget(m_countLabel);
    connect(m_explorer, &ExplorerView::statusMessage, this, &MainWindow::showStatus);
    connect(m_explorer, &ExplorerView::countChanged, this,
            [this](qint64 n) { m_countLabel->setText(tr("%1 matching").arg(QLocale().toString(n))); });

    createMenus();
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    m_explorer->restoreState(settings.value(kExplorerKey).toByteArray());
    if (settings.value(kGeometryKey).isNull())
        resize(1440, 900);
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open database…"), QKeySequence::Open, this, &MainWindow::openDatabaseDialog);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    file->addAction(tr("&Import files…"), QKeySequence(Qt::CTRL | Qt::Key_I), this, [this] { importDialog(false); });
    file->addAction(tr("Import &folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), this, [this] { importDialog(true); });
    file->addSeparator();
    file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::showSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Filter"), QKeySequence(Qt::CTRL | Qt::Key_L), m_explorer, &ExplorerView::focusQuery);
    view->addAction(tr("&Refresh"), QKeySequence(Qt::Key_F5), m_explorer, &ExplorerView::refresh);
    view->addAction(tr("Clear filter"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Backspace), m_filterState, &FilterState::clear);
    view->addSeparator();
    view->addAction(tr("&Explorer"), QKeySequence(Qt::CTRL | Qt::Key_1), this, [this] { m_tabs->setCurrentIndex(0); });
    view->addAction(tr("Next view"), QKeySequence(Qt::CTRL | Qt::Key_Tab), this,
                    [this] { m_tabs->setCurrentIndex((m_tabs->currentIndex() + 1) % m_tabs->count()); });
    if (auto *dock = findChild<QDockWidget *>(QStringLiteral("sourcesDock"))) {
        QAction *toggle = dock->toggleViewAction();
        toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_U));
        view->addAction(toggle);
    }
    view->addAction(tr("&Diagnostics…"), this, &MainWindow::showDiagnostics);

    QMenu *triage = menuBar()->addMenu(tr("&Triage"));
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s) {
        const auto st = TriageStatus(s);
        triage->addAction(tr("Mark %1").arg(TriageStore::statusLabel(st)), QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + s)), this,
                          [this, st] { m_explorer->setStatusOfSelection(st); });
    }
    triage->addAction(tr("Add &note…"), QKeySequence(Qt::CTRL | Qt::Key_M), m_explorer, &ExplorerView::addNoteToSelection);
    triage->addSeparator();
    triage->addAction(tr("Show &new alerts only"), this, [this] {
        m_filterState->filterIn(QStringLiteral("triage.status"), QStringLiteral("new"));
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, &MainWindow::showShortcuts);
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About Falco Explorer"),
                           tr("Falco Explorer %1\nFalco alerts: ingest, explore, triage, forward.").arg(QApplication::applicationVersion()));
    });
    updateRecentMenu();
}

void MainWindow::addView(QWidget *view, const QString &title)
{
    if (view->objectName().isEmpty())
        view->setObjectName(title);
    m_tabs->addTab(view, title);
}

void MainWindow::addDashboard(DashboardView *dashboard)
{
    m_dashboard = dashboard;
    if (dashboard->objectName().isEmpty())
        dashboard->setObjectName(QStringLiteral("Dashboard"));
    addView(dashboard, tr("Dashboard"));
    if (!m_dbPath.isEmpty())
        dashboard->setDatabasePath(m_dbPath);
    connect(dashboard, &DashboardView::alertActivated, this, [this](qint64 id) {
        m_tabs->setCurrentWidget(m_explorer);
        m_explorer->showAlert(id);
    });
}

bool MainWindow::showView(const QString &name)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->tabText(i).remove(u'&').compare(name, Qt::CaseInsensitive) == 0
            || m_tabs->widget(i)->objectName().compare(name, Qt::CaseInsensitive) == 0) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

void MainWindow::setDatabasePath(const QString &path)
{
    const bool changed = path != m_dbPath;
    m_dbPath = path;
    m_dbLabel->setText(path);
    if (changed) {   // the counters of the previous store's sources and its match count are not this store's
        m_pipelineLabel->clear();
        m_countLabel->clear();
    }
    setWindowTitle(tr("%1 — Falco Explorer").arg(QFileInfo(path).fileName()));
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(kRecentKey, recent);
    updateRecentMenu();
    m_explorer->setDatabasePath(path);
    if (m_dashboard)
        m_dashboard->setDatabasePath(path);
    if (changed)
        Q_EMIT databaseChanged(path);
}

QStringList MainWindow::recentDatabases() const
{
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::updateRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    const QStringList recent = recentDatabases();
    for (const QString &path : recent)
        m_recentMenu->addAction(path, this, [this, path] { Q_EMIT openDatabaseRequested(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::openDatabaseDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Open or create an alert database"),
                                                      QFileInfo(m_dbPath).absolutePath(), tr("Alert databases (*.db);;All files (*)"),
                                                      nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        Q_EMIT openDatabaseRequested(path);
}

void MainWindow::importDialog(bool folder)
{
    QStringList paths;
    if (folder) {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import a folder of Falco logs"));
        if (!dir.isEmpty())
            paths << dir;
    } else {
        paths = QFileDialog::getOpenFileNames(this, tr("Import Falco JSON logs"), QString(),
                                              tr("Falco logs (*.log *.json *.jsonl *.gz);;All files (*)"));
    }
    if (!paths.isEmpty())
        Q_EMIT importRequested(paths);
}

void MainWindow::setImportProgress(qint64 done, qint64 total, const PipelineStats &stats)
{
    if (!m_progress) {
        m_progress = new QProgressDialog(tr("Importing…"), tr("Cancel"), 0, 1000, this);
        m_progress->setWindowTitle(tr("Import"));
        m_progress->setWindowModality(Qt::WindowModal);
        m_progress->setMinimumDuration(300);
        m_progress->setAutoClose(false);
        m_progress->setAutoReset(false);
        connect(m_progress, &QProgressDialog::canceled, this, &MainWindow::importCancelRequested);
    }
    m_progress->setValue(total > 0 ? int(done * 1000 / total) : 0);
    const QLocale locale;
    m_progress->setLabelText(tr("Importing… %1 stored, %2 duplicates, %3 rejected")
                                 .arg(locale.toString(stats.stored), locale.toString(stats.duplicates), locale.toString(stats.rejected)));
}

void MainWindow::importFinished(bool ok, const QString &summary)
{
    if (m_progress) {
        m_progress->deleteLater();
        m_progress = nullptr;
    }
    showStatus(summary);
    if (!ok)
        QMessageBox::warning(this, tr("Import"), summary);
    m_explorer->refresh();
}

void MainWindow::setPipelineStats(const PipelineStats &stats)
{
    const QLocale locale;
    m_pipelineLabel->setText(tr("stored %1 · dup %2 · rejected %3 · queued %4 · conn %5")
                                 .arg(locale.toString(stats.stored), locale.toString(stats.duplicates), locale.toString(stats.rejected),
                                      locale.toString(stats.queued), locale.toString(stats.connections)));
}

void MainWindow::addDiagnostics(const QVector<Diagnostic> &diagnostics)
{
    for (const Diagnostic &d : diagnostics) {
        bool merged = false;
        for (Diagnostic &known : m_diagnostics) {
            if (known.source == d.source && known.location == d.location && known.text == d.text) {
                known.count += d.count;
                merged = true;
                break;
            }
        }
        if (!merged && m_diagnostics.size() < 1000)
            m_diagnostics.append(d);
    }
    if (!diagnostics.isEmpty())
        showStatus(diagnostics.last().toString());
}

void MainWindow::showDiagnostics()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Diagnostics"));
    auto *text = new QPlainTextEdit(&dialog);
    text->setReadOnly(true);
    QStringList lines;
    for (const Diagnostic &d : m_diagnostics)
        lines << (d.count > 1 ? QStringLiteral("%1 (×%2)").arg(d.toString()).arg(d.count) : d.toString());
    text->setPlainText(lines.isEmpty() ? tr("No problems reported.") : lines.join(u'\n'));
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(text);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(800, 400);
    dialog.exec();
}

void MainWindow::showSettings()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Settings"));
    QSettings settings;
    auto *author = new QLineEdit(settings.value(kAuthorKey, qEnvironmentVariable("USER")).toString(), &dialog);
    auto *form = new QFormLayout(&dialog);
    form->addRow(tr("Author of triage notes:"), author);
    auto *db = new QLabel(m_dbPath, &dialog);
    db->setTextFormat(Qt::PlainText);
    db->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Database:"), db);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    settings.setValue(kAuthorKey, author->text().trimmed());
    m_explorer->setNoteAuthor(author->text().trimmed());
}

void MainWindow::showShortcuts()
{
    const QString text = tr(
        "Ctrl+L\tfocus the filter (Enter applies)\n"
        "F5\ttake in new alerts / re-run\n"
        "Ctrl+Shift+F\tfollow live\n"
        "Ctrl+Shift+Backspace\tclear the filter\n"
        "Alt+1 … Alt+5\tstatus: new, acknowledged, in progress, closed, false positive\n"
        "Ctrl+M\tadd a note to the selection\n"
        "Ctrl+O\topen a database;  Ctrl+I / Ctrl+Shift+I import files / a folder\n"
        "Ctrl+1, Ctrl+Tab\tswitch views;  Ctrl+U sources\n"
        "Facets: click to filter in, Ctrl+click to filter out");
    QMessageBox box(QMessageBox::Information, tr("Keyboard shortcuts"), text, QMessageBox::Close, this);
    box.setTextFormat(Qt::PlainText);
    box.exec();
}

void MainWindow::showStatus(const QString &text)
{
    statusBar()->showMessage(text, 8000);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kExplorerKey, m_explorer->saveState());
    if (m_filterState->isRelative())
        settings.setValue(kRangeKey, m_filterState->relativeMs());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList paths;
    const QList<QUrl> urls = event->mimeData()->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    Q_EMIT importRequested(paths);
}

} // namespace fe

namespace fe {

void MainWindow::addForwarding(ForwardingController *controller)
{
    auto *status = new ForwardingStatusWidget(this);
    status->setController(controller);
    statusBar()->addPermanentWidget(status);

    auto *deadLetters = new DeadLetterView(this);
    deadLetters->setController(controller);
    addView(deadLetters, tr("Dead letters"));

    auto openSettings = [this, controller] {
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Elasticsearch forwarding"));
        auto *page = new ForwardingSettingsPage(&dialog);
        page->setController(controller);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
        connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        auto *layout = new QVBoxLayout(&dialog);
        layout->addWidget(page);
        layout->addWidget(buttons);
        dialog.resize(640, 780);   // the whole form without scrolling
        dialog.exec();
    };
    connect(status, &ForwardingStatusWidget::activated, this, openSettings);
    const QList<QAction *> menus = menuBar()->actions();
    if (!menus.isEmpty() && menus.first()->menu()) {
        QMenu *file = menus.first()->menu();
        auto *action = new QAction(tr("&Forwarding to Elasticsearch…"), file);
        connect(action, &QAction::triggered, this, openSettings);
        file->insertAction(file->actions().value(2), action);
    }
}

} // namespace fe
