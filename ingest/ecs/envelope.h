// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "ingest/syslog/syslogmessage.h"

#include <QString>

#include <string>
#include <string_view>

namespace fe::ecs {

// What wraps the alert JSON in a line: a syslog header, a CRI prefix or a Docker json-file object.
struct Envelope
{
    std::string_view payload;   // the alert JSON text (trimmed); points into the line or into storage
    std::string storage;        // decoded Docker "log" string
    SyslogMessage syslog;
    bool hasSyslog = false;
    qint64 wrapperTimeMs = 0;   // syslog header / CRI / Docker time
    bool hasWrapperTime = false;
};

// Takes the envelope off line: Alert when env->payload is a JSON object to map, Skipped (not an alert),
// Rejected (*error says why).
MapResult::Status unwrap(std::string_view line, const MapOptions &options, Envelope *env, QString *error);

} // namespace fe::ecs
