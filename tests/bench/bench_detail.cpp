// SPDX-License-Identifier: Apache-2.0
// Detail pane benchmark (figures, not pass/fail): how long the analyst waits between selecting an alert and seeing
// it. In schema v5 the document is derived on read: the record is read, decompressed with the store's dictionary and
// mapped again (AlertStore::document), the original decompressed a second time (AlertStore::original), and triage
// read. Measured on alerts picked at random over the whole store (the page cache warmed by one pass first) and on
// neighbouring alerts (an analyst walking the table with the arrow keys):
//   - the reader's work alone (document + original + record + triage, as DetailPane's reader job does);
//   - the whole round trip of a real DetailPane: setAlert(id) until the field tree, JSON and Original tabs are filled
//     (reader thread, then the GUI thread building the tree).
// Target (issue 17): the detail pane of any alert in <= 5 ms.
// Usage: bench_detail [STORE]   (default: a 200k-alert demo store made with `falco-explorer demo`; FE_BENCH_COUNT=N)
#include "ingest/ecs/ecsrecordmapper.h"
#include "model/alertstore.h"
#include "model/recordmapper.h"
#include "model/triagestore.h"
#include "ui/detailpane.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <vector>

using namespace fe;

namespace {

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct Figures
{
    std::vector<double> ms;
    void add(double v) { ms.push_back(v); }
    QString text()
    {
        if (ms.empty())
            return QStringLiteral("no samples");
        std::sort(ms.begin(), ms.end());
        const auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size())))]; };
        return QStringLiteral("median %1 ms, p95 %2 ms, worst %3 ms (%4 alerts)")
            .arg(at(0.5), 0, 'f', 2)
            .arg(at(0.95), 0, 'f', 2)
            .arg(ms.back(), 0, 'f', 2)
            .arg(ms.size());
    }
};

std::vector<qint64> randomIds(qint64 maxId, int n, unsigned seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<qint64> pick(1, maxId);
    std::vector<qint64> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(pick(rng));
    return ids;
}

std::vector<qint64> neighbourIds(qint64 maxId, int n)
{
    std::vector<qint64> ids;
    const qint64 first = std::max<qint64>(1, maxId / 2);
    for (int i = 0; i < n && first + i <= maxId; ++i)
        ids.push_back(first + i);
    return ids;
}

// The reader job of DetailPane::setAlert, without the widget.
void readAlert(const AlertStore &store, qint64 id, qint64 *bytes)
{
    QString error;
    const QByteArray doc = store.document(id, &error);
    if (doc.isEmpty()) {
        std::fprintf(stderr, "alert %lld: no document: %s\n", static_cast<long long>(id), qPrintable(error));
        std::exit(1);
    }
    StoredOriginal original;
    store.original(id, &original, &error);
    StoredRecord record;
    store.record(id, &record);
    TriageStore triage(store);
    triage.status(id);
    triage.notes(id);
    *bytes += doc.size() + original.bytes.size();
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    installEcsRecordMapper();
    QTemporaryDir tmp;
    QString path = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();
    if (path.isEmpty()) {
        const int count = qEnvironmentVariableIsSet("FE_BENCH_COUNT") ? qEnvironmentVariableIntValue("FE_BENCH_COUNT") : 200000;
        path = tmp.filePath(QStringLiteral("detail.db"));
        std::printf("making a store of %d demo alerts...\n", count);
        std::fflush(stdout);
        QProcess demo;
        demo.start(QStringLiteral(FE_EXPLORER_BIN),
                   {QStringLiteral("demo"), QStringLiteral("--count"), QString::number(count), QStringLiteral("--seed"),
                    QStringLiteral("42"), QStringLiteral("--db"), path});
        if (!demo.waitForFinished(30 * 60 * 1000) || demo.exitCode() != 0) {
            std::fprintf(stderr, "falco-explorer demo failed: %s\n", demo.readAllStandardError().constData());
            return 1;
        }
    }

    AlertStore store;
    QString error;
    if (!store.open(path, AlertStore::OpenMode::ReadOnly, &error)) {
        std::fprintf(stderr, "%s: %s\n", qPrintable(path), qPrintable(error));
        return 1;
    }
    const qint64 total = store.count({}, &error);
    const qint64 maxId = store.maxId();
    std::printf("store %s: %lld alerts, ids up to %lld\n", qPrintable(path), static_cast<long long>(total),
                static_cast<long long>(maxId));
    if (total <= 0)
        return 1;

    const std::vector<qint64> randomSet = randomIds(maxId, 400, 7);
    const std::vector<qint64> neighbours = neighbourIds(maxId, 400);
    qint64 bytes = 0;
    for (qint64 id : randomSet)   // warms the page cache: figures are for a store the analyst is working in
        readAlert(store, id, &bytes);

    for (const auto &[name, ids] : {std::pair<const char *, const std::vector<qint64> &>{"random alerts", randomSet},
                                    {"neighbouring alerts", neighbours}}) {
        Figures wall;
        Figures cpu;
        for (qint64 id : ids) {
            QElapsedTimer t;
            t.start();
            const double c = threadCpuMs();
            readAlert(store, id, &bytes);
            cpu.add(threadCpuMs() - c);
            wall.add(double(t.nsecsElapsed()) / 1e6);
        }
        std::printf("reader (document + original + triage), %s: %s; CPU %s\n", name, qPrintable(wall.text()),
                    qPrintable(cpu.text()));
    }

    DetailPane pane;
    pane.resize(600, 900);
    pane.show();
    pane.setDatabasePath(path);
    qint64 shown = 0;
    QObject::connect(&pane, &DetailPane::loaded, &pane, [&](qint64 id) { shown = id; });
    for (const auto &[name, ids] : {std::pair<const char *, const std::vector<qint64> &>{"random alerts", randomSet},
                                    {"neighbouring alerts", neighbours}}) {
        Figures wall;
        Figures gui;
        for (qint64 id : ids) {
            shown = 0;
            QElapsedTimer t;
            t.start();
            pane.setAlert(id);
            // Until the queued hand-over ran to its end (the field tree, the JSON and the Original tab filled).
            double guiMs = 0;
            while (shown != id && t.elapsed() < 5000) {
                const double c = threadCpuMs();
                app.processEvents(QEventLoop::WaitForMoreEvents);
                if (shown == id)
                    guiMs = threadCpuMs() - c;
            }
            wall.add(double(t.nsecsElapsed()) / 1e6);
            gui.add(guiMs);
            if (shown != id) {
                std::fprintf(stderr, "alert %lld did not load within 5 s\n", static_cast<long long>(id));
                return 1;
            }
            if (pane.document().isEmpty()) {
                std::fprintf(stderr, "alert %lld: empty document\n", static_cast<long long>(id));
                return 1;
            }
        }
        std::printf("DetailPane setAlert -> shown, %s: %s; GUI thread %s\n", name, qPrintable(wall.text()),
                    qPrintable(gui.text()));
    }
    if (qEnvironmentVariableIntValue("FE_BENCH_DETAIL_PARTS") == 1) {
        Figures build;
        Figures paint;
        for (qint64 id : randomSet) {
            const QByteArray doc = store.document(id);
            QElapsedTimer t;
            t.start();
            pane.showDocument(id, doc, 0, {});
            build.add(double(t.nsecsElapsed()) / 1e6);
            t.restart();
            pane.repaint();
            paint.add(double(t.nsecsElapsed()) / 1e6);
        }
        std::printf("showDocument: %s\nrepaint: %s\n", qPrintable(build.text()), qPrintable(paint.text()));
    }
    std::printf("target: <= 5 ms per alert\n");
    return bytes > 0 ? 0 : 1;
}
