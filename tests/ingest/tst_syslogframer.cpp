// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/syslogframer.h"

#include <QTest>

using fe::SyslogFramer;

class TestSyslogFramer : public QObject
{
    Q_OBJECT

private:
    struct Outcome
    {
        QList<QByteArray> frames;
        QStringList errors;
    };

    static Outcome run(const QList<QByteArray> &chunks, qsizetype maxFrame, bool byteByByte)
    {
        SyslogFramer framer(maxFrame);
        QVector<QByteArray> frames;
        QVector<SyslogFramer::Error> errors;
        for (const QByteArray &chunk : chunks) {
            if (byteByByte) {
                for (qsizetype i = 0; i < chunk.size(); ++i)
                    framer.feed(QByteArrayView(chunk).sliced(i, 1), &frames, &errors);
            } else {
                framer.feed(chunk, &frames, &errors);
            }
        }
        framer.finish(&frames, &errors);
        Outcome outcome;
        outcome.frames = QList<QByteArray>(frames.cbegin(), frames.cend());
        for (const SyslogFramer::Error &error : std::as_const(errors))
            outcome.errors.append(error.reason);
        return outcome;
    }

private Q_SLOTS:
    void frames_data()
    {
        QTest::addColumn<QList<QByteArray>>("chunks");
        QTest::addColumn<qsizetype>("maxFrame");
        QTest::addColumn<QList<QByteArray>>("expectedFrames");
        QTest::addColumn<QStringList>("expectedErrors");

        const QByteArray goLine = "<5>2024-08-07T13:49:16Z host Falco[1]: {\"rule\":\"a b\"}";
        QTest::newRow("newline frames")
            << QList<QByteArray>{goLine + "\n" + goLine + "\n"} << qsizetype(1000) << QList<QByteArray>{goLine, goLine}
            << QStringList{};
        QTest::newRow("CRLF tolerated") << QList<QByteArray>{"<13>a\r\n<13>b\r\n"} << qsizetype(1000)
                                        << QList<QByteArray>{"<13>a", "<13>b"} << QStringList{};
        QTest::newRow("empty lines skipped") << QList<QByteArray>{"\n\r\n<13>a\n\n\n<13>b\n"} << qsizetype(1000)
                                             << QList<QByteArray>{"<13>a", "<13>b"} << QStringList{};
        QTest::newRow("newline frame split across reads")
            << QList<QByteArray>{"<13>hel", "lo wor", "ld\n<1", "3>x\n"} << qsizetype(1000)
            << QList<QByteArray>{"<13>hello world", "<13>x"} << QStringList{};
        QTest::newRow("octet-counted frames") << QList<QByteArray>{"5 <13>a3 <1>"} << qsizetype(1000)
                                              << QList<QByteArray>{"<13>a", "<1>"} << QStringList{};
        QTest::newRow("octet-counted frame with embedded newline")
            << QList<QByteArray>{"9 <13>a\nb\nc8 <13>done"} << qsizetype(1000)
            << QList<QByteArray>{"<13>a\nb\nc", "<13>done"} << QStringList{};
        QTest::newRow("octet-counted frame split across reads")
            << QList<QByteArray>{"1", "5 <13>he", "llo w", "o", "rld\n9 <13>", "x y z"} << qsizetype(1000)
            << QList<QByteArray>{"<13>hello world", "<13>x y z"} << QStringList{};
        QTest::newRow("octet count followed by LF (logger --octet-count style trailer)")
            << QList<QByteArray>{"5 <13>a\n5 <13>b\n"} << qsizetype(1000) << QList<QByteArray>{"<13>a", "<13>b"}
            << QStringList{};
        QTest::newRow("framing detected frame by frame")
            << QList<QByteArray>{"<13>line one\n6 <13>oc<13>line two\n3 abc"} << qsizetype(1000)
            << QList<QByteArray>{"<13>line one", "<13>oc", "<13>line two", "abc"} << QStringList{};
        QTest::newRow("digits that are not a length")
            << QList<QByteArray>{"123abc\n42\n"} << qsizetype(1000) << QList<QByteArray>{"123abc", "42"}
            << QStringList{};
        QTest::newRow("bare JSON lines") << QList<QByteArray>{"{\"a\":1}\n{\"b\":2}\n"} << qsizetype(1000)
                                         << QList<QByteArray>{"{\"a\":1}", "{\"b\":2}"} << QStringList{};
        QTest::newRow("oversized newline frame skipped to the next newline")
            << QList<QByteArray>{"<13>ok\n" + QByteArray(50, 'x'), QByteArray(30, 'y') + "\n<13>after\n"}
            << qsizetype(20) << QList<QByteArray>{"<13>ok", "<13>after"} << QStringList{QStringLiteral("frame too large")};
        QTest::newRow("frame exactly at the limit is kept")
            << QList<QByteArray>{QByteArray(20, 'a') + "\r\n" + QByteArray(21, 'b') + "\n"} << qsizetype(20)
            << QList<QByteArray>{QByteArray(20, 'a')} << QStringList{QStringLiteral("frame too large")};
        QTest::newRow("oversized octet-counted frame drained")
            << QList<QByteArray>{"5 <13>a50 " + QByteArray(25, 'x'), QByteArray(25, 'x') + "5 <13>b"} << qsizetype(20)
            << QList<QByteArray>{"<13>a", "<13>b"} << QStringList{QStringLiteral("frame too large")};
        QTest::newRow("last line without newline at end of stream")
            << QList<QByteArray>{"<13>a\n<13>tail"} << qsizetype(1000) << QList<QByteArray>{"<13>a", "<13>tail"}
            << QStringList{};
        QTest::newRow("octet-counted frame cut at end of stream")
            << QList<QByteArray>{"5 <13>a100 <13>short"} << qsizetype(1000) << QList<QByteArray>{"<13>a"}
            << QStringList{QStringLiteral("truncated frame")};
        QTest::newRow("oversized line never terminated")
            << QList<QByteArray>{"<13>a\n" + QByteArray(100, 'z')} << qsizetype(20) << QList<QByteArray>{"<13>a"}
            << QStringList{QStringLiteral("frame too large")};
    }

    void frames()
    {
        QFETCH(QList<QByteArray>, chunks);
        QFETCH(qsizetype, maxFrame);
        QFETCH(QList<QByteArray>, expectedFrames);
        QFETCH(QStringList, expectedErrors);

        for (bool byteByByte : {false, true}) {
            const Outcome outcome = run(chunks, maxFrame, byteByByte);
            QCOMPARE(outcome.frames, expectedFrames);
            QCOMPARE(outcome.errors, expectedErrors);
        }
    }

    void bufferStaysBoundedWhileDiscarding()
    {
        SyslogFramer framer(1024);
        QVector<QByteArray> frames;
        QVector<SyslogFramer::Error> errors;
        const QByteArray chunk(64 * 1024, 'q');
        for (int i = 0; i < 512; ++i) {   // 32 MiB without a newline
            framer.feed(chunk, &frames, &errors);
            QVERIFY(framer.bufferedBytes() <= 1025);
        }
        framer.feed("\n<13>next\n", &frames, &errors);
        QCOMPARE(frames, QVector<QByteArray>{"<13>next"});
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.constFirst().detail.contains(QStringLiteral("33554432")));
    }
};

QTEST_GUILESS_MAIN(TestSyslogFramer)
#include "tst_syslogframer.moc"
