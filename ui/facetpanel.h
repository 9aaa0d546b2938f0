// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"
#include "model/alertstore.h"

#include <QWidget>

#include <memory>

class QLabel;
class QStandardItemModel;
class QTreeView;

namespace fe {

class StoreReader;

// The facet sidebar: priority, rule, host, source, tag, MITRE technique and tactic, image, namespace, pod, each
// with counts for the current filter (computeDashboard on a reader thread; stale results dropped). Click a value
// to filter in, Ctrl/Alt-click to filter out.
class FacetPanel : public QWidget
{
    Q_OBJECT

public:
    explicit FacetPanel(QWidget *parent = nullptr);
    ~FacetPanel() override;

    void setDatabasePath(const QString &path);
    // Recomputes the counts for filter (coalesced: only the newest request runs).
    void refresh(const AlertFilter &filter);
    bool isBusy() const { return m_busy; }
    const DashboardData &data() const { return m_data; }
    QStandardItemModel *model() const { return m_model; }
    // The query field of a facet group ("rule.name") by its title.
    static QString fieldForGroup(const QString &title);
    // Blocks until the pending refresh has been applied (tests and benchmarks only).
    void waitForIdle();

Q_SIGNALS:
    void filterRequested(const QString &field, const QString &value, bool exclude);
    void updated();

private:
    void apply(quint64 generation, const DashboardData &data, const QString &error);

    std::unique_ptr<StoreReader> m_reader;
    QStandardItemModel *m_model = nullptr;
    QTreeView *m_view = nullptr;
    QLabel *m_status = nullptr;
    DashboardData m_data;
    quint64 m_generation = 0;
    bool m_busy = false;
    QSet<QString> m_collapsed;
};

} // namespace fe
