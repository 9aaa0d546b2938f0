// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/listeneroptions.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace fe {

// "Listen for syslog": where to listen (address, TCP port, optional UDP port), TLS (certificate, key, optional
// client CA), limits (largest message, connections, idle timeout) and what to keep of each event. Binding
// anywhere but loopback shows a warning; OK stays disabled while the options are unusable, with the reason.
class ListenerDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ListenerDialog(QWidget *parent = nullptr);

    void setOptions(const ListenerOptions &options);
    ListenerOptions options() const;

    // For tests.
    QString problemText() const;
    bool isExposedWarningVisible() const;
    bool isAcceptable() const;

private:
    void updateState();

    QComboBox *m_bind;
    QSpinBox *m_tcpPort;
    QCheckBox *m_udp;
    QSpinBox *m_udpPort;
    QLineEdit *m_cert;
    QLineEdit *m_key;
    QLineEdit *m_clientCa;
    QSpinBox *m_maxMessageMiB;
    QSpinBox *m_maxConnections;
    QSpinBox *m_idleTimeout;
    QCheckBox *m_preserveOriginal;
    QCheckBox *m_preserveFalcoFields;
    QLabel *m_exposed;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace fe
