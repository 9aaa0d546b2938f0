// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/syslog/syslogmessage.h"

#include <QByteArrayView>
#include <QString>

#include <string>
#include <string_view>

namespace fe {

// One received line or frame, decoded once into what the mapper needs: the envelope's fields (a syslog header,
// a CRI prefix or a Docker json-file object around the alert) and the alert's JSON text. Views point into the
// input, which must outlive the envelope, or into the envelope itself (not copyable for that reason).
struct Envelope
{
    Envelope() = default;
    Envelope(const Envelope &) = delete;
    Envelope &operator=(const Envelope &) = delete;

    std::string_view line;      // the input trimmed (and without a UTF-8 BOM): what TCP's event.original holds
    std::string_view payload;   // the alert JSON text (trimmed): into line or into storage
    std::string storage;        // the payload when it is no slice of line: a Docker "log" string, a CEF record's JSON
    SyslogMessage syslog;
    bool hasSyslog = false;
    qint64 wrapperTimeMs = 0;   // syslog header / CRI / Docker time
    bool hasWrapperTime = false;
    bool fromCef = false;       // payload is the Falco JSON equivalent of a Falcosidekick CEF record (line)
};

enum class DecodeStatus {
    Payload,    // env->payload is a JSON object's text to map
    Skipped,    // not an alert: blank, Falco's own text log, a Docker line without "log"
    Rejected,   // bad input: the error says why
};

// What the input is: a line of a file (Falco JSON, maybe behind a syslog header, a CRI prefix or in a Docker
// json-file object), or a frame received by the syslog listener, which may also carry Falcosidekick's CEF
// format (with or without a syslog header).
enum class DecodeInput { Line, Frame };

// Decodes input into *env. referenceMs: the read time, which gives an RFC 3164 header its year (0 = now).
DecodeStatus decodeEnvelope(QByteArrayView input, DecodeInput kind, qint64 referenceMs, Envelope *env, QString *error);

} // namespace fe
