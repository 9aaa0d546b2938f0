// SPDX-License-Identifier: Apache-2.0
#include "ui/facetpanel.h"

#include "model/storereader.h"
#include "ui/prioritycolors.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QPointer>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace fe {

namespace {

constexpr int FieldRole = Qt::UserRole + 1;
constexpr int ValueRole = Qt::UserRole + 2;

struct Group
{
    const char *title;
    const char *field;
    QVector<Bucket> DashboardData::*list;
};

const Group kGroups[] = {
    {"Priority", "priority", &DashboardData::byPriority},
    {"Rule", "rule.name", &DashboardData::byRule},
    {"Host", "host.name", &DashboardData::byHost},
    {"Source", "event.provider", &DashboardData::bySource},
    {"Tag", "tags", &DashboardData::byTag},
    {"MITRE technique", "threat.technique.id", &DashboardData::byTechnique},
    {"MITRE tactic", "threat.tactic.name", &DashboardData::byTactic},
    {"Container image", "container.image.name", &DashboardData::byImage},
    {"Namespace", "orchestrator.namespace", &DashboardData::byNamespace},
    {"Pod", "orchestrator.resource.name", &DashboardData::byPod},
};

// Clicks carry their modifiers: the view reports them before the model learns which item was clicked.
class FacetView : public QTreeView
{
public:
    using QTreeView::QTreeView;
    Qt::KeyboardModifiers lastModifiers;

protected:
    void mousePressEvent(QMouseEvent *event) override
    {
        lastModifiers = event->modifiers();
        QTreeView::mousePressEvent(event);
    }
};

} // namespace

FacetPanel::FacetPanel(QWidget *parent)
    : QWidget(parent)
    , m_reader(std::make_unique<StoreReader>())
{
    m_model = new QStandardItemModel(this);
    m_model->setHorizontalHeaderLabels({tr("Facet"), tr("Count")});
    auto *view = new FacetView(this);
    m_view = view;
    m_view->setObjectName(QStringLiteral("facetView"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setUniformRowHeights(true);
    m_view->setHeaderHidden(true);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_view->setToolTip(tr("Click a value to filter in, Ctrl+click to filter out"));
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    layout->addWidget(m_status);

    connect(m_view, &QTreeView::clicked, this, [this, view](const QModelIndex &index) {
        const QModelIndex first = index.siblingAtColumn(0);
        const QString field = first.data(FieldRole).toString();
        if (field.isEmpty() || !first.parent().isValid())
            return;
        const bool exclude = view->lastModifiers & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier);
        Q_EMIT filterRequested(field, first.data(ValueRole).toString(), exclude);
    });
    connect(m_view, &QTreeView::collapsed, this, [this](const QModelIndex &i) { m_collapsed.insert(i.data().toString()); });
    connect(m_view, &QTreeView::expanded, this, [this](const QModelIndex &i) { m_collapsed.remove(i.data().toString()); });
}

FacetPanel::~FacetPanel() = default;

QString FacetPanel::fieldForGroup(const QString &title)
{
    for (const Group &g : kGroups) {
        if (title == QLatin1String(g.title))
            return QLatin1String(g.field);
    }
    return QString();
}

void FacetPanel::setDatabasePath(const QString &path)
{
    m_reader->setPath(path);
}

void FacetPanel::refresh(const AlertFilter &filter)
{
    const quint64 generation = ++m_generation;
    m_busy = true;
    m_status->setText(tr("Counting…"));
    // The counts running now are for the previous filter (a base-table pass over a large store takes seconds): stop
    // them; whatever they deliver is dropped by the generation check.
    m_reader->cancelRunning();
    QPointer<FacetPanel> self(this);
    m_reader->post([self, generation, filter](const AlertStore &store) {
        DashboardData data;
        QString error;
        AggregateOptions options;
        options.topN = 12;
        options.maxTimeBuckets = 1;
        if (!store.isOpen())
            error = tr("No database");
        else if (!computeDashboard(store, filter, options, &data, &error) && error.isEmpty())
            error = tr("Could not count");
        if (FacetPanel *p = self.data()) {
            QMetaObject::invokeMethod(p, [self, generation, data, error]() {
                if (self)
                    self->apply(generation, data, error);
            }, Qt::QueuedConnection);
        }
    }, QStringLiteral("facets"));
}

void FacetPanel::apply(quint64 generation, const DashboardData &data, const QString &error)
{
    if (generation != m_generation)
        return;
    m_busy = false;
    if (!error.isEmpty()) {
        m_status->setText(error);
        Q_EMIT updated();
        return;
    }
    m_data = data;
    const QLocale locale;
    const bool dark = isDarkPalette(palette());
    m_model->removeRows(0, m_model->rowCount());
    for (const Group &g : kGroups) {
        const QVector<Bucket> &buckets = data.*(g.list);
        auto *group = new QStandardItem(tr(g.title));
        auto *groupCount = new QStandardItem(buckets.isEmpty() ? QString() : QString::number(buckets.size()));
        QFont bold = group->font();
        bold.setBold(true);
        group->setFont(bold);
        for (const Bucket &b : buckets) {
            QString label = b.key;
            QString value = b.key;
            if (g.list == &DashboardData::byPriority) {
                value = b.key.toLower();
            } else if (b.key.isEmpty()) {
                label = tr("(none)");
            }
            auto *item = new QStandardItem(label);
            item->setData(QLatin1String(g.field), FieldRole);
            item->setData(value, ValueRole);
            item->setToolTip(tr("%1:%2 — click to filter in, Ctrl+click to filter out").arg(QLatin1String(g.field), label));
            if (g.list == &DashboardData::byPriority)
                item->setData(priorityColor(priorityFromString(b.key), dark), Qt::DecorationRole);
            auto *count = new QStandardItem(locale.toString(b.count));
            count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            group->appendRow({item, count});
            if (b.key.isEmpty())
                item->setEnabled(g.list != &DashboardData::byPriority);
        }
        m_model->appendRow({group, groupCount});
        m_view->setExpanded(group->index(), !m_collapsed.contains(group->text()) && !buckets.isEmpty());
    }
    m_status->setText(tr("%1 alerts (%2 ms)").arg(locale.toString(data.total)).arg(qRound(data.elapsedMs)));
    Q_EMIT updated();
}

void FacetPanel::waitForIdle()
{
    for (int i = 0; i < 2000 && m_busy; ++i) {
        m_reader->waitForIdle();
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
    }
}

} // namespace fe
