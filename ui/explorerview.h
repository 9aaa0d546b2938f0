// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/triagestore.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
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
class FilterState;
class QueryLineEdit;

// The explorer tab: filter bar (query with completion, time range, "N new", follow live), the facet sidebar,
// the alert table and the detail pane, all following the shared FilterState. Triage changes run on the thread
// pool with a ReadWrite connection of their own.
class ExplorerView : public QWidget
{
    Q_OBJECT

public:
    ExplorerView(FilterState *filterState, QWidget *parent = nullptr);
    ~ExplorerView() override;

    void setDatabasePath(const QString &path);
    QString databasePath() const { return m_path; }
    void setNoteAuthor(const QString &author) { m_author = author; }

    AlertTableModel *tableModel() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    // The table's vertical scroll bar: it spans every row of the snapshot, while the table itself holds a window of
    // them (AlertTableModel::windowRows()); the table's own scroll bar, hidden, scrolls within the window.
    QScrollBar *rowScrollBar() const { return m_rowBar; }
    // Scrolls so that snapshot row `row` is at the top of the table, moving the model's window when needed.
    void scrollToSnapshotRow(qint64 row);
    QueryLineEdit *queryEdit() const { return m_query; }
    FacetPanel *facetPanel() const { return m_facets; }
    DetailPane *detailPane() const { return m_detail; }

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

private:
    void applyFilter();
    void applyQueryText();
    void onRangeActivated(int index);
    void syncFromState();
    void tableContextMenu(const QPoint &pos);
    void headerContextMenu(const QPoint &pos);
    void runTriage(const QString &what, std::function<qint64(const TriageStore &, QString *)> op);
    QVector<qint64> selectedIds() const;
    void syncRowBar();
    void recenterWindow();

    FilterState *m_state;
    QString m_path;
    QString m_author;
    AlertTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QScrollBar *m_rowBar = nullptr;
    bool m_recenterQueued = false;
    QueryLineEdit *m_query = nullptr;
    QComboBox *m_range = nullptr;
    QPushButton *m_newButton = nullptr;
    QCheckBox *m_follow = nullptr;
    QLabel *m_count = nullptr;
    FacetPanel *m_facets = nullptr;
    DetailPane *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QTimer *m_liveTimer = nullptr;
};

} // namespace fe
