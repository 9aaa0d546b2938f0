// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QToolButton;

namespace fe {

class FilterPillBar;
class FilterState;
class QueryLineEdit;
class SavedQueriesController;

// The filter bar the explorer and the dashboard share: the query (with completion, Enter applies), the time range,
// Back (after a zoom with the time brush), the saved queries, room for the view's own controls, the click-filter
// pills under it, and under those the query error where the eye is: the query with a caret at the error's column.
// Everything edits the shared FilterState; the views follow FilterState::changed.
class FilterBar : public QWidget
{
    Q_OBJECT

public:
    explicit FilterBar(FilterState *state, QWidget *parent = nullptr);

    QueryLineEdit *queryEdit() const { return m_query; }
    QComboBox *rangeCombo() const { return m_range; }
    FilterPillBar *pillBar() const { return m_pills; }
    QToolButton *backButton() const { return m_back; }
    QToolButton *savedButton() const { return m_saved; }
    // Controls of the view, after the bar's own.
    void addTrailingWidget(QWidget *widget);
    void setSavedQueries(SavedQueriesController *controller);

    void focusQuery();
    // The error under the bar: a query error at column (>= 0: with a caret under the query), or another error of the
    // search (column < 0). clearError() hides it.
    void showError(const QString &message, int column = -1, const QString &query = QString());
    void clearError();
    bool hasError() const;
    QString errorText() const;

    // The caret line for an error at column of query ("host.name:(\n           ^"), the query shortened around the
    // column when it is long (public for tests).
    static QString caretText(const QString &query, int column);

Q_SIGNALS:
    // Enter on the query already applied: run it again (new alerts, changed triage).
    void rerunRequested();
    // A query error was shown (true) or cleared (false).
    void errorChanged(bool hasError);

private:
    void applyQueryText();
    void onRangeActivated(int index);
    void syncFromState();

    FilterState *m_state;
    QueryLineEdit *m_query;
    QComboBox *m_range;
    QPushButton *m_apply;
    QToolButton *m_back;
    QToolButton *m_saved;
    QHBoxLayout *m_row;
    FilterPillBar *m_pills;
    QLabel *m_error;
    SavedQueriesController *m_savedQueries = nullptr;
};

} // namespace fe
