// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/backoffpolicy.h"

#include <QTest>

#include <climits>
#include <limits>

using namespace fe;

class TestBackoffPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void delay_data()
    {
        QTest::addColumn<int>("attempt");
        QTest::addColumn<double>("random");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("first retry, low jitter") << 1 << 0.0 << qint64(50);
        QTest::newRow("first retry, high jitter") << 1 << 0.999999 << qint64(99);
        QTest::newRow("second retry doubles") << 2 << 0.0 << qint64(100);
        QTest::newRow("third retry doubles twice") << 3 << 0.0 << qint64(200);
        QTest::newRow("half jitter") << 3 << 0.5 << qint64(300);
        QTest::newRow("capped at max") << 20 << 0.0 << qint64(500);
        QTest::newRow("capped at max, high jitter") << 40 << 0.999999 << qint64(999);
        QTest::newRow("huge attempt stays capped") << INT_MAX << 0.0 << qint64(500);
        QTest::newRow("attempt zero waits nothing") << 0 << 0.5 << qint64(0);
        QTest::newRow("negative attempt waits nothing") << -3 << 0.5 << qint64(0);
        QTest::newRow("random above 1 is the ceiling") << 1 << 7.0 << qint64(100);
        QTest::newRow("random below 0 is half") << 1 << -1.0 << qint64(50);
        QTest::newRow("NaN random is half") << 1 << std::numeric_limits<double>::quiet_NaN() << qint64(50);
    }
    void delay()
    {
        QFETCH(int, attempt);
        QFETCH(double, random);
        QFETCH(qint64, expected);
        BackoffPolicy policy(100, 1000);
        policy.setRandomSource([random] { return random; });
        QCOMPARE(policy.delayMs(attempt), expected);
    }

    void ceilingDoublesUpToTheMaximum()
    {
        const BackoffPolicy policy(500, 60000);
        QCOMPARE(policy.ceilingMs(0), 0);
        qint64 previous = 0;
        for (int attempt = 1; attempt <= 64; ++attempt) {
            const qint64 ceiling = policy.ceilingMs(attempt);
            QVERIFY(ceiling >= previous);
            QVERIFY(ceiling <= 60000);
            if (previous > 0 && previous < 30000)
                QCOMPARE(ceiling, previous * 2);
            previous = ceiling;
        }
        QCOMPARE(previous, 60000);
        QCOMPARE(policy.ceilingMs(8), 60000);   // 500 * 2^7 = 64000, capped
        QCOMPARE(policy.ceilingMs(7), 32000);
    }

    void delayStaysWithinHalfAndAllOfTheCeiling()
    {
        // The real random source: a retry never fires before half the ceiling, never after all of it.
        const BackoffPolicy policy(100, 5000);
        for (int attempt = 1; attempt <= 12; ++attempt) {
            const qint64 ceiling = policy.ceilingMs(attempt);
            for (int i = 0; i < 200; ++i) {
                const qint64 d = policy.delayMs(attempt);
                QVERIFY2(d >= ceiling / 2 && d <= ceiling, qPrintable(QStringLiteral("%1 for attempt %2").arg(d).arg(attempt)));
            }
        }
    }

    void constructorKeepsTheLimitsSane()
    {
        const BackoffPolicy zero(0, 0);
        QCOMPARE(zero.baseMs(), 1);
        QCOMPARE(zero.maxMs(), 1);
        QCOMPARE(zero.ceilingMs(1), 1);
        const BackoffPolicy inverted(1000, 10);
        QCOMPARE(inverted.maxMs(), 1000);
        QCOMPARE(inverted.ceilingMs(5), 1000);
    }

    void emptyRandomSourceIsIgnored()
    {
        BackoffPolicy policy(100, 1000);
        policy.setRandomSource([] { return 0.0; });
        policy.setRandomSource({});
        QCOMPARE(policy.delayMs(1), 50);
    }
};

QTEST_APPLESS_MAIN(TestBackoffPolicy)
#include "tst_backoffpolicy.moc"
