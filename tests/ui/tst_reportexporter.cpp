// SPDX-License-Identifier: Apache-2.0
// The report: a self-contained HTML file with every alert text escaped, and a real multi-page PDF,
// both from a real SQLite store.
#include "model/alertstore.h"
#include "ui/reportexporter.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace fe;

namespace {

constexpr qint64 s_base = 1715083200000; // 2024-05-07 12:00:00 UTC

const QString s_hostileOutput = QStringLiteral("<script>alert(\"pwned\")</script> & <img src=x onerror=alert(1)> 'quoted'");
const QString s_hostileRule = QStringLiteral("Rule <b>bold</b> & \"quoted\"");

Alert makeAlert(int serial, Priority priority, const QString &rule, const QString &output)
{
    Alert a;
    a.timestampMs = s_base + qint64(serial) * 30000;
    a.priority = priority;
    a.severity = severityForPriority(priority);
    a.rule = rule;
    a.hostname = QStringLiteral("host-%1").arg(serial % 3);
    a.podName = QStringLiteral("pod-%1").arg(serial % 2);
    a.processName = QStringLiteral("bash");
    a.source = QStringLiteral("syscall");
    a.output = output;
    a.tactics = {QStringLiteral("execution")};
    a.technique = QStringLiteral("T1059");
    a.dedupeKey = "r:" + QByteArray::number(serial);
    a.ecsJson = R"({"message":"test"})";
    return a;
}

int pdfPageCount(const QByteArray &pdf)
{
    // Page objects: "/Type /Page" not followed by "s" (which would be the /Pages tree).
    static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?!s)"));
    int n = 0;
    for (auto it = page.globalMatch(QString::fromLatin1(pdf)); it.hasNext(); it.next())
        ++n;
    return n;
}

} // namespace

class TestReportExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void formatForFile_data();
    void formatForFile();
    void htmlIsSelfContainedAndEscaped();
    void htmlFollowsTheFilter();
    void pdfIsAValidMultiPageDocument();
    void badTargets_data();
    void badTargets();

private:
    QTemporaryDir m_dir;
    QString m_db;
};

void TestReportExporter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("alerts.db"));
    AlertStore store;
    QString error;
    QVERIFY2(store.open(m_db, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    AlertBatch batch;
    for (int i = 1; i <= 120; ++i) {
        const bool hostile = i % 10 == 0;
        batch.append(makeAlert(i, hostile ? Priority::Critical : Priority::Warning,
                               hostile ? s_hostileRule : QStringLiteral("Plain rule %1").arg(i % 4),
                               hostile ? s_hostileOutput : QStringLiteral("Warning plain output %1").arg(i)));
    }
    QCOMPARE(store.insert(batch, &error).stored, 120);
}

void TestReportExporter::formatForFile_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("format");
    QTest::newRow("pdf") << QStringLiteral("/tmp/r.pdf") << int(ReportExporter::Format::Pdf);
    QTest::newRow("PDF upper case") << QStringLiteral("/tmp/R.PDF") << int(ReportExporter::Format::Pdf);
    QTest::newRow("html") << QStringLiteral("r.html") << int(ReportExporter::Format::Html);
    QTest::newRow("htm") << QStringLiteral("r.htm") << int(ReportExporter::Format::Html);
    QTest::newRow("no extension") << QStringLiteral("report") << int(ReportExporter::Format::Unknown);
    QTest::newRow("csv") << QStringLiteral("report.csv") << int(ReportExporter::Format::Unknown);
}

void TestReportExporter::formatForFile()
{
    QFETCH(QString, path);
    QFETCH(int, format);
    QCOMPARE(int(ReportExporter::formatForFile(path)), format);
}

void TestReportExporter::htmlIsSelfContainedAndEscaped()
{
    const QString out = m_dir.filePath(QStringLiteral("report.html"));
    AlertFilter filter;
    filter.query = QStringLiteral("not rule.name:\"<x>\"");
    QString error;
    QVERIFY2(exportReport(m_db, filter, out, &error), qPrintable(error));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString html = QString::fromUtf8(f.readAll());

    // Alert text, rule names and the query are escaped, never injected.
    QVERIFY(!html.contains(QStringLiteral("<script>alert")));
    QVERIFY(!html.contains(QStringLiteral("<img src=x")));
    QVERIFY(!html.contains(QStringLiteral("<b>bold</b>")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x")));
    QVERIFY(html.contains(QStringLiteral("Rule &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;")));
    QVERIFY(html.contains(QStringLiteral("not rule.name:&quot;&lt;x&gt;&quot;")));
    QVERIFY(!html.contains(QStringLiteral("<script")));

    // Self-contained: charts inline, nothing fetched from elsewhere.
    QCOMPARE(html.count(QStringLiteral("src=\"data:image/png;base64,")), 4);
    QVERIFY(!html.contains(QStringLiteral("src=\"http")));
    QVERIFY(!html.contains(QStringLiteral("<link")));
    // The panels, the totals and the top alerts.
    for (const char *title : {"Alerts over time", "Alerts by priority", "Alerts by host, top 10", "Alerts by pod, top 10",
                              "Rules triggered, top 10", "MITRE ATT&amp;CK", "Newest Critical-or-worse alerts", "Newest alerts"}) {
        QVERIFY2(html.contains(QString::fromUtf8(title)), title);
    }
    QVERIFY(html.contains(QStringLiteral("<span class=\"kpi\">120</span>")));
    QVERIFY(html.contains(QStringLiteral("<span class=\"kpi\">12</span><br><span class=\"muted\">Critical or worse")));
}

void TestReportExporter::htmlFollowsTheFilter()
{
    AlertFilter filter;
    filter.query = QStringLiteral("falco.priority:Critical");
    filter.fromMs = s_base;
    filter.toMs = s_base + 31 * 60000;
    ReportData data;
    QString error;
    QVERIFY2(ReportExporter::collect(m_db, filter, &data, &error), qPrintable(error));
    // Alerts 10, 20, ... 60 are Critical and inside the first 31 minutes (one every 30 s).
    QCOMPARE(data.dashboard.total, 6);
    QCOMPARE(data.newestAlerts.size(), 6);
    QCOMPARE(data.severeAlerts.size(), 6);
    QCOMPARE(data.newestAlerts.first().timestampMs, s_base + 60 * 30000);
    const QString html = ReportExporter::html(data);
    QVERIFY(html.contains(QStringLiteral("falco.priority:Critical")));
    QVERIFY(html.contains(ReportExporter::rangeText(data).toHtmlEscaped()));
    QVERIFY(!html.contains(QStringLiteral("Plain rule")));
}

void TestReportExporter::pdfIsAValidMultiPageDocument()
{
    const QString out = m_dir.filePath(QStringLiteral("report.pdf"));
    QString error;
    QVERIFY2(exportReport(m_db, AlertFilter{}, out, &error), qPrintable(error));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray pdf = f.readAll();
    QVERIFY(pdf.startsWith("%PDF-1."));
    QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    // 120 alerts in two lists of 50 do not fit on one A4 page.
    const int pages = pdfPageCount(pdf);
    QVERIFY2(pages >= 2, qPrintable(QString::number(pages)));
    QVERIFY(pdf.contains("/Image"));
    QVERIFY(pdf.contains("/Title"));
}

void TestReportExporter::badTargets_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("unknown extension") << QStringLiteral("report.txt") << QStringLiteral("unknown report format");
    QTest::newRow("missing directory, pdf") << QStringLiteral("no/such/dir/report.pdf") << QStringLiteral("no/such/dir/report.pdf");
    QTest::newRow("missing directory, html") << QStringLiteral("no/such/dir/report.html") << QStringLiteral("no/such/dir/report.html");
}

void TestReportExporter::badTargets()
{
    QFETCH(QString, file);
    QFETCH(QString, errorPart);
    QString error;
    QVERIFY(!exportReport(m_db, AlertFilter{}, m_dir.filePath(file), &error));
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

QTEST_MAIN(TestReportExporter)
#include "tst_reportexporter.moc"
