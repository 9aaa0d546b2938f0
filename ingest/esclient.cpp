// SPDX-License-Identifier: Apache-2.0
#include "ingest/esclient.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslKey>
#include <QVersionNumber>

#include <zlib.h>

namespace fe {

namespace {

constexpr int s_minMajor = 8;   // data streams with create + explicit _id, and the integration (8.13.3+)

QList<QSslCertificate> readCertificates(const QString &file, QString *error)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(file, f.errorString());
        return {};
    }
    const QByteArray data = f.readAll();
    QList<QSslCertificate> certs = QSslCertificate::fromData(data, QSsl::Pem);
    if (certs.isEmpty())
        certs = QSslCertificate::fromData(data, QSsl::Der);
    if (certs.isEmpty())
        *error = QStringLiteral("%1 holds no PEM or DER certificate").arg(file);
    return certs;
}

} // namespace

EsClient::EsClient(const ForwardConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_nam(new QNetworkAccessManager(this))
    , m_ssl(QSslConfiguration::defaultConfiguration())
{
    if (!config.apiKey.isEmpty())
        m_authorization = "ApiKey " + config.apiKey.toUtf8();
    else if (!config.user.isEmpty())
        m_authorization = "Basic " + (config.user + QLatin1Char(':') + config.password).toUtf8().toBase64();

    if (!config.caFile.isEmpty()) {
        QString error;
        const QList<QSslCertificate> cas = readCertificates(config.caFile, &error);
        if (cas.isEmpty())
            m_setupError = error;
        else
            m_ssl.addCaCertificates(cas);
    }
    if (!config.clientCertFile.isEmpty()) {
        QString error;
        const QList<QSslCertificate> certs = readCertificates(config.clientCertFile, &error);
        QFile keyFile(config.clientKeyFile);
        if (certs.isEmpty()) {
            m_setupError = error;
        } else if (!keyFile.open(QIODevice::ReadOnly)) {
            m_setupError = QStringLiteral("cannot read %1: %2").arg(config.clientKeyFile, keyFile.errorString());
        } else {
            const QByteArray keyData = keyFile.readAll();
            QSslKey key(keyData, QSsl::Rsa, QSsl::Pem);
            if (key.isNull())
                key = QSslKey(keyData, QSsl::Ec, QSsl::Pem);
            if (key.isNull())
                m_setupError = QStringLiteral("%1 holds no unencrypted PEM RSA or EC private key").arg(config.clientKeyFile);
            m_ssl.setLocalCertificate(certs.first());
            m_ssl.setPrivateKey(key);
        }
    }
    if (!config.verifyTls)
        m_ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
}

EsClient::~EsClient() = default;

QUrl EsClient::urlFor(int node, const QByteArray &pathAndQuery) const
{
    QString base = m_config.nodes.value(node);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return QUrl(base + QString::fromUtf8(pathAndQuery));
}

QByteArray EsClient::gzip(const QByteArray &data)
{
    z_stream zs{};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out;
    out.resize(qsizetype(deflateBound(&zs, uLong(data.size()))) + 32);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    zs.avail_in = uInt(data.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(qsizetype(zs.total_out));
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? out : QByteArray();
}

void EsClient::send(const QByteArray &method, const QByteArray &pathAndQuery, const QByteArray &body, Callback done)
{
    const int node = m_config.nodes.isEmpty() ? 0 : m_next % int(m_config.nodes.size());
    m_next = node + 1;   // round robin: every request goes to the next node
    QNetworkRequest request(urlFor(node, pathAndQuery));
    request.setTransferTimeout(m_config.requestTimeoutMs);
    request.setSslConfiguration(m_ssl);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("falco-explorer"));
    if (!m_authorization.isEmpty())
        request.setRawHeader("Authorization", m_authorization);
    QByteArray payload = body;
    if (!body.isEmpty()) {
        request.setRawHeader("Content-Type", pathAndQuery.startsWith("/_bulk") ? QByteArrayLiteral("application/x-ndjson")
                                                                               : QByteArrayLiteral("application/json"));
        if (m_config.gzip) {
            payload = gzip(body);
            request.setRawHeader("Content-Encoding", QByteArrayLiteral("gzip"));
        }
    }
    for (const auto &[name, value] : m_config.headers)
        request.setRawHeader(name, value);

    QNetworkReply *reply = m_nam->sendCustomRequest(request, method, payload);
    if (!m_config.verifyTls)
        reply->ignoreSslErrors();
    const QString nodeName = m_config.nodes.value(node);
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done), nodeName, node] {
        reply->deleteLater();
        Reply r;
        r.node = nodeName;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.productHeader = reply->rawHeader("X-elastic-product");
        if (r.status == 0) {
            r.networkError = reply->errorString();
            if (reply->error() == QNetworkReply::OperationCanceledError)
                r.networkError = QStringLiteral("%1: no answer within %2 ms").arg(nodeName).arg(m_config.requestTimeoutMs);
            else if (!r.networkError.contains(nodeName))
                r.networkError = nodeName + QStringLiteral(": ") + r.networkError;
            // Failover: the next request goes to the node after the one that failed, whatever round robin
            // had in mind (it may have advanced while this request was in flight).
            m_next = node + 1;
        }
        done(r);
    });
}

EsClient::Health EsClient::healthFromReply(const Reply &reply)
{
    Health h;
    h.node = reply.node;
    if (reply.status == 0) {
        h.error = QStringLiteral("cannot reach Elasticsearch: %1").arg(reply.networkError);
        return h;
    }
    if (reply.status == 401) {
        h.error = QStringLiteral("%1: authentication failed (HTTP 401): check the user and password or the API key")
                      .arg(reply.node);
        return h;
    }
    if (reply.status == 403) {
        h.error = QStringLiteral("%1: access denied (HTTP 403): the credentials are valid but lack the monitor privilege")
                      .arg(reply.node);
        return h;
    }
    if (reply.status != 200) {
        h.error = QStringLiteral("%1: GET / answered HTTP %2").arg(reply.node).arg(reply.status);
        return h;
    }
    const QJsonObject root = QJsonDocument::fromJson(reply.body).object();
    h.version = root.value(QLatin1String("version")).toObject().value(QLatin1String("number")).toString();
    h.clusterName = root.value(QLatin1String("cluster_name")).toString();
    const QString distribution = root.value(QLatin1String("version")).toObject().value(QLatin1String("distribution")).toString();
    if (distribution == QLatin1String("opensearch")) {
        h.error = QStringLiteral("%1 is OpenSearch %2, not Elasticsearch: the Falco integration's data stream and "
                                 "pipeline do not exist there").arg(reply.node, h.version);
        return h;
    }
    if (reply.productHeader != "Elasticsearch") {
        h.error = QStringLiteral("%1 does not identify as Elasticsearch (no X-elastic-product header): a proxy, or "
                                 "not Elasticsearch").arg(reply.node);
        return h;
    }
    const QVersionNumber version = QVersionNumber::fromString(h.version);
    if (version.isNull()) {
        h.error = QStringLiteral("%1: GET / gave no version number").arg(reply.node);
        return h;
    }
    if (version.majorVersion() < s_minMajor) {
        h.error = QStringLiteral("%1 runs Elasticsearch %2; forwarding needs 8.0 or later (the Falco integration "
                                 "needs 8.13.3)").arg(reply.node, h.version);
        return h;
    }
    if (version < QVersionNumber(8, 13, 3))
        h.warning = QStringLiteral("Elasticsearch %1 is older than the Falco integration's minimum (8.13.3)").arg(h.version);
    h.ok = true;
    return h;
}

void EsClient::checkHealth(std::function<void(const Health &)> done)
{
    checkHealthFrom(0, QString(), std::move(done));
}

void EsClient::checkHealthFrom(int attempt, const QString &errors, std::function<void(const Health &)> done)
{
    send("GET", "/", QByteArray(), [this, attempt, errors, done = std::move(done)](const Reply &reply) mutable {
        Health h = healthFromReply(reply);
        // Only unreachable nodes send us to the next one: a 401 or a wrong version is the cluster's answer.
        if (!h.ok && reply.status == 0 && attempt + 1 < m_config.nodes.size()) {
            checkHealthFrom(attempt + 1, errors + h.error + QStringLiteral("; "), std::move(done));
            return;
        }
        if (!h.ok && !errors.isEmpty())
            h.error = errors + h.error;
        done(h);
    });
}

} // namespace fe
