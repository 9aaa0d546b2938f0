// SPDX-License-Identifier: Apache-2.0
// Dashboard benchmark (figures, not pass/fail) on realistic demo alerts (DemoGenerator → ECS mapper → store):
// computeDashboard warm (rollups, and a query on the base table), the alert stream, the widgets' update,
// the whole DashboardView round trip, a `stats --json` process and the report export.
// Targets (issue): all panels <= 50 ms warm at 1M, <= 100 ms at 10M; `stats --json` process <= 0.2 s at 1M.
// Ad-hoc queries: FE_BENCH_QUERIES="q1;q2" replaces the default list; FE_BENCH_BASE=1 also times the base table,
// FE_BENCH_SKIP_QUERIES=1 leaves them out.
// FE_SCREENSHOT_DIR=DIR only saves screenshots of the dashboard on that store (see screenshots()).
// FE_BENCH_COUNT=N overrides the default 1M (FE_BENCH_10M=1: 10M); FE_BENCH_DB=PATH reuses (or creates) a store.
#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"
#include "model/aggregates.h"
#include "model/alertcolumncache.h"
#include "model/alertstore.h"
#include "model/querylanguage.h"
#include "ui/dashboardbarchart.h"
#include "ui/dashboardprioritychart.h"
#include "ui/dashboardtimechart.h"
#include "ui/dashboardview.h"
#include "ui/filterstate.h"
#include "ui/mitrematrixwidget.h"
#include "ui/reportexporter.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QScrollArea>
#include <QScrollBar>
#include <QStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <vector>

using namespace fe;

namespace {

double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double medianMs(int runs, const std::function<void()> &fn)
{
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        fn();
        times.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

bool fill(const QString &path, qint64 count)
{
    AlertStore store;
    QString error;
    if (!store.open(path, AlertStore::OpenMode::ReadWrite, &error)) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(path), qPrintable(error));
        return false;
    }
    DemoOptions demo;
    demo.count = count;
    demo.seed = 42;
    demo.endMs = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
    DemoGenerator gen(demo);
    MapOptions map;
    QElapsedTimer t;
    t.start();
    AlertBatch batch;
    while (!gen.atEnd()) {
        const MapResult r = mapLine(gen.next(), map);
        if (r.status == MapResult::Status::Alert)
            batch.append(r.alert);
        if (batch.size() >= 10000 || (gen.atEnd() && !batch.isEmpty())) {
            store.insert(batch, &error);
            batch.clear();
        }
    }
    store.optimize();
    std::printf("  filled %lld demo alerts in %.1f s\n", static_cast<long long>(store.count()), t.elapsed() / 1000.0);
    return true;
}

// Screenshots of the whole dashboard (FE_SCREENSHOT_DIR=DIR): 1600×1000 and 1280×720, light and dark palettes.
void screenshots(const QString &dbPath, const QString &outDir)
{
    QApplication::setStyle(QStringLiteral("Fusion"));
    const QPalette light = QApplication::style()->standardPalette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Base, QColor(0x1f, 0x21, 0x24));
    dark.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2d));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Button, QColor(0x33, 0x36, 0x3a));
    dark.setColor(QPalette::ButtonText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Highlight, QColor(0x4d, 0x90, 0xfe));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0xa0, 0xa6));
    dark.setColor(QPalette::Mid, QColor(0x5f, 0x63, 0x68));
    dark.setColor(QPalette::ToolTipBase, QColor(0x33, 0x36, 0x3a));
    dark.setColor(QPalette::ToolTipText, QColor(0xe8, 0xea, 0xed));
    for (const auto &[name, palette] : {std::pair{"light", light}, std::pair{"dark", dark}}) {
        QApplication::setPalette(palette);
        for (const QSize size : {QSize(1600, 1000), QSize(1280, 720)}) {
            FilterState filter;
            DashboardView view(&filter, dbPath);
            view.resize(size);
            view.show();
            QSignalSpy spy(&view, &DashboardView::updated);
            spy.wait(60000);
            QApplication::processEvents();
            const QString file = QStringLiteral("%1/dashboard-%2x%3-%4.png").arg(outDir).arg(size.width()).arg(size.height()).arg(QString::fromLatin1(name));
            view.grab().save(file);
            // The lower half too: the MITRE matrix and the extra panels.
            auto *scroll = view.findChild<QScrollArea *>(QStringLiteral("dashboardScroll"));
            scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
            QApplication::processEvents();
            view.grab().save(QString(file).replace(QStringLiteral(".png"), QStringLiteral("-lower.png")));
            std::printf("  screenshot %s\n", qPrintable(file));
        }
    }
    QApplication::setPalette(light);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    qint64 count = qEnvironmentVariableIntValue("FE_BENCH_10M") ? 10000000 : 1000000;
    if (qEnvironmentVariableIsSet("FE_BENCH_COUNT"))
        count = qEnvironmentVariable("FE_BENCH_COUNT").toLongLong();

    QTemporaryDir dir;
    QString path = qEnvironmentVariable("FE_BENCH_DB");
    if (path.isEmpty())
        path = dir.filePath(QStringLiteral("bench.db"));
    std::printf("bench_dashboard: %s\n", qPrintable(path));
    if (!QFileInfo::exists(path) && !fill(path, count))
        return 1;

    if (qEnvironmentVariableIsSet("FE_SCREENSHOT_DIR")) {
        screenshots(path, qEnvironmentVariable("FE_SCREENSHOT_DIR"));
        return 0;
    }

    AlertStore store;
    QString error;
    if (!store.open(path, AlertStore::OpenMode::ReadOnly, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    const qint64 total = store.count();
    std::printf("  %lld alerts\n", static_cast<long long>(total));

    DashboardData data;
    AggregateOptions options;
    const auto compute = [&](const AlertFilter &f) {
        if (!computeDashboard(store, f, options, &data, &error))
            std::fprintf(stderr, "computeDashboard: %s\n", qPrintable(error));
    };
    compute({}); // warm up
    std::printf("  computeDashboard, all time (rollups: %s): %.1f ms (median of 5)\n", data.fromRollups ? "yes" : "no",
                medianMs(5, [&] { compute({}); }));
    AlertFilter day;
    day.fromMs = QDateTime::currentMSecsSinceEpoch() - 24LL * 3600 * 1000;
    std::printf("  computeDashboard, last 24 h: %.1f ms\n", medianMs(5, [&] { compute(day); }));
    // Ad-hoc queries (no rollup answers them): typical analyst filters, first from the column cache (loaded here
    // as the dashboard view loads it in the background), then, with FE_BENCH_BASE=1, from the base table.
    QStringList queries = {QStringLiteral("falco.priority >= warning"),
                           QStringLiteral("host.name:%1").arg(data.byHost.value(0).key),
                           QStringLiteral("rule.name:%1").arg(quoteQueryValue(data.byRule.value(1).key)),
                           QStringLiteral("container.name:*worker*"),
                           QStringLiteral("container.image.name:*nginx*"),
                           QStringLiteral("sensitive"),
                           QStringLiteral("process.name:bash"),
                           QStringLiteral("NOT falco.priority:debug"),
                           QStringLiteral("process.name:bash and host.name:%1").arg(data.byHost.value(1).key)};
    if (qEnvironmentVariableIsSet("FE_BENCH_QUERIES"))
        queries = qEnvironmentVariable("FE_BENCH_QUERIES").split(QLatin1Char(';'), Qt::SkipEmptyParts);
    if (qEnvironmentVariableIntValue("FE_BENCH_SKIP_QUERIES"))
        queries.clear();
    const std::shared_ptr<AlertColumnCache> cache = AlertColumnCache::acquire(path);
    if (!queries.isEmpty()) {
        const double cpu0 = cpuSeconds();
        QElapsedTimer t;
        t.start();
        auto lock = cache->lock();
        cache->catchUp(store, -1, &error);
        std::printf("  column cache load: %lld rows, %zu profiles, %.0f MB, %.1f s wall, %.1f s CPU\n",
                    static_cast<long long>(cache->rowCount()), cache->profiles().size(),
                    double(cache->memoryBytes()) / 1e6, double(t.nsecsElapsed()) / 1e9, cpuSeconds() - cpu0);
    }
    const bool alsoBase = qEnvironmentVariableIntValue("FE_BENCH_BASE") != 0;
    for (const QString &q : std::as_const(queries)) {
        AlertFilter query;
        query.query = q;
        const double cpu0 = cpuSeconds();
        const double ms = medianMs(3, [&] { compute(query); });
        const double cpuMs = (cpuSeconds() - cpu0) * 1000 / 3;
        QVector<AlertSummary> newest;
        const double streamMs = medianMs(3, [&] { newestAlerts(store, query, DashboardView::s_streamRows, &newest, &error); });
        std::printf("  query '%s': %lld matches, %s %.1f ms (%.0f ms CPU), alert stream %.1f ms", qPrintable(q),
                    static_cast<long long>(data.total), data.fromColumnCache ? "column cache" : "base table", ms, cpuMs,
                    streamMs);
        if (alsoBase) {
            options.useColumnCache = false;
            std::printf(", base table %.1f ms", medianMs(1, [&] { compute(query); }));
            options.useColumnCache = true;
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    QVector<AlertSummary> stream;
    std::printf("  newestAlerts(50): %.2f ms\n", medianMs(5, [&] { newestAlerts(store, {}, 50, &stream, &error); }));

    compute({});
    DashboardTimeChart timeChart;
    DashboardPriorityChart pie;
    DashboardBarChart bars;
    MitreMatrixWidget matrix;
    for (QWidget *w : std::initializer_list<QWidget *>{&timeChart, &pie, &bars, &matrix}) {
        w->resize(800, 320);
        w->show();
    }
    std::printf("  chart widgets update (time, stacked time, pie, bars, matrix + paint): %.1f ms\n", medianMs(5, [&] {
                    timeChart.setData(data, false);
                    timeChart.setMode(DashboardTimeChart::Mode::ByPriority);
                    timeChart.setMode(DashboardTimeChart::Mode::Total);
                    pie.setBuckets(data.byPriority, false);
                    bars.setBuckets(data.byRule, Qt::blue, false);
                    matrix.setCells(data.mitre);
                    for (QWidget *w : std::initializer_list<QWidget *>{&timeChart, &pie, &bars, &matrix})
                        w->grab();
                }));
    // Each widget alone (update + paint), to see where the time goes.
    std::printf("    time chart %.1f ms, stacked %.1f ms, pie %.1f ms, bars %.1f ms, matrix %.1f ms\n", medianMs(5, [&] {
                    timeChart.setMode(DashboardTimeChart::Mode::Total);
                    timeChart.setData(data, false);
                    timeChart.grab();
                }),
                medianMs(5, [&] {
                    timeChart.setMode(DashboardTimeChart::Mode::ByPriority);
                    timeChart.grab();
                    timeChart.setMode(DashboardTimeChart::Mode::Total);
                }),
                medianMs(5, [&] {
                    pie.setBuckets(data.byPriority, false);
                    pie.grab();
                }),
                medianMs(5, [&] {
                    bars.setBuckets(data.byRule, Qt::blue, false);
                    bars.grab();
                }),
                medianMs(5, [&] {
                    matrix.setCells(data.mitre);
                    matrix.grab();
                }));

    {
        FilterState filter;
        std::printf("  DashboardView: construct → first result on screen: %.1f ms\n", medianMs(3, [&] {
                        DashboardView view(&filter, path);
                        view.resize(1600, 1000);
                        view.show();
                        QSignalSpy spy(&view, &DashboardView::updated);
                        spy.wait(60000);
                    }));
    }

    {
        // The whole view path per filter change at 1600x1000: filter → worker → apply on the GUI thread → paint.
        // "GUI stall" is the longest single event-loop pass meanwhile (the apply() of the result), "paint" a grab of
        // the whole view afterwards.
        FilterState filter;
        DashboardView view(&filter, path);
        view.resize(1600, 1000);
        view.show();
        QSignalSpy first(&view, &DashboardView::updated);
        first.wait(120000);
        QStringList viewQueries = queries;
        viewQueries.prepend(QString());
        for (const QString &q : std::as_const(viewQueries)) {
            std::vector<double> walls, stalls, paints;
            bool fromCache = false;
            for (int i = 0; i < 6; ++i) {
                filter.setQuery(i % 2 ? QStringLiteral("falco.priority:debug") : q); // alternate: every run changes
                QSignalSpy spy(&view, &DashboardView::updated);
                QElapsedTimer wall;
                wall.start();
                double stall = 0;
                while (spy.isEmpty() && wall.elapsed() < 120000) {
                    QElapsedTimer pass;
                    pass.start();
                    QCoreApplication::processEvents(QEventLoop::AllEvents);
                    stall = std::max(stall, double(pass.nsecsElapsed()) / 1e6);
                    QThread::usleep(300); // not waiting inside processEvents: a pass measures work, not waiting
                }
                const double wallMs = double(wall.nsecsElapsed()) / 1e6;
                QElapsedTimer paint;
                paint.start();
                view.grab();
                if (i % 2 == 0) {
                    fromCache = view.data().fromColumnCache;
                    walls.push_back(wallMs);
                    stalls.push_back(stall);
                    paints.push_back(double(paint.nsecsElapsed()) / 1e6);
                }
            }
            std::sort(walls.begin(), walls.end());
            std::sort(stalls.begin(), stalls.end());
            std::sort(paints.begin(), paints.end());
            std::printf("  DashboardView 1600x1000, query '%s': filter → on screen %.0f ms, GUI stall %.1f ms, paint %.1f ms%s\n",
                        qPrintable(q), walls[1], stalls[1], paints[1],
                        fromCache ? " (column cache)" : "");
            std::fflush(stdout);
        }
    }

    std::vector<double> runs;
    for (int i = 0; i < 3; ++i) {
        QElapsedTimer t;
        t.start();
        QProcess p;
        p.start(QStringLiteral(FE_EXPLORER_BIN), {QStringLiteral("stats"), QStringLiteral("--json"), QStringLiteral("--db"), path});
        p.waitForFinished(60000);
        runs.push_back(double(t.nsecsElapsed()) / 1e6);
        if (i == 0 && p.exitCode() != 0)
            std::printf("  (stats exited %d: %s)\n", p.exitCode(), p.readAllStandardError().constData());
    }
    std::sort(runs.begin(), runs.end());
    std::printf("  falco-explorer stats --json process: %.0f ms (median of 3)\n", runs[1]);

    for (const char *name : {"report.pdf", "report.html"}) {
        const QString out = dir.filePath(QString::fromLatin1(name));
        QElapsedTimer t;
        t.start();
        const bool ok = exportReport(path, {}, out, &error);
        std::printf("  report %s: %.0f ms, %lld KB%s\n", name, double(t.nsecsElapsed()) / 1e6,
                    static_cast<long long>(QFileInfo(out).size() / 1024), ok ? "" : " (failed)");
    }
    return 0;
}
