// SPDX-License-Identifier: Apache-2.0
// The GUI opens a store on a worker thread: a current store opens at once and shows nothing; a store of schema v4
// is converted in place with a progress dialog whose Cancel stops it between chunks, leaving the store unopened and
// as it was (still v4), and the conversion resumes at the next open.
#include "app/storeopener.h"
#include "support/rawdb.h"
#include "support/v4store.h"

#include "model/alertstore.h"
#include "model/schema.h"
#include "ui/storeconversiondialog.h"

#include <QFileInfo>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace fe;

namespace {

constexpr int s_v4Alerts = 65000;   // four conversion chunks (of 20,000 alerts)

using fe::test::RawDb;

bool writeV4Store(const QString &path, int count)
{
    QString error;
    if (fe::test::writeV4Store(path, count, &error))
        return true;
    qWarning("%s", qPrintable(error));
    return false;
}

int userVersion(const QString &path)
{
    RawDb raw(path);
    return int(raw.scalar("PRAGMA user_version"));
}

} // namespace

class TestStoreOpener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void currentStoreOpensWithoutDialog()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.db"));
        StoreOpener opener;
        QSignalSpy progress(&opener, &StoreOpener::progress);
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::Opened);
        QCOMPARE(opener.alertCount(), qint64(0));
        QCOMPARE(progress.size(), 0);
        QCOMPARE(userVersion(path), Schema::latestVersion());
        // Opened again: nothing to convert either.
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::Opened);
        QCOMPARE(progress.size(), 0);
    }

    void foreignFileFails()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.db"));
        {
            RawDb raw(path);
            QVERIFY(raw.exec("CREATE TABLE other(x); INSERT INTO other VALUES(1);"));
        }
        StoreOpener opener;
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::Failed);
        QVERIFY2(opener.error().contains(QLatin1String("not a Falco Explorer store")), qPrintable(opener.error()));
    }

    // A store whose compression dictionary is damaged cannot take new records but can be read: the GUI opens it
    // read-only and says why, with the store's own count; a store that cannot be read at all still fails.
    void damagedDictionaryOpensReadOnly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.db"));
        {
            AlertStore store;
            QVERIFY(store.open(path));
            for (int first = 0; first < 3000; first += 1000) {
                AlertBatch batch;
                for (int i = first; i < first + 1000; ++i) {
                    Alert a;
                    a.timestampMs = 1714521600000 + qint64(i) * 1000;
                    a.priority = Priority::Warning;
                    a.rule = QStringLiteral("rule %1").arg(i % 4);
                    a.hostname = QStringLiteral("host-%1").arg(i % 3);
                    a.output = QStringLiteral("shell spawned in container %1 by bash -c %2").arg(i % 7).arg(i);
                    batch.append(a);
                }
                QCOMPARE(store.insert(batch).stored, 1000);   // enough to train a dictionary
            }
        }
        {
            RawDb raw(path);
            QCOMPARE(raw.scalar("SELECT count(*) FROM zdict"), qint64(1));
            QVERIFY(raw.exec("UPDATE zdict SET data = x'37a430ec00000000'"));
        }
        StoreOpener opener;
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::OpenedReadOnly);
        QVERIFY2(opener.error().contains(QLatin1String("dictionary")), qPrintable(opener.error()));
        QCOMPARE(opener.alertCount(), qint64(3000));

        const QString impossible = path + QStringLiteral("/b.db");   // under a file: neither created nor read
        QCOMPARE(opener.exec(impossible, nullptr), StoreOpener::Result::Failed);
        QVERIFY(!QFileInfo::exists(impossible));
    }

    // The dialog appears with the conversion's first progress, counts up to the total, and is gone afterwards.
    void conversionShowsProgress()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v4.db"));
        QVERIFY(writeV4Store(path, s_v4Alerts));
        QCOMPARE(userVersion(path), 4);

        StoreOpener opener;
        QSignalSpy progress(&opener, &StoreOpener::progress);
        QStringList labels;
        bool modal = false;
        // Queued: after the opener has shown the dialog for this progress.
        connect(&opener, &StoreOpener::progress, this, [&] {
            if (StoreConversionDialog *dialog = opener.dialog()) {
                labels << dialog->labelText();
                modal = dialog->isVisible() && dialog->isModal();
            }
        }, Qt::QueuedConnection);
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::Opened);
        QCOMPARE(opener.alertCount(), qint64(s_v4Alerts));
        QCOMPARE(userVersion(path), 5);
        QVERIFY(!opener.dialog());

        QVERIFY(progress.size() >= 1);
        QCOMPARE(progress.last().at(0).toLongLong(), qint64(s_v4Alerts));
        QCOMPARE(progress.last().at(1).toLongLong(), qint64(s_v4Alerts));
        QVERIFY(modal);
        QVERIFY(!labels.isEmpty());
        const QString first = labels.constFirst();
        QVERIFY2(first.startsWith(QStringLiteral("Converting the store to the new format: "))
                     && first.endsWith(QStringLiteral(" of %1 alerts").arg(QLocale().toString(s_v4Alerts))),
                 qPrintable(first));

        AlertStore store;
        QVERIFY(store.open(path, AlertStore::OpenMode::ReadOnly));
        QCOMPARE(store.count(), qint64(s_v4Alerts));
    }

    // Cancel in the dialog: the conversion stops after its current chunk, the store stays v4 and is not opened, the
    // analyst is told where it stopped; the next open goes on from there.
    void cancelStopsAndResumes()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v4.db"));
        QVERIFY(writeV4Store(path, s_v4Alerts));

        StoreOpener opener;
        bool clicked = false;
        connect(&opener, &StoreOpener::progress, this, [&] {
            if (opener.dialog() && !clicked) {
                clicked = true;
                QTest::mouseClick(opener.dialog()->cancelButton(), Qt::LeftButton);
                QVERIFY(opener.dialog()->isCancelRequested());
                QVERIFY(!opener.dialog()->cancelButton()->isEnabled());
            }
        }, Qt::QueuedConnection);
        QCOMPARE(opener.exec(path, nullptr), StoreOpener::Result::Cancelled);
        QVERIFY(clicked);
        QCOMPARE(userVersion(path), 4);
        // The first progress is reported after the first chunk, from inside the conversion's own check for a
        // cancel: the click can land before that check (the conversion stops after one chunk), while the second
        // chunk is converted, or, on a very busy machine, later; never after the last.
        const qint64 converted = RawDb(path).scalar("SELECT count(*) FROM alerts_v5");
        QVERIFY2(converted >= 20000 && converted < s_v4Alerts, qPrintable(QString::number(converted)));
        const QLocale locale;
        QVERIFY2(opener.error().contains(QStringLiteral("stopped at %1 of %2 alerts")
                                             .arg(locale.toString(converted), locale.toString(s_v4Alerts))),
                 qPrintable(opener.error()));

        StoreOpener again;
        QSignalSpy progress(&again, &StoreOpener::progress);
        QCOMPARE(again.exec(path, nullptr), StoreOpener::Result::Opened);
        QCOMPARE(userVersion(path), 5);
        QCOMPARE(again.alertCount(), qint64(s_v4Alerts));
        QVERIFY(!progress.isEmpty());
        // Resumed, not started over.
        QCOMPARE(progress.first().at(0).toLongLong(), std::min<qint64>(converted + 20000, s_v4Alerts));
    }

    // cancel() before the first chunk is done: the conversion stops after it.
    void cancelWithoutDialog()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v4.db"));
        QVERIFY(writeV4Store(path, s_v4Alerts));
        StoreOpener opener;
        QSignalSpy finished(&opener, &StoreOpener::finished);
        opener.start(path);
        opener.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QCOMPARE(opener.result(), StoreOpener::Result::Cancelled);
        QCOMPARE(userVersion(path), 4);
        RawDb raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM alerts_v5"), qint64(20000));
    }
};

QTEST_MAIN(TestStoreOpener)
#include "tst_storeopener.moc"
