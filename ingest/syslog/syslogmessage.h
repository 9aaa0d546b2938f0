// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace fe {

// The header of one syslog line, as the Beats syslog processor reads it. The message itself is
// line.mid(payloadOffset): the parser never copies it.
struct SyslogMessage
{
    enum class Format {
        None,       // not parsed (or parse failed)
        Rfc3164,    // <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG  (BSD, optional year, optional fraction)
        Rfc5424,    // <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG
        GoSyslog,   // <PRI>RFC3339 HOST TAG[PID]: MSG   (Go's log/syslog over the network, Falcosidekick)
    };

    int priority = -1;      // PRI, 0..191; -1 when absent
    int facility = -1;      // priority / 8
    int severity = -1;      // priority % 8
    QString hostname;       // empty for NILVALUE "-"
    QString appname;        // 3164/Go: the TAG; 5424: APP-NAME
    QString procid;         // 3164/Go: the [PID]; 5424: PROCID
    QString msgid;          // 5424 only
    qint64 timestampMs = 0; // header time, ms since the epoch (UTC)
    bool hasTimestamp = false;
    Format format = Format::None;
    QByteArray structuredData;   // 5424 STRUCTURED-DATA as sent ("[id k=\"v\"]..."), empty for "-"
    qsizetype payloadOffset = 0; // byte offset of MSG in the line (a UTF-8 BOM is skipped)
    // hostname, appname, procid and msgid as the line's bytes (views into it, empty for "-"): always set;
    // the QStrings above are not filled by parseSyslogHeader.
    QByteArrayView hostnameBytes;
    QByteArrayView appnameBytes;
    QByteArrayView procidBytes;
    QByteArrayView msgidBytes;
};

// Parses the header of a syslog line (RFC 3164, RFC 5424 or Go log/syslog). Returns false and sets
// *error (what and at which byte) when the line has no valid "<PRI>" header or the header is cut short.
// A 3164 timestamp without a year takes the year of referenceMs (0 = now), minus one when that would put
// it more than a month in the future (December logs read in January); 3164 times without a zone are UTC.
bool parseSyslog(QByteArrayView line, SyslogMessage *out, QString *error, qint64 referenceMs = 0);
// parseSyslog without the text copies: hostname, appname, procid and msgid are left empty and only their
// *Bytes views (into line) are set, for hot paths that read the line's bytes while line lives.
bool parseSyslogHeader(QByteArrayView line, SyslogMessage *out, QString *error, qint64 referenceMs = 0);

// A whole RFC 3339 / ISO 8601 date-time ("2024-08-07T13:49:16.479964318Z", "...+02:00", "...+0000"; no zone =
// UTC) → ms since the epoch, fraction truncated to ms. False when text is anything else.
bool parseRfc3339(QByteArrayView text, qint64 *msOut);

// Beats/ECS names: "kernel", "user", ..., "local7"; empty when out of range.
QString syslogFacilityName(int facility);
// Beats/ECS names: "Emergency", "Alert", ..., "Debug"; empty when out of range.
QString syslogSeverityName(int severity);
// The same names as static ASCII text (no allocation).
QByteArrayView syslogFacilityNameBytes(int facility);
QByteArrayView syslogSeverityNameBytes(int severity);

} // namespace fe
