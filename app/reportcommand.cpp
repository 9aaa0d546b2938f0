// SPDX-License-Identifier: Apache-2.0
#include "app/reportcommand.h"

#include "app/cliutil.h"
#include "model/alertstore.h"
#include "ui/reportexporter.h"

#include <QDateTime>
#include <QFileInfo>
#include <QGuiApplication>

namespace fe::cli {

namespace {

const char s_description[] =
    "Write the dashboard (all panels, the query and time range, the newest and the most severe alerts) as a PDF\n"
    "or a self-contained HTML file for offline incident review. The format follows the file extension\n"
    "(.pdf, .html, .htm).\n"
    "\n"
    "Example: falco-explorer report --from now-24h --query 'falco.priority >= warning' -o incident.pdf";

} // namespace

int runReport(int &argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationName(QStringLiteral("falco-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FE_VERSION));
    QStringList args = QCoreApplication::arguments();
    args.erase(args.begin(), args.begin() + qMin<qsizetype>(2, args.size()));

    QCommandLineParser parser;
    addStoreFilterOptions(parser);   // --db, --query, --from, --to
    const QCommandLineOption output(QStringList{QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("The report file: .pdf, .html or .htm (required)."), QStringLiteral("FILE"));
    const QCommandLineOption page(QStringLiteral("page"),
                                            QStringLiteral("PDF paper size: a4 or letter (default: letter in the United States, "
                                                           "Canada, Mexico and the Philippines, else a4)."),
                                            QStringLiteral("SIZE"));
    parser.addOptions({output, page});
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("report"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;

    if (!parser.isSet(output)) {
        writeErr(QStringLiteral("falco-explorer report: --output FILE is required (.pdf, .html or .htm)\n"));
        return 2;
    }
    const QString file = parser.value(output);
    if (ReportExporter::formatForFile(file) == ReportExporter::Format::Unknown) {
        writeErr(QStringLiteral("falco-explorer report: %1: use a .pdf, .html or .htm file name\n").arg(file));
        return 2;
    }
    QPageSize::PageSizeId pageSize = ReportExporter::defaultPageSize();
    if (parser.isSet(page)) {
        const QString value = parser.value(page).toLower();
        if (value == u"a4") {
            pageSize = QPageSize::A4;
        } else if (value == u"letter") {
            pageSize = QPageSize::Letter;
        } else {
            writeErr(QStringLiteral("falco-explorer report: --page %1: expected a4 or letter\n").arg(parser.value(page)));
            return 2;
        }
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    AlertFilter filter;
    if (!filterFromOptions(parser, QStringLiteral("report"), nowMs, &filter))
        return 2;
    QString error;
    if (!openStoreForReading(parser, QStringLiteral("report"), nullptr))
        return 1;
    const QString path = databasePath(parser);
    if (!exportReport(path, filter, file, &error, pageSize)) {
        writeErr(QStringLiteral("falco-explorer report: %1\n").arg(error));
        return 1;
    }
    writeErr(QStringLiteral("falco-explorer report: wrote %1\n").arg(file));
    return 0;
}

} // namespace fe::cli
