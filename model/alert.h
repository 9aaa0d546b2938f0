// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>

namespace fe {

// Falco priorities in Falco's own order (syslog severities): the numeric value is the sort order
// used in the store and the colour index used by the UI. Unknown sorts last.
enum class Priority : int {
    Emergency = 0,
    Alert = 1,
    Critical = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Informational = 6,
    Debug = 7,
    Unknown = 8,
};

// Case-insensitive; accepts Falco's spellings ("Informational", "Info", "warning").
Priority priorityFromString(QStringView text);
// Falco's canonical spelling ("Informational"), "Unknown" for Unknown.
QString priorityName(Priority priority);
// The Elastic integration's event.severity scale: 99/73/47/21, 0 when unknown.
int severityForPriority(Priority priority);

// Where an alert was read and how it was mapped: with the alert's own byte offset and read time, everything the mapper
// needs to derive its ECS document again from its original bytes (schema v5 stores the original, not the document).
struct AlertOrigin
{
    enum class Kind : int {
        File = 1,       // a line of a file (or stdin): name is the file's absolute path, "" for stdin
        Network = 2,    // a syslog frame received over TCP or UDP: name is the peer "ip:port"
        Document = 3,   // converted from a schema v4 (or older) store: the record is its stored ECS document
    };
    Kind kind = Kind::File;
    QString name;
    QString options;   // the mapping options (preserve flags, --set fields), as ingest encodes them; opaque here

    bool operator==(const AlertOrigin &other) const
    {
        return kind == other.kind && name == other.name && options == other.options;
    }
};

// One alert as the store and the UI see it: the columns the dashboard and filters need (its facts), what is stored of
// it (its compressed original and where it came from), and, when read back, its derived ECS document. Built by the
// ingest mapper, a plain value type that crosses threads.
struct Alert
{
    qint64 id = 0;                // store row id; 0 before it is stored
    qint64 timestampMs = 0;       // @timestamp, ms since the epoch (UTC)
    Priority priority = Priority::Unknown;
    int severity = 0;             // event.severity (99/73/47/21), 0 when unset
    QString rule;                 // rule.name
    QString hostname;             // host.name
    QString source;               // event.provider (syscall, k8s_audit, ...)
    QString output;               // falco.output (free text, FTS-indexed)
    QString uuid;                 // falco.uuid (Falcosidekick), may be empty
    QString containerId;          // container.id
    QString containerName;        // container.name
    QString containerImage;       // container.image.name
    QString podName;              // orchestrator.resource.name
    QString namespaceName;        // orchestrator.namespace
    QString processName;          // process.name
    QString commandLine;          // process.command_line
    QString userName;             // process.user.name
    QStringList tags;             // falco.tags as sent
    QString technique;            // threat.technique.id[0] (T1234)
    QString subtechnique;         // threat.technique.subtechnique.id[0] (T1234.001)
    QStringList tactics;          // from mitre_* tags, e.g. "credential_access"
    QByteArray dedupeKey;         // "u:<uuid>" or "h:<hex sha-256 of the alert JSON text>"
    QByteArray dedupeStorageKey;  // the key as the store keeps it (DedupeKey::appendStorageKey), when ingest made it
    // The store's FactInterner ids of its facts in FactColumn order (priority, severity, then one id per text fact),
    // when ingest made them (all 0: none).
    std::array<quint32, 16> internedFacts{};
    bool timeIsReceipt = false;   // timestampMs is when the alert was read or received, not its own time
    QByteArray ecsJson;           // the whole ECS document, compact UTF-8 JSON (empty when mapped for its facts only)

    // What the store keeps of it (schema v5).
    QByteArray record;            // the original bytes (the line as read, the frame as received), RecordCodec-compressed
    qint32 originalSize = 0;      // bytes of the original before compression
    AlertOrigin origin;
    qint64 offset = -1;           // File: the line's byte offset in the file; -1 otherwise
    qint64 receivedMs = 0;        // when it was read or received: the mapper's read time
};

using AlertBatch = QVector<Alert>;

} // namespace fe

// Every member is a primitive or an implicitly shared Qt value, which Qt relocates with memcpy: a batch that grows,
// or moves alerts into a transaction's list, copies bytes instead of calling a move constructor per alert.
Q_DECLARE_TYPEINFO(fe::AlertOrigin, Q_RELOCATABLE_TYPE);
Q_DECLARE_TYPEINFO(fe::Alert, Q_RELOCATABLE_TYPE);

Q_DECLARE_METATYPE(fe::Alert)
Q_DECLARE_METATYPE(fe::AlertBatch)
