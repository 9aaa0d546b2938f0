// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardconfig.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include <functional>

namespace fe {

// The HTTP side of talking to Elasticsearch: HTTP/1.1 keep-alive connections of its own (create the client in
// the thread that uses it; sockets live there), the TLS set-up, authentication, custom headers, gzip request
// bodies, and round robin over the configured nodes with failover (a node that fails at the transport level
// is skipped for the next request). One connection per request in flight; idle ones are reused.
//
// Why not QNetworkAccessManager: it runs HTTP in a thread of its own and pulls a request body across in
// 16 KB pieces, each a round trip of queued signals and wake-ups between the threads. With _bulk bodies of
// megabytes that cost more CPU than reading, encoding and committing the documents together. Here the body
// is handed to the socket whole (shared, not copied) and the answer is parsed where it arrives.
class EsClient : public QObject
{
    Q_OBJECT

public:
    struct Reply
    {
        int status = 0;          // HTTP status; 0 when there was no HTTP answer
        QByteArray body;
        QString networkError;    // the transport error when status == 0
        QString node;            // the node that answered (or failed)
        QByteArray productHeader;// X-elastic-product
    };
    using Callback = std::function<void(const Reply &)>;

    struct Health
    {
        bool ok = false;
        QString version;         // "8.13.4"
        QString clusterName;
        QString node;
        QString error;           // why not ok: unreachable, 401, 403, not Elasticsearch, version too old
        QString warning;         // ok but worth telling (older than the integration supports)
    };

    explicit EsClient(const ForwardConfig &config, QObject *parent = nullptr);
    ~EsClient() override;

    // Problems with the TLS files (unreadable CA, certificate or key); empty when fine.
    QString setupError() const { return m_setupError; }
    // True when certificate verification is off (callers warn loudly).
    bool insecure() const { return !m_config.verifyTls; }

    // Sends to the next node in round robin. On a transport error the same request is *not* repeated here:
    // the caller decides (a _bulk may have been applied), but the next request goes to another node.
    // done is always called later from the event loop (never inside send), unless the client is destroyed
    // first. The body is shared with the socket until it is written (the caller's buffer stays shared).
    void send(const QByteArray &method, const QByteArray &pathAndQuery, const QByteArray &body, Callback done);
    // GET / on the nodes in turn until one answers; checks the product header and the version.
    void checkHealth(std::function<void(const Health &)> done);

    // Health from one GET / answer (pure, for tests).
    static Health healthFromReply(const Reply &reply);
    // gzip (RFC 1952) of data at a fast level.
    static QByteArray gzip(const QByteArray &data);

    // Open connections (busy or idle), for tests.
    int connectionCount() const { return int(m_connections.size()); }

private:
    class Connection;

    void checkHealthFrom(int attempt, const QString &errors, std::function<void(const Health &)> done);
    QUrl urlFor(int node, const QByteArray &pathAndQuery) const;
    void release(Connection *connection, bool reuse);
    void sendOnNewConnection(int node, const QUrl &url, QByteArray head, QByteArray body, bool headRequest, Callback done);

    ForwardConfig m_config;
    QList<Connection *> m_connections;   // children of this client
    QSslConfiguration m_ssl;
    QByteArray m_authorization;
    QString m_setupError;
    int m_next = 0;
};

} // namespace fe
