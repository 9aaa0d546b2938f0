// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/triagestore.h"

#include <QWidget>

#include <array>

class QAction;
class QCheckBox;
class QLabel;
class QPushButton;
class QScrollBar;
class QSplitter;
class QTableView;
class QTimer;

namespace fe {

class AlertTableModel;
class DetailPane;
class FacetPanel;
class FilterBar;
class FilterState;
class QueryLineEdit;

// The explorer tab: the filter bar (query with completion, time range, pills, "N new", follow live), the facet
// sidebar, the alert table and the detail pane, all following the shared FilterState. Triage changes run on the
// thread pool with a ReadWrite connection of their own.
//
// Keyboard: the view owns its actions (action()): triage (Alt+1…5), note (Ctrl+M), follow live (Ctrl+Shift+F) and
// back to the table (Esc) work while the focus is in the view; in the table, j and k move to the next and previous
// alert and Enter opens the detail pane (Home/End: first and last alert). The main window puts the same action
// objects in its menus, so no key sequence has two owners.
//
// Below 1280 px the detail pane goes under the table so that the table keeps its columns. A query error greys the
// results that no longer match the query on screen; no match at all says so ("No alerts match …") and empties the
// detail pane.
class ExplorerView : public QWidget
{
    Q_OBJECT

public:
    enum class Action {
        SetNew, SetAcknowledged, SetInProgress, SetClosed, SetFalsePositive,   // Alt+1 … Alt+5, in TriageStatus order
        AddNote, FollowLive, NextAlert, PreviousAlert, OpenDetail, BackToTable,
        Count
    };

    ExplorerView(FilterState *filterState, QWidget *parent = nullptr);
    ~ExplorerView() override;

    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_path; }
    void setNoteAuthor(const QString &author) { m_author = author; }
    // A read-only store: the triage and note actions (menus, keys, the detail pane's triage tab) are off.
    void setReadOnly(bool readOnly);

    QAction *action(Action which) const { return m_actions.at(size_t(which)); }
    static QAction *statusAction(const ExplorerView *view, TriageStatus status)
    {
        return view->action(Action(int(Action::SetNew) + int(status)));
    }

    AlertTableModel *tableModel() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    // The table's vertical scroll bar: it spans every row of the snapshot, while the table itself holds a window of
    // them (AlertTableModel::windowRows()); the table's own scroll bar, hidden, scrolls within the window.
    QScrollBar *rowScrollBar() const { return m_rowBar; }
    // Scrolls so that snapshot row `row` is at the top of the table, moving the model's window when needed.
    void scrollToSnapshotRow(qint64 row);
    FilterBar *filterBar() const { return m_bar; }
    QueryLineEdit *queryEdit() const;
    FacetPanel *facetPanel() const { return m_facets; }
    DetailPane *detailPane() const { return m_detail; }
    // "No alerts match …" over the empty table; empty while there are results (or while searching).
    QString emptyMessage() const;
    // True while a query error greys the results (they are those of the previous query).
    bool resultsStale() const { return m_stale; }
    // Whether the detail pane sits under the table (narrow windows) rather than beside it.
    bool detailBelow() const;

    // Header layout (column order, widths, hidden columns, sort) and splitter sizes.
    QByteArray saveState() const;
    void restoreState(const QByteArray &state);

    // True once the table and the facets show the current filter (for screenshots and tests).
    bool isSettled() const;
    void waitUntilSettled();

public Q_SLOTS:
    void focusQuery();
    void refresh();
    void setFollowLive(bool on);
    // Sets the status of the selected alerts (or, with allMatching, of every alert the filter matches).
    void setStatusOfSelection(fe::TriageStatus status, bool allMatching = false);
    void addNoteToSelection();
    void showAlert(qint64 id);

Q_SIGNALS:
    void statusMessage(const QString &text);
    void countChanged(qint64 total);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void createActions();
    void applyFilter();
    void tableContextMenu(const QPoint &pos);
    void headerContextMenu(const QPoint &pos);
    void runTriage(const QString &what, std::function<qint64(const TriageStore &, QString *)> op);
    bool m_readOnly = false;
    QVector<qint64> selectedIds() const;
    void syncRowBar();
    void recenterWindow();
    void moveCurrent(int delta);
    void openDetail();
    void backToTable();
    void setStale(bool stale);
    void updateEmptyMessage();
    void updateSplitOrientation();

    FilterState *m_state;
    QString m_path;
    QString m_author;
    AlertTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QScrollBar *m_rowBar = nullptr;
    bool m_recenterQueued = false;
    FilterBar *m_bar = nullptr;
    QPushButton *m_newButton = nullptr;
    QCheckBox *m_follow = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_empty = nullptr;
    FacetPanel *m_facets = nullptr;
    DetailPane *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;       // facets | m_mainSplit
    QSplitter *m_mainSplit = nullptr;      // table | detail (beside or below)
    QTimer *m_liveTimer = nullptr;
    std::array<QAction *, size_t(Action::Count)> m_actions{};
    QString m_appliedKey;                  // the filter last applied (query + range), to tell a new one from a re-run
    bool m_stale = false;
    bool m_detailOpenedByEnter = false;
};

} // namespace fe
