// SPDX-License-Identifier: Apache-2.0
#include "app/guiprobe.h"

#include "model/alerttablemodel.h"
#include "ui/dashboardbucketmodel.h"
#include "ui/dashboardtimechart.h"
#include "ui/dashboardview.h"
#include "ui/detailpane.h"
#include "ui/explorerview.h"
#include "ui/filterbar.h"
#include "ui/filterpillbar.h"
#include "ui/filterstate.h"
#include "ui/mainwindow.h"
#include "ui/querylineedit.h"

#include <QApplication>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSaveFile>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>

#include <ctime>
#include <unistd.h>

namespace fe {

namespace {

constexpr int s_intervalMs = 150;
constexpr int s_rowsReported = 12;

QJsonObject rectOf(const QWidget *w, QRect local = {})
{
    if (!w || !w->isVisible())
        return {};
    if (local.isNull())
        local = w->rect();
    const QPoint topLeft = w->mapToGlobal(local.topLeft());
    return QJsonObject{{QStringLiteral("x"), topLeft.x()}, {QStringLiteral("y"), topLeft.y()},
                       {QStringLiteral("w"), local.width()}, {QStringLiteral("h"), local.height()}};
}

QJsonArray pillsOf(const FilterBar *bar)
{
    QJsonArray out;
    const QList<QWidget *> pills = bar->pillBar()->pillWidgets();
    for (int i = 0; i < pills.size(); ++i) {
        QJsonObject p = rectOf(pills.at(i));
        p.insert(QStringLiteral("text"), bar->pillBar()->pillText(i));
        out.append(p);
    }
    return out;
}

QJsonObject barOf(const FilterBar *bar)
{
    return QJsonObject{{QStringLiteral("query"), rectOf(bar->queryEdit())},
                       {QStringLiteral("queryText"), bar->queryEdit()->text()},
                       {QStringLiteral("error"), bar->hasError() ? bar->errorText() : QString()},
                       {QStringLiteral("pills"), pillsOf(bar)},
                       {QStringLiteral("back"), rectOf(bar->backButton())}};
}

QJsonObject explorerOf(const ExplorerView *explorer)
{
    const AlertTableModel *model = explorer->tableModel();
    const QTableView *table = explorer->tableView();
    QJsonArray rows;
    for (int r = 0; r < qMin(model->rowCount(), s_rowsReported); ++r) {
        const QRect rect = table->visualRect(model->index(r, AlertTableModel::RuleColumn));
        if (rect.isEmpty() || !table->viewport()->rect().contains(rect.center()))
            continue;
        QJsonObject row = rectOf(table->viewport(), rect);
        row.insert(QStringLiteral("row"), r);
        row.insert(QStringLiteral("id"), model->idAt(r));
        row.insert(QStringLiteral("time"), model->index(r, 0).data(AlertTableModel::TimestampRole).toLongLong());
        rows.append(row);
    }
    const QModelIndex current = table->currentIndex();
    return QJsonObject{
        {QStringLiteral("bar"), barOf(explorer->filterBar())},
        {QStringLiteral("table"), rectOf(table->viewport())},
        {QStringLiteral("rows"), rows},
        {QStringLiteral("total"), model->totalCount()},
        {QStringLiteral("settled"), explorer->isSettled()},
        {QStringLiteral("currentRow"), current.isValid() ? current.row() : -1},
        {QStringLiteral("currentId"), current.isValid() ? model->idAt(current.row()) : 0},
        {QStringLiteral("detailId"), explorer->detailPane()->alertId()},
        {QStringLiteral("detail"), rectOf(explorer->detailPane())},
        {QStringLiteral("empty"), explorer->emptyMessage()},
        {QStringLiteral("stale"), explorer->resultsStale()},
    };
}

QJsonObject dashboardOf(const DashboardView *dashboard)
{
    QJsonObject out{{QStringLiteral("bar"), barOf(dashboard->filterBar())},
                    {QStringLiteral("busy"), dashboard->isBusy()},
                    {QStringLiteral("total"), dashboard->data().total}};
    // The rows of the top-N tables (their bars), by table.
    QJsonObject tables;
    for (const QTableView *table : dashboard->findChildren<QTableView *>()) {
        if (!table->isVisible() || table->objectName().isEmpty())
            continue;
        QJsonArray rows;
        const QAbstractItemModel *model = table->model();
        for (int r = 0; r < qMin(model->rowCount(), s_rowsReported); ++r) {
            const QModelIndex key = model->index(r, DashboardBucketModel::KeyColumn);
            const QRect rect = table->visualRect(model->index(r, DashboardBucketModel::CountColumn));
            if (rect.isEmpty() || !table->viewport()->rect().contains(rect.center()))
                continue;
            QJsonObject row = rectOf(table->viewport(), rect);
            row.insert(QStringLiteral("key"), key.data(DashboardBucketModel::KeyRole).toString());
            row.insert(QStringLiteral("count"), model->index(r, DashboardBucketModel::CountColumn)
                                                    .data(DashboardBucketModel::CountRole).toLongLong());
            row.insert(QStringLiteral("other"), key.data(DashboardBucketModel::IsOtherRole).toBool());
            rows.append(row);
        }
        tables.insert(table->objectName(), rows);
    }
    out.insert(QStringLiteral("tables"), tables);
    if (const auto *chart = dashboard->findChild<DashboardTimeChart *>()) {
        const QRectF plot = chart->chart()->plotArea();
        const QPoint topLeft = chart->mapFromScene(chart->chart()->mapToScene(plot.topLeft()));
        const QPoint bottomRight = chart->mapFromScene(chart->chart()->mapToScene(plot.bottomRight()));
        out.insert(QStringLiteral("timePlot"), rectOf(chart, QRect(topLeft, bottomRight)));
    }
    return out;
}

// Milliseconds since this process started (Linux: its start time in clock ticks since boot), or -1.
qint64 msSinceProcessStart()
{
#if defined(Q_OS_LINUX)
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    // Field 22 (starttime) counts from after the command name's closing parenthesis (field 2 may hold spaces).
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    timespec now{};
    if (fields.size() < 20 || clock_gettime(CLOCK_BOOTTIME, &now) != 0)
        return -1;
    const qint64 startMs = fields.at(19).toLongLong() * 1000 / sysconf(_SC_CLK_TCK);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000 - startMs;
#else
    return -1;
#endif
}

} // namespace

GuiProbe::GuiProbe(MainWindow *window, const QString &path, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_path(path)
{
    connect(&m_timer, &QTimer::timeout, this, &GuiProbe::write);
    m_timer.start(s_intervalMs);
    // When every dashboard panel first shows the store's data (issue 17: "every dashboard panel in <= 1 s").
    if (DashboardView *dashboard = m_window->dashboard()) {
        connect(dashboard, &DashboardView::updated, this, [this, dashboard] {
            if (m_dashboardShownMs < 0 && !dashboard->isBusy() && dashboard->data().total > 0)
                m_dashboardShownMs = msSinceProcessStart();
        });
    }
}

GuiProbe::~GuiProbe() = default;

QByteArray GuiProbe::snapshot() const
{
    QJsonObject o;
    o.insert(QStringLiteral("window"), rectOf(m_window));
    o.insert(QStringLiteral("dashboardShownMs"), m_dashboardShownMs);
    o.insert(QStringLiteral("active"), m_window->isActiveWindow());
    o.insert(QStringLiteral("view"), m_window->tabs()->currentWidget()->objectName());
    const QWidget *focus = QApplication::focusWidget();
    o.insert(QStringLiteral("focus"), focus ? focus->objectName() : QString());
    o.insert(QStringLiteral("focusClass"), focus ? QString::fromLatin1(focus->metaObject()->className()) : QString());
    if (const auto *count = m_window->statusBar()->findChild<QLabel *>(QStringLiteral("matchCountLabel")))
        o.insert(QStringLiteral("statusCount"), count->text());
    o.insert(QStringLiteral("statusMessage"), m_window->statusBar()->currentMessage());
    o.insert(QStringLiteral("readOnly"), m_window->isReadOnly());
    o.insert(QStringLiteral("effectiveQuery"), m_window->filterState()->effectiveQuery());
    o.insert(QStringLiteral("explorer"), explorerOf(m_window->explorer()));
    if (m_window->dashboard())
        o.insert(QStringLiteral("dashboard"), dashboardOf(m_window->dashboard()));
    QJsonArray tabs;
    for (int i = 0; i < m_window->tabs()->count(); ++i) {
        QJsonObject tab = rectOf(m_window->tabs()->tabBar(), m_window->tabs()->tabBar()->tabRect(i));
        tab.insert(QStringLiteral("name"), m_window->tabs()->widget(i)->objectName());
        tabs.append(tab);
    }
    o.insert(QStringLiteral("tabs"), tabs);
    QJsonArray popups;
    for (QWidget *w : QApplication::topLevelWidgets()) {
        if (w->isVisible() && w != m_window) {
            QJsonObject p = rectOf(w);
            p.insert(QStringLiteral("class"), QString::fromLatin1(w->metaObject()->className()));
            p.insert(QStringLiteral("title"), w->windowTitle());
            popups.append(p);
        }
    }
    o.insert(QStringLiteral("popups"), popups);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void GuiProbe::write()
{
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return;
    file.write(snapshot());
    file.commit();
}

} // namespace fe
