// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QVariantMap>

namespace fe {

// What the analyst chose for a syslog listener in the GUI (ui/ knows nothing of ingest: app/ turns this into
// the listener's and the pipeline's configuration). Defaults are the CLI's `listen` defaults, except that the
// GUI keeps the original event for the detail pane.
struct ListenerOptions
{
    QString bindAddress = QStringLiteral("127.0.0.1");   // never all interfaces unless asked
    int tcpPort = 9030;                                  // the integration's port; 0 = any free port
    int udpPort = -1;                                    // -1 = no UDP
    QString tlsCertificate;                              // PEM; with tlsKey, TCP is TLS
    QString tlsKey;
    QString tlsClientCa;                                 // clients must present a certificate it signed
    qint64 maxMessageSize = 20 * 1024 * 1024;
    int maxConnections = 10000;
    int idleTimeoutSeconds = 300;
    bool preserveOriginal = true;
    bool preserveFalcoFields = false;

    bool isTls() const { return !tlsCertificate.isEmpty() && !tlsKey.isEmpty(); }
    // True when the address is a valid non-loopback one (the listener is reachable from other machines).
    bool isExposed() const;
    // "" when the options can be used, else what is wrong (for the dialog and for settings read back).
    QString validationError() const;

    // Plain values only (paths, numbers): no secret is involved — the TLS key stays in its file.
    QVariantMap toMap() const;
    static ListenerOptions fromMap(const QVariantMap &map);

    friend bool operator==(const ListenerOptions &, const ListenerOptions &) = default;
};

} // namespace fe
