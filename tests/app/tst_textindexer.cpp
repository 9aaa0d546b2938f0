// SPDX-License-Identifier: Apache-2.0
// The GUI's background full-text indexing: a store whose outputs wait for the index (an import, demo data, a
// converted store) gets indexed in chunks on a worker, with progress that is throttled; stop() is prompt and loses
// nothing; the other writers of the store get their turn between chunks.
#include "app/textindexer.h"

#include "model/alertstore.h"
#include "support/testalerts.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace fe;

namespace {

constexpr qint64 s_t0 = 1714521600000;

AlertBatch makeBatch(int first, int count)
{
    AlertBatch batch;
    batch.reserve(count);
    for (int i = first; i < first + count; ++i) {
        const QString output = i % 100 == 0 ? QStringLiteral("read /etc/shadow by cat %1").arg(i)
                                             : QStringLiteral("shell spawned %1").arg(i);
        Alert a = test::makeAlert(s_t0 + i, Priority::Warning, QStringLiteral("rule %1").arg(i % 4),
                                  QStringLiteral("host-%1").arg(i % 3), output, "h:" + QByteArray::number(i));
        a.ecsJson = R"({"falco":{"output":")" + output.toUtf8() + R"("}})";
        batch.append(a);
    }
    return batch;
}

// A store of count alerts, none of them in the full-text index yet (inserts leave them to indexPending()).
QString makeStore(const QTemporaryDir &dir, int count)
{
    const QString path = dir.filePath(QStringLiteral("alerts.db"));
    AlertStore store;
    QString error;
    if (!store.open(path, AlertStore::OpenMode::ReadWrite, &error)) {
        qWarning("%s", qPrintable(error));
        return QString();
    }
    for (int first = 0; first < count; first += 20000) {
        store.insert(makeBatch(first, std::min(20000, count - first)), &error);
        if (!error.isEmpty()) {
            qWarning("%s", qPrintable(error));
            return QString();
        }
    }
    return path;
}

qint64 pending(const QString &path)
{
    AlertStore store;
    return store.open(path, AlertStore::OpenMode::ReadOnly) ? store.pendingIndexRows() : -1;
}

} // namespace

class TestTextIndexer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void indexesWhatWaits()
    {
        QTemporaryDir dir;
        constexpr int n = 25000;
        const QString path = makeStore(dir, n);
        QVERIFY(!path.isEmpty());
        QCOMPARE(pending(path), qint64(n));

        TextIndexer::Config config;
        config.progressIntervalMs = 0;   // every chunk
        config.minPauseMs = 1;
        TextIndexer indexer(config);
        QSignalSpy progress(&indexer, &TextIndexer::progress);
        QSignalSpy finished(&indexer, &TextIndexer::finished);
        indexer.start(path);
        QVERIFY(indexer.isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QVERIFY(finished.at(0).at(1).toString().isEmpty());
        QCOMPARE(pending(path), qint64(0));

        // The first report comes at once; then one per full chunk, counting up, of the total that waited.
        QVERIFY(progress.size() >= 3);
        QCOMPARE(progress.at(0).at(0).toLongLong(), qint64(0));
        qint64 last = -1;
        for (const QList<QVariant> &p : std::as_const(progress)) {
            QCOMPARE(p.at(1).toLongLong(), qint64(n));
            QVERIFY(p.at(0).toLongLong() > last);
            last = p.at(0).toLongLong();
        }
        QCOMPARE(last, qint64(20000));

        AlertStore store;
        QVERIFY(store.open(path, AlertStore::OpenMode::ReadOnly));
        AlertFilter search;
        search.query = QStringLiteral("\"etc shadow\"");
        QCOMPARE(store.count(search), qint64(n / 100));
    }

    void nothingWaiting()
    {
        QTemporaryDir dir;
        const QString path = makeStore(dir, 100);
        {
            AlertStore store;
            QVERIFY(store.open(path));
            QCOMPARE(store.indexPending(), qint64(100));
        }
        TextIndexer indexer;
        QSignalSpy progress(&indexer, &TextIndexer::progress);
        QSignalSpy finished(&indexer, &TextIndexer::finished);
        indexer.start(path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(progress.size(), 0);
    }

    // At most about ten reports a second, however small the chunks.
    void progressIsThrottled()
    {
        QTemporaryDir dir;
        constexpr int n = 30000;
        const QString path = makeStore(dir, n);
        QVERIFY(!path.isEmpty());
        TextIndexer::Config config;
        config.chunkRows = 500;
        config.minPauseMs = 1;
        config.pausePercent = 0;
        TextIndexer indexer(config);
        QSignalSpy progress(&indexer, &TextIndexer::progress);
        QSignalSpy finished(&indexer, &TextIndexer::finished);
        QElapsedTimer clock;
        clock.start();
        indexer.start(path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(pending(path), qint64(0));
        QVERIFY(progress.size() >= 1);
        QVERIFY2(progress.size() <= elapsed / 100 + 2,
                 qPrintable(QStringLiteral("%1 reports in %2 ms").arg(progress.size()).arg(elapsed)));
    }

    // stop() returns within a chunk, no signal of the stopped run follows, and the next run goes on from there.
    void stopIsPromptAndResumes()
    {
        QTemporaryDir dir;
        constexpr int n = 60000;
        const QString path = makeStore(dir, n);
        QVERIFY(!path.isEmpty());
        TextIndexer::Config config;
        config.chunkRows = 2000;
        config.minPauseMs = 300;
        config.progressIntervalMs = 0;
        TextIndexer indexer(config);
        QSignalSpy progress(&indexer, &TextIndexer::progress);
        QSignalSpy finished(&indexer, &TextIndexer::finished);
        indexer.start(path);
        QTRY_VERIFY_WITH_TIMEOUT(progress.size() >= 2, 30000);   // the first chunk is in
        QElapsedTimer clock;
        clock.start();
        indexer.stop();
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(!indexer.isRunning());
        const qint64 reports = progress.size();
        QTest::qWait(200);
        QCOMPARE(progress.size(), reports);
        QCOMPARE(finished.size(), 0);
        const qint64 left = pending(path);
        QVERIFY2(left > 0 && left < n, qPrintable(QString::number(left)));

        indexer.start(path);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(progress.at(reports).at(1).toLongLong(), left);   // the new run's total: what was left
        QCOMPARE(pending(path), qint64(0));
    }

    // Another writer (an import, live ingest, a triage change) gets the write lock between chunks: its transactions
    // go through while the index is being built, none of them waiting for the whole run.
    void writersGetTheirTurn()
    {
        QTemporaryDir dir;
        constexpr int n = 80000;
        const QString path = makeStore(dir, n);
        QVERIFY(!path.isEmpty());
        TextIndexer indexer;
        QSignalSpy progress(&indexer, &TextIndexer::progress);
        QSignalSpy finished(&indexer, &TextIndexer::finished);
        indexer.start(path);
        QTRY_VERIFY_WITH_TIMEOUT(progress.size() >= 1, 30000);
        AlertStore writer;
        QVERIFY(writer.open(path));
        int writes = 0;
        qint64 longestWaitMs = 0;
        while (finished.isEmpty() && writes < 8) {
            QString error;
            QElapsedTimer clock;
            clock.start();
            const InsertResult stored = writer.insert(makeBatch(n + writes * 10, 10), &error);
            longestWaitMs = std::max(longestWaitMs, clock.elapsed());
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(stored.stored, qint64(10));
            ++writes;
            QCoreApplication::processEvents();
        }
        // Far below SQLite's busy timeout (10 s), after which a starved writer would fail.
        QVERIFY2(longestWaitMs < 5000, qPrintable(QString::number(longestWaitMs)));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QVERIFY(writes >= 1);
    }
};

QTEST_MAIN(TestTextIndexer)
#include "tst_textindexer.moc"
