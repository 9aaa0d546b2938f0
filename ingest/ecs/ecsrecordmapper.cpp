// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/ecsrecordmapper.h"

#include "ingest/decode/jsontext.h"
#include "ingest/syslog/cefdecoder.h"
#include "model/dedupekey.h"
#include "model/recordcodec.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <simdjson.h>

#include <mutex>

namespace fe {

namespace {

// The mapping options that shape a document beyond the input kind, the file or peer, the offset and the read time:
// kept once per origin, as compact JSON ("" for the defaults).
QString encodeOptions(const MapOptions &options)
{
    QJsonObject o;
    if (options.preserveOriginal)
        o.insert(QStringLiteral("preserve_original"), true);
    if (options.preserveFalcoFields)
        o.insert(QStringLiteral("preserve_falco_fields"), true);
    if (!options.extraFields.isEmpty()) {
        QJsonArray set;
        for (const auto &[field, value] : options.extraFields)
            set.append(QJsonArray{field, value});
        o.insert(QStringLiteral("set"), set);
    }
    return o.isEmpty() ? QString() : QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

MapOptions decodeOptions(const QString &text)
{
    MapOptions options;
    if (text.isEmpty())
        return options;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    options.preserveOriginal = o.value(QStringLiteral("preserve_original")).toBool();
    options.preserveFalcoFields = o.value(QStringLiteral("preserve_falco_fields")).toBool();
    for (const QJsonValue &pair : o.value(QStringLiteral("set")).toArray()) {
        const QJsonArray a = pair.toArray();
        if (a.size() == 2)
            options.extraFields.append({a.at(0).toString(), a.at(1).toString()});
    }
    return options;
}

// The decoded options of the last origins seen by this thread: records of one origin come in runs.
const MapOptions &cachedOptions(const QString &text)
{
    struct Entry
    {
        QString text;
        MapOptions options;
    };
    thread_local Entry last[4];
    thread_local int next = 0;
    for (const Entry &e : last) {
        if (e.text == text && (!text.isEmpty() || e.options.extraFields.isEmpty()))
            return e.options;
    }
    Entry &e = last[next++ % 4];
    e.text = text;
    e.options = decodeOptions(text);
    return e.options;
}

// A string member at a dotted path of a stored document (Document records).
QString documentString(simdjson::dom::element doc, std::initializer_list<const char *> path)
{
    simdjson::dom::element e = doc;
    for (const char *key : path) {
        if (e.at_key(key).get(e))
            return QString();
    }
    std::string_view text;
    if (e.get(text))
        return QString();
    return QString::fromUtf8(text.data(), qsizetype(text.size()));
}

} // namespace

AlertOrigin EcsRecordMapper::origin(const MapOptions &options, const QString &name)
{
    AlertOrigin o;
    o.kind = options.input == MapOptions::Input::Tcp ? AlertOrigin::Kind::Network : AlertOrigin::Kind::File;
    o.name = name;
    o.options = encodeOptions(options);
    return o;
}

MapOptions EcsRecordMapper::options(const StoredRecord &record)
{
    MapOptions options = cachedOptions(record.origin.options);
    options.readTimeMs = record.receivedMs;
    if (record.origin.kind == AlertOrigin::Kind::Network) {
        options.input = MapOptions::Input::Tcp;
        options.sourceAddress = record.origin.name;
    } else {
        options.input = MapOptions::Input::Logfile;
        options.logFilePath = record.origin.name;
        options.logOffset = record.origin.name.isEmpty() ? -1 : record.offset;
    }
    return options;
}

void EcsRecordMapper::keepOriginal(Alert *alert, QByteArrayView original, const AlertOrigin &origin,
                                   const MapOptions &options, const RecordCodec &codec)
{
    alert->ecsJson = QByteArray();
    alert->record.clear();
    codec.compress(original, &alert->record);
    alert->originalSize = qint32(std::min<qsizetype>(original.size(), 0x7fffffff));
    alert->origin = origin;
    alert->offset = origin.kind == AlertOrigin::Kind::File && !origin.name.isEmpty() ? options.logOffset : -1;
    alert->receivedMs = options.readTimeMs;
    alert->dedupeStorageKey.clear();
    DedupeKey::appendStorageKey(alert->dedupeStorageKey, *alert);
}

bool EcsRecordMapper::derive(const StoredRecord &record, DerivedAlert *out, QString *error) const
{
    if (record.origin.kind == AlertOrigin::Kind::Document) {
        const ThreadJsonParserTrim trim;
        simdjson::dom::element doc;
        if (threadJsonParser().parse(record.original.constData(), size_t(record.original.size())).get(doc)) {
            if (error)
                *error = QStringLiteral("the stored document is not JSON");
            return false;
        }
        out->ecsJson = record.original;
        out->output = documentString(doc, {"falco", "output"});
        out->commandLine = documentString(doc, {"process", "command_line"});
        return true;
    }
    MapResult result = mapFrame(record.original, options(record));
    if (result.status != MapResult::Status::Alert) {
        if (error)
            *error = QStringLiteral("the stored original no longer maps to an alert: %1")
                         .arg(result.error.isEmpty() ? QStringLiteral("skipped") : result.error);
        return false;
    }
    out->ecsJson = std::move(result.alert.ecsJson);
    out->output = std::move(result.alert.output);
    out->commandLine = std::move(result.alert.commandLine);
    return true;
}

QByteArray EcsRecordMapper::outputUtf8(const StoredRecord &record) const
{
    if (record.origin.kind == AlertOrigin::Kind::Document) {
        DerivedAlert derived;
        return derive(record, &derived, nullptr) ? derived.output.toUtf8() : QByteArray();
    }
    // derive() maps with mapFrame: the same output, without building (and, for a huge alert, holding several copies
    // of) the whole document.
    return alertOutputText(record.original, options(record), true);
}

void installEcsRecordMapper()
{
    static std::once_flag once;
    std::call_once(once, [] { RecordMapper::install(std::make_shared<EcsRecordMapper>()); });
}

// A program that stores alerts through the ingest engines (which use this file) reads them back with the same mapper,
// whether or not its main() installs it (tests, benches).
Q_COREAPP_STARTUP_FUNCTION(installEcsRecordMapper)

} // namespace fe
