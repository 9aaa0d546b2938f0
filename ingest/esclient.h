// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardconfig.h"

#include <QByteArray>
#include <QObject>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace fe {

// The HTTP side of talking to Elasticsearch: one QNetworkAccessManager (create the client in the thread that
// uses it), the TLS set-up, authentication, custom headers, gzip request bodies, and round robin over the
// configured nodes with failover (a node that fails at the transport level is skipped for the next request).
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
    void send(const QByteArray &method, const QByteArray &pathAndQuery, const QByteArray &body, Callback done);
    // GET / on the nodes in turn until one answers; checks the product header and the version.
    void checkHealth(std::function<void(const Health &)> done);

    // Health from one GET / answer (pure, for tests).
    static Health healthFromReply(const Reply &reply);
    // gzip (RFC 1952) of data at a fast level.
    static QByteArray gzip(const QByteArray &data);

private:
    void checkHealthFrom(int attempt, const QString &errors, std::function<void(const Health &)> done);
    QUrl urlFor(int node, const QByteArray &pathAndQuery) const;

    ForwardConfig m_config;
    QNetworkAccessManager *m_nam;
    QSslConfiguration m_ssl;
    QByteArray m_authorization;
    QString m_setupError;
    int m_next = 0;
};

} // namespace fe
