// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/forwardingcontroller.h"

#include <QPointer>

#include <memory>

namespace fe {

class EsClient;
class EsForwarder;

// The GUI's forwarding controller: keeps the non-secret settings in QSettings (group "forwarding"), the password
// and API key in the OS keyring (Qt6Keychain, when built with it; otherwise they live only for the session), and
// runs an EsForwarder on the store. Plug in: create one with the store path, give it to ForwardingSettingsPage,
// ForwardingStatusWidget and DeadLetterView (setController), call wake() after new alerts are stored.
class EsForwardingController : public ForwardingController
{
    Q_OBJECT

public:
    explicit EsForwardingController(const QString &dbPath, QObject *parent = nullptr);
    ~EsForwardingController() override;

    ForwardConfig config() const override { return m_config; }
    bool isEnabled() const override { return m_enabled; }
    bool canStoreSecrets() const override;
    void apply(const ForwardConfig &config, bool enabled) override;
    void testConnection(const ForwardConfig &config) override;
    void retryDeadLetters(const QVector<qint64> &ids) override;
    void refreshDeadLetters() override;

    // Loads the settings and the secrets, then starts forwarding if enabled (secrets arrive asynchronously).
    void load();
    // New alerts were stored.
    void wake();
    // The window switched to another database: forwarding (if enabled) restarts on that store's outbox.
    void setDatabasePath(const QString &dbPath);
    QString databasePath() const { return m_dbPath; }
    // A read-only store: nothing is forwarded from it (forwarding records its progress in the store's outbox); the
    // settings stay as they are for the next store that can be written.
    void setStoreReadOnly(bool readOnly);

private:
    void restart();
    void saveSettings() const;
    void readSecrets();
    void writeSecrets();

    QString m_dbPath;
    ForwardConfig m_config;
    bool m_enabled = false;
    bool m_storeReadOnly = false;
    std::unique_ptr<EsForwarder> m_forwarder;
    QPointer<EsClient> m_testClient;
};

} // namespace fe
