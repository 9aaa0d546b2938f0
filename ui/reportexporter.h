// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QDateTime>
#include <QPageSize>
#include <QString>
#include <QVector>

namespace fe {

// Everything a report shows: the filter it was made for, the dashboard aggregates and the top alerts.
struct ReportData
{
    AlertFilter filter;
    DashboardData dashboard;
    QVector<AlertSummary> severeAlerts;   // newest Critical-or-worse alerts matching the filter
    QVector<AlertSummary> newestAlerts;   // newest alerts matching the filter
    QString databasePath;
    QDateTime generatedAt;
};

// The offline incident-review report: the dashboard's panels, the query and time range and the top
// alerts, as one self-contained HTML file (inline CSS, charts as base64 PNG, every alert text escaped)
// or a PDF on A4 or Letter paper, where a chart, a table or an alert never straddles a page break.
// Runs on any thread; needs a QGuiApplication (fonts), e.g. on the offscreen platform.
class ReportExporter
{
public:
    enum class Format { Unknown, Html, Pdf };

    // From the file name: .html/.htm → Html, .pdf → Pdf, anything else Unknown.
    static Format formatForFile(const QString &path);

    // Reads the aggregates and top alerts for filter from the database (its own ReadOnly connection).
    static bool collect(const QString &dbPath, const AlertFilter &filter, ReportData *out, QString *error = nullptr,
                        int alertLimit = 50);

    // The self-contained HTML document.
    static QString html(const ReportData &data);
    static bool writeHtml(const ReportData &data, const QString &path, QString *error = nullptr);
    static bool writePdf(const ReportData &data, const QString &path, QString *error = nullptr,
                         QPageSize::PageSizeId pageSize = QPageSize::A4);
    // Html or Pdf from the file extension.
    static bool write(const ReportData &data, const QString &path, QString *error = nullptr,
                      QPageSize::PageSizeId pageSize = QPageSize::A4);
    // Letter in the United States, Canada, Mexico and the Philippines (by the system locale), else A4.
    static QPageSize::PageSizeId defaultPageSize();

    // "2026-11-29 13:05 – 2026-11-29 14:05 (local time)", or "all time" for an open range.
    static QString rangeText(const ReportData &data);
};

// collect() + write(): the whole report for filter into outFile, format from its extension
// (for the `falco-explorer report` command and the dashboard's export button).
bool exportReport(const QString &dbPath, const AlertFilter &filter, const QString &outFile, QString *error = nullptr,
                  QPageSize::PageSizeId pageSize = ReportExporter::defaultPageSize());

} // namespace fe
