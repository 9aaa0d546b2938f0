// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/syslogmessage.h"

#include <QDateTime>
#include <QTest>

using fe::SyslogMessage;

namespace {

qint64 utcMs(const char *iso)
{
    const QDateTime dt = QDateTime::fromString(QLatin1String(iso), Qt::ISODateWithMs);
    Q_ASSERT(dt.isValid());
    return dt.toMSecsSinceEpoch();
}

// Reference "now" for year-less RFC 3164 stamps: 2024-08-07.
const qint64 kReference = utcMs("2024-08-07T12:00:00Z");

} // namespace

class TestSyslogMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void garbage_data();
    void garbage();
    void names();
    void yearRollover();
};

void TestSyslogMessage::parse_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("priority");
    QTest::addColumn<int>("facility");
    QTest::addColumn<int>("severity");
    QTest::addColumn<qint64>("timestampMs");
    QTest::addColumn<bool>("hasTimestamp");
    QTest::addColumn<QString>("hostname");
    QTest::addColumn<QString>("appname");
    QTest::addColumn<QString>("procid");
    QTest::addColumn<QString>("msgid");
    QTest::addColumn<QByteArray>("structuredData");
    QTest::addColumn<QByteArray>("payload");

    const int f3164 = int(SyslogMessage::Format::Rfc3164);
    const int f5424 = int(SyslogMessage::Format::Rfc5424);
    const int fGo = int(SyslogMessage::Format::GoSyslog);

    QTest::newRow("go log/syslog (falcosidekick)")
        << QByteArray("<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {\"rule\":\"x\"}") << fGo << 5 << 0 << 5
        << utcMs("2024-08-07T13:49:16Z") << true << QStringLiteral("a72f9a747cf8") << QStringLiteral("Falco")
        << QStringLiteral("1") << QString() << QByteArray() << QByteArray("{\"rule\":\"x\"}");
    QTest::newRow("go log/syslog with offset and fraction")
        << QByteArray("<134>2024-08-07T15:49:16.123456+02:00 host falco[42]: msg") << fGo << 134 << 16 << 6
        << utcMs("2024-08-07T13:49:16.123Z") << true << QStringLiteral("host") << QStringLiteral("falco")
        << QStringLiteral("42") << QString() << QByteArray() << QByteArray("msg");
    QTest::newRow("rfc3164 without year")
        << QByteArray("<34>Oct 11 22:14:15 mymachine su: 'su root' failed") << f3164 << 34 << 4 << 2
        << utcMs("2023-10-11T22:14:15Z") << true << QStringLiteral("mymachine") << QStringLiteral("su") << QString()
        << QString() << QByteArray() << QByteArray("'su root' failed");
    QTest::newRow("rfc3164 without year, this year")
        << QByteArray("<13>Aug  7 10:00:00 host falco[77]: {}") << f3164 << 13 << 1 << 5
        << utcMs("2024-08-07T10:00:00Z") << true << QStringLiteral("host") << QStringLiteral("falco")
        << QStringLiteral("77") << QString() << QByteArray() << QByteArray("{}");
    QTest::newRow("rfc3164 with year and fraction")
        << QByteArray("<86>Jan 02 2021 03:04:05.678 box sshd[9]: hello") << f3164 << 86 << 10 << 6
        << utcMs("2021-01-02T03:04:05.678Z") << true << QStringLiteral("box") << QStringLiteral("sshd")
        << QStringLiteral("9") << QString() << QByteArray() << QByteArray("hello");
    QTest::newRow("rfc3164 without hostname")
        << QByteArray("<30>Feb  5 01:02:03 falco[12]: {\"a\":1}") << f3164 << 30 << 3 << 6
        << utcMs("2024-02-05T01:02:03Z") << true << QString() << QStringLiteral("falco") << QStringLiteral("12")
        << QString() << QByteArray() << QByteArray("{\"a\":1}");
    QTest::newRow("rfc3164 without tag")
        << QByteArray("<0>Mar  1 00:00:00 host just text") << f3164 << 0 << 0 << 0
        << utcMs("2024-03-01T00:00:00Z") << true << QStringLiteral("host") << QString() << QString()
        << QString() << QByteArray() << QByteArray("just text");
    QTest::newRow("rfc5424 without structured data")
        << QByteArray("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - BOM'su root'")
        << f5424 << 165 << 20 << 5 << utcMs("2003-10-11T22:14:15.003Z") << true
        << QStringLiteral("mymachine.example.com") << QStringLiteral("evntslog") << QString()
        << QStringLiteral("ID47") << QByteArray() << QByteArray("BOM'su root'");
    QTest::newRow("rfc5424 with structured data")
        << QByteArray("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - "
                      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] {\"rule\":\"r\"}")
        << f5424 << 165 << 20 << 5 << utcMs("2003-08-24T12:14:15.000Z") << true << QStringLiteral("192.0.2.1")
        << QStringLiteral("myproc") << QStringLiteral("8710") << QString()
        << QByteArray("[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]") << QByteArray("{\"rule\":\"r\"}");
    QTest::newRow("rfc5424 structured data with escapes, two elements")
        << QByteArray("<14>1 2024-01-01T00:00:00Z h a p m [x@1 k=\"a\\]b\\\"c\\\\\"][y@2 z=\"]\"] payload")
        << f5424 << 14 << 1 << 6 << utcMs("2024-01-01T00:00:00Z") << true << QStringLiteral("h")
        << QStringLiteral("a") << QStringLiteral("p") << QStringLiteral("m")
        << QByteArray("[x@1 k=\"a\\]b\\\"c\\\\\"][y@2 z=\"]\"]") << QByteArray("payload");
    QTest::newRow("rfc5424 all nil values")
        << QByteArray("<13>1 - - - - - -") << f5424 << 13 << 1 << 5 << qint64(0) << false << QString() << QString()
        << QString() << QString() << QByteArray() << QByteArray();
    QTest::newRow("rfc5424 with utf-8 bom")
        << QByteArray("<13>1 2024-01-01T00:00:00+0100 h a - - - \xEF\xBB\xBFmsg") << f5424 << 13 << 1 << 5
        << utcMs("2023-12-31T23:00:00Z") << true << QStringLiteral("h") << QStringLiteral("a") << QString()
        << QString() << QByteArray() << QByteArray("msg");
}

void TestSyslogMessage::parse()
{
    QFETCH(QByteArray, line);
    QFETCH(int, format);
    QFETCH(int, priority);
    QFETCH(int, facility);
    QFETCH(int, severity);
    QFETCH(qint64, timestampMs);
    QFETCH(bool, hasTimestamp);
    QFETCH(QString, hostname);
    QFETCH(QString, appname);
    QFETCH(QString, procid);
    QFETCH(QString, msgid);
    QFETCH(QByteArray, structuredData);
    QFETCH(QByteArray, payload);

    SyslogMessage m;
    QString error;
    QVERIFY2(fe::parseSyslog(line, &m, &error, kReference), qPrintable(error));
    QCOMPARE(int(m.format), format);
    QCOMPARE(m.priority, priority);
    QCOMPARE(m.facility, facility);
    QCOMPARE(m.severity, severity);
    QCOMPARE(m.hasTimestamp, hasTimestamp);
    if (hasTimestamp)
        QCOMPARE(m.timestampMs, timestampMs);
    QCOMPARE(m.hostname, hostname);
    QCOMPARE(m.appname, appname);
    QCOMPARE(m.procid, procid);
    QCOMPARE(m.msgid, msgid);
    QCOMPARE(m.structuredData, structuredData);
    QCOMPARE(line.mid(m.payloadOffset), payload);
}

void TestSyslogMessage::garbage_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("plain json") << QByteArray("{\"rule\":\"x\"}");
    QTest::newRow("no closing bracket") << QByteArray("<13 Oct 11 22:14:15 host x: y");
    QTest::newRow("priority too large") << QByteArray("<192>Oct 11 22:14:15 host x: y");
    QTest::newRow("priority too long") << QByteArray("<0013>Oct 11 22:14:15 host x: y");
    QTest::newRow("empty priority") << QByteArray("<>Oct 11 22:14:15 host x: y");
    QTest::newRow("no timestamp") << QByteArray("<13>hello world");
    QTest::newRow("bad month") << QByteArray("<13>Foo 11 22:14:15 host x: y");
    QTest::newRow("bad day") << QByteArray("<13>Feb 30 2023 22:14:15 host x: y");
    QTest::newRow("bad rfc3339") << QByteArray("<13>2024-13-01T00:00:00Z host x: y");
    QTest::newRow("rfc5424 cut short") << QByteArray("<13>1 2024-01-01T00:00:00Z host");
    QTest::newRow("rfc5424 bad timestamp") << QByteArray("<13>1 yesterday host a p m - msg");
    QTest::newRow("rfc5424 unterminated sd") << QByteArray("<13>1 - h a p m [x@1 k=\"v\"");
    QTest::newRow("rfc5424 garbage sd") << QByteArray("<13>1 - h a p m x msg");
}

void TestSyslogMessage::garbage()
{
    QFETCH(QByteArray, line);
    SyslogMessage m;
    QString error;
    QVERIFY(!fe::parseSyslog(line, &m, &error, kReference));
    QVERIFY2(error.startsWith(QLatin1String("syslog: ")) && error.contains(QLatin1String("at byte")),
             qPrintable(error));
}

void TestSyslogMessage::names()
{
    QCOMPARE(fe::syslogFacilityName(0), QStringLiteral("kernel"));
    QCOMPARE(fe::syslogFacilityName(4), QStringLiteral("auth"));
    QCOMPARE(fe::syslogFacilityName(10), QStringLiteral("authpriv"));
    QCOMPARE(fe::syslogFacilityName(15), QStringLiteral("solaris-cron"));
    QCOMPARE(fe::syslogFacilityName(16), QStringLiteral("local0"));
    QCOMPARE(fe::syslogFacilityName(23), QStringLiteral("local7"));
    QCOMPARE(fe::syslogFacilityName(24), QString());
    QCOMPARE(fe::syslogFacilityName(-1), QString());
    QCOMPARE(fe::syslogSeverityName(0), QStringLiteral("Emergency"));
    QCOMPARE(fe::syslogSeverityName(5), QStringLiteral("Notice"));
    QCOMPARE(fe::syslogSeverityName(6), QStringLiteral("Informational"));
    QCOMPARE(fe::syslogSeverityName(7), QStringLiteral("Debug"));
    QCOMPARE(fe::syslogSeverityName(8), QString());
}

void TestSyslogMessage::yearRollover()
{
    // A December line read on January 2nd belongs to the previous year.
    SyslogMessage m;
    QString error;
    QVERIFY(fe::parseSyslog("<13>Dec 31 23:59:59 h t: x", &m, &error, utcMs("2025-01-02T00:00:00Z")));
    QCOMPARE(m.timestampMs, utcMs("2024-12-31T23:59:59Z"));
    // Feb 29 with no year, read in a non-leap year, is the last leap year's.
    QVERIFY(fe::parseSyslog("<13>Feb 29 12:00:00 h t: x", &m, &error, utcMs("2025-03-01T00:00:00Z")));
    QCOMPARE(m.timestampMs, utcMs("2024-02-29T12:00:00Z"));
}

QTEST_GUILESS_MAIN(TestSyslogMessage)
#include "tst_syslogmessage.moc"
