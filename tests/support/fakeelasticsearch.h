// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QVector>

class QTcpServer;
class QTcpSocket;

namespace fe::test {

// A local stand-in for Elasticsearch's HTTP API, faithful where the forwarder depends on it:
// HTTP/1.1 with keep-alive, Content-Length and chunked request bodies, Content-Encoding: gzip, basic auth /
// API key checks (401 with WWW-Authenticate), GET / (version + X-elastic-product), POST [/<index>]/_bulk with
// NDJSON action/document pairs, per-item results and "errors": true, 409 on `create` with an existing _id,
// 400 for `index` into a data stream and for unparsable documents, 413 above a body limit, malformed-NDJSON
// 400s, PUT/GET /_index_template/<name>. Faults are scripted by the test: whole-request statuses, a connection
// dropped mid-request or after the documents were applied, per-item statuses by _id, documents refused by
// content, a slow answer. Every accepted document is recorded by index and _id. The response honours
// filter_path for top-level names and items.*.<field>. Lines are validated with simdjson's DOM parser.
class FakeElasticsearch : public QObject
{
    Q_OBJECT

public:
    enum class FaultKind {
        Status,               // answer the whole request with status (429, 500, 503, 413, ...) without applying it
        DropMidRequest,       // close the connection once part of the body arrived; nothing applied
        DropAfterApplying,    // apply the bulk request, then close the connection without an answer
        Stall,                // read the request, never answer (client timeout)
        None,                 // answer normally (lets a test aim the next faults at later requests)
    };
    struct Fault
    {
        FaultKind kind = FaultKind::Status;
        int status = 0;
    };
    struct Request
    {
        QByteArray method;
        QByteArray target;    // path and query
        QHash<QByteArray, QByteArray> headers;   // lower-case names
        QByteArray body;      // decoded (de-chunked, gunzipped)
        bool chunked = false;
        bool gzipped = false;
    };

    explicit FakeElasticsearch(QObject *parent = nullptr);
    ~FakeElasticsearch() override;

    bool listen(quint16 port = 0);
    quint16 port() const;
    QString url() const;   // http://127.0.0.1:<port>

    void setVersion(const QString &version) { m_version = version; }
    void setSendProductHeader(bool send) { m_productHeader = send; }
    void requireBasicAuth(const QString &user, const QString &password);
    void requireApiKey(const QString &encodedKey);
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    void setRecordRequests(bool record) { m_recordRequests = record; }
    // Documents are stored (false: only counted, for benchmarks).
    void setKeepDocuments(bool keep) { m_keepDocuments = keep; }
    // _bulk requests are answered this long after they arrived (0: at once).
    void setAnswerDelayMs(int ms) { m_answerDelayMs = ms; }
    // The most _bulk requests received and not answered yet at one time (with an answer delay).
    int maxOpenBulkRequests() const { return m_maxOpenBulkRequests; }

    // Whole-request faults, used one per _bulk request in order.
    void queueFault(FaultKind kind, int status = 0) { m_faults.append({kind, status}); }
    // The next `times` create actions for _id answer status (429, 503, 400, ...).
    void failItem(const QByteArray &id, int status, int times = 1);
    // Documents whose source contains needle get a 400 document_parsing_exception until cleared.
    void rejectDocumentsContaining(const QByteArray &needle, const QString &reason);
    void clearRejections() { m_rejections.clear(); }
    // Stops accepting connections and closes open ones (node down).
    void shutDown();

    // Recorded state.
    QVector<Request> requests() const { return m_requests; }
    int bulkRequests() const { return m_bulkRequests; }
    qint64 documentCount() const { return m_documentCount; }
    qint64 createAttempts() const { return m_createAttempts; }
    qint64 conflicts() const { return m_conflicts; }
    QHash<QString, QHash<QByteArray, QByteArray>> documents() const { return m_docs; }
    QByteArray document(const QString &index, const QByteArray &id) const { return m_docs.value(index).value(id); }
    QHash<QString, QByteArray> templates() const { return m_templates; }
    QList<QByteArray> bulkQueries() const { return m_bulkQueries; }

    static QByteArray gunzip(const QByteArray &data, bool *ok);

private:
    struct Connection;
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void handle(QTcpSocket *socket, const Request &request, bool keepAlive);
    void reply(QTcpSocket *socket, int status, const QByteArray &body, bool keepAlive,
               const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    QByteArray applyBulk(const Request &request, const QString &pathIndex, int *status);
    bool authorized(const Request &request) const;

    QTcpServer *m_server;
    QHash<QTcpSocket *, Connection *> m_connections;
    QString m_version = QStringLiteral("8.13.4");
    bool m_productHeader = true;
    QByteArray m_expectedAuth;   // full Authorization header value; empty = no auth
    qint64 m_maxBodyBytes = 100 * 1024 * 1024;   // Elasticsearch's http.max_content_length default
    bool m_recordRequests = true;
    bool m_keepDocuments = true;
    QList<Fault> m_faults;
    QHash<QByteArray, QList<int>> m_itemFaults;
    QList<QPair<QByteArray, QString>> m_rejections;
    QVector<Request> m_requests;
    int m_bulkRequests = 0;
    qint64 m_documentCount = 0;
    qint64 m_createAttempts = 0;
    qint64 m_conflicts = 0;
    QHash<QString, QHash<QByteArray, QByteArray>> m_docs;
    QHash<QString, QByteArray> m_templates;
    QList<QByteArray> m_bulkQueries;
    qint64 m_autoId = 0;
    int m_answerDelayMs = 0;
    int m_openBulkRequests = 0;
    int m_maxOpenBulkRequests = 0;
};

} // namespace fe::test
