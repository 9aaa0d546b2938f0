// SPDX-License-Identifier: Apache-2.0
#include "app/cliutil.h"

#include "app/cliprogress.h"
#include "app/stopsignals.h"
#include "model/alertstore.h"
#include "model/schema.h"

#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>

#include <unistd.h>
#include <memory>
#include <utility>

namespace fe::cli {

bool parseCommandLine(QCommandLineParser &parser, const QString &command, const QString &description,
                      const QStringList &args, int *exitCode)
{
    parser.setApplicationDescription(description);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    QStringList full{QStringLiteral("falco-explorer ") + command};
    full << args;
    if (!parser.parse(full)) {
        writeErr(QStringLiteral("falco-explorer %1: %2\n\n").arg(command, parser.errorText()));
        writeErr(parser.helpText());
        *exitCode = 2;
        return false;
    }
    if (parser.isSet(help)) {
        writeOut(parser.helpText().toUtf8());
        *exitCode = 0;
        return false;
    }
    return true;
}

bool parseTime(const QString &input, qint64 nowMs, qint64 *outMs, QString *error)
{
    const QString text = input.trimmed();
    auto fail = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("invalid time '%1': %2").arg(input, why);
        return false;
    };
    if (text.isEmpty())
        return fail(QStringLiteral("empty"));

    static const QRegularExpression relative(QStringLiteral("^now(?:\\s*([+-])\\s*(\\d+)\\s*([smhdw]))?$"),
                                             QRegularExpression::CaseInsensitiveOption);
    if (const auto m = relative.match(text); m.hasMatch()) {
        qint64 ms = nowMs;
        if (m.hasCaptured(1)) {
            bool ok = false;
            const qint64 n = m.captured(2).toLongLong(&ok);
            if (!ok || n > 100000000)
                return fail(QStringLiteral("offset out of range"));
            qint64 unit = 1000;
            switch (m.captured(3).toLower().at(0).unicode()) {
            case 's': unit = 1000; break;
            case 'm': unit = 60 * 1000; break;
            case 'h': unit = 3600 * 1000; break;
            case 'd': unit = 24 * 3600 * 1000; break;
            case 'w': unit = 7LL * 24 * 3600 * 1000; break;
            }
            ms += (m.captured(1) == QStringLiteral("-") ? -1 : 1) * n * unit;
        }
        *outMs = ms;
        return true;
    }

    static const QRegularExpression digits(QStringLiteral("^-?\\d{1,16}$"));
    if (digits.match(text).hasMatch()) {
        *outMs = text.toLongLong();
        return true;
    }

    // ISO 8601: a date, or a date-time; without a zone it is UTC.
    static const QRegularExpression iso(QStringLiteral(
        "^(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?\\s*(Z|[+-]\\d{2}:?\\d{2})?$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = iso.match(text);
    if (!m.hasMatch())
        return fail(QStringLiteral("expected ISO 8601, epoch milliseconds or now-1h"));
    const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
    if (!date.isValid())
        return fail(QStringLiteral("no such date"));
    int msec = 0;
    if (m.hasCaptured(7))
        msec = m.captured(7).left(3).leftJustified(3, QLatin1Char('0')).toInt();
    const QTime time(m.hasCaptured(4) ? m.captured(4).toInt() : 0, m.hasCaptured(5) ? m.captured(5).toInt() : 0,
                     m.hasCaptured(6) ? m.captured(6).toInt() : 0, msec);
    if (!time.isValid())
        return fail(QStringLiteral("no such time of day"));
    qint64 ms = QDateTime(date, time, Qt::UTC).toMSecsSinceEpoch();
    if (m.hasCaptured(8) && m.captured(8).toUpper() != QStringLiteral("Z")) {
        QString zone = m.captured(8);
        zone.remove(QLatin1Char(':'));
        const int sign = zone.startsWith(QLatin1Char('-')) ? -1 : 1;
        const int hours = zone.mid(1, 2).toInt();
        const int minutes = zone.mid(3, 2).toInt();
        ms -= sign * (hours * 60 + minutes) * 60000LL;
    }
    *outMs = ms;
    return true;
}

QString isoMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

QString databasePath(const QCommandLineParser &parser)
{
    const QString db = parser.value(QStringLiteral("db"));
    return db.isEmpty() ? AlertStore::defaultPath() : db;
}

void addStoreFilterOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        QCommandLineOption(QStringLiteral("db"), QStringLiteral("The store (default: %1).").arg(AlertStore::defaultPath()),
                           QStringLiteral("PATH")),
        QCommandLineOption(QStringLiteral("query"), QStringLiteral("Only alerts matching this KQL query."), QStringLiteral("Q")),
        QCommandLineOption(QStringLiteral("from"), QStringLiteral("Start (inclusive): ISO 8601, epoch ms or now-7d."),
                           QStringLiteral("T")),
        QCommandLineOption(QStringLiteral("to"), QStringLiteral("End (exclusive): ISO 8601, epoch ms or now."), QStringLiteral("T")),
    });
}

bool filterFromOptions(const QCommandLineParser &parser, const QString &command, qint64 nowMs, AlertFilter *filter)
{
    filter->query = parser.value(QStringLiteral("query"));
    QString error;
    for (const auto &[name, target] : {std::pair{QStringLiteral("from"), &filter->fromMs}, std::pair{QStringLiteral("to"), &filter->toMs}}) {
        if (parser.isSet(name) && !parseTime(parser.value(name), nowMs, target, &error)) {
            writeErr(QStringLiteral("falco-explorer %1: --%2: %3\n").arg(command, name, error));
            return false;
        }
    }
    return true;
}

bool openStoreForReading(const QCommandLineParser &parser, const QString &command, AlertStore *store,
                         const QString &missingHint)
{
    const QString path = databasePath(parser);
    if (!QFileInfo::exists(path)) {
        writeErr(QStringLiteral("falco-explorer %1: no store at %2%3\n").arg(command, path, missingHint));
        return false;
    }
    QString error;
    if (store && !store->open(path, AlertStore::OpenMode::ReadOnly, &error)) {
        writeErr(QStringLiteral("falco-explorer %1: cannot open %2: %3\n").arg(command, path, error));
        return false;
    }
    return true;
}

bool openStoreForWriting(const QString &path, const QString &command, AlertStore *store, int *exitCode, bool quiet)
{
    const StopSignals stop;
    std::unique_ptr<CliProgress> progress;
    bool interrupted = false;
    // Called between the conversion's chunks (each one transaction) only: a store that needs none shows nothing.
    const MigrationProgress onChunk = [&](qint64 done, qint64 total) {
        if (!progress)
            progress = std::make_unique<CliProgress>(
                QStringLiteral("Converting store to format %1").arg(Schema::latestVersion()), quiet);
        progress->update(done, total);
        interrupted = stop.stopRequested();
        return !interrupted;
    };
    QString error;
    const bool opened = store->open(path, AlertStore::OpenMode::ReadWrite, &error, onChunk);
    if (progress)
        progress->finish();
    if (interrupted) {
        writeErr(QStringLiteral("falco-explorer %1: conversion interrupted; it resumes next time the store is opened\n")
                     .arg(command));
        *exitCode = stop.exitCode();
        return false;
    }
    if (!opened) {
        writeErr(QStringLiteral("falco-explorer %1: cannot open %2: %3\n").arg(command, path, error));
        *exitCode = 1;
        return false;
    }
    if (stop.stopRequested()) {
        // The signal came after the last chunk: the conversion is complete, the command itself does not start.
        writeErr(QStringLiteral("falco-explorer %1: stopped (the store's conversion was complete)\n").arg(command));
        store->close();
        *exitCode = stop.exitCode();
        return false;
    }
    return true;
}

bool convertStoreIfNeeded(const QString &path, const QString &command, int *exitCode)
{
    if (!QFileInfo::exists(path))
        return true;
    AlertStore store;
    if (!openStoreForWriting(path, command, &store, exitCode))
        return false;
    store.close();
    return true;
}

QByteArray jsonString(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    out.reserve(utf8.size() + 2);
    out.append('"');
    for (char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (u < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out.append("\\u00").append(hex[u >> 4]).append(hex[u & 15]);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
    return out;
}

bool isTerminal(std::FILE *stream)
{
    return ::isatty(::fileno(stream)) == 1;
}

void writeOut(const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
}

} // namespace fe::cli
