// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"
#include "model/querylanguage.h"
#include "model/triagestore.h"

#include "support/testalerts.h"

#include <QTemporaryDir>
#include <QTest>

using namespace fe;

namespace {

AlertBatch makeAlerts(int n)
{
    AlertBatch batch;
    for (int i = 0; i < n; ++i) {
        batch.append(test::makeAlert(1715104800000 + i * 1000, i % 2 ? Priority::Warning : Priority::Critical,
                                     i % 2 ? QStringLiteral("Read sensitive file untrusted")
                                           : QStringLiteral("Terminal shell in container"),
                                     QStringLiteral("host-%1").arg(i % 3), QStringLiteral("alert number %1").arg(i),
                                     "h:" + QByteArray::number(i)));
    }
    return batch;
}

} // namespace

class TestTriageStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath(QStringLiteral("alerts.db")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QCOMPARE(test::storeAlerts(path(), makeAlerts(12), &error), qint64(12));
    }

    void names_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("name");
        QTest::newRow("new") << 0 << QStringLiteral("new");
        QTest::newRow("acknowledged") << 1 << QStringLiteral("acknowledged");
        QTest::newRow("in progress") << 2 << QStringLiteral("in_progress");
        QTest::newRow("closed") << 3 << QStringLiteral("closed");
        QTest::newRow("false positive") << 4 << QStringLiteral("false_positive");
    }

    // The store's names are the query language's names, in the same order.
    void names()
    {
        QFETCH(int, status);
        QFETCH(QString, name);
        QCOMPARE(TriageStore::statusName(TriageStatus(status)), name);
        QCOMPARE(triageStatusNames().at(status), name);
    }

    void statusPersistsAndIsSearchable()
    {
        {
            AlertStore store;
            QVERIFY(store.open(path()));
            TriageStore triage(store);
            QString error;
            QCOMPARE(triage.setStatus(QVector<qint64>{1, 2, 3}, TriageStatus::Acknowledged, &error), qint64(3));
            // Setting the same status again changes nothing.
            QCOMPARE(triage.setStatus(QVector<qint64>{1, 2}, TriageStatus::Acknowledged, &error), qint64(0));
            QCOMPARE(triage.setStatus(QVector<qint64>{3}, TriageStatus::FalsePositive, &error), qint64(1));
            // Unknown ids are not an error: nothing changes.
            QCOMPARE(triage.setStatus(QVector<qint64>{999}, TriageStatus::Closed, &error), qint64(0));
        }
        AlertStore reader;
        QVERIFY(reader.open(path(), AlertStore::OpenMode::ReadOnly));
        TriageStore triage(reader);
        QCOMPARE(triage.status(1), TriageStatus::Acknowledged);
        QCOMPARE(triage.status(3), TriageStatus::FalsePositive);
        QCOMPARE(triage.status(4), TriageStatus::New);
        QCOMPARE(reader.count({QStringLiteral("triage.status:acknowledged")}), qint64(2));
        QCOMPARE(reader.count({QStringLiteral("triage.status:\"false positive\"")}), qint64(1));
        QCOMPARE(reader.count({QStringLiteral("triage.status:new")}), qint64(9));
        QCOMPARE(reader.count({QStringLiteral("not triage.status:new")}), qint64(3));
    }

    void statusForQueryResult()
    {
        AlertStore store;
        QVERIFY(store.open(path()));
        TriageStore triage(store);
        QString error;
        AlertFilter f;
        f.query = QStringLiteral("host.name:host-0 and priority:critical");
        const qint64 expected = store.count(f);
        QVERIFY(expected > 0);
        QCOMPARE(triage.setStatus(f, TriageStatus::Closed, &error), expected);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        AlertFilter closed;
        closed.query = QStringLiteral("triage.status:closed");
        QCOMPARE(store.count(closed), expected);
        AlertFilter bad;
        bad.query = QStringLiteral("host:(");
        QCOMPARE(triage.setStatus(bad, TriageStatus::Closed, &error), qint64(-1));
        QVERIFY(!error.isEmpty());
    }

    void notesPersistAndAreSearchable()
    {
        {
            AlertStore store;
            QVERIFY(store.open(path()));
            TriageStore triage(store);
            QString error;
            QCOMPARE(triage.addNote(QVector<qint64>{4}, QStringLiteral("alice"), QStringLiteral("benign: CI runner"), 1000, &error),
                     qint64(1));
            QCOMPARE(triage.addNote(QVector<qint64>{4}, QStringLiteral("bob"), QStringLiteral("<b>not</b> rich text"), 2000, &error),
                     qint64(1));
            QCOMPARE(triage.addNote(QVector<qint64>{999}, QStringLiteral("bob"), QStringLiteral("nowhere"), 0, &error), qint64(0));
            AlertFilter f;
            f.query = QStringLiteral("host.name:host-1");
            QCOMPARE(triage.addNote(f, QStringLiteral("carol"), QStringLiteral("bulk 100% reviewed"), 3000, &error), store.count(f));
        }
        AlertStore reader;
        QVERIFY(reader.open(path(), AlertStore::OpenMode::ReadOnly));
        TriageStore triage(reader);
        const QVector<TriageNote> notes = triage.notes(4);
        QCOMPARE(notes.size(), 2);
        QCOMPARE(notes.at(0).author, QStringLiteral("alice"));
        QCOMPARE(notes.at(0).timestampMs, qint64(1000));
        QCOMPARE(notes.at(0).text, QStringLiteral("benign: CI runner"));
        QCOMPARE(notes.at(1).text, QStringLiteral("<b>not</b> rich text"));
        QCOMPARE(reader.count({QStringLiteral("triage.note:\"ci runner\"")}), qint64(1));
        QCOMPARE(reader.count({QStringLiteral("triage.note:\"100%\"")}), reader.count({QStringLiteral("host.name:host-1")}));
        QCOMPARE(reader.count({QStringLiteral("triage.note:\"10%\"")}), qint64(0));
        QCOMPARE(reader.count({QStringLiteral("triage.note:*")}), reader.count({QStringLiteral("host.name:host-1")}) + 1);
    }
};

QTEST_GUILESS_MAIN(TestTriageStore)
#include "tst_triagestore.moc"
