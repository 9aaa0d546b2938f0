// SPDX-License-Identifier: Apache-2.0
#include "ui/mainwindow.h"

#include "ui/deadletterview.h"
#include "ui/forwardingcontroller.h"
#include "ui/forwardingsettingspage.h"
#include "ui/forwardingstatuswidget.h"

#include "ui/dashboardview.h"
#include "ui/explorerview.h"
#include "ui/filterbar.h"
#include "ui/filterstate.h"
#include "ui/savedqueriescontroller.h"
#include "ui/sourcespane.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QShowEvent>
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
#include <QTimer>
#include <QSpinBox>
#include <QStatusBar>
#include <QHeaderView>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>
#include <memory>

namespace fe {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kExplorerKey = QStringLiteral("explorer/state");
const QString kRecentKey = QStringLiteral("databases/recent");
const QString kAuthorKey = QStringLiteral("triage/author");
const QString kRangeKey = QStringLiteral("explorer/relativeRangeMs");
constexpr int kMaxRecent = 8;
constexpr int s_sourcesShownMinWidth = 1280;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Falco Explorer"));
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    m_filterState = new FilterState(this);
    m_savedQueries = new SavedQueriesController(m_filterState, this);
    QSettings settings;
    m_filterState->setRelativeRange(settings.value(kRangeKey, qint64(0)).toLongLong());

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_explorer = new ExplorerView(m_filterState, m_tabs);
    m_explorer->setObjectName(QStringLiteral("Explorer"));
    m_explorer->setNoteAuthor(settings.value(kAuthorKey, qEnvironmentVariable("USER", QStringLiteral("analyst"))).toString());
    m_tabs->addTab(m_explorer, tr("Explorer"));
    m_explorer->filterBar()->setSavedQueries(m_savedQueries);
    setCentralWidget(m_tabs);

    // The sources dock starts on the left (where the README says it is), shown when the window has room for it
    // (showEvent); its place and visibility persist.
    m_sources = new SourcesPane(this);
    auto *dock = new QDockWidget(tr("Sources"), this);
    dock->setObjectName(QStringLiteral("sourcesDock"));
    dock->setWidget(m_sources);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_dbLabel = new QLabel(this);
    m_countLabel = new QLabel(this);
    m_pipelineLabel = new QLabel(this);
    m_indexLabel = new QLabel(this);
    for (QLabel *l : {m_dbLabel, m_countLabel, m_pipelineLabel, m_indexLabel})
        l->setTextFormat(Qt::PlainText);
    m_countLabel->setObjectName(QStringLiteral("matchCountLabel"));
    m_indexLabel->setObjectName(QStringLiteral("textIndexLabel"));
    m_indexLabel->setToolTip(tr("The full-text index of the alerts' outputs is being built. Searches for free text find "
                                "every match meanwhile, only more slowly."));
    m_indexLabel->hide();
    statusBar()->addWidget(m_dbLabel, 1);
    statusBar()->addPermanentWidget(m_indexLabel);
    statusBar()->addPermanentWidget(m_pipelineLabel);
    statusBar()->addPermanentWidget(m_countLabel);
    connect(m_explorer, &ExplorerView::statusMessage, this, &MainWindow::showStatus);
    connect(m_savedQueries, &SavedQueriesController::message, this, &MainWindow::showStatus);
    connect(m_explorer, &ExplorerView::countChanged, this,
            [this](qint64 n) { m_countLabel->setText(tr("%1 matching").arg(QLocale().toString(n))); });

    createMenus();
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    m_explorer->restoreState(settings.value(kExplorerKey).toByteArray());
    m_firstStart = settings.value(kStateKey).isNull();
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
    m_writeActions << file->addAction(tr("&Import files…"), QKeySequence(Qt::CTRL | Qt::Key_I), this, [this] { importDialog(false); });
    m_writeActions << file->addAction(tr("Import &folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), this, [this] { importDialog(true); });
    file->addSeparator();
    file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::showSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    QMenu *view = m_viewMenu;
    QAction *filter = view->addAction(tr("&Filter"), this, &MainWindow::focusFilter);
    filter->setObjectName(QStringLiteral("focusFilterAction"));
    filter->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_L), QKeySequence(Qt::Key_Slash)});
    view->addAction(tr("&Refresh"), QKeySequence(Qt::Key_F5), this, [this] {
        m_explorer->refresh();
        if (m_dashboard)
            m_dashboard->refresh();
    });
    view->addAction(tr("Clear filter"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Backspace), m_filterState, &FilterState::clear);
    QAction *back = view->addAction(tr("&Back to the previous time range"), QKeySequence(Qt::ALT | Qt::Key_Left), m_filterState,
                                    &FilterState::back);
    back->setEnabled(false);
    connect(m_filterState, &FilterState::changed, back, [this, back] { back->setEnabled(m_filterState->canGoBack()); });
    view->addAction(m_explorer->action(ExplorerView::Action::FollowLive));
    view->addSeparator();
    view->addAction(m_explorer->action(ExplorerView::Action::NextAlert));
    view->addAction(m_explorer->action(ExplorerView::Action::PreviousAlert));
    view->addAction(m_explorer->action(ExplorerView::Action::OpenDetail));
    view->addAction(m_explorer->action(ExplorerView::Action::BackToTable));
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

    // The explorer's actions: they act on its selection, so they answer while the focus is in the explorer.
    QMenu *triage = menuBar()->addMenu(tr("&Triage"));
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s)
        triage->addAction(ExplorerView::statusAction(m_explorer, TriageStatus(s)));
    triage->addAction(m_explorer->action(ExplorerView::Action::AddNote));
    triage->addSeparator();
    triage->addAction(tr("Show &new alerts only"), this, [this] {
        m_filterState->filterIn(QStringLiteral("triage.status"), QStringLiteral("new"));
    });

    QMenu *queries = menuBar()->addMenu(tr("&Queries"));
    queries->setObjectName(QStringLiteral("queriesMenu"));
    QAction *save = new QAction(tr("&Save current query…"), this);
    save->setObjectName(QStringLiteral("saveQueryShortcut"));
    save->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_S));
    connect(save, &QAction::triggered, this, [this] { m_savedQueries->saveWithDialog(this); });
    addAction(save);
    connect(queries, &QMenu::aboutToShow, this, [this, queries, save] {
        m_savedQueries->fillMenu(queries, this);
        // The menu's own "Save current query…" shows the window's shortcut.
        const QList<QAction *> items = queries->actions();
        if (!items.isEmpty()) {
            QAction *first = items.first();
            queries->insertAction(first, save);
            queries->removeAction(first);
            first->deleteLater();
        }
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, &MainWindow::showShortcuts);
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About Falco Explorer"),
                           tr("Falco Explorer %1\nFalco alerts: ingest, explore, triage, forward.").arg(QApplication::applicationVersion()));
    });
    updateRecentMenu();
}

void MainWindow::focusFilter()
{
    if (!currentFilterBar() || m_tabs->currentWidget() != currentFilterBar()->parentWidget())
        m_tabs->setCurrentWidget(m_explorer);
    currentFilterBar()->focusQuery();
}

FilterBar *MainWindow::currentFilterBar() const
{
    if (m_dashboard && m_tabs->currentWidget() == m_dashboard)
        return m_dashboard->filterBar();
    return m_explorer->filterBar();
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
    dashboard->filterBar()->setSavedQueries(m_savedQueries);
    if (!m_dbPath.isEmpty())
        dashboard->setDatabasePath(m_dbPath);
    connect(dashboard, &DashboardView::statusMessage, this, &MainWindow::showStatus);
    if (m_viewMenu) {
        auto *show = new QAction(tr("&Dashboard"), m_viewMenu);
        show->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
        connect(show, &QAction::triggered, this, [this] { m_tabs->setCurrentWidget(m_dashboard); });
        const QList<QAction *> items = m_viewMenu->actions();
        for (int i = 0; i < items.size(); ++i) {
            if (items.at(i)->text() == tr("&Explorer")) {
                m_viewMenu->insertAction(items.value(i + 1), show);
                break;
            }
        }
    }
    connect(dashboard, &DashboardView::alertActivated, this, [this](qint64 id) {
        m_tabs->setCurrentWidget(m_explorer);
        m_explorer->showAlert(id);
    });
}

bool MainWindow::showView(const QString &name)
{
    // "Dead letters", "dead-letters" and "deadletters" name the same tab.
    const auto key = [](QString text) {
        text.remove(u'&');
        text.remove(u' ');
        text.remove(u'-');
        text.remove(u'_');
        return text.toLower();
    };
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (key(m_tabs->tabText(i)) == key(name) || key(m_tabs->widget(i)->objectName()) == key(name)) {
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
        m_indexLabel->hide();
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
    m_savedQueries->setDatabasePath(path);
    m_explorer->setDatabasePath(path);
    if (m_dashboard)
        m_dashboard->setDatabasePath(path);
    if (changed)
        Q_EMIT databaseChanged(path);
}

void MainWindow::setReadOnly(const QString &why)
{
    m_readOnlyReason = why;
    const bool readOnly = !why.isEmpty();
    for (QAction *action : std::as_const(m_writeActions))
        action->setEnabled(!readOnly);
    if (m_sources)
        m_sources->setEnabled(!readOnly);
    m_explorer->setReadOnly(readOnly);
    if (!m_readOnlyLabel) {
        m_readOnlyLabel = new QLabel(this);
        m_readOnlyLabel->setObjectName(QStringLiteral("readOnlyLabel"));
        statusBar()->addPermanentWidget(m_readOnlyLabel);
    }
    m_readOnlyLabel->setText(tr("Read-only store"));
    m_readOnlyLabel->setToolTip(why);
    m_readOnlyLabel->setVisible(readOnly);
    if (readOnly) {
        addDiagnostics({{Diagnostic::Severity::Warning, QStringLiteral("store"), m_dbPath,
                         tr("Opened read-only: %1. Imports, live sources, triage, notes and forwarding are off for "
                            "this store.").arg(why), 1}});
    }
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

QFileDialog *MainWindow::newOpenDatabaseDialog()
{
    // Not a save dialog: the button says "Open"; a name that does not exist yet creates a new store.
    auto *dialog = new QFileDialog(this, tr("Open or create an alert database"), QFileInfo(m_dbPath).absolutePath(),
                                   tr("Alert databases (*.db);;All files (*)"));
    dialog->setObjectName(QStringLiteral("openDatabaseDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setOption(QFileDialog::DontConfirmOverwrite);
    dialog->setLabelText(QFileDialog::Accept, tr("&Open"));
    return dialog;
}

void MainWindow::openDatabaseDialog()
{
    std::unique_ptr<QFileDialog> dialog(newOpenDatabaseDialog());
    if (dialog->exec() != QDialog::Accepted || dialog->selectedFiles().isEmpty())
        return;
    Q_EMIT openDatabaseRequested(dialog->selectedFiles().constFirst());
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

void MainWindow::setTextIndexProgress(qint64 done, qint64 total)
{
    if (total <= 0) {
        m_indexLabel->hide();
        return;
    }
    // Whole percent, never 100 while the run goes on (alerts that arrive meanwhile make done pass total).
    const int percent = int(std::clamp<qint64>(done * 100 / total, 0, 99));
    m_indexLabel->setText(tr("Indexing text for search: %1%").arg(percent));
    m_indexLabel->show();
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

QTreeWidget *MainWindow::newShortcutList(QWidget *parent) const
{
    auto *list = new QTreeWidget(parent);
    list->setObjectName(QStringLiteral("shortcutList"));
    list->setColumnCount(2);
    list->setHeaderLabels({tr("Keys"), tr("Action")});
    list->setRootIsDecorated(false);
    list->setAlternatingRowColors(true);
    list->setSelectionMode(QAbstractItemView::NoSelection);
    const auto add = [list](const QString &keys, const QString &what) {
        auto *item = new QTreeWidgetItem(list, {keys, what});
        item->setToolTip(1, what);
    };
    // From the menus, so the list is what the keys really do.
    std::function<void(const QMenu *)> walk = [&](const QMenu *menu) {
        for (const QAction *a : menu->actions()) {
            if (a->menu()) {
                walk(a->menu());
                continue;
            }
            if (a->shortcuts().isEmpty() || a->isSeparator())
                continue;
            QStringList keys;
            for (const QKeySequence &k : a->shortcuts())
                keys << k.toString(QKeySequence::NativeText);
            QString what = a->text();
            what.remove(u'&');
            what.remove(QStringLiteral("…"));
            add(keys.join(tr(" or ")), what);
        }
    };
    for (const QAction *top : menuBar()->actions()) {
        if (top->menu())
            walk(top->menu());
    }
    for (const QAction *a : actions()) {   // window actions outside the menus (Ctrl+S)
        if (!a->shortcuts().isEmpty() && a->associatedObjects().size() == 1)
            add(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(u'&').remove(QStringLiteral("…")));
    }
    add(tr("Home / End"), tr("First / last alert (in the table)"));
    add(tr("Click"), tr("A facet, panel row, bar, slice or matrix cell: filter on it (a pill)"));
    add(tr("Alt+click"), tr("The same, excluding it (Ctrl+click in the facets)"));
    add(tr("Click a pill"), tr("Include or exclude its results, or remove it"));
    add(tr("Drag"), tr("Across Alerts Over Time: zoom into that time range (Back returns)"));
    list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    list->header()->setStretchLastSection(true);
    return list;
}

void MainWindow::showShortcuts()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Keyboard shortcuts"));
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(newShortcutList(&dialog));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(620, 560);
    dialog.exec();
}

void MainWindow::showStatus(const QString &text)
{
    // QStatusBar hides its normal widget (the store's path) under a message only if that widget is visible: a message
    // given before the window is shown (a read-only store, a start-up diagnostic) would be drawn over the path. It
    // waits for the window.
    if (!isVisible()) {
        m_pendingStatus = text;
        return;
    }
    statusBar()->showMessage(text, 8000);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (!m_pendingStatus.isEmpty()) {
        QTimer::singleShot(0, this, [this] { showStatus(std::exchange(m_pendingStatus, QString())); });
    }
    if (!m_firstStart)
        return;
    m_firstStart = false;
    // First start: the sources pane is open on the left when there is room for it beside the alerts; a smaller
    // window leaves that room to the table (View > Sources, Ctrl+U, opens it in the same place).
    if (auto *dock = findChild<QDockWidget *>(QStringLiteral("sourcesDock"))) {
        dock->setVisible(width() >= s_sourcesShownMinWidth);
        resizeDocks({dock}, {230}, Qt::Horizontal);
    }
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
    if (event->mimeData()->hasUrls() && !isReadOnly())
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
    if (paths.isEmpty() || isReadOnly())
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
        action->setEnabled(!isReadOnly());
        m_writeActions << action;
        file->insertAction(file->actions().value(2), action);
    }
}

} // namespace fe
