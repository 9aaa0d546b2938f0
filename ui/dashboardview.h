// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QPointer>
#include <QWidget>

#include <memory>

class QAbstractItemModel;
class QCheckBox;
class QFrame;
class QLabel;
class QScrollArea;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace fe {

class AlertColumnCache;
class DashboardBarChart;
class DashboardBucketModel;
class DashboardPanel;
class DashboardPriorityChart;
class DashboardStreamModel;
class DashboardTimeChart;
class FilterBar;
class FilterState;
class MitreMatrixWidget;

// The "[Logs Falco] Alerts Overview" dashboard of Elastic's Falco integration rebuilt natively, plus a MITRE ATT&CK
// matrix, sources, images and namespaces, under the same filter bar as the explorer (query, time range, pills). Every
// panel follows the shared FilterState; clicking a bar, slice, row or cell adds a pill to it (Alt+click: an excluding
// one), and dragging across the time chart zooms into that range (Back returns). Below 1200 px the panels reflow
// into two columns. Aggregates are computed on the thread pool with a ReadOnly store of their own; a generation
// counter drops results for an outdated filter. While visible, the view polls the store's newest id and refreshes
// when live ingest adds alerts.
class DashboardView : public QWidget
{
    Q_OBJECT

public:
    DashboardView(FilterState *filterState, const QString &databasePath, QWidget *parent = nullptr);
    ~DashboardView() override;

    QString databasePath() const { return m_databasePath; }
    // Points the view at another store (File > Open): recomputes at once; a result for the old store is dropped.
    void setDatabasePath(const QString &path);
    // The last result shown (empty before the first one).
    const DashboardData &data() const { return m_data; }
    const QVector<AlertSummary> &streamAlerts() const { return m_stream; }
    QString errorText() const { return m_error; }
    bool isBusy() const { return m_running; }
    FilterBar *filterBar() const { return m_filterBar; }
    // Whether the panels are in the two-column layout of narrow windows.
    bool isNarrow() const { return m_narrow; }
    // The notice an export leaves ("Report saved to … Open folder"); hidden until an export finished.
    QFrame *exportNotice() const { return m_exportNotice; }

    // How often to check for new alerts while visible, in ms; 0 disables auto-refresh.
    int autoRefreshInterval() const;
    void setAutoRefreshInterval(int ms);

    // Alerts shown in the "Alert Stream" panel.
    static constexpr int s_streamRows = 50;

public Q_SLOTS:
    // Recomputes now (coalesced with a computation already running).
    void refresh();
    // Asks for a file name and writes the PDF or HTML report for the current filter off the GUI thread.
    void exportReport();
    // The same to path, without asking.
    void exportReportTo(const QString &path);

Q_SIGNALS:
    // A new result is on screen (or an error: errorText()).
    void updated();
    // A row of the alert stream was double-clicked: the explorer may open that alert.
    void alertActivated(qint64 id);
    // A report export finished: ok, and the file or the error.
    void reportExported(bool ok, const QString &pathOrError);
    void statusMessage(const QString &text);

protected:
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Result;
    void onFilterChanged();
    void start(bool onlyIfChanged);
    void apply(const Result &result);
    void applyPanels();
    void filterOn(const QString &field, const QString &value, bool exclude);
    void relayout(bool narrow);
    void fitMitrePanel();
    void showExportNotice(bool ok, const QString &pathOrError);
    void pollForNewAlerts();
    // Holds the store's column cache and loads it in the background, so that queries are counted from memory.
    void loadColumnCache();
    QTableView *makeTable(const QString &objectName, QAbstractItemModel *model, const QString &field, int sortColumn,
                          Qt::SortOrder order);
    DashboardPanel *addPanel(const QString &title, QWidget *content, int row, int column, int columnSpan);

    struct Placement
    {
        DashboardPanel *panel;
        int row, column, span;   // on the wide 6-column grid
    };
    QVector<Placement> m_placements;
    bool m_narrow = false;

    QPointer<FilterState> m_filterState;
    QString m_databasePath;
    std::shared_ptr<AlertColumnCache> m_columnCache;

    // Results, and the worker bookkeeping (GUI thread only).
    DashboardData m_data;
    QVector<AlertSummary> m_stream;
    QString m_error;
    AlertFilter m_shownFilter;
    qint64 m_shownMaxId = -1;
    quint64 m_generation = 0;
    bool m_running = false;
    bool m_pending = false;
    bool m_pendingOnlyIfChanged = true;

    QTimer *m_pollTimer;
    FilterBar *m_filterBar;
    QFrame *m_exportNotice;
    QLabel *m_exportText;
    QString m_exportPath;
    QScrollArea *m_scroll;
    QWidget *m_grid;
    QLabel *m_summary;
    QLabel *m_status;
    QLabel *m_errorLabel;
    QToolButton *m_exportButton;
    QToolButton *m_stackedButton;
    QToolButton *m_rulesBarsButton;
    QCheckBox *m_liveCheck;

    DashboardTimeChart *m_timeChart;
    DashboardPriorityChart *m_priorityChart;
    DashboardBarChart *m_rulesChart;
    QStackedWidget *m_rulesStack;
    MitreMatrixWidget *m_mitre;
    DashboardBucketModel *m_hosts, *m_pods, *m_rules, *m_sources, *m_images, *m_namespaces;
    DashboardStreamModel *m_streamModel;
    DashboardPanel *m_timePanel;
    DashboardPanel *m_mitrePanel;
};

} // namespace fe
