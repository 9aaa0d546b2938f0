// SPDX-License-Identifier: Apache-2.0
// The report: a self-contained HTML file with every alert text escaped, and a real multi-page PDF,
// both from a real SQLite store.
#include "model/alertstore.h"
#include "model/mitretechniques.h"
#include "ui/mitrematrixlayout.h"
#include "ui/reportchartpainter.h"
#include "ui/reportexporter.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
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

const char *const s_tactics[] = {"reconnaissance", "resource_development", "initial_access", "execution", "persistence",
                                 "privilege_escalation", "defense_evasion", "credential_access", "discovery", "lateral_movement",
                                 "collection", "command_and_control", "exfiltration", "impact"};

// Every tactic, 22 techniques (more than the report's 15 rows) with counts from 3,000 down to 1, a host name and an
// output far wider than a page, with no space to break at.
AlertBatch wideAlerts()
{
    AlertBatch batch;
    QStringList techniques;
    for (const QString &id : fe::MitreTechniques::ids()) {
        if (!id.contains(u'.') && techniques.size() < 22)
            techniques << id;
    }
    int serial = 0;
    for (int t = 0; t < techniques.size(); ++t) {
        const int count = qMax(1, 3000 >> t);
        for (int j = 0; j < count; ++j) {
            Alert a = makeAlert(100000 + serial, j % 7 == 0 ? Priority::Critical : Priority::Warning,
                                QStringLiteral("Rule for %1").arg(techniques.at(t)), QStringLiteral("output %1").arg(serial));
            a.technique = techniques.at(t);
            a.tactics = {QString::fromLatin1(s_tactics[(t + j) % 14])};
            a.hostname = QStringLiteral("ip-10-0-%1-%2.eu-west-1.compute.internal.very-long-cluster-domain.example.com").arg(t).arg(j % 5);
            if (serial % 50 == 0)
                a.output = QStringLiteral("Critical exec /") + QStringLiteral("very/deep/path/").repeated(30) + QStringLiteral("x");
            a.dedupeKey = "w:" + QByteArray::number(serial);
            ++serial;
            batch.append(a);
        }
    }
    return batch;
}

QString artifactDir()
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/report-artifacts");
    QDir().mkpath(dir);
    return dir;
}

// Luma of a grey-scale pixel.
int ink(const QImage &page, int x, int y)
{
    return qGray(page.pixel(x, y));
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
    void mitreChartPaintsInsideItsRect();
    void pdfFitsThePage_data();
    void pdfFitsThePage();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QString m_wideDb;
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

    m_wideDb = m_dir.filePath(QStringLiteral("wide.db"));
    AlertStore wide;
    QVERIFY2(wide.open(m_wideDb, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
    const AlertBatch alerts = wideAlerts();
    QCOMPARE(wide.insert(alerts, &error).stored, alerts.size());
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

// Inside the chart: the MITRE matrix paints nothing outside its rectangle ("… and N more techniques"
// was cut in half at its bottom), and every tactic title fits its column in at most three lines.
void TestReportExporter::mitreChartPaintsInsideItsRect()
{
    ReportData data;
    QString error;
    QVERIFY2(ReportExporter::collect(m_wideDb, AlertFilter{}, &data, &error), qPrintable(error));
    const MitreMatrixLayout layout(data.dashboard.mitre);
    QCOMPARE(layout.columnCount(), 14);
    QVERIFY(layout.rowCount() > 15);
    const QSize size = ReportChartPainter::reportSize(ReportChartPainter::Chart::Mitre, data.dashboard);
    // The chart in the middle of a magenta sheet: any pixel it paints outside its rectangle shows.
    constexpr int border = 40;
    QImage sheet(size + QSize(2 * border, 2 * border), QImage::Format_RGB32);
    sheet.fill(Qt::magenta);
    {
        QPainter p(&sheet);
        p.fillRect(QRect(QPoint(border, border), size), Qt::white);
        ReportChartPainter::paintMitre(p, QRectF(QPointF(border, border), QSizeF(size)), data.dashboard.mitre, 15);
    }
    int outside = 0;
    for (int y = 0; y < sheet.height(); ++y) {
        for (int x = 0; x < sheet.width(); ++x) {
            const bool inRect = x >= border && x < border + size.width() && y >= border && y < border + size.height();
            const QRgb c = sheet.pixel(x, y);
            if (!inRect && (qGreen(c) > 24 || qRed(c) < 230 || qBlue(c) < 230))   // beyond antialiasing
                ++outside;
        }
    }
    sheet.save(artifactDir() + QStringLiteral("/mitre-chart.png"));
    QCOMPARE(outside, 0);
    // The last lines ("… and 7 more techniques", the legend) are inside too: ink in the bottom quarter of the rect.
    int inkBelow = 0;
    for (int y = border + size.height() * 3 / 4; y < border + size.height(); ++y) {
        for (int x = border; x < border + size.width() / 2; ++x)
            inkBelow += qGray(sheet.pixel(x, y)) < 128 ? 1 : 0;
    }
    QVERIFY(inkBelow > 50);
    // Titles: at the report's smallest header font every one fits its column whole (shortened, never elided), each
    // word within the column, in at most three lines.
    QImage probe(1, 1, QImage::Format_RGB32);
    QPainter p(&probe);
    QFont bold = p.font();
    bold.setPointSizeF(5.0);
    bold.setBold(true);
    const QFontMetricsF fm(bold);
    const double column = (size.width() - qMin(size.width() * 0.22, 190.0)) / 14 - 2;
    for (const char *tactic : s_tactics) {
        const QString title = MitreMatrixLayout::fittedTacticTitle(QString::fromLatin1(tactic), fm, column);
        QVERIFY2(!title.endsWith(QChar(0x2026)), qPrintable(title));
        const QRectF needed = fm.boundingRect(QRectF(0, 0, column, 1000), Qt::TextWordWrap | Qt::AlignHCenter, title);
        QVERIFY2(needed.width() <= column + 0.5 && needed.height() <= 3 * fm.lineSpacing() + 0.5, qPrintable(title));
    }
}

void TestReportExporter::pdfFitsThePage_data()
{
    QTest::addColumn<int>("pageSize");
    QTest::addColumn<QString>("pdfinfoSize");
    QTest::newRow("A4") << int(QPageSize::A4) << QStringLiteral("595 x 842 pts (A4)");
    QTest::newRow("Letter") << int(QPageSize::Letter) << QStringLiteral("612 x 792 pts (letter)");
}

// On paper, rendered by poppler (pdftoppm), nothing lies in the margins (a wide table, path or host name
// would), no block is cut at a page's end, and every page has its footer.
void TestReportExporter::pdfFitsThePage()
{
    QFETCH(int, pageSize);
    QFETCH(QString, pdfinfoSize);
    for (const char *tool : {"pdftoppm", "pdfinfo", "pdftotext"})
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(), "poppler-utils is missing: run installer/install-deps.sh");
    const QString pdf = m_dir.filePath(QStringLiteral("wide-%1.pdf").arg(pageSize));
    QString error;
    QVERIFY2(exportReport(m_wideDb, AlertFilter{}, pdf, &error, QPageSize::PageSizeId(pageSize)), qPrintable(error));

    QProcess info;
    info.start(QStringLiteral("pdfinfo"), {pdf});
    QVERIFY(info.waitForFinished(30000));
    const QString infoText = QString::fromUtf8(info.readAllStandardOutput());
    QVERIFY2(infoText.contains(pdfinfoSize), qPrintable(infoText));
    const int pages = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(infoText).captured(1).toInt();
    QVERIFY(pages >= 3);

    constexpr int dpi = 40;
    // The pages stay in the build directory for a look (tests/report-artifacts).
    const QString prefix = artifactDir() + QStringLiteral("/") + QString::fromLatin1(QTest::currentDataTag()) + QStringLiteral("-page");
    QProcess render;
    render.start(QStringLiteral("pdftoppm"), {QStringLiteral("-r"), QString::number(dpi), QStringLiteral("-gray"), QStringLiteral("-png"), pdf, prefix});
    QVERIFY(render.waitForFinished(60000) && render.exitCode() == 0);
    const QSizeF mm = QPageSize(QPageSize::PageSizeId(pageSize)).size(QPageSize::Millimeter);
    const auto px = [](double millimetres) { return millimetres / 25.4 * dpi; };
    const int margin = int(px(12)) - 1;                       // QPdfWriter's 12 mm, less a pixel of antialiasing
    const int contentBottom = int(px(mm.height() - 12 - 25.4 * 24 / 96));   // above the footer line
    const int digits = QString::number(pages).size();
    for (int i = 1; i <= pages; ++i) {
        const QImage page(QStringLiteral("%1-%2.png").arg(prefix).arg(i, digits, 10, QLatin1Char('0')));
        QVERIFY2(!page.isNull(), qPrintable(QString::number(i)));
        QCOMPARE(page.width(), qRound(px(mm.width())));
        QStringList stray;
        for (int y = 0; y < page.height(); ++y) {
            for (int x = 0; x < page.width(); ++x) {
                const bool margins = x < margin || x >= page.width() - margin || y < margin || y >= page.height() - margin;
                if (margins && ink(page, x, y) < 235 && stray.size() < 5)
                    stray << QStringLiteral("(%1,%2)").arg(x).arg(y);
            }
        }
        QVERIFY2(stray.isEmpty(), qPrintable(QStringLiteral("page %1: ink in the margins at %2").arg(i).arg(stray.join(u' '))));
        // A block cut at the page's end would leave its ink on the last lines of the text area.
        int cut = 0;
        for (int y = contentBottom - 2; y < contentBottom; ++y) {
            for (int x = margin; x < page.width() - margin; ++x)
                cut += ink(page, x, y) < 160 ? 1 : 0;
        }
        QVERIFY2(cut <= 2, qPrintable(QStringLiteral("page %1: %2 dark pixels at the page break").arg(i).arg(cut)));

        QProcess text;
        text.start(QStringLiteral("pdftotext"), {QStringLiteral("-f"), QString::number(i), QStringLiteral("-l"), QString::number(i), pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(30000));
        QVERIFY(QString::fromUtf8(text.readAllStandardOutput()).contains(QStringLiteral("Page %1 of %2").arg(i).arg(pages)));
    }
}

QTEST_MAIN(TestReportExporter)
#include "tst_reportexporter.moc"
