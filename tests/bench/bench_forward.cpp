// SPDX-License-Identifier: Apache-2.0
// Figures for forwarding: docs/s from a store to the local fake _bulk server (tests/support), end to end —
// SQLite read, encoding, HTTP over loopback, the server's NDJSON parsing and per-item answers, the outbox
// commit. Documents are the conformance suite's expected ECS documents (~3.6 KB on average), cycled with unique
// dedupe keys. The fake server runs in a thread of its own in this process: its CPU time is measured apart
// (thread CPU clock) and printed next to the rest of the process (the forwarder's worker thread). A run counts
// only when every document was acknowledged and the outbox says so (cursor at the last alert, all delivered).
// Runs batch sizes 1000/5000/10000 (each capped at 10 MB of body) with 1, 2 and 3 requests in flight. Prints
// figures; never fails on speed. Usage: bench_forward [alerts] [batch docs] [in flight] (default 50000 alerts,
// every combination above).
#include "ingest/elasticsearch/esforwarder.h"
#include "model/alertstore.h"
#include "model/forwardoutbox.h"
#include "support/fakeelasticsearch.h"
#include "testpaths.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace fe;
using Json = nlohmann::json;

namespace {

QVector<QByteArray> sampleDocuments()
{
    QVector<QByteArray> docs;
    QFile f(QStringLiteral(FE_CONFORMANCE_DIR "/test-falco.log-expected.json"));
    if (f.open(QIODevice::ReadOnly)) {
        const QByteArray text = f.readAll();
        const Json j = Json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
        if (j.is_object() && j.contains("expected")) {
            for (const Json &doc : j["expected"])
                docs.append(QByteArray::fromStdString(doc.dump()));
        }
    }
    if (docs.isEmpty())
        docs.append(R"({"@timestamp":"2024-05-07T18:54:19.341Z","event":{"kind":"alert"},"falco":{"rule":"r"}})");
    return docs;
}

// CPU time of the whole process: on a loaded shared machine wall-clock docs/s undersell the code, CPU per
// document does not.
double processCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? std::max(1000, atoi(argv[1])) : 50000;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.db"));
    {
        AlertStore store;
        QString error;
        if (!store.open(db, AlertStore::OpenMode::ReadWrite, &error)) {
            std::fprintf(stderr, "bench_forward: %s\n", qPrintable(error));
            return 1;
        }
        const QVector<QByteArray> docs = sampleDocuments();
        AlertBatch batch;
        for (int i = 0; i < count; ++i) {
            Alert a;
            a.timestampMs = 1700000000000LL + i;
            a.rule = QStringLiteral("bench");
            a.dedupeKey = "u:bench-" + QByteArray::number(i);
            a.ecsJson = docs[i % docs.size()];
            batch.append(a);
            if (batch.size() == 5000) {
                store.insert(batch);
                batch.clear();
            }
        }
        store.insert(batch);
    }
    qint64 bytesPerDoc = 0;
    for (const QByteArray &d : sampleDocuments())
        bytesPerDoc += d.size();
    bytesPerDoc /= sampleDocuments().size();
    // The fake server runs in a thread of its own, like a real Elasticsearch in its own process: the figure is
    // the forwarder's, with the server's parsing overlapping it instead of adding to it.
    QThread serverThread;
    serverThread.setObjectName(QStringLiteral("fake-es"));
    serverThread.start();
    struct Run
    {
        int batchDocs;
        int inFlight;
    };
    QVector<Run> runs = {{1000, 1}, {5000, 1}, {1000, 2}, {5000, 2}, {10000, 2}, {5000, 3}};
    if (argc > 3)
        runs = {{std::max(1, atoi(argv[2])), std::clamp(atoi(argv[3]), 1, 6)}};
    int n = 0;
    for (const Run &run : std::as_const(runs)) {
        auto *es = new fe::test::FakeElasticsearch;   // deleted in its thread below
        es->moveToThread(&serverThread);
        bool listening = false;
        QMetaObject::invokeMethod(es, [&] {
            es->setRecordRequests(false);
            es->setKeepDocuments(false);
            listening = es->listen();
        }, Qt::BlockingQueuedConnection);
        if (!listening) {
            std::fprintf(stderr, "bench_forward: cannot listen\n");
            return 1;
        }
        ForwardConfig config;
        config.nodes = {es->url()};
        config.maxBatchDocs = run.batchDocs;
        config.maxInFlight = run.inFlight;
        config.namespaceName = QStringLiteral("bench%1").arg(++n);   // a new target: starts from zero
        EsForwarder forwarder(config, db);
        QEventLoop loop;
        bool ok = false;
        QObject::connect(&forwarder, &EsForwarder::finished, &loop, [&](bool allDelivered) {
            ok = allDelivered;
            loop.quit();
        });
        QElapsedTimer timer;
        timer.start();
        double serverCpuBefore = 0;
        QMetaObject::invokeMethod(es, [&] { serverCpuBefore = threadCpuSeconds(); }, Qt::BlockingQueuedConnection);
        const double cpuBefore = processCpuSeconds();
        forwarder.start(true);
        loop.exec();
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        const double cpu = processCpuSeconds() - cpuBefore;
        forwarder.stop();
        qint64 documents = 0;
        int requests = 0;
        double serverCpu = 0;
        QMetaObject::invokeMethod(es, [&] {
            serverCpu = threadCpuSeconds() - serverCpuBefore;
            documents = es->documentCount();
            requests = es->bulkRequests();
            delete es;
        }, Qt::BlockingQueuedConnection);
        // Delivered means acknowledged and committed: the outbox must account for every alert.
        ForwardOutbox outbox;
        bool committed = outbox.open(db, config.targetKey());
        if (committed) {
            const ForwardOutbox::Counts c = outbox.counts();
            committed = c.cursor == count && c.delivered == count && c.pending == 0 && c.retrying == 0 && c.deadLettered == 0;
        }
        const double perDoc = 1e6 / double(std::max<qint64>(1, documents));
        std::printf("bench_forward: %d docs (~%lld B each), batch %d docs (<= 10 MB), %d in flight, %d requests: "
                    "%.2f s, %.0f docs/s delivered and committed; CPU %.1f us/doc = %.0f docs per CPU-second "
                    "(forwarder: the rest of the process %.1f us/doc, fake server thread %.1f us/doc = %.0f%%)%s\n",
                    count, static_cast<long long>(bytesPerDoc), run.batchDocs, run.inFlight, requests, seconds,
                    double(documents) / seconds, cpu * perDoc, double(documents) / std::max(1e-9, cpu),
                    (cpu - serverCpu) * perDoc, serverCpu * perDoc, 100.0 * serverCpu / std::max(1e-9, cpu),
                    ok && committed && documents == count ? "" : "  (INCOMPLETE)");
        std::fflush(stdout);
    }
    serverThread.quit();
    serverThread.wait();
    return 0;
}
