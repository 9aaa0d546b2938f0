// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardconfig.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace fe {

class ForwardingController;

// The "Forwarding" settings page: nodes, authentication (basic or API key; secrets go to the OS keyring
// through the controller, never to the settings file), TLS (CA file or the system store, verification with a
// loud warning when off, client certificate), gzip, mode (ECS / raw), namespace or custom index, custom headers,
// delivery (batch size, requests in flight), a Test connection button and Apply.
class ForwardingSettingsPage : public QWidget
{
    Q_OBJECT

public:
    explicit ForwardingSettingsPage(QWidget *parent = nullptr);

    void setController(ForwardingController *controller);

    void setConfig(const ForwardConfig &config, bool enabled);
    ForwardConfig config() const;
    bool isForwardingEnabled() const;
    // Empty when the form is usable, else what is wrong (shown under the form as well).
    QString validationError() const;

    // For tests and the controller.
    QPushButton *testButton() const { return m_test; }
    QPushButton *applyButton() const { return m_apply; }
    QString resultText() const;

Q_SIGNALS:
    void testRequested(const fe::ForwardConfig &config);
    void applyRequested(const fe::ForwardConfig &config, bool enabled);

public Q_SLOTS:
    void showTestResult(bool ok, const QString &message);

private:
    void updateState();

    QCheckBox *m_enabled;
    QPlainTextEdit *m_nodes;
    QComboBox *m_auth;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_apiKey;
    QLabel *m_secretNote;
    QLineEdit *m_caFile;
    QCheckBox *m_verify;
    QLabel *m_insecureWarning;
    QLineEdit *m_clientCert;
    QLineEdit *m_clientKey;
    QCheckBox *m_gzip;
    QComboBox *m_mode;
    QLineEdit *m_namespace;
    QLineEdit *m_index;
    QLabel *m_target;
    QPlainTextEdit *m_headers;
    QSpinBox *m_batchDocs;
    QSpinBox *m_batchMiB;
    QSpinBox *m_inFlight;
    QPushButton *m_test;
    QPushButton *m_apply;
    QLabel *m_result;
};

} // namespace fe
