// SPDX-License-Identifier: Apache-2.0
// Explorer responsiveness at scale, measured on the GUI thread of a real ExplorerView (alert table, facet sidebar,
// detail pane, filter bar) shown on an offscreen QApplication. Every event the GUI thread dispatches is timed at the
// outermost QApplication::notify level, and so is every call the benchmark makes in place of the user (a scrollbar
// drag, a new query, a sort): a phase's "GUI worst" is the longest the GUI thread was busy at once (a page or the
// count arriving, rows announced to the view, a paint with its data() calls, a key press, facets rebuilt). The
// budget is 50 ms. Wall time and the GUI thread's CPU time are both given: on a shared, loaded machine the wall
// time of an event mostly measures how long the thread waited for a core. Beside it, latencies: how long until the
// result is on screen (first page, count, facets, the anchors that make far jumps cheap, the visible rows after a
// jump).
//
//   bench_explorer [DB ...]     each store opened read-only (e.g. /work/bench/db-1m.db /work/bench/db-10m.db)
//   bench_explorer              a generated store of FE_BENCH_ROWS alerts (default 1M) under $FE_BENCH_DIR
//                               (default /tmp/fe-bench), built once; plus 10M with FE_BENCH_10M=1
//   FE_BENCH_SKIP_SCANS=1       leaves out the free-text and document-field queries
//   FE_BENCH_COLUMN_CACHE=0     without the store's column cache (the app's dashboard holds and loads one, and the
//                               facet counts of a query come from it; here it is loaded before the phases, timed)
//   FE_BENCH_TABLE_CACHE=0      the alert table reads the base table even when the column cache is held (its sorts
//                               and filters otherwise come from the cache: AlertTableModel::servedFromColumnCache)
// Figures, not pass/fail.
#include "model/aggregates.h"
#include "model/alertcolumncache.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"
#include "ui/explorerview.h"
#include "ui/facetpanel.h"
#include "ui/filterstate.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QMetaEnum>
#include <QRandomGenerator>
#include <QScrollBar>
#include <QTableView>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace fe;

namespace {

bool buildStore(const QString &path, qint64 count)
{
    AlertStore store;
    QString error;
    if (!store.open(path, AlertStore::OpenMode::ReadWrite, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return false;
    }
    const qint64 have = store.count();
    if (have >= count)
        return true;
    std::printf("building %lld alerts in %s (once)...\n", static_cast<long long>(count), qPrintable(path));
    std::fflush(stdout);
    const QStringList rules = {QStringLiteral("Terminal shell in container"), QStringLiteral("Read sensitive file untrusted"),
                               QStringLiteral("Contact K8S API Server From Container"), QStringLiteral("Write below etc"),
                               QStringLiteral("Launch Privileged Container"), QStringLiteral("Run shell untrusted")};
    const qint64 start = 1700000000000;
    QElapsedTimer t;
    t.start();
    for (qint64 i = have; i < count;) {
        AlertBatch batch;
        for (int j = 0; j < 20000 && i < count; ++j, ++i) {
            Alert a;
            a.timestampMs = start + i * 250;
            a.priority = Priority((i * 7) % 8);
            a.severity = severityForPriority(a.priority);
            a.rule = rules.at(int((i * 31) % rules.size()));
            a.hostname = QStringLiteral("host-%1").arg(i % 200);
            a.source = QStringLiteral("syscall");
            a.containerName = QStringLiteral("c-%1").arg(i % 1000);
            a.podName = QStringLiteral("pod-%1").arg(i % 500);
            a.namespaceName = QStringLiteral("ns-%1").arg(i % 20);
            a.containerImage = QStringLiteral("registry/app-%1").arg(i % 50);
            a.processName = QStringLiteral("proc%1").arg(i % 40);
            a.userName = QStringLiteral("root");
            a.tags = {QStringLiteral("container"), QStringLiteral("T1059"), QStringLiteral("mitre_execution")};
            a.technique = QStringLiteral("T1059");
            a.tactics = {QStringLiteral("execution")};
            a.output = QStringLiteral("Warning shell spawned user=root process=proc%1 id=%2").arg(i % 40).arg(i);
            a.dedupeKey = "h:" + QByteArray::number(i);
            a.ecsJson = "{\"process\":{\"pid\":" + QByteArray::number(i % 65536) + "}}";
            batch.append(a);
        }
        QString error;
        store.insert(batch, &error);
        if (!error.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return false;
        }
    }
    store.optimize();
    std::printf("built in %.1f s\n", t.elapsed() / 1000.0);
    return true;
}

// What the GUI thread did in one phase: the duration of every event it dispatched (outermost level) and of every
// call the benchmark made in place of the user.
struct Phase
{
    QVector<double> ms;
    double worst = 0;
    QString worstWhat;
    double worstCpu = 0;        // GUI-thread CPU time of the longest event: what the code costs without contention
    double worstPaint = 0;      // the slowest single widget paint inside those events
    QString worstPaintWhat;
    double worstFacetApply = -1;   // the facet sidebar taking in its counts (a queued call), wall ms
    double worstFacetApplyCpu = 0;

    void add(double t, double cpu, const QString &what)
    {
        ms.append(t);
        if (t > worst) {
            worst = t;
            worstCpu = cpu;
            worstWhat = what;
        }
    }
    double median() const
    {
        if (ms.isEmpty())
            return 0;
        QVector<double> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        return sorted.at(sorted.size() / 2);
    }
};

class TimingApp : public QApplication
{
public:
    using QApplication::QApplication;

    Phase phase;
    double overallWorst = 0;
    double overallWorstCpu = 0;   // of that event
    double overallMaxCpu = 0;     // the most CPU time one event took
    QString overallMaxCpuWhat;
    QString overallWhat;

    static double threadCpuMs()
    {
        timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (m_depth > 0) {
            if (event->type() != QEvent::Paint)
                return QApplication::notify(receiver, event);
            // Widgets paint one after the other inside the window's UpdateRequest: note the slowest one.
            QElapsedTimer t;
            t.start();
            const bool result = QApplication::notify(receiver, event);
            const double ms = t.nsecsElapsed() / 1e6;
            if (ms > phase.worstPaint) {
                phase.worstPaint = ms;
                QObject *named = receiver;
                while (named && QLatin1String(named->metaObject()->className()) == QLatin1String("QWidget"))
                    named = named->parent();   // a scroll area's viewport: name the view
                phase.worstPaintWhat = QLatin1String(named ? named->metaObject()->className() : "QWidget");
            }
            return result;
        }
        ++m_depth;
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        const bool result = QApplication::notify(receiver, event);
        const double ms = t.nsecsElapsed() / 1e6;
        const double cpu = threadCpuMs() - cpu0;
        --m_depth;
        if (event->type() == QEvent::MetaCall && qobject_cast<FacetPanel *>(receiver) && ms > phase.worstFacetApply) {
            phase.worstFacetApply = ms;
            phase.worstFacetApplyCpu = cpu;
        }
        if (ms > phase.worst || ms > overallWorst || cpu > overallMaxCpu) {
            const char *type = QMetaEnum::fromType<QEvent::Type>().valueToKey(event->type());
            record(ms, cpu, QStringLiteral("%1 to %2").arg(QLatin1String(type ? type : "event"),
                                                           QLatin1String(receiver->metaObject()->className())));
        } else {
            phase.ms.append(ms);
        }
        return result;
    }

    // A call made on the GUI thread in place of the user (its nested events count as part of it).
    template<typename Fn>
    void action(const QString &what, Fn fn)
    {
        ++m_depth;
        QElapsedTimer t;
        t.start();
        const double cpu0 = threadCpuMs();
        fn();
        const double ms = t.nsecsElapsed() / 1e6;
        const double cpu = threadCpuMs() - cpu0;
        --m_depth;
        record(ms, cpu, what);
    }

    void record(double ms, double cpu, const QString &what)
    {
        phase.add(ms, cpu, what);
        if (cpu > overallMaxCpu) {
            overallMaxCpu = cpu;
            overallMaxCpuWhat = what + QStringLiteral(" [") + m_phaseName + u']';
        }
        if (ms > overallWorst) {
            overallWorst = ms;
            overallWorstCpu = cpu;
            overallWhat = what + QStringLiteral(" [") + m_phaseName + u']';
        }
    }

    void startPhase(const QString &name)
    {
        phase = Phase();
        m_phaseName = name;
    }

private:
    int m_depth = 0;
    QString m_phaseName;
};

TimingApp *gApp = nullptr;

QString guiFigures()
{
    const Phase &p = gApp->phase;
    QString text = QStringLiteral("GUI: %1 events, median %2 ms, worst %3 ms (%4 ms CPU; %5)")
                       .arg(p.ms.size())
                       .arg(p.median(), 0, 'f', 3)
                       .arg(p.worst, 0, 'f', 1)
                       .arg(p.worstCpu, 0, 'f', 1)
                       .arg(p.worstWhat);
    if (p.worstPaint > 0)
        text += QStringLiteral("; slowest widget paint %1 ms (%2)").arg(p.worstPaint, 0, 'f', 1).arg(p.worstPaintWhat);
    if (p.worstFacetApply >= 0)
        text += QStringLiteral("; facets applied in %1 ms (%2 ms CPU)").arg(p.worstFacetApply, 0, 'f', 1).arg(p.worstFacetApplyCpu, 0, 'f', 1);
    return text;
}

// Runs the event loop (blocking between events, woken at least every 2 ms) until pred() or timeout; elapsed ms,
// or -1 on timeout.
template<typename Pred>
double waitFor(Pred pred, int timeoutMs = 60000)
{
    QElapsedTimer t;
    t.start();
    QTimer tick;
    tick.start(2);
    while (!pred()) {
        if (t.elapsed() > timeoutMs)
            return -1;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return t.nsecsElapsed() / 1e6;
}

QString ms(double v)
{
    return v < 0 ? QStringLiteral("> 60 s") : QStringLiteral("%1 ms").arg(v, 0, 'f', v < 10 ? 1 : 0);
}

bool visibleRowsLoaded(QTableView *table, const AlertTableModel *model)
{
    if (model->rowCount() == 0)
        return true;
    int first = table->rowAt(0);
    int last = table->rowAt(table->viewport()->height() - 1);
    if (first < 0)
        return false;   // not laid out yet
    if (last < 0)
        last = model->rowCount() - 1;
    for (int r = first; r <= last; ++r) {
        if (!model->isRowLoaded(r))
            return false;
    }
    return true;
}

long rssMb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLong() / 1024;
    }
    return -1;
}

struct Latencies
{
    double firstPage = -1, count = -1, rows = -1, facets = -1, anchors = -1;
};

// Waits until the explorer shows the current filter completely, noting when each part arrived.
Latencies settle(ExplorerView &view)
{
    AlertTableModel *model = view.tableModel();
    QTableView *table = view.tableView();
    Latencies l;
    QElapsedTimer t;
    t.start();
    auto note = [&](double &slot, bool done) {
        if (slot < 0 && done)
            slot = t.nsecsElapsed() / 1e6;
        return slot >= 0;
    };
    const double all = waitFor([&] {
        const bool page = note(l.firstPage, (model->totalCount() == 0 || model->isRowLoaded(0)) && visibleRowsLoaded(table, model));
        const bool count = note(l.count, !model->isLoading());
        const bool rows = note(l.rows, !model->isLoading() && model->rowCount() == std::min<qint64>(model->totalCount(), model->windowRows()));
        const bool facets = note(l.facets, !view.facetPanel()->isBusy());
        const bool anchors = note(l.anchors, model->anchorsComplete());
        return page && count && rows && facets && anchors;
    });
    Q_UNUSED(all);
    return l;
}

void printSettled(const QString &what, const Latencies &l, qint64 total, const QString &error = QString())
{
    if (!error.isEmpty())
        std::printf("  %s: %s\n", qPrintable(what), qPrintable(error));
    std::printf("  %-44s first page %9s · count %9s (%11s) · all rows %9s · facets %9s · anchors %9s\n    %s\n",
                qPrintable(what), qPrintable(ms(l.firstPage)), qPrintable(ms(l.count)),
                qPrintable(QLocale().toString(total)), qPrintable(ms(l.rows)), qPrintable(ms(l.facets)),
                qPrintable(ms(l.anchors)), qPrintable(guiFigures()));
    std::fflush(stdout);
}

QString quoted(const QString &v)
{
    QString e = v;
    e.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return u'"' + e + u'"';
}

void run(const QString &path)
{
    AlertStore probe;
    QString error;
    if (!probe.open(path, AlertStore::OpenMode::ReadOnly, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return;
    }
    const qint64 n = probe.count();
    probe.close();
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    const QByteArray load = loadavg.open(QIODevice::ReadOnly) ? loadavg.readAll().trimmed() : QByteArray("?");
    std::printf("\n== %s: %s alerts (load average %s on %d cores) ==\n", qPrintable(path), qPrintable(QLocale().toString(n)),
                load.constData(), QThread::idealThreadCount());

    // As in the app (its dashboard holds the cache): facet counts of a query are counted from memory.
    std::shared_ptr<AlertColumnCache> columnCache;
    if (qEnvironmentVariable("FE_BENCH_COLUMN_CACHE") != QLatin1String("0")) {
        QElapsedTimer t;
        t.start();
        columnCache = AlertColumnCache::acquire(path);
        AlertStore store;
        qint64 rows = -1;
        if (store.open(path, AlertStore::OpenMode::ReadOnly, &error)) {
            auto lock = columnCache->lock();
            rows = columnCache->catchUp(store, -1, &error);
        }
        std::printf("  column cache (as the app's dashboard loads it, in the background): %s rows in %.1f s, RSS %ld MB%s\n",
                    qPrintable(QLocale().toString(rows)), t.elapsed() / 1000.0, rssMb(),
                    rows < 0 ? qPrintable(QStringLiteral(" (") + error + u')') : "");
    }

    FilterState state;
    state.setRelativeRange(0);   // all time
    // The window's first show (style, fonts; no store yet) is timed too: the same for any store.
    gApp->startPhase(QStringLiteral("show"));
    ExplorerView view(&state);
    view.resize(1600, 1000);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        std::fprintf(stderr, "the view was not exposed\n");
    std::printf("  show the window (no store)\n    %s\n", qPrintable(guiFigures()));
    AlertTableModel *model = view.tableModel();
    QTableView *table = view.tableView();

    if (qEnvironmentVariable("FE_BENCH_TABLE_CACHE") == QLatin1String("0"))
        model->setColumnCacheEnabled(false);
    const auto source = [&] { return model->servedFromColumnCache() ? QStringLiteral(" [column cache]") : QString(); };
    gApp->startPhase(QStringLiteral("open"));
    gApp->action(QStringLiteral("setDatabasePath"), [&] { view.setDatabasePath(path); });
    const Latencies opened = settle(view);
    printSettled(QStringLiteral("open the store"), opened, model->totalCount(), model->lastError());
    std::printf("    RSS after open: %ld MB\n", rssMb());

    // Queries built from what the store holds.
    const DashboardData facets = view.facetPanel()->data();
    const QString host = facets.byHost.size() > 1 ? facets.byHost.at(1).key : facets.byHost.value(0).key;
    const QString rule = facets.byRule.size() > 2 ? facets.byRule.at(2).key : facets.byRule.value(0).key;
    QString word = rule.section(u' ', 0, 0).toLower();
    if (word.isEmpty())
        word = QStringLiteral("shell");
    QStringList queries = {
        QStringLiteral("host.name:") + quoted(host),
        QStringLiteral("rule.name:") + quoted(rule) + QStringLiteral(" and priority >= warning"),
        word,
        QStringLiteral("not host.name:") + quoted(host),
        QStringLiteral("process.pid:4242"),
        QString(),
    };
    // FE_BENCH_SKIP_SCANS=1: no free text and no document field (whole-store scans that measure the query
    // compiler and the full-text index, not the explorer; a store assembled without them has nothing to find).
    if (qEnvironmentVariableIntValue("FE_BENCH_SKIP_SCANS") == 1) {
        queries.removeAll(word);
        queries.removeAll(QStringLiteral("process.pid:4242"));
    }
    for (const QString &q : queries) {
        gApp->startPhase(QStringLiteral("filter"));
        gApp->action(QStringLiteral("filter change"), [&] { state.setQuery(q); });
        const Latencies l = settle(view);
        printSettled(QStringLiteral("filter ") + (q.isEmpty() ? QStringLiteral("(none)") : q) + source(), l, model->totalCount(),
                     model->lastError());
    }
    if (!state.query().isEmpty()) {   // the last one timed out: make sure the table is back to everything
        state.setQuery(QString());
        settle(view);
    }

    // data() of loaded cells, as the view's paint calls it.
    {
        QElapsedTimer t;
        t.start();
        int calls = 0;
        for (int r = 0; r < std::min(model->rowCount(), 40); ++r) {
            for (int c = 0; c < AlertTableModel::ColumnCount; ++c, ++calls) {
                model->data(model->index(r, c), Qt::DisplayRole);
                model->data(model->index(r, c), Qt::ToolTipRole);
            }
        }
        std::printf("  data(): %.2f µs per cell (display + tooltip, %d cells)\n", t.nsecsElapsed() / 1e3 / std::max(1, calls),
                    calls);
    }

    // Scrolling page by page from the top, as PageDown does.
    table->setFocus();
    table->selectRow(0);
    {
        gApp->startPhase(QStringLiteral("page down"));
        QVector<double> lat;
        for (int i = 0; i < 30; ++i) {
            QTest::keyClick(table, Qt::Key_PageDown);
            lat.append(waitFor([&] { return visibleRowsLoaded(table, model); }));
        }
        std::sort(lat.begin(), lat.end());
        std::printf("  PageDown x30: visible rows loaded, median %s, worst %s\n    %s\n", qPrintable(ms(lat.at(lat.size() / 2))),
                    qPrintable(ms(lat.last())), qPrintable(guiFigures()));
    }

    // Far jumps for every sort the table offers: right after the sort (anchors still being scanned), then once the
    // anchors are there: 20 scrollbar drags to random positions, End and Home (ExplorerView: first / last alert).
    const QVector<QPair<int, Qt::SortOrder>> sorts = {{AlertTableModel::TimeColumn, Qt::DescendingOrder},
                                                      {AlertTableModel::PriorityColumn, Qt::AscendingOrder},
                                                      {AlertTableModel::RuleColumn, Qt::AscendingOrder},
                                                      {AlertTableModel::HostColumn, Qt::DescendingOrder}};
    QRandomGenerator random(42);
    for (const auto &[column, order] : sorts) {
        const QString name = model->headerData(column, Qt::Horizontal).toString()
            + (order == Qt::AscendingOrder ? QStringLiteral(" ascending") : QStringLiteral(" descending"));
        gApp->startPhase(QStringLiteral("sort"));
        // The first sort of the list is the default: flip it away and back so that it is a real sort change.
        if (column == model->sortColumn() && order == model->sortOrder()) {
            table->sortByColumn(column, order == Qt::AscendingOrder ? Qt::DescendingOrder : Qt::AscendingOrder);
            settle(view);
            gApp->startPhase(QStringLiteral("sort"));
        }
        gApp->action(QStringLiteral("sort change"), [&] { table->sortByColumn(column, order); });
        const double firstPage = waitFor([&] { return model->rowCount() > 0 && visibleRowsLoaded(table, model); });
        QScrollBar *bar = view.rowScrollBar();   // spans the snapshot (the table holds a window of it)
        // A jump before the anchor scan got far: from the end, or the last anchor known.
        waitFor([&] { return !model->isLoading(); });
        gApp->action(QStringLiteral("scrollbar drag"), [&] { bar->setValue(bar->maximum() * 3 / 5); });
        const double early = waitFor([&] { return visibleRowsLoaded(table, model); });
        const int anchorsThen = model->anchorsComplete() ? -1 : model->anchorCount();
        const double anchors = waitFor([&] { return model->anchorsComplete(); }, 120000);
        const QString scanned = anchorsThen < 0 ? QStringLiteral("anchors already complete")
                                                : QStringLiteral("%1 anchors scanned then").arg(anchorsThen);
        std::printf("  sort by %-20s first page %s · jump to 60%% right after %s (%s) · anchors complete %s%s\n    %s\n",
                    qPrintable(name), qPrintable(ms(firstPage)), qPrintable(ms(early)), qPrintable(scanned),
                    qPrintable(ms(anchors)), qPrintable(source()), qPrintable(guiFigures()));

        gApp->startPhase(QStringLiteral("jumps"));
        QVector<double> lat;
        for (int i = 0; i < 20; ++i) {
            const int value = int(random.bounded(bar->maximum() + 1));
            gApp->action(QStringLiteral("scrollbar drag"), [&] { bar->setValue(value); });
            lat.append(waitFor([&] { return visibleRowsLoaded(table, model); }));
        }
        QTest::keyClick(table, Qt::Key_End);
        const double end = waitFor([&] { return visibleRowsLoaded(table, model); });
        QTest::keyClick(table, Qt::Key_Home);
        const double home = waitFor([&] { return visibleRowsLoaded(table, model); });
        std::sort(lat.begin(), lat.end());
        std::printf("    20 scrollbar jumps: visible rows loaded, median %s, worst %s · End %s · Home %s\n    %s\n",
                    qPrintable(ms(lat.at(lat.size() / 2))), qPrintable(ms(lat.last())), qPrintable(ms(end)),
                    qPrintable(ms(home)), qPrintable(guiFigures()));
        std::fflush(stdout);
    }

    // Facet refreshes alone (what the sidebar computes on its reader thread), for the record.
    AlertStore store;
    store.open(path, AlertStore::OpenMode::ReadOnly);
    for (const QString &q : {QString(), QStringLiteral("host.name:") + quoted(host), QStringLiteral("priority >= error")}) {
        DashboardData data;
        AggregateOptions options;
        options.topN = 12;
        options.maxTimeBuckets = 1;
        QElapsedTimer t;
        t.start();
        AlertFilter f;
        f.query = q;
        computeDashboard(store, f, options, &data);
        std::printf("  facet counts %-40s %8.1f ms (%s), off the GUI thread\n", qPrintable(q.isEmpty() ? QStringLiteral("(none)") : q),
                    t.nsecsElapsed() / 1e6,
                    data.fromRollups ? "rollups" : data.fromColumnCache ? "column cache" : "base table");
    }
    std::printf("  RSS at the end: %ld MB\n", rssMb());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimingApp app(argc, argv);
    gApp = &app;
    QStringList paths = QCoreApplication::arguments().mid(1);
    if (paths.isEmpty()) {
        const QString dir = qEnvironmentVariable("FE_BENCH_DIR", QStringLiteral("/tmp/fe-bench"));
        QDir().mkpath(dir);
        const qint64 n1 = qEnvironmentVariableIntValue("FE_BENCH_ROWS") > 0 ? qEnvironmentVariableIntValue("FE_BENCH_ROWS") : 1000000;
        paths << dir + QStringLiteral("/explorer-%1.db").arg(n1);
        if (!buildStore(paths.last(), n1))
            return 1;
        if (qEnvironmentVariableIntValue("FE_BENCH_10M") == 1) {
            paths << dir + QStringLiteral("/explorer-10000000.db");
            if (!buildStore(paths.last(), 10000000))
                return 1;
        }
    }
    for (const QString &path : std::as_const(paths)) {
        if (!QFileInfo::exists(path)) {
            std::fprintf(stderr, "no such store: %s\n", qPrintable(path));
            return 1;
        }
        run(path);
    }
    std::printf("\nlongest the GUI thread was busy at once: %.1f ms wall (%.1f ms CPU; %s)\n"
                "most GUI-thread CPU time in one event: %.1f ms (%s)\n"
                "budget 50 ms: wall %s, CPU %s\n",
                app.overallWorst, app.overallWorstCpu, qPrintable(app.overallWhat), app.overallMaxCpu,
                qPrintable(app.overallMaxCpuWhat), app.overallWorst <= 50 ? "within" : "OVER",
                app.overallMaxCpu <= 50 ? "within" : "OVER");
    return 0;
}
