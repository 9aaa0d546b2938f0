// SPDX-License-Identifier: Apache-2.0
// `falco-explorer stats`: the dashboard's numbers, as a table or as JSON for other tools.
#include "app/cliutil.h"
#include "app/commands.h"
#include "model/aggregates.h"
#include "model/alertstore.h"

#include <QCommandLineOption>
#include <QDateTime>
#include <QFileInfo>

namespace fe::cli {

namespace {

const char s_description[] =
    "Prints alert statistics for a query and time range: the total, counts by priority, rule, host, pod, source,\n"
    "MITRE technique and tactic, and alerts over time. --json prints them as one JSON object (stable keys).";

QByteArray jsonBuckets(const QVector<Bucket> &buckets)
{
    QByteArray out("{");
    for (qsizetype i = 0; i < buckets.size(); ++i) {
        if (i)
            out.append(", ");
        out.append(jsonString(buckets[i].key)).append(": ").append(QByteArray::number(buckets[i].count));
    }
    out.append('}');
    return out;
}

QString table(const QString &title, const QVector<Bucket> &buckets)
{
    if (buckets.isEmpty())
        return {};
    int width = 0;
    for (const Bucket &b : buckets)
        width = std::max(width, int(std::min<qsizetype>(b.key.size(), 70)));
    QString out = title + QLatin1Char('\n');
    for (const Bucket &b : buckets) {
        QString key = b.key.isEmpty() ? QStringLiteral("(none)") : b.key;
        if (key.size() > 70)
            key = key.left(69) + QChar(0x2026);
        out += QStringLiteral("  %1  %2\n").arg(key, -width).arg(b.count, 10);
    }
    return out + QLatin1Char('\n');
}

} // namespace

int runStats(const QStringList &args)
{
    QCommandLineParser parser;
    addStoreFilterOptions(parser);   // --db, --query, --from, --to
    const QCommandLineOption top(QStringLiteral("top"), QStringLiteral("Rows per top list (default 10, 0 = all)."), QStringLiteral("N"),
                                 QStringLiteral("10"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON on stdout."));
    parser.addOptions({top, json});
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("stats"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    AlertFilter filter;
    if (!filterFromOptions(parser, QStringLiteral("stats"), nowMs, &filter))
        return 2;
    QString error;
    bool topOk = false;
    AggregateOptions options;
    options.topN = parser.value(top).toInt(&topOk);
    options.nowMs = nowMs;
    if (!topOk || options.topN < 0) {
        writeErr(QStringLiteral("falco-explorer stats: --top expects a number >= 0\n"));
        return 2;
    }

    AlertStore store;
    if (!openStoreForReading(parser, QStringLiteral("stats"), &store, QStringLiteral(" (import or demo first)")))
        return 1;
    DashboardData data;
    if (!computeDashboard(store, filter, options, &data, &error)) {
        writeErr(QStringLiteral("falco-explorer stats: %1\n").arg(error));
        return filter.query.isEmpty() ? 1 : 2;
    }

    if (parser.isSet(json)) {
        QByteArray out("{\"total\": ");
        out.append(QByteArray::number(data.total));
        out.append(", \"by_priority\": ").append(jsonBuckets(data.byPriority));
        out.append(", \"by_rule\": ").append(jsonBuckets(data.byRule));
        out.append(", \"by_host\": ").append(jsonBuckets(data.byHost));
        out.append(", \"by_pod\": ").append(jsonBuckets(data.byPod));
        out.append(", \"by_source\": ").append(jsonBuckets(data.bySource));
        out.append(", \"by_technique\": ").append(jsonBuckets(data.byTechnique));
        out.append(", \"over_time\": [");
        for (qsizetype i = 0; i < data.overTime.size(); ++i) {
            if (i)
                out.append(", ");
            out.append("{\"start\": ").append(jsonString(isoMs(data.overTime[i].startMs)));
            out.append(", \"count\": ").append(QByteArray::number(data.overTime[i].count)).append('}');
        }
        out.append("]");
        out.append(", \"by_tactic\": ").append(jsonBuckets(data.byTactic));
        out.append(", \"by_image\": ").append(jsonBuckets(data.byImage));
        out.append(", \"by_namespace\": ").append(jsonBuckets(data.byNamespace));
        out.append(", \"interval_ms\": ").append(QByteArray::number(data.intervalMs));
        if (data.total > 0) {
            out.append(", \"from\": ").append(jsonString(isoMs(data.fromMs)));
            out.append(", \"to\": ").append(jsonString(isoMs(data.toMs)));
        }
        out.append("}\n");
        writeOut(out);
        return 0;
    }

    QString text = QStringLiteral("Alerts: %1").arg(data.total);
    if (data.total > 0)
        text += QStringLiteral("  (%1 .. %2)").arg(isoMs(data.fromMs), isoMs(data.toMs));
    text += QStringLiteral("\n\n");
    text += table(QStringLiteral("By priority"), data.byPriority);
    text += table(QStringLiteral("Top rules"), data.byRule);
    text += table(QStringLiteral("Top hosts"), data.byHost);
    text += table(QStringLiteral("Top pods"), data.byPod);
    text += table(QStringLiteral("By source"), data.bySource);
    text += table(QStringLiteral("Top MITRE techniques"), data.byTechnique);
    text += table(QStringLiteral("Top MITRE tactics"), data.byTactic);
    if (!data.overTime.isEmpty()) {
        qint64 peak = 0;
        for (const TimePoint &p : std::as_const(data.overTime))
            peak = std::max(peak, p.count);
        text += QStringLiteral("Over time (%1 per bucket)\n").arg(
            data.intervalMs >= 3600000 ? QStringLiteral("%1 h").arg(data.intervalMs / 3600000.0)
                                       : QStringLiteral("%1 min").arg(data.intervalMs / 60000.0));
        for (const TimePoint &p : std::as_const(data.overTime)) {
            const int bar = peak > 0 ? int(40.0 * double(p.count) / double(peak) + 0.5) : 0;
            text += QStringLiteral("  %1  %2 %3\n").arg(isoMs(p.startMs)).arg(p.count, 8).arg(QString(bar, QLatin1Char('#')));
        }
    }
    writeOut(text.toUtf8());
    return 0;
}

} // namespace fe::cli
