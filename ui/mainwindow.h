// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/diagnostic.h"
#include "model/pipelinestats.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QProgressDialog;
class QTabWidget;

namespace fe {

class ExplorerView;
class FilterState;
class ForwardingController;
class SourcesPane;

// The main window: a tab area (the Explorer first; other views such as the dashboard join with addView), the
// sources dock, a status bar with pipeline counters, and the File/View/Triage menus. It reads no file itself:
// opening, importing and live sources are requests (signals) that app/ answers, reporting back through the
// public slots. Window geometry, dock/column layout and recent databases persist in QSettings.
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

    // Adds a view (e.g. the dashboard) as a tab after the Explorer.
    void addView(QWidget *view, const QString &title);
    // Shows the tab whose title or object name matches ("Explorer", "Dashboard"); false if none.
    bool showView(const QString &name);

    // Elasticsearch forwarding: a status indicator in the status bar (click: settings), a "Forwarding…"
    // settings dialog in the File menu and a "Dead letters" tab. The controller must outlive the window.
    void addForwarding(ForwardingController *controller);

    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_dbPath; }
    QStringList recentDatabases() const;

public Q_SLOTS:
    void setPipelineStats(const fe::PipelineStats &stats);
    void addDiagnostics(const QVector<fe::Diagnostic> &diagnostics);
    void showStatus(const QString &text);
    // Import progress: the dialog opens on the first call, closes with importFinished.
    void setImportProgress(qint64 done, qint64 total, const fe::PipelineStats &stats);
    void importFinished(bool ok, const QString &summary);

Q_SIGNALS:
    void openDatabaseRequested(const QString &path);
    void importRequested(const QStringList &paths);
    void importCancelRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
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

    FilterState *m_filterState = nullptr;
    ExplorerView *m_explorer = nullptr;
    SourcesPane *m_sources = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_dbLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QLabel *m_pipelineLabel = nullptr;
    QMenu *m_recentMenu = nullptr;
    QProgressDialog *m_progress = nullptr;
    QString m_dbPath;
    QVector<Diagnostic> m_diagnostics;
};

} // namespace fe
