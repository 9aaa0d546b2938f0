// SPDX-License-Identifier: Apache-2.0
// AlertStore::forEachDocument derives documents on worker threads and hands them out in order on the calling thread.
// When deriving is slower than reading, the queue of chunks fills up; the stream must go on (the caller delivers its
// oldest chunk to make room) rather than wait for room that only its own delivery gives back.
#include "model/alertstore.h"
#include "model/recordmapper.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace fe;

namespace {

// Documents of stored ECS JSON (origin Document) as they are, each after a pause: deriving lags behind reading.
class SlowMapper : public RecordMapper
{
public:
    bool derive(const StoredRecord &record, DerivedAlert *out, QString *) const override
    {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        out->ecsJson = record.original;
        return true;
    }
    QByteArray outputUtf8(const StoredRecord &) const override { return QByteArray(); }
};

} // namespace

class TestDocumentStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void slowDerivationStreamsEverythingInOrder()
    {
        RecordMapper::install(std::make_shared<SlowMapper>());
        QTemporaryDir dir;
        AlertStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("a.db"))));
        constexpr int n = 6000;   // many more chunks than the queue holds
        AlertBatch batch;
        for (int i = 0; i < n; ++i) {
            Alert a;
            a.timestampMs = 1714500000000 + i;
            a.priority = Priority::Warning;
            a.rule = QStringLiteral("r");
            a.dedupeKey = "k" + QByteArray::number(i);
            a.ecsJson = "{\"n\":" + QByteArray::number(i) + "}";
            batch.append(a);
        }
        QCOMPARE(store.insert(batch).stored, n);

        // A stream that waits for ever fails here, with a message, rather than at the suite's timeout.
        std::atomic<bool> finished{false};
        std::thread watchdog([&finished] {
            for (int i = 0; i < 1200 && !finished.load(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!finished.load()) {
                std::fputs("FAIL: forEachDocument did not finish in 120 s (a deadlock)\n", stderr);
                std::abort();
            }
        });
        int next = 0;
        bool inOrder = true;
        QString error;
        const bool ok = store.forEachDocument(
            {},
            [&](qint64, const QByteArray &json) {
                inOrder = inOrder && json == "{\"n\":" + QByteArray::number(next) + "}";
                ++next;
                return true;
            },
            &error, 2);
        finished.store(true);
        watchdog.join();
        QVERIFY2(ok, qPrintable(error));
        QCOMPARE(next, n);
        QVERIFY(inOrder);
    }
};

QTEST_GUILESS_MAIN(TestDocumentStream)
#include "tst_documentstream.moc"
