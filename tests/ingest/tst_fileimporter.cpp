// SPDX-License-Identifier: Apache-2.0
// FileImporter against real files and a real store. The import's parsing, errors and counts are covered end to end
// by tests/app/tst_cli.cpp (the `import` command); here, what only the importer's own options decide.
#include "ingest/ecs/demogenerator.h"
#include "ingest/pipeline/fileimporter.h"
#include "model/alertstore.h"
#include "support/pagecache.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;

class TestFileImporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pageCacheAfterImport_data();
    void pageCacheAfterImport();
};

void TestFileImporter::pageCacheAfterImport_data()
{
    QTest::addColumn<bool>("setKeep");
    QTest::addColumn<qint64>("keep");
    QTest::addColumn<bool>("dropped");
    // The explorer and the full-text indexer read the store next: the file stays in the page cache unless asked
    // otherwise.
    QTest::newRow("default: the file stays cached") << false << qint64(0) << false;
    QTest::newRow("keeping 1 MiB: dropped behind") << true << qint64(1 << 20) << true;
}

void TestFileImporter::pageCacheAfterImport()
{
    QFETCH(bool, setKeep);
    QFETCH(qint64, keep);
    QFETCH(bool, dropped);
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("falco.log"));
    constexpr qint64 count = 45000;
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        DemoOptions demo;
        demo.count = count;
        demo.endMs = 1795000000000;
        DemoGenerator generator(demo);
        while (!generator.atEnd())
            file.write(generator.next() + '\n');
    }
    ImportOptions options;
    options.dbPath = dir.filePath(QStringLiteral("alerts.db"));
    if (setKeep)
        options.pageCacheKeepBytes = keep;
    else
        QVERIFY(options.pageCacheKeepBytes < 0);   // off: a file of any size stays cached, not only this small one
    FileImporter importer(options);
    QVERIFY(importer.run({input}));
    const ImportSummary summary = importer.summary();
    QCOMPARE(summary.read, count);
    QCOMPARE(summary.rejected, 0);
    QCOMPARE(summary.stored + summary.duplicates, count);

    // The file's older part: all but the newest 2 MiB (the kept 1 MiB, and pages a checkpoint rewrites in place).
    const qint64 older = QFileInfo(options.dbPath).size() - (2 << 20);
    QVERIFY2(older > 16 << 20, qPrintable(QString::number(older)));
    const double resident = test::residentFraction(options.dbPath, older);
    if (dropped)
        QVERIFY2(resident >= 0 && resident < 0.1, qPrintable(QStringLiteral("%1 of the older part cached").arg(resident)));
    else
        QVERIFY2(resident > 0.9, qPrintable(QStringLiteral("%1 of the older part cached").arg(resident)));

    // Nothing is lost either way. The import leaves the full-text index to the next writer (or `index`).
    AlertStore reader;
    QVERIFY(reader.open(options.dbPath, AlertStore::OpenMode::ReadOnly));
    QCOMPARE(reader.count(), summary.stored);
    QCOMPARE(reader.pendingIndexRows(), summary.stored);
}

QTEST_GUILESS_MAIN(TestFileImporter)
#include "tst_fileimporter.moc"
