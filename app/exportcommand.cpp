// SPDX-License-Identifier: Apache-2.0
// `falco-explorer export`: stored ECS documents as NDJSON or CSV, or the stored originals, streamed (no size cap).
#include "app/cliutil.h"
#include "app/commands.h"
#include "model/alertstore.h"
#include "model/querylanguage.h"
#include "model/recordmapper.h"

#include <QCommandLineOption>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace fe::cli {

namespace {

const char s_description[] =
    "Exports the stored alerts matching a query and time range, oldest first, as ECS NDJSON (the documents as stored)\n"
    "or CSV (one row per alert, RFC 4180; cells starting with = + - @ are prefixed with ' against formula injection).\n"
    "\n"
    "--format original writes each alert's original byte for byte as it was read, followed by one line feed (\\n),\n"
    "in the order the alerts were stored (not by time): a file's line without its line ending (\\n or \\r\\n, which\n"
    "Elastic's agent does not keep either: a CRLF file comes back with LF endings), a syslog frame as received,\n"
    "header included (without an octet count). A file imported once comes back as it was, its duplicate lines\n"
    "aside. An original that itself holds a line feed (a frame received with octet counting) is written as it is,\n"
    "so such a frame spans several output lines. Alerts stored by an older Falco Explorer that kept only the ECS\n"
    "document have no original: they are left out, and stderr says how many.";

// Writes the stored originals matching filter in id order. leftOut: alerts without an original; damaged: unreadable
// records (each reported on stderr). false + error when the filter does not compile.
bool exportOriginals(const AlertStore &store, const AlertFilter &filter, QFile &out, qint64 *exported, qint64 *leftOut,
                     qint64 *damaged, bool *writeFailed, QString *error)
{
    QByteArray buffer;
    const bool ok = store.forEachRecord(
        filter,
        [&](const StoredRecord &record) {
            if (record.origin.kind == AlertOrigin::Kind::Document) {
                ++*leftOut;
                return true;
            }
            buffer.append(record.original).append('\n');
            ++*exported;
            if (buffer.size() >= (1 << 20)) {
                if (out.write(buffer) != buffer.size()) {
                    *writeFailed = true;
                    return false;
                }
                buffer.clear();
            }
            return true;
        },
        error,
        [&](const QString &problem) {
            ++*damaged;
            writeErr(QStringLiteral("falco-explorer export: %1\n").arg(problem));
        },
        AlertStore::RecordOrder::Id);
    if (!*writeFailed && out.write(buffer) != buffer.size())
        *writeFailed = true;
    return ok;
}

// A field of an ECS document by dotted path: nested objects, or a literal dotted key at any level.
QJsonValue lookup(const QJsonObject &object, QStringView path)
{
    const auto direct = object.constFind(path.toString());
    if (direct != object.constEnd())
        return *direct;
    for (qsizetype dot = path.indexOf(QLatin1Char('.')); dot > 0; dot = path.indexOf(QLatin1Char('.'), dot + 1)) {
        const auto it = object.constFind(path.left(dot).toString());
        if (it != object.constEnd() && it->isObject()) {
            const QJsonValue v = lookup(it->toObject(), path.mid(dot + 1));
            if (!v.isUndefined())
                return v;
        }
    }
    return QJsonValue(QJsonValue::Undefined);
}

QString text(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String: return value.toString();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d);
    }
    case QJsonValue::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Array: {
        QStringList parts;
        for (const QJsonValue &v : value.toArray())
            parts << text(v);
        return parts.join(QLatin1Char(';'));
    }
    case QJsonValue::Object: return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    default: return {};
    }
}

QString firstOf(const QJsonObject &doc, std::initializer_list<const char *> paths)
{
    for (const char *p : paths) {
        const QJsonValue v = lookup(doc, QString::fromLatin1(p));
        if (!v.isUndefined() && !v.isNull())
            return text(v);
    }
    return {};
}

// RFC 4180 cell, with spreadsheet formula injection neutralised.
QByteArray csvCell(const QString &value)
{
    QString v = value;
    if (!v.isEmpty() && (v.at(0) == QLatin1Char('=') || v.at(0) == QLatin1Char('+') || v.at(0) == QLatin1Char('-')
                         || v.at(0) == QLatin1Char('@') || v.at(0) == QLatin1Char('\t') || v.at(0) == QLatin1Char('\r')))
        v.prepend(QLatin1Char('\''));
    const bool quote = v.contains(QLatin1Char(',')) || v.contains(QLatin1Char('"')) || v.contains(QLatin1Char('\n'))
        || v.contains(QLatin1Char('\r')) || v.startsWith(QLatin1Char(' ')) || v.endsWith(QLatin1Char(' '));
    if (!quote)
        return v.toUtf8();
    v.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return '"' + v.toUtf8() + '"';
}

} // namespace

int runExport(const QStringList &args)
{
    QCommandLineParser parser;
    addStoreFilterOptions(parser);   // --db, --query, --from, --to
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("ndjson (default), csv or original."), QStringLiteral("FORMAT"),
                                    QStringLiteral("ndjson"));
    const QCommandLineOption output(QStringList{QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("Write to FILE instead of stdout."), QStringLiteral("FILE"));
    parser.addOptions({format, output});
    int exitCode = 0;
    if (!parseCommandLine(parser, QStringLiteral("export"), QString::fromLatin1(s_description), args, &exitCode))
        return exitCode;

    const QString fmt = parser.value(format).toLower();
    if (fmt != QStringLiteral("ndjson") && fmt != QStringLiteral("csv") && fmt != QStringLiteral("original")) {
        writeErr(QStringLiteral("falco-explorer export: --format must be ndjson, csv or original, not '%1'\n")
                     .arg(parser.value(format)));
        return 2;
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    AlertFilter filter;
    if (!filterFromOptions(parser, QStringLiteral("export"), nowMs, &filter))
        return 2;
    QString error;

    AlertStore store;
    if (!openStoreForReading(parser, QStringLiteral("export"), &store))
        return 1;

    QFile out;
    const bool toFile = parser.isSet(output) && parser.value(output) != QStringLiteral("-");
    if (toFile) {
        out.setFileName(parser.value(output));
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            writeErr(QStringLiteral("falco-explorer export: cannot write %1: %2\n").arg(out.fileName(), out.errorString()));
            return 1;
        }
    } else if (!out.open(stdout, QIODevice::WriteOnly)) {
        writeErr(QStringLiteral("falco-explorer export: cannot write to stdout\n"));
        return 1;
    }

    if (fmt == QStringLiteral("original")) {
        qint64 exported = 0;
        qint64 leftOut = 0;
        qint64 damaged = 0;
        bool writeFailed = false;
        const bool ok = exportOriginals(store, filter, out, &exported, &leftOut, &damaged, &writeFailed, &error);
        out.close();
        if (!ok) {
            writeErr(QStringLiteral("falco-explorer export: %1\n").arg(error));
            return 2;
        }
        if (writeFailed) {
            writeErr(QStringLiteral("falco-explorer export: write failed: %1\n").arg(out.errorString()));
            return 1;
        }
        if (leftOut > 0) {
            writeErr(QStringLiteral("falco-explorer export: %1 alert(s) left out: stored by an older Falco Explorer, "
                                    "which kept their ECS document but not their original\n")
                         .arg(leftOut));
        }
        if (damaged > 0)
            writeErr(QStringLiteral("falco-explorer export: %1 alert(s) left out: their record is damaged\n").arg(damaged));
        if (toFile)
            writeErr(QStringLiteral("Exported %1 original(s) to %2\n").arg(exported).arg(out.fileName()));
        return damaged > 0 ? 1 : 0;
    }

    const bool csv = fmt == QStringLiteral("csv");
    // Triage status is not part of the ECS document: collect the (few) alerts that are not "new" first.
    QHash<qint64, QString> triage;
    if (csv) {
        const QStringList statuses = triageStatusNames();
        for (qsizetype s = 1; s < statuses.size(); ++s) {
            AlertFilter f = filter;
            const QString clause = queryClause(QStringLiteral("triage.status"), statuses[s]);
            f.query = filter.query.trimmed().isEmpty() ? clause : QStringLiteral("(%1) and %2").arg(filter.query, clause);
            store.forEachDocument(f, [&](qint64 id, const QByteArray &) {
                triage.insert(id, statuses[s]);
                return true;
            });
        }
        out.write("@timestamp,priority,severity,rule,host,source,container,pod,namespace,process,user,technique,tags,"
                  "triage_status,output\r\n");
    }

    QByteArray buffer;
    qint64 exported = 0;
    bool writeFailed = false;
    const QString newStatus = triageStatusNames().value(0, QStringLiteral("new"));
    const bool ok = store.forEachDocument(filter, [&](qint64 id, const QByteArray &ecsJson) {
        if (csv) {
            const QJsonObject doc = QJsonDocument::fromJson(ecsJson).object();
            const QString cells[] = {
                firstOf(doc, {"@timestamp"}),
                firstOf(doc, {"falco.priority", "log.level"}),
                firstOf(doc, {"event.severity"}),
                firstOf(doc, {"rule.name", "falco.rule"}),
                firstOf(doc, {"host.name", "falco.hostname"}),
                firstOf(doc, {"event.provider", "falco.source"}),
                firstOf(doc, {"container.name", "container.id"}),
                firstOf(doc, {"orchestrator.resource.name"}),
                firstOf(doc, {"orchestrator.namespace"}),
                firstOf(doc, {"process.name"}),
                firstOf(doc, {"process.user.name", "user.name"}),
                firstOf(doc, {"threat.technique.id"}),
                firstOf(doc, {"falco.tags", "tags"}),
                triage.value(id, newStatus),
                firstOf(doc, {"falco.output", "message"}),
            };
            for (size_t i = 0; i < std::size(cells); ++i) {
                if (i)
                    buffer.append(',');
                buffer.append(csvCell(cells[i]));
            }
            buffer.append("\r\n");
        } else {
            buffer.append(ecsJson).append('\n');
        }
        ++exported;
        if (buffer.size() >= (1 << 20)) {
            if (out.write(buffer) != buffer.size()) {
                writeFailed = true;
                return false;
            }
            buffer.clear();
        }
        return true;
    }, &error);
    if (!writeFailed && out.write(buffer) != buffer.size())
        writeFailed = true;
    out.close();
    if (!ok) {
        writeErr(QStringLiteral("falco-explorer export: %1\n").arg(error));
        return 2;
    }
    if (writeFailed) {
        writeErr(QStringLiteral("falco-explorer export: write failed: %1\n").arg(out.errorString()));
        return 1;
    }
    if (toFile)
        writeErr(QStringLiteral("Exported %1 alert(s) to %2\n").arg(exported).arg(out.fileName()));
    return 0;
}

} // namespace fe::cli
