// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

namespace fe {

// Everything the Elasticsearch forwarder needs, as one value handed to the worker when it starts.
// Secrets (password, apiKey) live only in memory: the GUI keeps them in the OS keyring and the CLI reads
// them from environment variables; they are never written to QSettings.
struct ForwardConfig
{
    enum class Mode {
        Ecs,   // the mapped ECS documents, `create` with pipeline=_none: exactly what the integration indexes
        Raw,   // the original Falco JSON, for the integration's own ingest pipeline to map (like Falcosidekick)
    };

    QStringList nodes;              // http(s)://host:port[/path-prefix]; round robin with failover
    QString user;                   // basic auth (with password)
    QString password;               // secret
    QString apiKey;                 // secret: Elastic's base64 "encoded" API key; wins over basic auth
    QString caFile;                 // PEM CA bundle; empty = the system store
    bool verifyTls = true;          // off only on explicit request (warned about loudly)
    QString clientCertFile;         // PEM client certificate (mutual TLS)
    QString clientKeyFile;          // PEM private key of the client certificate
    bool gzip = false;              // Content-Encoding: gzip request bodies
    QList<QPair<QByteArray, QByteArray>> headers;   // custom request headers, applied last

    Mode mode = Mode::Ecs;
    QString namespaceName = QStringLiteral("default");   // data stream namespace
    QString index;                  // custom index or data stream; empty = logs-falco.alerts-<namespace>

    // flush at this many documents... (a body of a few MB stays in the CPU cache from encoding to the socket, which
    // makes smaller batches cheaper per document than larger ones: docs/performance.md; Filebeat sends 1600)
    int maxBatchDocs = 1000;
    qint64 maxBatchBytes = 10 * 1024 * 1024;   // ...or this many body bytes (uncompressed)...
    int maxBatchAgeMs = 1000;       // ...or when the oldest waiting alert is this old
    int requestTimeoutMs = 60000;
    int backoffBaseMs = 500;
    int backoffMaxMs = 60000;
    int maxAttempts = 0;            // whole-request attempts before giving up on a batch; 0 = keep trying
    int maxInFlight = 2;            // _bulk requests in flight at once, 1-6 (1 after a failure, until a success)
    int pollIntervalMs = 500;       // how often to look for new alerts when idle

    // The data stream or index documents go to.
    QString targetIndex() const;
    // True when documents go to the integration's own data stream (logs-falco.alerts-<ns>).
    bool isDefaultDataStream() const;
    // The key of the delivery state in the outbox: one cursor per target index and mode.
    QString targetKey() const;
    // Empty when usable, else what is wrong (no node, bad URL, credentials in a URL, bad index or namespace name).
    // Node URLs in the text are shown with any credentials masked (redactedNode).
    QString validate() const;

    // Why node cannot be used as a node URL, empty when it can. Credentials in it ("https://user:pw@host") are
    // refused rather than used: a URL is shown in process lists (the CLI's arguments, readable by every local
    // user), shell history, the settings file and error messages, while user/password and apiKey come from the
    // environment or the OS keyring and are never printed.
    static QString nodeProblem(const QString &node);
    // True when node carries user information ("user:pw@", "user@") before its host.
    static bool hasCredentials(const QString &node);
    // node with its user information replaced by "***" ("https://***@host:9200"), for messages; the same text
    // when it has none. Works on any text, a URL that does not parse included.
    static QString redactedNode(const QString &node);

    // A custom header from "Name: value" (the CLI's --header, one line of the GUI's list): the name an HTTP token,
    // the value without control characters (no header injection). false + error when it is not one.
    static bool parseHeader(const QString &text, QPair<QByteArray, QByteArray> *header, QString *error = nullptr);
    // The headers as "Name: value" lines (what parseHeader reads back).
    QStringList headerLines() const;

    static QString modeName(Mode mode);
    static bool modeFromName(const QString &name, Mode *mode);
};

} // namespace fe

Q_DECLARE_METATYPE(fe::ForwardConfig)
