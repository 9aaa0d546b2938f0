// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMetaType>
#include <QString>

namespace fe {

// A problem a user should see: what went wrong, and where (file:line, or the peer address).
struct Diagnostic
{
    enum class Severity { Info, Warning, Error };
    Severity severity = Severity::Warning;
    QString source;     // "import", "listener", "forwarder", ...
    QString location;   // "/var/log/falco.log:17" or "127.0.0.1:51234"
    QString text;       // the reason, one line
    qint64 count = 1;   // repeats merged

    // "location: text" as printed by the CLI.
    QString toString() const { return location.isEmpty() ? text : location + QStringLiteral(": ") + text; }
};

} // namespace fe

Q_DECLARE_METATYPE(fe::Diagnostic)
