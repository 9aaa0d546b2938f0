// SPDX-License-Identifier: Apache-2.0
#include "model/diagnostic.h"

#include <QTest>

using namespace fe;

class TestDiagnostic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void escapeBytes_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<qsizetype>("maxBytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain text is kept") << QByteArray("rule: Terminal shell") << qsizetype(-1)
                                            << QStringLiteral("rule: Terminal shell");
        QTest::newRow("ESC and BEL") << QByteArray("a\x1b]0;pwned\x07z") << qsizetype(-1)
                                     << QStringLiteral("a\\x1b]0;pwned\\x07z");
        QTest::newRow("CSI clear screen") << QByteArray("\x1b[2J\x1b[H") << qsizetype(-1)
                                          << QStringLiteral("\\x1b[2J\\x1b[H");
        QTest::newRow("line breaks forge no lines") << QByteArray("one\r\ntwo\tthree") << qsizetype(-1)
                                                    << QStringLiteral("one\\r\\ntwo\\tthree");
        QTest::newRow("NUL and DEL") << QByteArray("a\0b\x7f", 4) << qsizetype(-1) << QStringLiteral("a\\x00b\\x7f");
        QTest::newRow("UTF-8 kept") << QByteArray("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7") << qsizetype(-1)
                                    << QStringLiteral("café € \U0001F427");
        QTest::newRow("C1 CSI as UTF-8") << QByteArray("x\xc2\x9b" "31mred") << qsizetype(-1)
                                         << QStringLiteral("x\\x9b31mred");
        QTest::newRow("raw C1 byte") << QByteArray("x\x9b" "31m") << qsizetype(-1) << QStringLiteral("x\\x9b31m");
        QTest::newRow("invalid UTF-8") << QByteArray("\xff\xfe\xc3") << qsizetype(-1) << QStringLiteral("\\xff\\xfe\\xc3");
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << qsizetype(-1) << QStringLiteral("\\xc0\\xaf");
        QTest::newRow("encoded surrogate") << QByteArray("\xed\xa0\x80") << qsizetype(-1)
                                           << QStringLiteral("\\xed\\xa0\\x80");
        QTest::newRow("bidi override") << QByteArray("abc\xe2\x80\xae" "fed") << qsizetype(-1)
                                       << QStringLiteral("abc\\u202efed");
        QTest::newRow("line separator") << QByteArray("a\xe2\x80\xa8" "b") << qsizetype(-1) << QStringLiteral("a\\u2028b");
        QTest::newRow("cut") << QByteArray("abcdef") << qsizetype(3) << QStringLiteral("abc…");
        QTest::newRow("not cut at the limit") << QByteArray("abc") << qsizetype(3) << QStringLiteral("abc");
        QTest::newRow("cut before a character, not inside") << QByteArray("ab\xe2\x82\xac") << qsizetype(3)
                                                            << QStringLiteral("ab…");
        QTest::newRow("backslash kept") << QByteArray("C:\\x1b") << qsizetype(-1) << QStringLiteral("C:\\x1b");
    }
    void escapeBytes()
    {
        QFETCH(QByteArray, input);
        QFETCH(qsizetype, maxBytes);
        QFETCH(QString, expected);
        const QString escaped = escapeControls(QByteArrayView(input), maxBytes);
        QCOMPARE(escaped, expected);
        // Nothing a terminal would act on is left, and escaping again changes nothing.
        for (const QChar c : escaped)
            QVERIFY2(c.unicode() >= 0x20 && c.unicode() != 0x7f, qPrintable(escaped));
        QCOMPARE(escapeControls(QStringView(escaped)), escaped);
    }

    void escapeText()
    {
        QCOMPARE(escapeControls(QStringView(u"ok")), QStringLiteral("ok"));
        QCOMPARE(escapeControls(QStringView(u"a\u001b[31mb\u0007")), QStringLiteral("a\\x1b[31mb\\x07"));
        QCOMPARE(escapeControls(QStringView(u"\u0085\u2067x")), QStringLiteral("\\x85\\u2067x"));
        // A surrogate pair is one character (kept); a lone one is escaped.
        QCOMPARE(escapeControls(QStringView(u"\U0001F427")), QStringLiteral("\U0001F427"));
        const QChar lone[] = {QChar(0xd800), QLatin1Char('x')};
        QCOMPARE(escapeControls(QStringView(lone, 2)), QStringLiteral("\\ud800x"));
    }

    void toStringEscapesLocationAndText()
    {
        Diagnostic d;
        d.location = QStringLiteral("/evidence/\x1b[2Jfalco.log:3");
        d.text = QStringLiteral("not syslog: \"\x1b]0;owned\x07\"");
        QCOMPARE(d.toString(), QStringLiteral("/evidence/\\x1b[2Jfalco.log:3: not syslog: \"\\x1b]0;owned\\x07\""));
        d.location.clear();
        d.text = QStringLiteral("line\nforged: error");
        QCOMPARE(d.toString(), QStringLiteral("line\\nforged: error"));
    }
};

QTEST_APPLESS_MAIN(TestDiagnostic)
#include "tst_diagnostic.moc"
