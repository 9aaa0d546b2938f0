// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QLabel>

#include <functional>

class QAbstractItemView;

namespace fe {

class FilterState;
class MainWindow;

// Text laid over an empty panel saying what to do next ("No alerts in this store yet: import Falco log files…").
// It covers its host widget (an item view's viewport, a chart), lets the mouse through to it, and shows whatever
// its text function returns, hiding itself when that is empty: the function decides from the panel's state, and
// refresh() re-asks it (connect the panel's change signals to it).
class EmptyStateHint : public QLabel
{
    Q_OBJECT

public:
    using TextFunction = std::function<QString()>;

    EmptyStateHint(QWidget *host, TextFunction text);

    // Over an item view: re-asked whenever the model's rows change (the function still decides, so a view that is
    // only loading can say nothing yet).
    static EmptyStateHint *attach(QAbstractItemView *view, TextFunction text);

    // The hints of the main window's panels: the alert table, the facets, the detail pane, each dashboard panel,
    // the sources and the dead letters. Panels are found through the window's accessors and by type, so a panel
    // a later layout drops simply gets no hint.
    static void installDefaults(MainWindow *window);

    // What an empty result means for the filter: an empty store (no query, all time) or a filter that matches
    // nothing, with the next step for each. short: one line, for the dashboard's many panels.
    static QString noAlertsText(const FilterState *filter, bool shortText = false);

public Q_SLOTS:
    void refresh();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *m_host;
    TextFunction m_text;
};

} // namespace fe
