// SPDX-License-Identifier: Apache-2.0
#include "ui/emptystatehint.h"

#include "model/alerttablemodel.h"
#include "ui/dashboardpanel.h"
#include "ui/dashboardview.h"
#include "ui/deadletterview.h"
#include "ui/detailpane.h"
#include "ui/explorerview.h"
#include "ui/facetpanel.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/mitrematrixwidget.h"
#include "ui/sourcespane.h"

#include <QAbstractItemModel>
#include <QAbstractItemView>
#include <QEvent>
#include <QTableView>
#include <QTreeView>
#include <QTreeWidget>

#include <algorithm>

namespace fe {

namespace {

bool modelIsEmpty(const QAbstractItemView *view)
{
    return !view->model() || view->model()->rowCount() == 0;
}

// The panel's item views (the content itself, or those inside a stack), re-read on their models' changes.
QList<QAbstractItemView *> itemViews(QWidget *content)
{
    QList<QAbstractItemView *> views = content->findChildren<QAbstractItemView *>();
    if (auto *view = qobject_cast<QAbstractItemView *>(content))
        views.prepend(view);
    return views;
}

void refreshOnRowChanges(QAbstractItemModel *model, EmptyStateHint *hint)
{
    if (!model)
        return;
    QObject::connect(model, &QAbstractItemModel::modelReset, hint, &EmptyStateHint::refresh);
    QObject::connect(model, &QAbstractItemModel::rowsInserted, hint, &EmptyStateHint::refresh);
    QObject::connect(model, &QAbstractItemModel::rowsRemoved, hint, &EmptyStateHint::refresh);
    QObject::connect(model, &QAbstractItemModel::layoutChanged, hint, &EmptyStateHint::refresh);
}

} // namespace

EmptyStateHint::EmptyStateHint(QWidget *host, TextFunction text)
    : QLabel(host)
    , m_host(host)
    , m_text(std::move(text))
{
    setObjectName(QStringLiteral("emptyStateHint"));
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setWordWrap(true);
    setAlignment(Qt::AlignCenter);
    setTextFormat(Qt::PlainText);
    setContentsMargins(24, 24, 24, 24);
    setForegroundRole(QPalette::PlaceholderText);
    host->installEventFilter(this);
    setGeometry(host->rect());
    refresh();
}

EmptyStateHint *EmptyStateHint::attach(QAbstractItemView *view, TextFunction text)
{
    auto *hint = new EmptyStateHint(view->viewport(), std::move(text));
    refreshOnRowChanges(view->model(), hint);
    return hint;
}

void EmptyStateHint::refresh()
{
    const QString text = m_text ? m_text() : QString();
    setText(text);
    setVisible(!text.isEmpty());
    if (!text.isEmpty())
        raise();
}

bool EmptyStateHint::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_host && (event->type() == QEvent::Resize || event->type() == QEvent::Show))
        setGeometry(m_host->rect());
    return QLabel::eventFilter(watched, event);
}

QString EmptyStateHint::noAlertsText(const FilterState *filter, bool shortText)
{
    const bool everything = filter->query().trimmed().isEmpty() && filter->isRelative() && filter->relativeMs() == 0;
    if (everything) {
        return shortText ? tr("No alerts yet: import Falco log files (Ctrl+I) or receive them live (Help › Getting started).")
                         : tr("No alerts in this store yet.\n\nImport Falco log files with File › Import files… (Ctrl+I) "
                              "or drop them here, receive alerts live from Falcosidekick or Falco (View › Sources, then "
                              "Add), or load demo data: Help › Getting started shows all three.");
    }
    return shortText ? tr("No alert matches the filter: widen the time range or clear the filter (Ctrl+Shift+Backspace).")
                     : tr("No alert matches the filter (%1).\n\nWiden the time range, or clear the filter with "
                          "View › Clear filter (Ctrl+Shift+Backspace).")
                           .arg(filter->query().trimmed().isEmpty()
                                    ? filter->rangeLabel()
                                    : filter->rangeLabel() + QStringLiteral(", ") + filter->query().trimmed());
}

void EmptyStateHint::installDefaults(MainWindow *window)
{
    FilterState *filter = window->filterState();
    ExplorerView *explorer = window->explorer();

    // The alert table: nothing to say while a query runs; then an empty store or a filter that matches nothing.
    AlertTableModel *table = explorer->tableModel();
    EmptyStateHint *tableHint = attach(explorer->tableView(), [table, filter] {
        return table->rowCount() == 0 && !table->isLoading() ? noAlertsText(filter) : QString();
    });
    connect(table, &AlertTableModel::loadingChanged, tableHint, &EmptyStateHint::refresh);
    connect(table, &AlertTableModel::totalCountChanged, tableHint, &EmptyStateHint::refresh);
    connect(filter, &FilterState::changed, tableHint, &EmptyStateHint::refresh);

    if (FacetPanel *facets = explorer->facetPanel()) {
        if (auto *tree = facets->findChild<QTreeView *>()) {
            EmptyStateHint *hint = attach(tree, [facets] {
                return facets->data().total == 0 && !facets->isBusy()
                           ? tr("When alerts match, their counts by priority, rule, host and more appear here: click "
                                "one to filter in, Ctrl+click to filter out.")
                           : QString();
            });
            connect(facets, &FacetPanel::updated, hint, &EmptyStateHint::refresh);
        }
    }

    if (DetailPane *detail = explorer->detailPane()) {
        if (auto *fields = detail->findChild<QTreeView *>(QStringLiteral("fieldTree"))) {
            EmptyStateHint *hint = attach(fields, [detail] {
                return detail->alertId() == 0 ? tr("Select an alert in the table to see its fields, its process "
                                                   "ancestry, the original event and its triage here.")
                                              : QString();
            });
            connect(detail, &DetailPane::loaded, hint, &EmptyStateHint::refresh);
        }
    }

    // Dashboard panels: each one empty when the filter matches nothing, or when none of the matching alerts has a
    // value for it (no pods outside Kubernetes). The MITRE matrix paints its own message.
    if (DashboardView *dashboard = window->dashboard()) {
        const QList<DashboardPanel *> panels = dashboard->findChildren<DashboardPanel *>();
        for (DashboardPanel *panel : panels) {
            QWidget *content = panel->content();
            if (!content || content->findChild<MitreMatrixWidget *>() || qobject_cast<MitreMatrixWidget *>(content))
                continue;
            const QList<QAbstractItemView *> views = itemViews(content);
            auto *hint = new EmptyStateHint(content, [dashboard, filter, views] {
                if (dashboard->isBusy() && dashboard->data().total == 0)
                    return QString();
                if (dashboard->data().total == 0)
                    return noAlertsText(filter, true);
                const bool viewsEmpty = !views.isEmpty() && std::all_of(views.cbegin(), views.cend(), modelIsEmpty);
                return viewsEmpty ? tr("None of the matching alerts has a value for this panel.") : QString();
            });
            connect(dashboard, &DashboardView::updated, hint, &EmptyStateHint::refresh);
            for (QAbstractItemView *view : views)
                refreshOnRowChanges(view->model(), hint);
        }
    }

    if (auto *tree = window->sourcesPane()->findChild<QTreeWidget *>()) {
        attach(tree, [tree] {
            return tree->topLevelItemCount() == 0
                       ? tr("No live sources yet. Add › Listen for syslog receives alerts from Falcosidekick or Falco; "
                            "Add › Watch a file follows a Falco log file as it grows.")
                       : QString();
        });
    }

    if (auto *deadLetters = window->findChild<DeadLetterView *>()) {
        if (auto *tree = deadLetters->findChild<QTreeWidget *>()) {
            attach(tree, [tree] {
                return tree->topLevelItemCount() == 0
                           ? tr("No dead letters. Alerts Elasticsearch refuses for good (a mapping conflict, say) wait "
                                "here, to be retried once the cause is fixed. Forwarding is set up in File › Forwarding "
                                "to Elasticsearch….")
                           : QString();
            });
        }
    }
}

} // namespace fe
