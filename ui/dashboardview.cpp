// SPDX-License-Identifier: Apache-2.0
#include "ui/dashboardview.h"

#include "model/alertcolumncache.h"
#include "model/querylanguage.h"
#include "ui/dashboardbarchart.h"
#include "ui/dashboardbardelegate.h"
#include "ui/dashboardbucketmodel.h"
#include "ui/dashboardpanel.h"
#include "ui/dashboardprioritychart.h"
#include "ui/dashboardstreammodel.h"
#include "ui/dashboardtimechart.h"
#include "ui/elidemiddledelegate.h"
#include "ui/filterbar.h"
#include "ui/filterstate.h"
#include "ui/mitrematrixwidget.h"
#include "ui/prioritycolors.h"
#include "ui/reportexporter.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDesktopServices>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <memory>
#include <optional>

namespace fe {

namespace {

// Field names the panels filter on (the query language's names, model/querylanguage.h).
const QString s_fieldHost = QStringLiteral("host.name");
const QString s_fieldPod = QStringLiteral("orchestrator.resource.name");
const QString s_fieldPriority = QStringLiteral("falco.priority");
const QString s_fieldRule = QStringLiteral("rule.name");
const QString s_fieldSource = QStringLiteral("event.provider");
const QString s_fieldImage = QStringLiteral("container.image.name");
const QString s_fieldNamespace = QStringLiteral("orchestrator.namespace");
const QString s_fieldTactic = QStringLiteral("threat.tactic.name");
const QString s_fieldTechnique = QStringLiteral("threat.technique.id");

const char s_fieldProperty[] = "feFilterField";

constexpr int s_defaultPollMs = 2000;
constexpr int s_panelHeight = 330;
constexpr int s_narrowPanelHeight = 280;   // two columns in a small window: more panels in sight
constexpr int s_maxMitrePanelHeight = 900;
constexpr int s_narrowWidth = 1200;   // below it the panels reflow into two columns
constexpr int s_exportNoticeMs = 30000;

bool sameFilter(const AlertFilter &a, const AlertFilter &b)
{
    return a.query == b.query && a.fromMs == b.fromMs && a.toMs == b.toMs;
}

// Sorts a top-N table by the clicked column (names case-insensitively, counts as numbers) and keeps
// Kibana's "Other" row last in either direction.
class BucketSortProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override
    {
        const bool lo = left.data(DashboardBucketModel::IsOtherRole).toBool();
        const bool ro = right.data(DashboardBucketModel::IsOtherRole).toBool();
        if (lo != ro)
            return sortOrder() == Qt::AscendingOrder ? ro : lo;
        switch (left.column()) {
        case DashboardBucketModel::KeyColumn: {
            const QString l = left.data(DashboardBucketModel::KeyRole).toString();
            const QString r = right.data(DashboardBucketModel::KeyRole).toString();
            const int c = QString::compare(l, r, Qt::CaseInsensitive);
            return c != 0 ? c < 0 : l < r;
        }
        case DashboardBucketModel::CountColumn:
            return left.data(DashboardBucketModel::CountRole).toLongLong()
                < right.data(DashboardBucketModel::CountRole).toLongLong();
        default: return left.data().toString() < right.data().toString();
        }
    }
};

} // namespace

// What one background computation hands back to the GUI thread.
struct DashboardView::Result
{
    quint64 generation = 0;
    AlertFilter filter;
    bool unchanged = false;   // onlyIfChanged and nothing new in the store: nothing to apply
    bool ok = false;
    QString error;
    DashboardData data;
    QVector<AlertSummary> stream;
    qint64 maxId = 0;
    double elapsedMs = 0;
};

DashboardView::DashboardView(FilterState *filterState, const QString &databasePath, QWidget *parent)
    : QWidget(parent)
    , m_filterState(filterState)
    , m_databasePath(databasePath)
    , m_pollTimer(new QTimer(this))
    , m_filterBar(new FilterBar(filterState, this))
    , m_exportNotice(new QFrame(this))
    , m_exportText(new QLabel(m_exportNotice))
    , m_scroll(new QScrollArea(this))
    , m_grid(new QWidget)
    , m_summary(new QLabel(this))
    , m_status(new QLabel(this))
    , m_errorLabel(new QLabel(this))
    , m_exportButton(new QToolButton(this))
    , m_stackedButton(new QToolButton)
    , m_rulesBarsButton(new QToolButton)
    , m_liveCheck(new QCheckBox(tr("Auto-refresh"), this))
    , m_timeChart(new DashboardTimeChart)
    , m_priorityChart(new DashboardPriorityChart)
    , m_rulesChart(new DashboardBarChart)
    , m_rulesStack(new QStackedWidget)
    , m_mitre(new MitreMatrixWidget)
    , m_hosts(new DashboardBucketModel(tr("Hostname"), true, this))
    , m_pods(new DashboardBucketModel(tr("Pod Name"), true, this))
    , m_rules(new DashboardBucketModel(tr("Rule Name"), false, this))
    , m_sources(new DashboardBucketModel(tr("Source"), true, this))
    , m_images(new DashboardBucketModel(tr("Container image"), true, this))
    , m_namespaces(new DashboardBucketModel(tr("Namespace"), true, this))
    , m_streamModel(new DashboardStreamModel(this))
{
    setObjectName(QStringLiteral("dashboardView"));

    // Header: what is shown, status, auto-refresh and the report.
    m_summary->setObjectName(QStringLiteral("dashboardSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("dashboardStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_errorLabel->setObjectName(QStringLiteral("dashboardError"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setVisible(false);
    m_exportButton->setObjectName(QStringLiteral("exportReportButton"));
    m_exportButton->setText(tr("Export report…"));
    m_exportButton->setToolTip(tr("Save the dashboard, the query and time range and the top alerts as PDF or HTML"));
    m_exportButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_liveCheck->setObjectName(QStringLiteral("autoRefreshCheck"));
    m_liveCheck->setToolTip(tr("Refresh while new alerts arrive (checks every few seconds)"));
    m_liveCheck->setChecked(true);

    auto *header = new QHBoxLayout;
    header->setContentsMargins(8, 2, 8, 0);
    header->addWidget(m_summary, 1);
    header->addWidget(m_status);
    header->addWidget(m_liveCheck);
    header->addWidget(m_exportButton);

    // Where the last report went, with a way to it.
    m_exportNotice->setObjectName(QStringLiteral("exportNotice"));
    m_exportNotice->setFrameShape(QFrame::StyledPanel);
    m_exportNotice->setAutoFillBackground(true);
    m_exportNotice->setBackgroundRole(QPalette::ToolTipBase);
    m_exportNotice->setVisible(false);
    m_exportText->setObjectName(QStringLiteral("exportNoticeText"));
    m_exportText->setTextFormat(Qt::PlainText);
    m_exportText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportText->setForegroundRole(QPalette::ToolTipText);
    auto *openFolder = new QToolButton(m_exportNotice);
    openFolder->setObjectName(QStringLiteral("openFolderButton"));
    openFolder->setText(tr("Open folder"));
    auto *openFile = new QToolButton(m_exportNotice);
    openFile->setObjectName(QStringLiteral("openFileButton"));
    openFile->setText(tr("Open"));
    auto *closeNotice = new QToolButton(m_exportNotice);
    closeNotice->setText(QStringLiteral("✕"));
    closeNotice->setAutoRaise(true);
    auto *noticeLayout = new QHBoxLayout(m_exportNotice);
    noticeLayout->setContentsMargins(8, 2, 4, 2);
    noticeLayout->addWidget(m_exportText, 1);
    noticeLayout->addWidget(openFolder);
    noticeLayout->addWidget(openFile);
    noticeLayout->addWidget(closeNotice);
    connect(openFolder, &QToolButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(m_exportPath).absolutePath()));
    });
    connect(openFile, &QToolButton::clicked, this, [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_exportPath)); });
    connect(closeNotice, &QToolButton::clicked, m_exportNotice, &QWidget::hide);

    // Panels on a 6-column grid (Kibana's 48-unit rows, adapted so the time chart gets room).
    auto *grid = new QGridLayout(m_grid);
    grid->setContentsMargins(8, 8, 8, 8);
    grid->setSpacing(8);
    for (int c = 0; c < 6; ++c)
        grid->setColumnStretch(c, 1);

    m_timeChart->setObjectName(QStringLiteral("timeChart"));
    m_timePanel = addPanel(tr("Alerts Over Time"), m_timeChart, 0, 0, 4);
    m_stackedButton->setObjectName(QStringLiteral("stackedButton"));
    m_stackedButton->setText(tr("By priority"));
    m_stackedButton->setCheckable(true);
    m_stackedButton->setToolTip(tr("Stack the counts by Falco priority"));
    m_timePanel->addHeaderWidget(m_stackedButton);

    addPanel(tr("Alerts by Host - Top 10"), makeTable(QStringLiteral("hostsTable"), m_hosts, s_fieldHost,
                                                      DashboardBucketModel::KeyColumn, Qt::AscendingOrder),
             0, 4, 2);
    addPanel(tr("Alerts by Pod - Top 10"), makeTable(QStringLiteral("podsTable"), m_pods, s_fieldPod,
                                                     DashboardBucketModel::CountColumn, Qt::DescendingOrder),
             1, 0, 3);
    m_priorityChart->setObjectName(QStringLiteral("priorityPanel"));
    addPanel(tr("Alerts by Priority"), m_priorityChart, 1, 3, 3);

    m_rulesStack->addWidget(makeTable(QStringLiteral("rulesTable"), m_rules, s_fieldRule, DashboardBucketModel::CountColumn,
                                      Qt::DescendingOrder));
    m_rulesChart->setObjectName(QStringLiteral("rulesChart"));
    m_rulesStack->addWidget(m_rulesChart);
    DashboardPanel *rulesPanel = addPanel(tr("Rules Triggered - Top 10"), m_rulesStack, 2, 0, 2);
    m_rulesBarsButton->setObjectName(QStringLiteral("rulesBarsButton"));
    m_rulesBarsButton->setText(tr("Bars"));
    m_rulesBarsButton->setCheckable(true);
    m_rulesBarsButton->setToolTip(tr("Show the rules as a bar chart"));
    rulesPanel->addHeaderWidget(m_rulesBarsButton);

    auto *stream = new QTableView;
    stream->setObjectName(QStringLiteral("streamTable"));
    stream->setModel(m_streamModel);
    stream->setSelectionBehavior(QAbstractItemView::SelectRows);
    stream->setEditTriggers(QAbstractItemView::NoEditTriggers);
    stream->setWordWrap(false);
    stream->setAlternatingRowColors(true);
    stream->verticalHeader()->hide();
    stream->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    stream->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    stream->horizontalHeader()->setSectionResizeMode(DashboardStreamModel::OutputColumn, QHeaderView::Stretch);
    stream->horizontalHeader()->setHighlightSections(false);
    stream->setColumnWidth(DashboardStreamModel::TimeColumn, fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00")) + 16);
    stream->setColumnWidth(DashboardStreamModel::ProcessColumn, fontMetrics().horizontalAdvance(QStringLiteral("process.name__")) + 8);
    stream->setColumnWidth(DashboardStreamModel::SeverityColumn, fontMetrics().horizontalAdvance(QStringLiteral("event.severity_")) + 8);
    stream->setColumnWidth(DashboardStreamModel::RuleColumn, 220);
    stream->setToolTip(QString());
    addPanel(tr("Alert Stream"), stream, 2, 2, 4);

    m_mitre->setObjectName(QStringLiteral("mitreMatrix"));
    auto *mitreScroll = new QScrollArea;
    mitreScroll->setWidget(m_mitre);
    mitreScroll->setWidgetResizable(true);
    mitreScroll->setFrameShape(QFrame::NoFrame);
    m_mitrePanel = addPanel(tr("MITRE ATT&CK: tactics × techniques"), mitreScroll, 3, 0, 6);
    m_mitrePanel->setSubtitle(tr("Tactics from mitre_* tags, techniques from T-ids. Click a cell, a tactic or a technique to filter."));

    addPanel(tr("Alerts by Source"), makeTable(QStringLiteral("sourcesTable"), m_sources, s_fieldSource,
                                               DashboardBucketModel::CountColumn, Qt::DescendingOrder),
             4, 0, 2);
    addPanel(tr("Top Container Images"), makeTable(QStringLiteral("imagesTable"), m_images, s_fieldImage,
                                                   DashboardBucketModel::CountColumn, Qt::DescendingOrder),
             4, 2, 2);
    addPanel(tr("Top Namespaces"), makeTable(QStringLiteral("namespacesTable"), m_namespaces, s_fieldNamespace,
                                             DashboardBucketModel::CountColumn, Qt::DescendingOrder),
             4, 4, 2);

    m_scroll->setObjectName(QStringLiteral("dashboardScroll"));
    m_scroll->setWidget(m_grid);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);

    auto *bar = new QVBoxLayout;
    bar->setContentsMargins(8, 6, 8, 0);
    bar->addWidget(m_filterBar);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(bar);
    layout->addLayout(header);
    layout->addWidget(m_exportNotice);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_scroll, 1);

    // Interactions: every click becomes a clause of the shared filter.
    connect(m_timeChart, &DashboardTimeChart::rangeSelected, this, [this](qint64 from, qint64 to) {
        if (m_filterState)
            m_filterState->zoomToRange(from, to);   // the filter bar's Back returns to the range before
    });
    connect(m_filterBar, &FilterBar::rerunRequested, this, &DashboardView::refresh);
    connect(m_stackedButton, &QToolButton::toggled, this, [this](bool on) {
        m_timeChart->setMode(on ? DashboardTimeChart::Mode::ByPriority : DashboardTimeChart::Mode::Total);
    });
    connect(m_rulesBarsButton, &QToolButton::toggled, this, [this](bool on) { m_rulesStack->setCurrentIndex(on ? 1 : 0); });
    connect(m_priorityChart, &DashboardPriorityChart::priorityActivated, this,
            [this](const QString &name, bool exclude) { filterOn(s_fieldPriority, name, exclude); });
    connect(m_rulesChart, &DashboardBarChart::valueActivated, this,
            [this](const QString &value, bool exclude) { filterOn(s_fieldRule, value, exclude); });
    connect(m_mitre, &MitreMatrixWidget::cellActivated, this, [this](const QString &tactic, const QString &technique, bool exclude) {
        // An empty tactic or technique is a real bucket ("none"); a null one means "not part of the click".
        if (!tactic.isNull() && !technique.isNull() && !exclude) {
            filterOn(s_fieldTactic, tactic, false);
            filterOn(s_fieldTechnique, technique, false);
        } else if (!tactic.isNull() && !technique.isNull()) {
            // Excluding a cell means "not (tactic and technique)": one pill, not two.
            const auto term = [](const QString &field, const QString &value) {
                return FilterPill::match(field, value.isEmpty() ? QStringLiteral("") : value).positiveQuery();
            };
            if (m_filterState) {
                m_filterState->addPill(FilterPill::custom(
                    QStringLiteral("%1 and %2").arg(term(s_fieldTactic, tactic), term(s_fieldTechnique, technique)),
                    tr("%1 × %2").arg(MitreMatrixLayout::tacticTitle(tactic), MitreMatrixLayout::techniqueTitle(technique)),
                    true));
            }
        } else if (!tactic.isNull()) {
            filterOn(s_fieldTactic, tactic, exclude);
        } else {
            filterOn(s_fieldTechnique, technique, exclude);
        }
    });
    // A plain click on the stream selects; filtering is explicit (Alt+click excludes, the context menu does both),
    // so that a stray click on a cell never filters the whole dashboard.
    stream->setContextMenuPolicy(Qt::CustomContextMenu);
    stream->setToolTip(tr("Double-click an alert to open it in the Explorer; right-click a cell to filter on it"));
    connect(stream, &QTableView::clicked, this, [this](const QModelIndex &index) {
        const QString field = index.data(DashboardStreamModel::FieldRole).toString();
        if (!field.isEmpty() && (QApplication::keyboardModifiers() & Qt::AltModifier))
            filterOn(field, index.data(DashboardStreamModel::FilterValueRole).toString(), true);
    });
    connect(stream, &QTableView::customContextMenuRequested, this, [this, stream](const QPoint &pos) {
        const QModelIndex index = stream->indexAt(pos);
        const QString field = index.data(DashboardStreamModel::FieldRole).toString();
        if (field.isEmpty())
            return;
        const QString value = index.data(DashboardStreamModel::FilterValueRole).toString();
        QMenu menu(this);
        menu.addAction(tr("Filter for this value"), this, [this, field, value] { filterOn(field, value, false); });
        menu.addAction(tr("Filter out this value"), this, [this, field, value] { filterOn(field, value, true); });
        menu.addSeparator();
        menu.addAction(tr("Open in the Explorer"), this, [this, index] {
            Q_EMIT alertActivated(index.data(DashboardStreamModel::AlertIdRole).toLongLong());
        });
        menu.exec(stream->viewport()->mapToGlobal(pos));
    });
    connect(stream, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT alertActivated(index.data(DashboardStreamModel::AlertIdRole).toLongLong());
    });

    connect(m_exportButton, &QToolButton::clicked, this, &DashboardView::exportReport);
    connect(m_liveCheck, &QCheckBox::toggled, this, [this](bool on) {
        if (on && m_pollTimer->interval() > 0)
            m_pollTimer->start();
        else
            m_pollTimer->stop();
    });
    m_pollTimer->setInterval(s_defaultPollMs);
    connect(m_pollTimer, &QTimer::timeout, this, &DashboardView::pollForNewAlerts);
    m_pollTimer->start();

    if (m_filterState)
        connect(m_filterState, &FilterState::changed, this, &DashboardView::onFilterChanged);
    loadColumnCache();
    start(false);
}

DashboardView::~DashboardView() = default;

void DashboardView::loadColumnCache()
{
    m_columnCache = m_databasePath.isEmpty() ? nullptr : AlertColumnCache::acquireLoaded(m_databasePath);
}

DashboardPanel *DashboardView::addPanel(const QString &title, QWidget *content, int row, int column, int columnSpan)
{
    auto *panel = new DashboardPanel(title, content, m_grid);
    panel->setMinimumHeight(s_panelHeight);
    static_cast<QGridLayout *>(m_grid->layout())->addWidget(panel, row, column, 1, columnSpan);
    m_placements.append({panel, row, column, columnSpan});
    return panel;
}

QTableView *DashboardView::makeTable(const QString &objectName, QAbstractItemModel *model, const QString &field,
                                     int sortColumn, Qt::SortOrder order)
{
    auto *proxy = new BucketSortProxy(this);
    proxy->setSourceModel(model);
    auto *table = new QTableView;
    table->setObjectName(objectName);
    table->setProperty(s_fieldProperty, field);
    table->setModel(proxy);
    table->setSortingEnabled(true);
    table->sortByColumn(sortColumn, order);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setWordWrap(false);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setMouseTracking(true);
    table->setCursor(Qt::PointingHandCursor);
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(DashboardBucketModel::KeyColumn, QHeaderView::Stretch);
    table->horizontalHeader()->setHighlightSections(false);
    table->setItemDelegateForColumn(DashboardBucketModel::CountColumn, new DashboardBarDelegate(table));
    // Host names, pods and images differ at their ends ("ip-10-0-24-212.eu-west-1…"): elide in the middle.
    table->setItemDelegateForColumn(DashboardBucketModel::KeyColumn, new ElideMiddleDelegate(table));
    table->setToolTip(tr("Click a row to filter on it, Alt+click to exclude it; right-click for more"));

    const auto keyOf = [](const QModelIndex &index) -> std::optional<QString> {
        const QModelIndex key = index.siblingAtColumn(DashboardBucketModel::KeyColumn);
        if (!key.isValid() || key.data(DashboardBucketModel::IsOtherRole).toBool())
            return std::nullopt;
        return key.data(DashboardBucketModel::KeyRole).toString();
    };
    connect(table, &QTableView::clicked, this, [this, field, keyOf](const QModelIndex &index) {
        if (const auto key = keyOf(index))
            filterOn(field, *key, QApplication::keyboardModifiers() & Qt::AltModifier);
    });
    connect(table, &QTableView::customContextMenuRequested, this, [this, table, field, keyOf](const QPoint &pos) {
        const auto key = keyOf(table->indexAt(pos));
        if (!key)
            return;
        QMenu menu(this);
        menu.addAction(tr("Filter for this value"), this, [this, field, key] { filterOn(field, *key, false); });
        menu.addAction(tr("Filter out this value"), this, [this, field, key] { filterOn(field, *key, true); });
        menu.addSeparator();
        menu.addAction(tr("Copy value"), this, [key] { QApplication::clipboard()->setText(*key); });
        menu.exec(table->viewport()->mapToGlobal(pos));
    });
    return table;
}

int DashboardView::autoRefreshInterval() const
{
    return m_liveCheck->isChecked() ? m_pollTimer->interval() : 0;
}

void DashboardView::setAutoRefreshInterval(int ms)
{
    if (ms <= 0) {
        m_liveCheck->setChecked(false);
        return;
    }
    m_pollTimer->setInterval(ms);
    m_liveCheck->setChecked(true);
    m_pollTimer->start();
}

void DashboardView::filterOn(const QString &field, const QString &value, bool exclude)
{
    if (!m_filterState)
        return;
    // The "(empty)" bucket: alerts without the field (an empty, not a null, value).
    m_filterState->addClause(field, value.isEmpty() ? QStringLiteral("") : value, exclude);
}

void DashboardView::relayout(bool narrow)
{
    m_narrow = narrow;
    auto *grid = static_cast<QGridLayout *>(m_grid->layout());
    for (const Placement &p : std::as_const(m_placements)) {
        grid->removeWidget(p.panel);
        p.panel->setMinimumHeight(narrow ? s_narrowPanelHeight : s_panelHeight);
    }
    fitMitrePanel();
    if (!narrow) {
        for (const Placement &p : std::as_const(m_placements))
            grid->addWidget(p.panel, p.row, p.column, 1, p.span);
        return;
    }
    // Two columns: the wide panels (time, stream, matrix) take a row, the others pair up in their order.
    int row = 0, column = 0;
    for (const Placement &p : std::as_const(m_placements)) {
        const bool wide = p.span >= 4;
        if (wide && column != 0) {
            ++row;
            column = 0;
        }
        grid->addWidget(p.panel, row, column, 1, wide ? 6 : 3);
        column += wide ? 6 : 3;
        if (column >= 6) {
            ++row;
            column = 0;
        }
    }
}

void DashboardView::fitMitrePanel()
{
    // The whole matrix without a scroll bar of its own, up to a height past which the dashboard scrolls anyway.
    const int chrome = m_mitrePanel->sizeHint().height() - m_mitrePanel->content()->sizeHint().height();
    const int wanted = m_mitre->minimumSizeHint().height() + qMax(0, chrome) + 4;
    m_mitrePanel->setMinimumHeight(qBound(m_narrow ? s_narrowPanelHeight : s_panelHeight, wanted, s_maxMitrePanelHeight));
}

void DashboardView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const bool narrow = width() < s_narrowWidth;
    if (narrow != m_narrow)
        relayout(narrow);
}

void DashboardView::setDatabasePath(const QString &path)
{
    if (path == m_databasePath)
        return;
    m_databasePath = path;
    ++m_generation;
    m_shownMaxId = -1;
    loadColumnCache();
    start(false);
}

void DashboardView::onFilterChanged()
{
    ++m_generation;
    start(false);
}

void DashboardView::refresh()
{
    start(false);
}

void DashboardView::pollForNewAlerts()
{
    if (isVisible() && !m_running)
        start(true);
}

void DashboardView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Catch up on what arrived while hidden.
    if (!m_running)
        start(true);
}

void DashboardView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPanels();
}

void DashboardView::start(bool onlyIfChanged)
{
    if (m_running) {
        // One computation at a time; the newest request runs when it finishes.
        m_pendingOnlyIfChanged = m_pending ? (m_pendingOnlyIfChanged && onlyIfChanged) : onlyIfChanged;
        m_pending = true;
        return;
    }
    const AlertFilter filter = m_filterState ? m_filterState->filter() : AlertFilter{};
    // A relative range ("last 15 minutes") moves with the clock: recompute when its bounds moved.
    const bool sameAsShown = sameFilter(filter, m_shownFilter) && m_shownMaxId >= 0;
    const qint64 knownMaxId = onlyIfChanged && sameAsShown ? m_shownMaxId : -1;
    m_running = true;
    m_status->setText(tr("Updating…"));

    const quint64 generation = m_generation;
    const QString path = m_databasePath;
    QPointer<DashboardView> self(this);
    // The task captures values only; the result comes back through a queued call on qApp's thread
    // that checks the QPointer, so a view deleted meanwhile is never touched.
    (void)QtConcurrent::run([self, generation, filter, path, knownMaxId] {
        Result r;
        r.generation = generation;
        r.filter = filter;
        QElapsedTimer timer;
        timer.start();
        AlertStore store;
        if (!store.open(path, AlertStore::OpenMode::ReadOnly, &r.error)) {
            r.ok = false;
        } else {
            r.maxId = store.maxId();
            if (knownMaxId >= 0 && r.maxId == knownMaxId) {
                r.unchanged = true;
                r.ok = true;
            } else {
                AggregateOptions options;
                options.newestRows = s_streamRows;
                r.ok = computeDashboard(store, filter, options, &r.data, &r.error);
                r.stream = std::move(r.data.newest);
            }
        }
        r.elapsedMs = double(timer.nsecsElapsed()) / 1e6;
        QMetaObject::invokeMethod(qApp, [self, r] {
            if (self)
                self->apply(r);
        }, Qt::QueuedConnection);
    });
}

void DashboardView::apply(const Result &result)
{
    m_running = false;
    const bool stale = result.generation != m_generation;
    if (!stale && !result.unchanged) {
        if (result.ok) {
            m_data = result.data;
            m_stream = result.stream;
            m_error.clear();
            m_shownMaxId = result.maxId;
        } else {
            m_error = result.error;
            m_shownMaxId = -1;
        }
        m_shownFilter = result.filter;
        m_status->setText(tr("Updated %1 in %2 ms")
                              .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")),
                                   QLocale().toString(result.elapsedMs, 'f', 0)));
        applyPanels();
    } else {
        m_status->clear();
    }
    if (m_pending) {
        m_pending = false;
        start(m_pendingOnlyIfChanged);
    }
    if (!stale && !result.unchanged)
        Q_EMIT updated();
}

void DashboardView::applyPanels()
{
    const bool dark = isDarkPalette(palette());
    m_errorLabel->setVisible(!m_error.isEmpty());
    if (!m_error.isEmpty()) {
        m_errorLabel->setText(tr("<b>The dashboard could not be computed:</b> %1").arg(m_error.toHtmlEscaped()));
        QPalette pal = m_errorLabel->palette();
        pal.setColor(QPalette::WindowText, priorityColor(Priority::Critical, dark));
        m_errorLabel->setPalette(pal);
    }

    const DashboardData &d = m_data;
    qint64 severe = 0;
    for (const Bucket &b : d.byPriority) {
        if (priorityFromString(b.key) <= Priority::Critical)
            severe += b.count;
    }
    QString range;
    if (d.total > 0 && d.toMs > d.fromMs)
        range = tr("%1 – %2").arg(DashboardBucketModel::formatTime(d.fromMs), DashboardBucketModel::formatTime(d.toMs));
    m_summary->setText(tr("<span style=\"font-size:large\"><b>%1</b> alerts</span> &nbsp; <b>%2</b> Critical or worse"
                          " &nbsp; <span>%3</span>")
                           .arg(QLocale().toString(d.total), QLocale().toString(severe), range.toHtmlEscaped()));

    const auto sum = [](const QVector<Bucket> &buckets) {
        qint64 n = 0;
        for (const Bucket &b : buckets)
            n += b.count;
        return n;
    };
    m_timeChart->setData(d, dark);
    m_timePanel->setSubtitle(d.intervalMs > 0 ? tr("Alert count per %1").arg(DashboardTimeChart::intervalText(d.intervalMs))
                                              : QString());
    m_hosts->setBuckets(d.byHost, d.total - sum(d.byHost));
    m_pods->setBuckets(d.byPod, d.total - sum(d.byPod));
    m_priorityChart->setBuckets(d.byPriority, dark);
    m_rules->setBuckets(d.byRule);
    m_rulesChart->setBuckets(d.byRule, priorityColor(Priority::Notice, dark), dark);
    m_streamModel->setAlerts(m_stream, dark);
    m_mitre->setCells(d.mitre);
    fitMitrePanel();
    m_sources->setBuckets(d.bySource);
    m_images->setBuckets(d.byImage);
    m_namespaces->setBuckets(d.byNamespace);
}

void DashboardView::exportReport()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString name = QStringLiteral("falco-report-%1.pdf").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export report"), dir + QLatin1Char('/') + name,
                                                      tr("PDF document (*.pdf);;Self-contained HTML (*.html *.htm)"));
    if (!path.isEmpty())
        exportReportTo(path);
}

void DashboardView::exportReportTo(const QString &path)
{
    const AlertFilter filter = m_filterState ? m_filterState->filter() : AlertFilter{};
    const QString db = m_databasePath;
    QPointer<DashboardView> self(this);
    m_exportButton->setEnabled(false);
    m_status->setText(tr("Exporting the report…"));
    (void)QtConcurrent::run([self, db, filter, path] {
        QString error;
        const bool ok = fe::exportReport(db, filter, path, &error);
        QMetaObject::invokeMethod(qApp, [self, ok, error, path] {
            if (!self)
                return;
            self->m_exportButton->setEnabled(true);
            self->m_status->clear();
            self->showExportNotice(ok, ok ? path : error);
            Q_EMIT self->reportExported(ok, ok ? path : error);
        }, Qt::QueuedConnection);
    });
}

void DashboardView::showExportNotice(bool ok, const QString &pathOrError)
{
    m_exportPath = ok ? QFileInfo(pathOrError).absoluteFilePath() : QString();
    m_exportText->setText(ok ? tr("Report saved to %1").arg(m_exportPath) : tr("The report could not be written: %1").arg(pathOrError));
    for (QToolButton *b : m_exportNotice->findChildren<QToolButton *>()) {
        if (b->objectName() == u"openFolderButton" || b->objectName() == u"openFileButton")
            b->setVisible(ok);
    }
    m_exportNotice->setVisible(true);
    Q_EMIT statusMessage(m_exportText->text());
    // The notice stays a while, then leaves the room to the panels (the status bar keeps the message a moment).
    QTimer::singleShot(s_exportNoticeMs, this, [this, path = m_exportPath] {
        if (path == m_exportPath)
            m_exportNotice->hide();
    });
}

} // namespace fe
