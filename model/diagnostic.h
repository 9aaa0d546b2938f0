// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArrayView>
#include <QMetaType>
#include <QString>
#include <QStringView>

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

    // "location: text" as printed by the CLI and shown by the GUI, with control characters escaped
    // (escapeControls): location and text may quote input (a file name, a peer's bytes, a server's answer).
    QString toString() const;
};

// Text that came from outside (a file's bytes or name, a peer's frame, a server's answer), made safe to show
// on one line of a terminal, a log or a label. A terminal obeys the control characters it is sent: ESC starts
// sequences that retitle the window, move the cursor, rewrite earlier lines or (on some terminals) answer with
// keystrokes; CR and LF forge lines; bidirectional overrides make text read differently from its bytes.
// Those are written as escapes: C0 controls, DEL and C1 controls (U+0080-U+009F) as \xNN (\t, \n, \r for the
// usual three), and line/paragraph separators, bidi marks and overrides and lone surrogates as \uNNNN.
// Everything else, including a backslash, is kept as is: escaping twice changes nothing.
QString escapeControls(QStringView text);
// The same for bytes: valid UTF-8 is decoded, every byte that is not part of a valid UTF-8 sequence becomes
// \xNN. With maxBytes >= 0 only the first maxBytes bytes are shown, followed by "…" when there were more.
QString escapeControls(QByteArrayView bytes, qsizetype maxBytes = -1);

} // namespace fe

Q_DECLARE_METATYPE(fe::Diagnostic)
