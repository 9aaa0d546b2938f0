// SPDX-License-Identifier: Apache-2.0
#include "ui/reportexporter.h"

#include "ui/dashboardbucketmodel.h"
#include "ui/dashboardprioritychart.h"
#include "ui/dashboardtimechart.h"
#include "ui/mitrematrixlayout.h"
#include "ui/prioritycolors.h"
#include "ui/reportchartpainter.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QTextOption>
#include <QUrl>

#include <memory>

#include <algorithm>
#include <limits>

namespace fe {

namespace {

// Where the HTML is going: a browser (self-contained, images as data: URLs) or QTextDocument for the
// PDF (images as named resources, the CSS subset QTextDocument understands).
enum class Target { Browser, Pdf };

struct ChartImage
{
    ReportChartPainter::Chart chart;
    const char *name;
    const char *title;
};

constexpr ChartImage s_charts[] = {
    {ReportChartPainter::Chart::Timeline, "timeline", "Alerts over time"},
    {ReportChartPainter::Chart::PriorityPie, "priorities", "Alerts by priority"},
    {ReportChartPainter::Chart::Rules, "rules", "Rules triggered, top 10"},
    {ReportChartPainter::Chart::Mitre, "mitre", "MITRE ATT&CK: tactics × techniques"},
};

constexpr int s_pdfTitleHeight = 30;

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString number(qint64 n)
{
    return QLocale().toString(n);
}

// A chart with its heading. In the PDF the heading is painted into the image, so a page break can
// never separate the two.
QString chartSection(const ReportData &data, const ChartImage &c, Target target)
{
    const QSize size = ReportChartPainter::reportSize(c.chart, data.dashboard);
    const QString name = QString::fromLatin1(c.name);
    if (target == Target::Pdf) {
        // Inside a <p>: QTextDocument gives a bare image after a heading the heading's line spacing.
        return QStringLiteral("<p><img src=\"chart:%1\" width=\"%2\" height=\"%3\" alt=\"%1\"></p>")
            .arg(name)
            .arg(size.width())
            .arg(size.height() + s_pdfTitleHeight);
    }
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    ReportChartPainter::render(c.chart, data.dashboard, size).save(&buffer, "PNG");
    return QStringLiteral("<h2>") + esc(QString::fromUtf8(c.title)) + QStringLiteral("</h2>")
        + QStringLiteral("<p><img class=\"chart\" src=\"data:image/png;base64,%1\" width=\"%2\" height=\"%3\" alt=\"%4\"></p>")
              .arg(QString::fromLatin1(png.toBase64()))
              .arg(size.width())
              .arg(size.height())
              .arg(name);
}

// The chart image for the PDF: the heading (styled like the document's h2) above the chart.
QImage pdfChartImage(const ReportData &data, const ChartImage &c)
{
    constexpr qreal scale = 3.0;
    const QSize size = ReportChartPainter::reportSize(c.chart, data.dashboard);
    const QImage chart = ReportChartPainter::render(c.chart, data.dashboard, size, scale);
    QImage image(QSize(size.width(), size.height() + s_pdfTitleHeight) * scale, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter p(&image);
    p.scale(scale, scale);
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(17);
    f.setBold(true);
    p.setFont(f);
    p.setPen(QColor(0x34, 0x3a, 0x40));
    p.drawText(QRectF(0, 0, size.width(), s_pdfTitleHeight - 4), Qt::AlignLeft | Qt::AlignBottom, QString::fromUtf8(c.title));
    p.drawImage(QRectF(0, s_pdfTitleHeight, size.width(), size.height()), chart);
    p.end();
    return image;
}

QString badge(Priority priority)
{
    return QStringLiteral("<span class=\"prio\" style=\"background-color:%1;color:%2\">&nbsp;%3&nbsp;</span>")
        .arg(priorityColor(priority, false).name(), priorityTextColor(priority, false).name(), esc(priorityName(priority)));
}

// A table of buckets: value, count, share of total and (optionally) the newest alert.
QString bucketTable(const QString &keyTitle, const QVector<Bucket> &buckets, qint64 total, bool lastSeen, qint64 other = 0)
{
    QString h = QStringLiteral("<table class=\"data\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\"><thead><tr><th align=\"left\">")
        + esc(keyTitle) + QStringLiteral("</th><th align=\"right\">Alert Count</th><th align=\"right\">Share</th>");
    if (lastSeen)
        h += QStringLiteral("<th align=\"left\">Most recent alert</th>");
    h += QStringLiteral("</tr></thead><tbody>");
    const auto row = [&](const QString &key, qint64 count, qint64 lastMs, bool italic) {
        h += QStringLiteral("<tr><td>") + (italic ? QStringLiteral("<i>") + esc(key) + QStringLiteral("</i>") : esc(key))
            + QStringLiteral("</td><td align=\"right\">") + number(count) + QStringLiteral("</td><td align=\"right\">")
            + DashboardPriorityChart::percentText(count, total) + QStringLiteral("</td>");
        if (lastSeen)
            h += QStringLiteral("<td>") + (lastMs > 0 ? esc(DashboardBucketModel::formatTime(lastMs)) : QString()) + QStringLiteral("</td>");
        h += QStringLiteral("</tr>");
    };
    for (const Bucket &b : buckets)
        row(b.key.isEmpty() ? QStringLiteral("(empty)") : b.key, b.count, b.lastSeenMs, b.key.isEmpty());
    if (other > 0)
        row(QStringLiteral("Other"), other, 0, true);
    if (buckets.isEmpty())
        h += QStringLiteral("<tr><td colspan=\"4\"><i>No alerts</i></td></tr>");
    h += QStringLiteral("</tbody></table>");
    return h;
}

// Fixed column widths (in the cells): in the PDF every alert is a table of its own, so that a page break never
// falls inside one, and they line up only with the same widths.
QString alertHeader()
{
    return QStringLiteral("<thead><tr><th align=\"left\" width=\"17%\">@timestamp</th><th align=\"left\" width=\"12%\">Priority</th>"
                          "<th align=\"left\" width=\"29%\">Rule</th><th align=\"left\" width=\"30%\">Host / container</th>"
                          "<th align=\"left\" width=\"12%\">Process</th></tr></thead>");
}

QString alertRows(const AlertSummary &a)
{
    QString where = esc(a.host);
    if (!a.containerName.isEmpty() || !a.pod.isEmpty()) {
        where += QStringLiteral("<br><span class=\"muted\">")
            + esc(a.pod.isEmpty() ? a.containerName : a.pod + QStringLiteral(" / ") + a.containerName)
            + QStringLiteral("</span>");
    }
    return QStringLiteral("<tr class=\"head\"><td width=\"17%\">") + esc(DashboardBucketModel::formatTime(a.timestampMs))
        + QStringLiteral("</td><td width=\"12%\">") + badge(a.priority) + QStringLiteral("</td><td width=\"29%\">") + esc(a.rule)
        + QStringLiteral("</td><td width=\"30%\">") + where + QStringLiteral("</td><td width=\"12%\">") + esc(a.process)
        + QStringLiteral("</td></tr><tr class=\"out\"><td colspan=\"5\"><code>")
        + esc(a.output.isEmpty() ? a.rule : a.output) + QStringLiteral("</code></td></tr>");
}

QString alertTableStart()
{
    return QStringLiteral("<table class=\"data alerts\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\">");
}

QString alertTable(const QVector<AlertSummary> &alerts)
{
    if (alerts.isEmpty())
        return QStringLiteral("<p class=\"muted\"><i>No alerts.</i></p>");
    QString h = alertTableStart() + alertHeader() + QStringLiteral("<tbody>");
    for (const AlertSummary &a : alerts)
        h += alertRows(a);
    h += QStringLiteral("</tbody></table>");
    return h;
}

// The list as PDF blocks: the heading with the first alert (a heading never ends a page), then one alert a block.
QStringList alertBlocks(const QString &heading, const QVector<AlertSummary> &alerts)
{
    if (alerts.isEmpty())
        return {heading + QStringLiteral("<p class=\"muted\"><i>No alerts.</i></p>")};
    QStringList blocks;
    for (int i = 0; i < alerts.size(); ++i) {
        blocks << (i == 0 ? heading : QString()) + alertTableStart() + (i == 0 ? alertHeader() : QString())
                + QStringLiteral("<tbody>") + alertRows(alerts.at(i)) + QStringLiteral("</tbody></table>");
    }
    return blocks;
}

QString stylesheet(Target target)
{
    QString css = QStringLiteral(
        "body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #212529; font-size: 10pt; }"
        "h1 { font-size: 18pt; margin-bottom: 2px; }"
        "h2 { font-size: 13pt; margin-top: 18px; margin-bottom: 6px; color: #343a40; }"
        ".muted { color: #6c757d; }"
        "table.data { border-collapse: collapse; margin-bottom: 8px; }"
        "table.data th { background-color: #e9ecef; border-bottom: 1px solid #adb5bd; font-weight: bold; }"
        "table.data td { border-bottom: 1px solid #dee2e6; vertical-align: top; }"
        "table.alerts tr.head td { border-bottom: none; }"
        "table.alerts tr.out td { color: #343a40; font-size: 8.5pt; }"
        "code { font-family: 'DejaVu Sans Mono', monospace; font-size: 8.5pt; }"
        "table.meta td { padding: 2px 8px 2px 0; }"
        ".kpi { font-size: 15pt; font-weight: bold; }");
    if (target == Target::Browser) {
        css += QStringLiteral(
            "body { max-width: 1100px; margin: 24px auto; padding: 0 16px; }"
            ".prio { border-radius: 3px; padding: 1px 4px; font-size: 8.5pt; white-space: nowrap; }"
            "table.alerts tr.out td code { white-space: pre-wrap; word-break: break-all; }"
            ".grid { display: flex; flex-wrap: wrap; gap: 24px; } .grid > div { flex: 1 1 420px; min-width: 0; }"
            "img.chart { max-width: 100%; height: auto; }"
            "@media print { h2 { break-after: avoid; } tr { break-inside: avoid; } }");
    }
    return css;
}

// Two blocks side by side in a browser; one after the other in the PDF (QTextDocument cannot
// shrink images to a table cell, and the page is narrow anyway).
QString twoColumns(Target target, const QString &left, const QString &right)
{
    if (target == Target::Browser)
        return QStringLiteral("<div class=\"grid\"><div>") + left + QStringLiteral("</div><div>") + right
            + QStringLiteral("</div></div>");
    return left + right;
}

// The report's body in blocks, in reading order. In the PDF each block is laid out whole on one page (writePdf()
// moves a block that does not fit what is left of a page to the next one); a browser gets them one after the other,
// pairs of panels side by side.
QStringList bodyBlocks(const ReportData &r, Target target)
{
    const DashboardData &d = r.dashboard;
    qint64 severe = 0;
    for (const Bucket &b : d.byPriority) {
        const Priority p = priorityFromString(b.key);
        if (p <= Priority::Critical)
            severe += b.count;
    }
    const auto sum = [](const QVector<Bucket> &buckets) {
        qint64 n = 0;
        for (const Bucket &b : buckets)
            n += b.count;
        return n;
    };
    // The host table is alphabetical like the Kibana panel; "Other" holds the hosts outside the top 10.
    QVector<Bucket> hosts = d.byHost;
    std::sort(hosts.begin(), hosts.end(), [](const Bucket &a, const Bucket &b) { return a.key.localeAwareCompare(b.key) < 0; });

    QStringList blocks;
    QString head = QStringLiteral("<h1>Falco alerts report</h1><p class=\"muted\">Generated ")
        + esc(QLocale().toString(r.generatedAt, QStringLiteral("yyyy-MM-dd HH:mm:ss t"))) + QStringLiteral(" by Falco Explorer ")
        + esc(QCoreApplication::applicationVersion()) + QStringLiteral(" from ")
        + esc(QFileInfo(r.databasePath).fileName()) + QStringLiteral("</p>\n");
    head += QStringLiteral("<table class=\"meta\" cellspacing=\"0\"><tr><td><b>Query</b></td><td><code>")
        + (r.filter.query.trimmed().isEmpty() ? QStringLiteral("(none: all alerts)") : esc(r.filter.query))
        + QStringLiteral("</code></td></tr><tr><td><b>Time range</b></td><td>") + esc(ReportExporter::rangeText(r))
        + QStringLiteral("</td></tr></table>\n");
    head += QStringLiteral("<table class=\"meta\" cellspacing=\"0\" cellpadding=\"4\"><tr>"
                           "<td><span class=\"kpi\">%1</span><br><span class=\"muted\">alerts</span></td>"
                           "<td><span class=\"kpi\">%2</span><br><span class=\"muted\">Critical or worse</span></td>"
                           "<td><span class=\"kpi\">%3</span><br><span class=\"muted\">rules</span></td>"
                           "<td><span class=\"kpi\">%4</span><br><span class=\"muted\">hosts</span></td>"
                           "<td><span class=\"kpi\">%5</span><br><span class=\"muted\">ATT&amp;CK techniques</span></td>"
                           "</tr></table>\n")
                .arg(number(d.total), number(severe), number(d.byRule.size()) + (d.byRule.size() >= 10 ? QStringLiteral("+") : QString()),
                     number(d.byHost.size()) + (d.byHost.size() >= 10 ? QStringLiteral("+") : QString()),
                     number(MitreMatrixLayout(d.mitre).rowCount()));
    blocks << head;

    blocks << chartSection(r, s_charts[0], target);
    const QString priorityTable = bucketTable(QStringLiteral("Event Priority"), d.byPriority, d.total, true);
    const QString hostTable = QStringLiteral("<h2>Alerts by host, top 10</h2>")
        + bucketTable(QStringLiteral("Hostname"), hosts, d.total, true, d.total - sum(d.byHost));
    const QString podTable = QStringLiteral("<h2>Alerts by pod, top 10</h2>")
        + bucketTable(QStringLiteral("Pod Name"), d.byPod, d.total, true, d.total - sum(d.byPod));
    const QString sourceTable = QStringLiteral("<h2>Alerts by source</h2>") + bucketTable(QStringLiteral("Source"), d.bySource, d.total, false);
    const QString namespaceTable = QStringLiteral("<h2>Top namespaces</h2>") + bucketTable(QStringLiteral("Namespace"), d.byNamespace, d.total, false);
    const QString imageTable = QStringLiteral("<h2>Top container images</h2>") + bucketTable(QStringLiteral("Image"), d.byImage, d.total, true);
    const QString rulesTable = bucketTable(QStringLiteral("Rule Name"), d.byRule, d.total, true);
    if (target == Target::Browser) {
        blocks << twoColumns(target, chartSection(r, s_charts[1], target), QStringLiteral("<h2>&nbsp;</h2>") + priorityTable);
        blocks << twoColumns(target, hostTable, podTable);
        blocks << chartSection(r, s_charts[2], target) + rulesTable;
        blocks << chartSection(r, s_charts[3], target);
        blocks << twoColumns(target, sourceTable, namespaceTable);
        blocks << imageTable;
        blocks << QStringLiteral("<h2>Newest Critical-or-worse alerts</h2>") + alertTable(r.severeAlerts);
        blocks << QStringLiteral("<h2>Newest alerts</h2>") + alertTable(r.newestAlerts);
        return blocks;
    }
    blocks << chartSection(r, s_charts[1], target) + priorityTable;
    blocks << hostTable << podTable;
    blocks << chartSection(r, s_charts[2], target) << rulesTable;
    blocks << chartSection(r, s_charts[3], target);
    blocks << sourceTable << namespaceTable << imageTable;
    blocks << alertBlocks(QStringLiteral("<h2>Newest Critical-or-worse alerts</h2>"), r.severeAlerts);
    blocks << alertBlocks(QStringLiteral("<h2>Newest alerts</h2>"), r.newestAlerts);
    return blocks;
}

QString buildHtml(const ReportData &r, Target target)
{
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"generator\" content=\"Falco Explorer\"><title>Falco alerts report</title><style>")
        + stylesheet(target) + QStringLiteral("</style></head><body>\n") + bodyBlocks(r, target).join(QLatin1Char('\n'))
        + QStringLiteral("\n</body></html>\n");
}

} // namespace

ReportExporter::Format ReportExporter::formatForFile(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"html" || suffix == u"htm")
        return Format::Html;
    if (suffix == u"pdf")
        return Format::Pdf;
    return Format::Unknown;
}

bool ReportExporter::collect(const QString &dbPath, const AlertFilter &filter, ReportData *out, QString *error, int alertLimit)
{
    AlertStore store;
    if (!store.open(dbPath, AlertStore::OpenMode::ReadOnly, error))
        return false;
    ReportData r;
    r.filter = filter;
    r.databasePath = dbPath;
    r.generatedAt = QDateTime::currentDateTime();
    AggregateOptions options;
    if (!computeDashboard(store, filter, options, &r.dashboard, error))
        return false;
    if (!newestAlerts(store, filter, alertLimit, &r.newestAlerts, error))
        return false;
    AlertFilter severe = filter;
    const QString query = filter.query.trimmed();
    severe.query = (query.isEmpty() ? QString() : QStringLiteral("(") + query + QStringLiteral(") and "))
        + QStringLiteral("falco.priority >= critical");
    if (!newestAlerts(store, severe, alertLimit, &r.severeAlerts, error))
        return false;
    *out = std::move(r);
    return true;
}

QString ReportExporter::rangeText(const ReportData &data)
{
    const AlertFilter &f = data.filter;
    const bool openFrom = f.fromMs == std::numeric_limits<qint64>::min();
    const bool openTo = f.toMs == std::numeric_limits<qint64>::max();
    const auto t = [](qint64 ms) { return DashboardBucketModel::formatTime(ms); };
    QString text;
    if (openFrom && openTo)
        text = QStringLiteral("all time");
    else if (openFrom)
        text = QStringLiteral("until %1").arg(t(f.toMs));
    else if (openTo)
        text = QStringLiteral("since %1").arg(t(f.fromMs));
    else
        text = QStringLiteral("%1 – %2").arg(t(f.fromMs), t(f.toMs));
    text += QStringLiteral(" (local time, %1)").arg(QDateTime::currentDateTime().timeZoneAbbreviation());
    if (data.dashboard.total > 0 && data.dashboard.toMs > data.dashboard.fromMs) {
        text += QStringLiteral("; alerts from %1 to %2, %3 buckets of %4")
                    .arg(t(data.dashboard.fromMs), t(data.dashboard.toMs))
                    .arg(data.dashboard.overTime.size())
                    .arg(DashboardTimeChart::intervalText(data.dashboard.intervalMs));
    }
    return text;
}

QString ReportExporter::html(const ReportData &data)
{
    return buildHtml(data, Target::Browser);
}

bool ReportExporter::writeHtml(const ReportData &data, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(html(data).toUtf8());
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QPageSize::PageSizeId ReportExporter::defaultPageSize()
{
    // Letter where the imperial system is the norm for paper (the United States and its neighbours), else A4.
    const QLocale locale = QLocale::system();
    if (locale.measurementSystem() == QLocale::ImperialUSSystem || locale.territory() == QLocale::Canada
        || locale.territory() == QLocale::Mexico || locale.territory() == QLocale::Philippines)
        return QPageSize::Letter;
    return QPageSize::A4;
}

bool ReportExporter::writePdf(const ReportData &data, const QString &path, QString *error, QPageSize::PageSizeId pageSize)
{
    // Fail early with the file's own error: QPdfWriter only reports failure by painting nothing.
    {
        QFile probe(path);
        if (!probe.open(QIODevice::WriteOnly)) {
            if (error)
                *error = QStringLiteral("%1: %2").arg(path, probe.errorString());
            return false;
        }
    }
    QPdfWriter writer(path);
    writer.setTitle(QStringLiteral("Falco alerts report"));
    writer.setCreator(QStringLiteral("Falco Explorer"));
    constexpr int dpi = 300;
    writer.setResolution(dpi);
    writer.setPageLayout(QPageLayout(QPageSize(pageSize), QPageLayout::Portrait, QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter));

    // The page's text area in 96-dpi units (QTextDocument's and the charts'), less a footer line.
    const QRectF paint = writer.pageLayout().paintRectPixels(dpi);
    const double scale = dpi / 96.0;
    const double footer = 24;
    const QSizeF page(paint.width() / scale, paint.height() / scale - footer);
    constexpr double gap = 4;

    QHash<QString, QImage> charts;
    for (const ChartImage &c : s_charts)
        charts.insert(QStringLiteral("chart:") + QString::fromLatin1(c.name), pdfChartImage(data, c));
    QTextOption wrap;
    wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);   // a long path or command line never leaves the page
    const QString css = stylesheet(Target::Pdf);
    const auto layoutBlock = [&](const QString &html) {
        auto doc = std::make_unique<QTextDocument>();
        doc->setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 9));
        doc->setDefaultStyleSheet(css);
        doc->setDefaultTextOption(wrap);
        doc->setDocumentMargin(0);
        for (auto it = charts.cbegin(); it != charts.cend(); ++it)
            doc->addResource(QTextDocument::ImageResource, QUrl(it.key()), it.value());
        doc->setHtml(html);
        doc->setTextWidth(page.width());
        return doc;
    };

    // Blocks go on the page while they fit whole; the next page takes the one that does not. Only a block taller
    // than a page is split, by QTextDocument's own pagination (a huge alert output).
    struct Placed
    {
        std::shared_ptr<QTextDocument> doc;
        double y;         // on its page
        double from;      // the part of the block on this page: [from, from + height)
        double height;
    };
    QVector<QVector<Placed>> pages(1);
    double y = 0;
    for (const QString &html : bodyBlocks(data, Target::Pdf)) {
        std::shared_ptr<QTextDocument> doc = layoutBlock(html);
        const double h = doc->size().height();
        if (y > 0 && y + h > page.height()) {
            pages.append(QVector<Placed>());
            y = 0;
        }
        if (h <= page.height()) {
            pages.last().append({doc, y, 0, h});
            y += h + gap;
            continue;
        }
        doc->setPageSize(page);   // paginated at line boundaries
        const int parts = doc->pageCount();
        for (int part = 0; part < parts; ++part) {
            if (part > 0)
                pages.append(QVector<Placed>());
            pages.last().append({doc, 0, part * page.height(), qMin(page.height(), h - part * page.height())});
        }
        y = pages.last().last().height + gap;
    }

    QPainter painter;
    if (!painter.begin(&writer)) {
        if (error)
            *error = QStringLiteral("%1: cannot write the PDF").arg(path);
        return false;
    }
    QFont footerFont(QStringLiteral("DejaVu Sans"));
    footerFont.setPixelSize(9);
    for (int i = 0; i < pages.size(); ++i) {
        if (i > 0)
            writer.newPage();
        painter.save();
        painter.scale(scale, scale);
        for (const Placed &b : std::as_const(pages.at(i))) {
            painter.save();
            painter.translate(0, b.y - b.from);
            b.doc->drawContents(&painter, QRectF(0, b.from, page.width(), b.height));
            painter.restore();
        }
        painter.setFont(footerFont);
        painter.setPen(QColor(0x6c, 0x75, 0x7d));
        const QRectF foot(0, page.height() + 6, page.width(), footer - 6);
        painter.drawText(foot, Qt::AlignLeft | Qt::AlignVCenter,
                         QStringLiteral("Falco alerts report, %1").arg(data.generatedAt.toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
        painter.drawText(foot, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("Page %1 of %2").arg(i + 1).arg(pages.size()));
        painter.restore();
    }
    painter.end();
    return true;
}

bool ReportExporter::write(const ReportData &data, const QString &path, QString *error, QPageSize::PageSizeId pageSize)
{
    switch (formatForFile(path)) {
    case Format::Html: return writeHtml(data, path, error);
    case Format::Pdf: return writePdf(data, path, error, pageSize);
    case Format::Unknown: break;
    }
    if (error)
        *error = QStringLiteral("%1: unknown report format (use a .pdf, .html or .htm file name)").arg(path);
    return false;
}

bool exportReport(const QString &dbPath, const AlertFilter &filter, const QString &outFile, QString *error,
                  QPageSize::PageSizeId pageSize)
{
    if (ReportExporter::formatForFile(outFile) == ReportExporter::Format::Unknown) {
        if (error)
            *error = QStringLiteral("%1: unknown report format (use a .pdf, .html or .htm file name)").arg(outFile);
        return false;
    }
    ReportData data;
    if (!ReportExporter::collect(dbPath, filter, &data, error))
        return false;
    return ReportExporter::write(data, outFile, error, pageSize);
}

} // namespace fe
