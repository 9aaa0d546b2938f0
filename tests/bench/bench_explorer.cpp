// SPDX-License-Identifier: Apache-2.0
// Explorer responsiveness at scale: page fetches (first page, keyset next page, far jump), filter changes (new
// snapshot + first page + count) and facet refreshes (computeDashboard) on a 1M-alert store, 10M with
// FE_BENCH_10M=1. It also times what the GUI thread itself spends in the model's calls (setFilter, data()), which
// must stay far below 50 ms because every query runs on the reader threads. Figures, not pass/fail.
// The store is built once under $FE_BENCH_DIR (default /tmp/fe-bench) and reused.
#include "model/aggregates.h"
#include "model/alertstore.h"
#include "model/alerttablemodel.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

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

// Waits (event loop running) until pred() or timeout; returns elapsed ms.
template<typename Pred>
double waitFor(Pred pred, int timeoutMs = 600000)
{
    QElapsedTimer t;
    t.start();
    while (!pred() && t.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    return t.nsecsElapsed() / 1e6;
}

struct Gui
{
    double maxMs = 0;
    QString maxWhat;
    template<typename Fn>
    void time(const QString &what, Fn fn)
    {
        QElapsedTimer t;
        t.start();
        fn();
        const double ms = t.nsecsElapsed() / 1e6;
        if (ms > maxMs) {
            maxMs = ms;
            maxWhat = what;
        }
    }
};

void run(const QString &path, qint64 n)
{
    std::printf("\n== %lld alerts ==\n", static_cast<long long>(n));
    AlertTableModel model;
    Gui gui;
    const QStringList queries = {QString(), QStringLiteral("host.name:host-7"), QStringLiteral("priority >= error and rule.name:\"Write below etc\""),
                                 QStringLiteral("shell and proc3"), QStringLiteral("process.pid:4242"), QStringLiteral("not tags:container")};
    gui.time(QStringLiteral("setDatabasePath"), [&] { model.setDatabasePath(path); });
    waitFor([&] { return !model.isLoading(); });
    for (const QString &q : queries) {
        AlertFilter f;
        f.query = q;
        int firstPage = -1;
        QElapsedTimer t;
        t.start();
        QMetaObject::Connection c = QObject::connect(&model, &AlertTableModel::pageLoaded, &model, [&](int page) {
            if (page == 0 && firstPage < 0)
                firstPage = int(t.elapsed());
        });
        gui.time(QStringLiteral("setFilter"), [&] { model.setFilter(f); });
        const double total = waitFor([&] { return !model.isLoading(); });
        QObject::disconnect(c);
        std::printf("filter change %-55s first page %6d ms, count %9lld in %8.1f ms\n",
                    qPrintable(q.isEmpty() ? QStringLiteral("(none)") : QLatin1Char('"') + q + QLatin1Char('"')), firstPage,
                    static_cast<long long>(model.totalCount()), total);
        std::fflush(stdout);
    }
    // Page fetches on the unfiltered, time-sorted table: next page by keyset, far jump by offset, then backwards.
    model.setFilter({});
    waitFor([&] { return !model.isLoading(); });
    auto fetch = [&](int row, const char *what) {
        QElapsedTimer t;
        t.start();
        gui.time(QStringLiteral("data()"), [&] { model.data(model.index(row, AlertTableModel::RuleColumn)); });
        waitFor([&] { return model.rowAt(row) != nullptr; });
        std::printf("page fetch %-40s %8.1f ms\n", what, t.nsecsElapsed() / 1e6);
    };
    fetch(model.pageSize() + 5, "next page (keyset)");
    fetch(model.rowCount() / 2, "jump to the middle (offset)");
    fetch(model.rowCount() / 2 - model.pageSize(), "page before it (keyset, backwards)");
    fetch(model.rowCount() - 1, "jump to the end (offset)");
    model.sort(AlertTableModel::PriorityColumn, Qt::AscendingOrder);
    waitFor([&] { return !model.isLoading(); });
    fetch(model.pageSize() + 5, "sorted by priority: next page");

    // Facet refreshes (what the sidebar computes off the GUI thread).
    AlertStore store;
    store.open(path, AlertStore::OpenMode::ReadOnly);
    for (const QString &q : {QString(), QStringLiteral("host.name:host-7"), QStringLiteral("priority >= error")}) {
        DashboardData data;
        AggregateOptions options;
        options.topN = 12;
        options.maxTimeBuckets = 1;
        QElapsedTimer t;
        t.start();
        AlertFilter f;
        f.query = q;
        computeDashboard(store, f, options, &data);
        std::printf("facet refresh %-40s %8.1f ms (%s)\n", qPrintable(q.isEmpty() ? QStringLiteral("(none)") : q),
                    t.nsecsElapsed() / 1e6, data.fromRollups ? "rollups" : "base table");
    }
    std::printf("longest GUI-thread call into the model: %.2f ms (%s)\n", gui.maxMs, qPrintable(gui.maxWhat));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString dir = qEnvironmentVariable("FE_BENCH_DIR", QStringLiteral("/tmp/fe-bench"));
    QDir().mkpath(dir);
    const qint64 n1 = qEnvironmentVariableIntValue("FE_BENCH_ROWS") > 0 ? qEnvironmentVariableIntValue("FE_BENCH_ROWS") : 1000000;
    const QString path1 = dir + QStringLiteral("/explorer-%1.db").arg(n1);
    if (!buildStore(path1, n1))
        return 1;
    run(path1, n1);
    if (qEnvironmentVariableIntValue("FE_BENCH_10M") == 1) {
        const QString path10 = dir + QStringLiteral("/explorer-10000000.db");
        if (!buildStore(path10, 10000000))
            return 1;
        run(path10, 10000000);
    }
    return 0;
}
