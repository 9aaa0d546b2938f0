// SPDX-License-Identifier: Apache-2.0
#include "ui/listenerdialog.h"

#include "ui/browsebutton.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fe {

ListenerDialog::ListenerDialog(QWidget *parent)
    : QDialog(parent)
    , m_bind(new QComboBox(this))
    , m_tcpPort(new QSpinBox(this))
    , m_udp(new QCheckBox(tr("Also UDP on port"), this))
    , m_udpPort(new QSpinBox(this))
    , m_cert(new QLineEdit(this))
    , m_key(new QLineEdit(this))
    , m_clientCa(new QLineEdit(this))
    , m_maxMessageMiB(new QSpinBox(this))
    , m_maxConnections(new QSpinBox(this))
    , m_idleTimeout(new QSpinBox(this))
    , m_preserveOriginal(new QCheckBox(tr("Keep the whole syslog line (event.original)"), this))
    , m_preserveFalcoFields(new QCheckBox(tr("Keep the Falco fields copied to ECS (falco.*)"), this))
    , m_exposed(new QLabel(this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Listen for syslog"));
    setMinimumWidth(520);

    m_bind->setEditable(true);
    m_bind->setObjectName(QStringLiteral("bindAddress"));
    m_bind->addItems({QStringLiteral("127.0.0.1"), QStringLiteral("::1"), QStringLiteral("0.0.0.0"), QStringLiteral("::")});
    m_bind->setToolTip(tr("The address to listen on. 127.0.0.1 accepts senders on this machine only."));
    m_tcpPort->setRange(0, 65535);
    m_tcpPort->setSpecialValueText(tr("any free port"));
    m_tcpPort->setObjectName(QStringLiteral("tcpPort"));
    m_udpPort->setRange(0, 65535);
    m_udpPort->setSpecialValueText(tr("any free port"));
    auto *udpRow = new QWidget(this);
    auto *udpLayout = new QHBoxLayout(udpRow);
    udpLayout->setContentsMargins(0, 0, 0, 0);
    udpLayout->addWidget(m_udp);
    udpLayout->addWidget(m_udpPort, 1);

    m_cert->setObjectName(QStringLiteral("tlsCertificate"));
    m_key->setObjectName(QStringLiteral("tlsKey"));
    m_clientCa->setPlaceholderText(tr("optional: require client certificates signed by this CA"));
    m_cert->setPlaceholderText(tr("empty: plain TCP"));

    m_maxMessageMiB->setRange(1, 1024);
    m_maxMessageMiB->setSuffix(tr(" MiB"));
    m_maxConnections->setRange(1, 1'000'000);
    m_maxConnections->setGroupSeparatorShown(true);
    m_idleTimeout->setRange(0, 86400);
    m_idleTimeout->setSuffix(tr(" s"));
    m_idleTimeout->setSpecialValueText(tr("never"));
    m_idleTimeout->setToolTip(tr("Falcosidekick opens one connection per alert and never closes it: idle connections "
                                 "are closed after this long."));

    m_exposed->setObjectName(QStringLiteral("exposedWarning"));
    m_exposed->setWordWrap(true);
    m_exposed->setStyleSheet(QStringLiteral("color:#c62828"));
    m_exposed->setText(tr("<b>This address is reachable from other machines.</b> Anyone who can reach the port can "
                          "write alerts into this database. Prefer TLS with a client CA, or a firewall."));
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);   // file names are shown as they are

    auto *where = new QGroupBox(tr("Where"), this);
    auto *whereForm = new QFormLayout(where);
    whereForm->addRow(tr("Address:"), m_bind);
    whereForm->addRow(tr("TCP port:"), m_tcpPort);
    whereForm->addRow(QString(), udpRow);

    auto *tls = new QGroupBox(tr("TLS"), this);
    auto *tlsForm = new QFormLayout(tls);
    tlsForm->addRow(tr("Certificate:"), withBrowseButton(m_cert, this, tr("Server certificate (PEM)")));
    tlsForm->addRow(tr("Private key:"), withBrowseButton(m_key, this, tr("Server private key (PEM, unencrypted)")));
    tlsForm->addRow(tr("Client CA:"), withBrowseButton(m_clientCa, this, tr("Client CA certificate (PEM)")));

    auto *limits = new QGroupBox(tr("Limits and content"), this);
    auto *limitsForm = new QFormLayout(limits);
    limitsForm->addRow(tr("Largest message:"), m_maxMessageMiB);
    limitsForm->addRow(tr("Connections:"), m_maxConnections);
    limitsForm->addRow(tr("Idle timeout:"), m_idleTimeout);
    limitsForm->addRow(m_preserveOriginal);
    limitsForm->addRow(m_preserveFalcoFields);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(where);
    layout->addWidget(m_exposed);
    layout->addWidget(tls);
    layout->addWidget(limits);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_bind, &QComboBox::currentTextChanged, this, &ListenerDialog::updateState);
    connect(m_udp, &QCheckBox::toggled, this, &ListenerDialog::updateState);
    for (QLineEdit *edit : {m_cert, m_key, m_clientCa})
        connect(edit, &QLineEdit::textChanged, this, &ListenerDialog::updateState);
    for (QSpinBox *spin : {m_tcpPort, m_udpPort, m_maxMessageMiB, m_maxConnections, m_idleTimeout})
        connect(spin, &QSpinBox::valueChanged, this, &ListenerDialog::updateState);

    setOptions(ListenerOptions());
}

void ListenerDialog::setOptions(const ListenerOptions &o)
{
    m_bind->setCurrentText(o.bindAddress);
    m_tcpPort->setValue(o.tcpPort);
    m_udp->setChecked(o.udpPort >= 0);
    m_udpPort->setValue(o.udpPort >= 0 ? o.udpPort : 9030);
    m_cert->setText(o.tlsCertificate);
    m_key->setText(o.tlsKey);
    m_clientCa->setText(o.tlsClientCa);
    m_maxMessageMiB->setValue(int(std::max<qint64>(1, o.maxMessageSize >> 20)));
    m_maxConnections->setValue(o.maxConnections);
    m_idleTimeout->setValue(o.idleTimeoutSeconds);
    m_preserveOriginal->setChecked(o.preserveOriginal);
    m_preserveFalcoFields->setChecked(o.preserveFalcoFields);
    updateState();
}

ListenerOptions ListenerDialog::options() const
{
    ListenerOptions o;
    o.bindAddress = m_bind->currentText().trimmed();
    o.tcpPort = m_tcpPort->value();
    o.udpPort = m_udp->isChecked() ? m_udpPort->value() : -1;
    o.tlsCertificate = m_cert->text().trimmed();
    o.tlsKey = m_key->text().trimmed();
    o.tlsClientCa = m_clientCa->text().trimmed();
    o.maxMessageSize = qint64(m_maxMessageMiB->value()) << 20;
    o.maxConnections = m_maxConnections->value();
    o.idleTimeoutSeconds = m_idleTimeout->value();
    o.preserveOriginal = m_preserveOriginal->isChecked();
    o.preserveFalcoFields = m_preserveFalcoFields->isChecked();
    return o;
}

QString ListenerDialog::problemText() const
{
    return m_problem->text();
}

bool ListenerDialog::isExposedWarningVisible() const
{
    return !m_exposed->isHidden();
}

bool ListenerDialog::isAcceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

void ListenerDialog::updateState()
{
    const ListenerOptions o = options();
    m_udpPort->setEnabled(m_udp->isChecked());
    const QString problem = o.validationError();
    const bool relayout = m_exposed->isHidden() == o.isExposed() || m_problem->isHidden() != problem.isEmpty();
    m_exposed->setVisible(o.isExposed());
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    if (relayout && isVisible())
        adjustSize();   // the wrapped warning or problem text needs its height
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace fe
