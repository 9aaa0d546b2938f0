// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QMainWindow>

class QAction;
class QFileDialog;
class QLabel;
class QMenu;
class QProgressDialog;
class QTabWidget;
class QTreeWidget;

namespace fe {

class DashboardView;
class ExplorerView;
class FilterBar;
class FilterState;
class ForwardingController;
class SavedQueriesController;
class SourcesPane;

// The main window: a tab area (the Explorer first; other views such as the dashboard join with addView), the
// sources dock (left), a status bar with pipeline counters, and the File/View/Triage/Queries/Help menus. It reads no
// file itself: opening, importing and live sources are requests (signals) that app/ answers, reporting back through
// the public slots. Window geometry, dock/column layout and recent databases persist in QSettings.
//
// Every key sequence has one owner: the window's own actions (files, views, the filter: Ctrl+L and /, Back:
// Alt+Left) and the explorer's (triage, notes, follow, table keys), which the menus show as they are.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    FilterState *filterState() const { return m_filterState; }
    ExplorerView *explorer() const { return m_explorer; }
    SourcesPane *sourcesPane() const { return m_sources; }
    QTabWidget *tabs() const { return m_tabs; }

    // Adds a view as a tab after the Explorer.
    void addView(QWidget *view, const QString &title);
    // Adds the dashboard tab. It follows the window's database (setDatabasePath), and an alert activated in it is
    // shown in the Explorer.
    void addDashboard(DashboardView *dashboard);
    DashboardView *dashboard() const { return m_dashboard; }
    // Shows the tab whose title or object name matches ("Explorer", "Dashboard"); false if none.
    bool showView(const QString &name);
    // The filter bar of the view on screen (the explorer's when the view has none).
    FilterBar *currentFilterBar() const;
    SavedQueriesController *savedQueries() const { return m_savedQueries; }

    // The File > Open dialog, not yet shown: an "Open" button that also accepts a new file name (a new store).
    QFileDialog *newOpenDatabaseDialog();
    // The Help > Keyboard shortcuts list: one row per key sequence of the window's and the explorer's actions.
    QTreeWidget *newShortcutList(QWidget *parent) const;

    // Elasticsearch forwarding: a status indicator in the status bar (click: settings), a "Forwarding…"
    // settings dialog in the File menu and a "Dead letters" tab. The controller must outlive the window.
    void addForwarding(ForwardingController *controller);

    // Points every view at the store at path (table, facets, detail pane, triage, dashboard), clears what belonged to
    // the previous one and records it in the recent databases. What app/ owns (live sources) follows databaseChanged.
    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_dbPath; }
    QStringList recentDatabases() const;
    // A store that can only be read (a damaged compression dictionary, read-only media): why, or empty for a store
    // open for writing. Read-only turns off what would write to it (imports, drops, live sources, triage and notes,
    // forwarding) and says so in the status bar; reading (dashboard, explorer, detail, export) works as ever.
    void setReadOnly(const QString &why);
    bool isReadOnly() const { return !m_readOnlyReason.isEmpty(); }

public Q_SLOTS:
    void setPipelineStats(const fe::PipelineStats &stats);
    void addDiagnostics(const QVector<fe::Diagnostic> &diagnostics);
    void showStatus(const QString &text);
    // Import progress: the dialog opens on the first call, closes with importFinished.
    void setImportProgress(qint64 done, qint64 total, const fe::PipelineStats &stats);
    void importFinished(bool ok, const QString &summary);
    // The full-text index being built in the background: "Indexing text for search: 42%" in the status bar; total <= 0
    // (the run ended) removes it.
    void setTextIndexProgress(qint64 done, qint64 total);

Q_SIGNALS:
    void openDatabaseRequested(const QString &path);
    void importRequested(const QStringList &paths);
    void importCancelRequested();
    // setDatabasePath() switched to another store.
    void databaseChanged(const QString &path);

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createMenus();
    void updateRecentMenu();
    void openDatabaseDialog();
    void importDialog(bool folder);
    void showSettings();
    void showDiagnostics();
    void showShortcuts();
    void focusFilter();

    FilterState *m_filterState = nullptr;
    ExplorerView *m_explorer = nullptr;
    DashboardView *m_dashboard = nullptr;
    SourcesPane *m_sources = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_dbLabel = nullptr;
    QString m_pendingStatus;   // a message given before the window was shown
    QLabel *m_countLabel = nullptr;
    QLabel *m_pipelineLabel = nullptr;
    QLabel *m_indexLabel = nullptr;
    QLabel *m_readOnlyLabel = nullptr;
    QList<QAction *> m_writeActions;   // imports, forwarding settings: off while the store is read-only
    QString m_readOnlyReason;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    SavedQueriesController *m_savedQueries = nullptr;
    QProgressDialog *m_progress = nullptr;
    QString m_dbPath;
    QVector<Diagnostic> m_diagnostics;
    bool m_firstStart = false;   // no saved window state: the first show places the sources pane
};

} // namespace fe
