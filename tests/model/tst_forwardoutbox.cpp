// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"
#include "model/forwardoutbox.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fe;

namespace {

Alert makeAlert(int n)
{
    Alert a;
    a.timestampMs = 1700000000000LL + n * 1000;
    a.priority = Priority::Warning;
    a.severity = 47;
    a.rule = QStringLiteral("rule %1").arg(n % 3);
    a.hostname = QStringLiteral("host");
    a.dedupeKey = "u:" + QByteArray::number(n);
    a.ecsJson = R"({"rule":{"name":"rule"},"n":)" + QByteArray::number(n) + '}';
    return a;
}

AlertBatch makeBatch(int from, int count)
{
    AlertBatch batch;
    for (int i = from; i < from + count; ++i)
        batch.append(makeAlert(i));
    return batch;
}

} // namespace

class TestForwardOutbox : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_path;

private Q_SLOTS:
    void init()
    {
        m_path = m_dir.filePath(QStringLiteral("%1-%2.db").arg(QString::fromLatin1(QTest::currentTestFunction()),
                                                                QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
        AlertStore store;
        QString error;
        QVERIFY2(store.open(m_path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        QCOMPARE(store.insert(makeBatch(1, 10)).stored, 10);
    }

    void missingStoreIsAClearError()
    {
        ForwardOutbox outbox;
        QString error;
        QVERIFY(!outbox.open(m_dir.filePath(QStringLiteral("nope.db")), QStringLiteral("t"), &error));
        QVERIFY(error.contains(QLatin1String("no alert store")));
    }

    void newTargetStartsAtZeroAndTakesInOrder()
    {
        ForwardOutbox outbox;
        QString error;
        QVERIFY2(outbox.open(m_path, QStringLiteral("es:ecs:logs-falco.alerts-default"), &error), qPrintable(error));
        QCOMPARE(outbox.cursor(), 0);
        const auto items = outbox.takeNew(0, 4);
        QCOMPARE(items.size(), 4);
        QCOMPARE(items[0].alertId, 1);
        QCOMPARE(items[3].alertId, 4);
        QCOMPARE(items[0].dedupeKey, QByteArray("u:1"));
        QCOMPARE(items[0].document, makeAlert(1).ecsJson);
        QVERIFY(!items[0].isRetry);
        QCOMPARE(outbox.takeNew(4, 100).size(), 6);
        const ForwardOutbox::Counts c = outbox.counts();
        QCOMPARE(c.pending, 10);
        QCOMPARE(c.delivered, 0);
    }

    void commitMovesTheCursorAndRecordsFailures()
    {
        QString error;
        {
            ForwardOutbox outbox;
            QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
            ForwardOutbox::Outcome o;
            o.cursor = 5;
            o.delivered = 3;
            o.duplicates = 1;
            o.retry.append({2, 429, QStringLiteral("HTTP 429"), 1, 0, false});
            o.dead.append({4, 400, QStringLiteral("HTTP 400: mapper_parsing_exception"), 1, 0, false});
            QVERIFY2(outbox.commit(o, &error), qPrintable(error));
        }
        // A new connection (a restart) sees the same state.
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        QCOMPARE(outbox.cursor(), 5);
        ForwardOutbox::Counts c = outbox.counts();
        QCOMPARE(c.delivered, 3);
        QCOMPARE(c.duplicates, 1);
        QCOMPARE(c.retrying, 1);
        QCOMPARE(c.deadLettered, 1);
        QCOMPARE(c.pending, 5);
        QCOMPARE(outbox.nextRetryMs(), 0);

        const auto due = outbox.takeDue(10, 1);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due[0].alertId, 2);
        QCOMPARE(due[0].attempts, 1);
        QVERIFY(due[0].isRetry);
        QCOMPARE(due[0].document, makeAlert(2).ecsJson);

        const auto dead = outbox.deadLetters();
        QCOMPARE(dead.size(), 1);
        QCOMPARE(dead[0].alertId, 4);
        QCOMPARE(dead[0].status, 400);
        QCOMPARE(dead[0].reason, QStringLiteral("HTTP 400: mapper_parsing_exception"));
        QCOMPARE(dead[0].rule, makeAlert(4).rule);
        QCOMPARE(dead[0].timestampMs, makeAlert(4).timestampMs);

        // The retry is delivered, the dead letter goes back to retrying.
        ForwardOutbox::Outcome o;
        o.delivered = 1;
        o.deliveredRetries = {2};
        QVERIFY(outbox.commit(o, &error));
        QCOMPARE(outbox.retryDeadLetters(), 1);
        c = outbox.counts();
        QCOMPARE(c.cursor, 5);   // cursor -1 in the outcome kept it
        QCOMPARE(c.delivered, 4);
        QCOMPARE(c.retrying, 1);
        QCOMPARE(c.deadLettered, 0);
        QCOMPARE(outbox.takeDue(10, 0).value(0).alertId, 4);
    }

    void cursorNeverMovesBack()
    {
        ForwardOutbox outbox;
        QString error;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        ForwardOutbox::Outcome o;
        o.cursor = 7;
        QVERIFY(outbox.commit(o, &error));
        o.cursor = 3;
        QVERIFY(outbox.commit(o, &error));
        QCOMPARE(outbox.cursor(), 7);
    }

    void targetsAreIndependent()
    {
        QString error;
        ForwardOutbox a;
        ForwardOutbox b;
        QVERIFY(a.open(m_path, QStringLiteral("es:ecs:one"), &error));
        QVERIFY(b.open(m_path, QStringLiteral("es:raw:two"), &error));
        ForwardOutbox::Outcome o;
        o.cursor = 10;
        o.delivered = 10;
        QVERIFY(a.commit(o, &error));
        QCOMPARE(a.counts().pending, 0);
        QCOMPARE(b.counts().pending, 10);
        QCOMPARE(b.cursor(), 0);
        QCOMPARE(a.targets(), (QStringList{QStringLiteral("es:ecs:one"), QStringLiteral("es:raw:two")}));
    }

    void retryRowOfADeletedAlertIsDropped()
    {
        QString error;
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        ForwardOutbox::Outcome o;
        o.retry.append({999, 503, QStringLiteral("HTTP 503"), 1, 0, false});
        QVERIFY(outbox.commit(o, &error));
        QCOMPARE(outbox.counts().retrying, 1);
        QVERIFY(outbox.takeDue(10, 1).isEmpty());
        QCOMPARE(outbox.counts().retrying, 0);
    }

    void retryNotDueIsNotTaken()
    {
        QString error;
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        ForwardOutbox::Outcome o;
        o.retry.append({3, 429, QStringLiteral("HTTP 429"), 2, 5000, false});
        QVERIFY(outbox.commit(o, &error));
        QVERIFY(outbox.takeDue(10, 4999).isEmpty());
        QCOMPARE(outbox.takeDue(10, 5000).size(), 1);
        QCOMPARE(outbox.nextRetryMs(), 5000);
    }

    // Two requests in flight, answered out of order: the later batch becomes a span, is never handed out
    // again (not even after a restart), and the cursor absorbs it when the earlier batch is answered.
    void outOfOrderAnswerIsASpanUntilTheCursorReachesIt_data()
    {
        QTest::addColumn<bool>("restartBetween");
        QTest::newRow("same connection") << false;
        QTest::newRow("restart between the answers") << true;
    }
    void outOfOrderAnswerIsASpanUntilTheCursorReachesIt()
    {
        QFETCH(bool, restartBetween);
        QString error;
        auto outbox = std::make_unique<ForwardOutbox>();
        QVERIFY(outbox->open(m_path, QStringLiteral("t"), &error));
        ForwardOutbox::Outcome later;   // the batch (4, 7], answered first
        later.spanAfter = 4;
        later.cursor = 7;
        later.delivered = 3;
        QVERIFY2(outbox->commit(later, &error), qPrintable(error));
        QCOMPARE(outbox->cursor(), 0);
        QCOMPARE(outbox->spans(), (QVector<QPair<qint64, qint64>>{{4, 7}}));
        if (restartBetween) {
            outbox = std::make_unique<ForwardOutbox>();
            QVERIFY(outbox->open(m_path, QStringLiteral("t"), &error));
        }
        // What is left to send skips the answered span.
        QVector<qint64> ids;
        for (const auto &item : outbox->takeNew(outbox->cursor(), 100))
            ids.append(item.alertId);
        QCOMPARE(ids, (QVector<qint64>{1, 2, 3, 4, 8, 9, 10}));
        QCOMPARE(outbox->takeNew(3, 2).value(1).alertId, 8);
        QCOMPARE(outbox->counts().pending, 7);
        QCOMPARE(outbox->counts().delivered, 3);

        ForwardOutbox::Outcome earlier;   // (0, 4]
        earlier.spanAfter = 0;
        earlier.cursor = 4;
        earlier.delivered = 4;
        QVERIFY2(outbox->commit(earlier, &error), qPrintable(error));
        QCOMPARE(outbox->cursor(), 7);
        QVERIFY(outbox->spans().isEmpty());
        // The forwarder had handed out up to 4; the span it skipped is behind the cursor now and stays skipped.
        QCOMPARE(outbox->takeNew(4, 100).size(), 3);
        QCOMPARE(outbox->takeNew(4, 100).value(0).alertId, 8);
        QCOMPARE(outbox->counts().pending, 3);
        QCOMPARE(outbox->counts().delivered, 7);
    }

    void spansChainAndOverlap()
    {
        QString error;
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        for (const auto &[after, hi] : {QPair<qint64, qint64>{6, 8}, {3, 6}, {3, 5}, {8, 9}}) {
            ForwardOutbox::Outcome o;
            o.spanAfter = after;
            o.cursor = hi;
            QVERIFY2(outbox.commit(o, &error), qPrintable(error));
        }
        QCOMPARE(outbox.cursor(), 0);
        QCOMPARE(outbox.spans(), (QVector<QPair<qint64, qint64>>{{3, 6}, {6, 8}, {8, 9}}));
        QCOMPARE(outbox.counts().pending, 4);   // 1, 2, 3, 10
        ForwardOutbox::Outcome first;
        first.spanAfter = 0;
        first.cursor = 3;
        QVERIFY(outbox.commit(first, &error));
        QCOMPARE(outbox.cursor(), 9);
        QVERIFY(outbox.spans().isEmpty());
        QCOMPARE(outbox.takeNew(outbox.cursor(), 10).size(), 1);
    }

    // A batch that only held retries has no span: the cursor and spans stay as they are.
    void retriesOnlyOutcomeLeavesTheSpans()
    {
        QString error;
        ForwardOutbox outbox;
        QVERIFY(outbox.open(m_path, QStringLiteral("t"), &error));
        ForwardOutbox::Outcome span;
        span.spanAfter = 2;
        span.cursor = 4;
        QVERIFY(outbox.commit(span, &error));
        ForwardOutbox::Outcome retries;
        retries.retry.append({1, 503, QStringLiteral("HTTP 503"), 1, 0, false});
        QVERIFY(outbox.commit(retries, &error));
        QCOMPARE(outbox.cursor(), 0);
        QCOMPARE(outbox.spans().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestForwardOutbox)
#include "tst_forwardoutbox.moc"
