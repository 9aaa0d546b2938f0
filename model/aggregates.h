// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/alertstore.h"

#include <QMetaType>
#include <QString>
#include <QVector>

namespace fe {

// One row of a "top N" panel: a value, how many alerts carry it, and the newest alert's time.
struct Bucket
{
    QString key;
    qint64 count = 0;
    qint64 lastSeenMs = 0;
};

// One point of "alerts over time", with the per-priority split for the stacked variant.
struct TimePoint
{
    qint64 startMs = 0;        // bucket start
    qint64 count = 0;
    qint64 byPriority[9] = {}; // indexed by int(fe::Priority)
};

// One cell of the MITRE ATT&CK matrix (tactic from mitre_* tags, technique from T-ids).
struct MitreCell
{
    QString tactic;      // "credential_access", "" when the alert has none
    QString technique;   // "T1555", "" when none
    qint64 count = 0;
};

// One alert of the "Alert stream" panel and reports: id, ts, priority, rule, host, process, output.
struct AlertSummary
{
    qint64 id = 0;
    qint64 timestampMs = 0;
    Priority priority = Priority::Unknown;
    int severity = 0;
    QString rule, host, process, output, containerName, pod;
};
// Everything the dashboard and `stats --json` show, for one filter. Computed in one call, off the GUI thread.
struct DashboardData
{
    qint64 total = 0;
    qint64 intervalMs = 0;             // width of an over_time bucket, chosen from the range
    qint64 fromMs = 0, toMs = 0;       // the effective range (clamped to the data when the filter is open-ended)
    QVector<TimePoint> overTime;       // contiguous, empty buckets included
    QVector<Bucket> byPriority;        // key = Falco priority name, ordered Emergency → Debug, only non-zero
    QVector<Bucket> byRule, byHost, byPod, bySource, byTechnique, byTactic, byImage, byNamespace, byTag; // count desc
    QVector<MitreCell> mitre;
    QVector<AlertSummary> newest;      // the newest matching alerts, newest first (AggregateOptions::newestRows)
    bool fromRollups = false;          // answered from rollup tables (no query) or from the base table
    bool fromColumnCache = false;      // a query answered from the in-memory column cache (model/alertcolumncache.h)
    double elapsedMs = 0;
};

struct AggregateOptions
{
    int topN = 10;                 // rows per top-N list (0 = all)
    int maxTimeBuckets = 120;      // over_time resolution target
    qint64 nowMs = 0;              // 0 = current time
    bool forceBaseTable = false;   // answer from the base table even without a query (tests, benchmarks)
    int newestRows = 0;            // also fill DashboardData::newest with that many alerts (as newestAlerts())
    bool useColumnCache = true;    // count a query from the database's AlertColumnCache when someone holds one
};

// Computes all aggregates for filter on store (any open store; readers use their own ReadOnly store).
// Uses rollup tables when the filter has no query. With a query: the store's AlertColumnCache when one is held
// (AlertColumnCache::acquire; it is caught up first if at most CachedMatch::MaxCatchUpRows alerts behind), else one
// pass over the base table. Every path gives the same answer. false + error when the query is bad.
bool computeDashboard(const AlertStore &store, const AlertFilter &filter, const AggregateOptions &options,
                      DashboardData *out, QString *error = nullptr);

// Top alerts (newest first, by timestamp then id) for the "Alert stream" panel and reports.
bool newestAlerts(const AlertStore &store, const AlertFilter &filter, int limit, QVector<AlertSummary> *out,
                  QString *error = nullptr);

} // namespace fe

Q_DECLARE_METATYPE(fe::DashboardData)
