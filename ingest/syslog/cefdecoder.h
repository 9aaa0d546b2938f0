// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace fe {

// Falcosidekick's syslog output with SYSLOG_FORMAT=cef (outputs/syslog.go) writes, after the Go
// log/syslog header, one unescaped CEF line:
//   CEF:0|Falcosecurity|Falco|1.0|Falco Event|<rule>|<sev>|uuid=<uuid> start=<RFC3339> msg=<output>
//   source=<source>[ hostname=<hostname>] outputfields=<k>:<v> <k>:<v> ...[tags=<t1>,<t2>]
// sev: Debug 0, Informational 3, Notice 4, Warning 6, Error 7, Critical 8, Alert 9, Emergency 10.
// Nothing is escaped, so values with spaces are split on the fixed keys, searched from the end;
// output fields are split on tokens that start with a Falco field name ("proc.cmdline:").
// Go prints numbers with %v (large integers as 1.7e+18) and nil as <nil>: they come back as JSON
// numbers and null.

// True when payload (the syslog MSG, or a bare line) is a CEF record.
bool isCef(QByteArrayView payload);

// The equivalent Falco JSON object (compact UTF-8), or empty + error when the record is not Falcosidekick's
// CEF shape. fallbackSeverity (syslog severity 0..7, -1 = none) gives the priority when sev is not one of
// Sidekick's numbers.
QByteArray falcoJsonFromCef(QByteArrayView payload, int fallbackSeverity = -1, QString *error = nullptr);

// mapFrame (ingest/ecs/ecsmapper.h) maps a received frame, CEF records included.

} // namespace fe
