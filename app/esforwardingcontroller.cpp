// SPDX-License-Identifier: Apache-2.0
#include "app/esforwardingcontroller.h"

#include "ingest/elasticsearch/esclient.h"
#include "ingest/elasticsearch/esforwarder.h"

#include <QSettings>

#include <algorithm>

#ifdef FE_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace fe {

namespace {

// Settings keys (group "forwarding"); secrets are never among them.
constexpr char s_group[] = "forwarding";
constexpr char s_keyEnabled[] = "enabled";
constexpr char s_keyNodes[] = "nodes";
constexpr char s_keyUser[] = "user";
constexpr char s_keyAuth[] = "auth";   // none | basic | apikey: which secret to read from the keyring
constexpr char s_keyCa[] = "caFile";
constexpr char s_keyVerify[] = "verifyTls";
constexpr char s_keyCert[] = "clientCert";
constexpr char s_keyKey[] = "clientKey";
constexpr char s_keyGzip[] = "gzip";
constexpr char s_keyMode[] = "mode";
constexpr char s_keyNamespace[] = "namespace";
constexpr char s_keyIndex[] = "index";
constexpr char s_keyHeaders[] = "headers";   // "Name: value" lines (the page says: no credentials here)
constexpr char s_keyBatchDocs[] = "batchDocs";
constexpr char s_keyBatchBytes[] = "batchBytes";
constexpr char s_keyInFlight[] = "inFlight";

constexpr char s_keychainService[] = "falco-explorer";
constexpr char s_secretPassword[] = "elasticsearch-password";
constexpr char s_secretApiKey[] = "elasticsearch-api-key";

QString key(const char *name)
{
    return QLatin1String(s_group) + QLatin1Char('/') + QLatin1String(name);
}

} // namespace

EsForwardingController::EsForwardingController(const QString &dbPath, QObject *parent)
    : ForwardingController(parent)
    , m_dbPath(dbPath)
{
}

EsForwardingController::~EsForwardingController() = default;

bool EsForwardingController::canStoreSecrets() const
{
#ifdef FE_HAVE_KEYCHAIN
    return true;
#else
    return false;
#endif
}

void EsForwardingController::load()
{
    QSettings s;
    m_enabled = s.value(key(s_keyEnabled), false).toBool();
    m_config.nodes = s.value(key(s_keyNodes)).toStringList();
    m_config.user = s.value(key(s_keyUser)).toString();
    m_config.caFile = s.value(key(s_keyCa)).toString();
    m_config.verifyTls = s.value(key(s_keyVerify), true).toBool();
    m_config.clientCertFile = s.value(key(s_keyCert)).toString();
    m_config.clientKeyFile = s.value(key(s_keyKey)).toString();
    m_config.gzip = s.value(key(s_keyGzip), false).toBool();
    ForwardConfig::modeFromName(s.value(key(s_keyMode), QStringLiteral("ecs")).toString(), &m_config.mode);
    m_config.namespaceName = s.value(key(s_keyNamespace), QStringLiteral("default")).toString();
    m_config.index = s.value(key(s_keyIndex)).toString();
    m_config.headers.clear();
    for (const QString &line : s.value(key(s_keyHeaders)).toStringList()) {
        QPair<QByteArray, QByteArray> header;
        if (ForwardConfig::parseHeader(line, &header))
            m_config.headers.append(header);
    }
    const ForwardConfig defaults;
    m_config.maxBatchDocs = std::max(1, s.value(key(s_keyBatchDocs), defaults.maxBatchDocs).toInt());
    m_config.maxBatchBytes = std::max<qint64>(1024, s.value(key(s_keyBatchBytes), defaults.maxBatchBytes).toLongLong());
    m_config.maxInFlight = std::clamp(s.value(key(s_keyInFlight), defaults.maxInFlight).toInt(), 1, 6);
    readSecrets();
}

void EsForwardingController::saveSettings() const
{
    QSettings s;
    s.setValue(key(s_keyEnabled), m_enabled);
    // Credentials typed into a node URL are refused (ForwardConfig::nodeProblem) and never reach the settings
    // file in plain text: the URL is kept with them masked.
    QStringList nodes;
    for (const QString &node : m_config.nodes)
        nodes.append(ForwardConfig::redactedNode(node));
    s.setValue(key(s_keyNodes), nodes);
    s.setValue(key(s_keyUser), m_config.user);
    s.setValue(key(s_keyAuth), !m_config.apiKey.isEmpty() ? QStringLiteral("apikey")
                                   : !m_config.user.isEmpty() ? QStringLiteral("basic")
                                                              : QStringLiteral("none"));
    s.setValue(key(s_keyCa), m_config.caFile);
    s.setValue(key(s_keyVerify), m_config.verifyTls);
    s.setValue(key(s_keyCert), m_config.clientCertFile);
    s.setValue(key(s_keyKey), m_config.clientKeyFile);
    s.setValue(key(s_keyGzip), m_config.gzip);
    s.setValue(key(s_keyMode), ForwardConfig::modeName(m_config.mode));
    s.setValue(key(s_keyNamespace), m_config.namespaceName);
    s.setValue(key(s_keyIndex), m_config.index);
    s.setValue(key(s_keyHeaders), m_config.headerLines());
    s.setValue(key(s_keyBatchDocs), m_config.maxBatchDocs);
    s.setValue(key(s_keyBatchBytes), m_config.maxBatchBytes);
    s.setValue(key(s_keyInFlight), m_config.maxInFlight);
}

void EsForwardingController::readSecrets()
{
#ifdef FE_HAVE_KEYCHAIN
    const QString auth = QSettings().value(key(s_keyAuth)).toString();
    if (auth != QLatin1String("basic") && auth != QLatin1String("apikey")) {
        restart();
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(QLatin1String(s_keychainService), this);
    job->setAutoDelete(true);
    job->setKey(QLatin1String(auth == QLatin1String("basic") ? s_secretPassword : s_secretApiKey));
    connect(job, &QKeychain::Job::finished, this, [this, job, auth] {
        if (job->error() == QKeychain::NoError) {
            if (auth == QLatin1String("basic"))
                m_config.password = job->textData();
            else
                m_config.apiKey = job->textData();
        }
        restart();
    });
    job->start();
#else
    restart();   // without a keyring the secrets are entered on the settings page each session
#endif
}

void EsForwardingController::writeSecrets()
{
#ifdef FE_HAVE_KEYCHAIN
    const auto store = [this](const char *name, const QString &value) {
        if (value.isEmpty()) {
            auto *job = new QKeychain::DeletePasswordJob(QLatin1String(s_keychainService), this);
            job->setAutoDelete(true);
            job->setKey(QLatin1String(name));
            job->start();
            return;
        }
        auto *job = new QKeychain::WritePasswordJob(QLatin1String(s_keychainService), this);
        job->setAutoDelete(true);
        job->setKey(QLatin1String(name));
        job->setTextData(value);
        job->start();
    };
    store(s_secretPassword, m_config.password);
    store(s_secretApiKey, m_config.apiKey);
#endif
}

void EsForwardingController::apply(const ForwardConfig &config, bool enabled)
{
    m_config = config;
    m_enabled = enabled;
    saveSettings();
    writeSecrets();
    restart();
}

void EsForwardingController::restart()
{
    m_forwarder.reset();
    if (!m_enabled || m_storeReadOnly || !m_config.validate().isEmpty()) {
        Q_EMIT statusChanged(ForwardStatus());
        return;
    }
    m_forwarder = std::make_unique<EsForwarder>(m_config, m_dbPath);
    connect(m_forwarder.get(), &EsForwarder::statusChanged, this, &ForwardingController::statusChanged);
    connect(m_forwarder.get(), &EsForwarder::deadLettersChanged, this, &ForwardingController::deadLettersChanged);
    m_forwarder->start(false);
}

void EsForwardingController::testConnection(const ForwardConfig &config)
{
    delete m_testClient;
    auto *client = new EsClient(config, this);
    m_testClient = client;
    if (!client->setupError().isEmpty()) {
        Q_EMIT connectionTested(false, client->setupError());
        client->deleteLater();
        return;
    }
    client->checkHealth([this, client, insecure = !config.verifyTls](const EsClient::Health &h) {
        QString message = h.ok ? tr("Connected: Elasticsearch %1, cluster \"%2\" (%3)").arg(h.version, h.clusterName, h.node)
                               : h.error;
        if (h.ok && !h.warning.isEmpty())
            message += QLatin1Char('\n') + h.warning;
        if (insecure)
            message += QLatin1Char('\n') + tr("Warning: certificate verification is off.");
        Q_EMIT connectionTested(h.ok, message);
        client->deleteLater();
    });
}

void EsForwardingController::retryDeadLetters(const QVector<qint64> &ids)
{
    if (m_forwarder)
        m_forwarder->retryDeadLetters(ids);
}

void EsForwardingController::refreshDeadLetters()
{
    if (m_forwarder)
        m_forwarder->requestDeadLetters();
}

void EsForwardingController::setDatabasePath(const QString &dbPath)
{
    if (dbPath == m_dbPath)
        return;
    m_dbPath = dbPath;
    Q_EMIT deadLettersChanged(DeadLetterList());   // the old store's list is not this store's
    restart();
    refreshDeadLetters();
}

void EsForwardingController::setStoreReadOnly(bool readOnly)
{
    if (readOnly == m_storeReadOnly)
        return;
    m_storeReadOnly = readOnly;
    restart();
}

void EsForwardingController::wake()
{
    if (m_forwarder)
        m_forwarder->wake();
}

} // namespace fe
