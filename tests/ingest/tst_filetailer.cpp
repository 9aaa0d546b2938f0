// SPDX-License-Identifier: Apache-2.0
// Live file tailing with real files and a real store: appends, partial lines, logrotate-style rotation
// (rename + create, copytruncate, delete + recreate), restart in the middle, globs. Counts are exact.
#include "ingest/sources/filetailer.h"
#include "ingest/pipeline/ingestpipeline.h"
#include "model/alertstore.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fe;

namespace {

QByteArray alertJson(int i)
{
    return QByteArray(R"({"uuid":"00000000-0000-4000-8000-)") + QByteArray::number(i).rightJustified(12, '0')
        + R"(","output":"12:00:00.000000000: Notice Shell spawned n=)" + QByteArray::number(i)
        + R"(","priority":"Notice","rule":"Terminal shell in container","time":"2024-08-07T13:49:16.479964318Z",)"
        + R"("source":"syscall","hostname":"node-1","output_fields":{"proc.name":"bash"}})";
}

// Appends alerts first..first+count-1, one line each.
void append(const QString &path, int first, int count, const QByteArray &tail = {})
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::Append));
    for (int i = first; i < first + count; ++i)
        file.write(alertJson(i) + '\n');
    file.write(tail);
}

struct Harness
{
    QString dbPath;
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<FileTailer> tailer;

    bool start(const QStringList &paths)
    {
        IngestConfig config;
        config.dbPath = dbPath;
        config.mapOptions.input = MapOptions::Input::Logfile;
        config.maxBatchAgeMs = 20;
        pipeline = std::make_unique<IngestPipeline>(config);
        if (!pipeline->start())
            return false;
        TailConfig tail;
        tail.paths = paths;
        tail.pollIntervalMs = 50;
        tail.rotationGraceMs = 300;
        tailer = std::make_unique<FileTailer>(tail, pipeline.get());
        QString error;
        if (!tailer->start(&error)) {
            qWarning() << error;
            return false;
        }
        return true;
    }

    void stop()
    {
        if (tailer)
            tailer->stop();
        if (pipeline)
            pipeline->stop();
        tailer.reset();
        pipeline.reset();
    }

    qint64 stored() const { return pipeline->stats().stored; }

    qint64 countInStore() const
    {
        AlertStore store;
        if (!store.open(dbPath, AlertStore::OpenMode::ReadOnly))
            return -1;
        return store.count();
    }

    ~Harness() { stop(); }
};

} // namespace

class TestFileTailer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendsAndPartialLastLine()
    {
        QTemporaryDir dir;
        const QString log = dir.filePath(QStringLiteral("falco.log"));
        append(log, 0, 10);
        Harness h;
        h.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        QVERIFY(h.start({log}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(10), 10000);

        const QByteArray partial = alertJson(15);
        append(log, 10, 5, partial.left(40));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(15), 10000);
        QTest::qWait(300);   // the half line is held, not stored, not rejected
        QCOMPARE(h.stored(), qint64(15));
        QCOMPARE(h.pipeline->stats().rejected, 0);

        QFile file(log);
        QVERIFY(file.open(QIODevice::Append));
        file.write(partial.mid(40) + '\n');
        file.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(16), 10000);
        QCOMPARE(h.pipeline->stats().rejected, 0);
        QCOMPARE(h.countInStore(), qint64(16));
    }

    void rotation_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("expected");
        // 20 before; rename: 5 appended just before, 3 late writes to the renamed file, 7 in the new file.
        QTest::newRow("rename and create (logrotate create)") << QStringLiteral("rename") << 35;
        QTest::newRow("copytruncate") << QStringLiteral("copytruncate") << 27;
        QTest::newRow("delete and recreate") << QStringLiteral("recreate") << 27;
        // The truncated file grows past the old read position before we look: its first bytes changed.
        QTest::newRow("copytruncate, rewritten past the old position") << QStringLiteral("copytruncate-regrow") << 45;
    }

    void rotation()
    {
        QFETCH(QString, kind);
        QFETCH(int, expected);
        QTemporaryDir dir;
        const QString log = dir.filePath(QStringLiteral("falco.log"));
        append(log, 0, 20);
        Harness h;
        h.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        QVERIFY(h.start({log}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(20), 10000);

        if (kind == QLatin1String("rename")) {
            append(log, 20, 5);
            QVERIFY(QFile::rename(log, log + QStringLiteral(".1")));
            append(log + QStringLiteral(".1"), 25, 3);   // the writer had the old file open
            append(log, 100, 7);
        } else if (kind == QLatin1String("copytruncate")) {
            QVERIFY(QFile::copy(log, log + QStringLiteral(".1")));
            QFile file(log);
            QVERIFY(file.resize(0));
            append(log, 100, 7);
        } else if (kind == QLatin1String("copytruncate-regrow")) {
            QVERIFY(QFile::copy(log, log + QStringLiteral(".1")));
            QFile file(log);
            QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Truncate));
            for (int i = 1000; i < 1025; ++i)
                file.write(alertJson(i) + '\n');
        } else {
            QVERIFY(QFile::remove(log));
            append(log, 100, 7);
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(expected), 10000);
        QTest::qWait(500);   // past the rotation grace period: nothing more arrives
        QCOMPARE(h.stored(), qint64(expected));
        QCOMPARE(h.pipeline->stats().duplicates, 0);
        QCOMPARE(h.pipeline->stats().rejected, 0);
    }

    // Stop in the middle (with a half-written line), write more, start again: exactly the new alerts.
    void restartResumesExactly()
    {
        QTemporaryDir dir;
        const QString log = dir.filePath(QStringLiteral("falco.log"));
        const QByteArray partial = alertJson(30);
        append(log, 0, 30, partial.left(25));
        Harness h;
        h.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        QVERIFY(h.start({log}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(30), 10000);
        h.stop();

        QFile file(log);
        QVERIFY(file.open(QIODevice::Append));
        file.write(partial.mid(25) + '\n');
        file.close();
        append(log, 31, 10);

        QVERIFY(h.start({log}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(11), 10000);
        QTest::qWait(300);
        QCOMPARE(h.stored(), qint64(11));
        QCOMPARE(h.pipeline->stats().duplicates, 0);
        QCOMPARE(h.pipeline->stats().received, 11);
        h.stop();
        QCOMPARE(h.countInStore(), qint64(41));

        // Restart again with nothing new: nothing read.
        QVERIFY(h.start({log}));
        QTest::qWait(300);
        QCOMPARE(h.pipeline->stats().received, 0);
        h.stop();

        // Replaced by a different file while stopped: read from its start.
        QVERIFY(QFile::remove(log));
        append(log, 500, 4);
        QVERIFY(h.start({log}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(4), 10000);
        QCOMPARE(h.pipeline->stats().duplicates, 0);
        h.stop();
        QCOMPARE(h.countInStore(), qint64(45));
    }

    void severalFilesAndGlobs()
    {
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("a.log"));
        const QString b = dir.filePath(QStringLiteral("b.log"));
        const QString other = dir.filePath(QStringLiteral("other/falco.json"));
        QDir().mkpath(dir.filePath(QStringLiteral("other")));
        append(a, 0, 5);
        append(b, 100, 6);
        append(other, 200, 7);
        append(dir.filePath(QStringLiteral("old.log.gz")), 300, 9);   // never read: .gz is excluded like Elastic does
        Harness h;
        h.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        QVERIFY(h.start({dir.filePath(QStringLiteral("*.log*")), other}));
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(18), 10000);
        append(dir.filePath(QStringLiteral("c.log")), 400, 3);   // a new file matching the glob
        append(b, 106, 2);
        QTRY_COMPARE_WITH_TIMEOUT(h.stored(), qint64(23), 10000);
        QTest::qWait(300);
        QCOMPARE(h.stored(), qint64(23));
        QCOMPARE(h.pipeline->stats().rejected, 0);
    }

    void oversizedLineIsSkipped()
    {
        QTemporaryDir dir;
        const QString log = dir.filePath(QStringLiteral("falco.log"));
        append(log, 0, 3, QByteArray(3 * 1024 * 1024, 'x') + '\n');
        append(log, 3, 3);
        IngestConfig config;
        config.dbPath = dir.filePath(QStringLiteral("alerts.db"));
        IngestPipeline pipeline(config);
        QVERIFY(pipeline.start());
        TailConfig tail;
        tail.paths = {log};
        tail.maxLineSize = 1024 * 1024;
        FileTailer tailer(tail, &pipeline);
        QVERIFY(tailer.start());
        QTRY_COMPARE_WITH_TIMEOUT(pipeline.stats().stored, qint64(6), 10000);
        QCOMPARE(pipeline.stats().rejectedByReason.value(QStringLiteral("frame too large")), 1);
        const QVector<Diagnostic> diagnostics = pipeline.diagnostics();
        QVERIFY(!diagnostics.isEmpty());
        QVERIFY(diagnostics.constFirst().location.startsWith(log));
    }
};

QTEST_GUILESS_MAIN(TestFileTailer)
#include "tst_filetailer.moc"
