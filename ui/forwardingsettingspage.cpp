// SPDX-License-Identifier: Apache-2.0
#include "ui/forwardingsettingspage.h"

#include "ui/browsebutton.h"
#include "ui/forwardingcontroller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace fe {

namespace {

enum AuthIndex { AuthNone, AuthBasic, AuthApiKey };

} // namespace

ForwardingSettingsPage::ForwardingSettingsPage(QWidget *parent)
    : QWidget(parent)
    , m_enabled(new QCheckBox(tr("Forward alerts to Elasticsearch"), this))
    , m_nodes(new QPlainTextEdit(this))
    , m_auth(new QComboBox(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_apiKey(new QLineEdit(this))
    , m_secretNote(new QLabel(this))
    , m_caFile(new QLineEdit(this))
    , m_verify(new QCheckBox(tr("Verify the server certificate"), this))
    , m_insecureWarning(new QLabel(this))
    , m_clientCert(new QLineEdit(this))
    , m_clientKey(new QLineEdit(this))
    , m_gzip(new QCheckBox(tr("Compress requests (gzip)"), this))
    , m_mode(new QComboBox(this))
    , m_namespace(new QLineEdit(this))
    , m_index(new QLineEdit(this))
    , m_target(new QLabel(this))
    , m_headers(new QPlainTextEdit(this))
    , m_batchDocs(new QSpinBox(this))
    , m_batchMiB(new QSpinBox(this))
    , m_inFlight(new QSpinBox(this))
    , m_test(new QPushButton(tr("Test connection"), this))
    , m_apply(new QPushButton(tr("Apply"), this))
    , m_result(new QLabel(this))
{
    m_nodes->setPlaceholderText(QStringLiteral("https://elasticsearch.example:9200"));
    m_nodes->setToolTip(tr("One URL per line; requests go round robin and skip a node that fails."));
    m_nodes->setMaximumHeight(70);
    m_auth->addItems({tr("None"), tr("User and password"), tr("API key")});
    m_password->setEchoMode(QLineEdit::Password);
    m_apiKey->setEchoMode(QLineEdit::Password);
    m_apiKey->setPlaceholderText(tr("the base64 \"encoded\" value"));
    m_secretNote->setWordWrap(true);
    m_caFile->setPlaceholderText(tr("system certificate store"));
    m_verify->setChecked(true);
    m_insecureWarning->setText(tr("<b>Certificate verification is off.</b> Anyone on the network path can read and "
                                  "change the alerts and capture the credentials. Use only for a test cluster."));
    m_insecureWarning->setStyleSheet(QStringLiteral("color:#c62828"));
    m_insecureWarning->setWordWrap(true);
    m_mode->addItem(tr("ECS documents (as the integration indexes them)"), int(ForwardConfig::Mode::Ecs));
    m_mode->addItem(tr("Raw Falco JSON (the integration's pipeline maps it)"), int(ForwardConfig::Mode::Raw));
    m_namespace->setText(QStringLiteral("default"));
    m_index->setPlaceholderText(tr("logs-falco.alerts-<namespace>"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_headers->setObjectName(QStringLiteral("headers"));
    m_headers->setPlaceholderText(QStringLiteral("X-Opaque-Id: falco-explorer"));
    m_headers->setToolTip(tr("One 'Name: value' per line, sent with every request (they replace ours of the same "
                             "name). They are kept in the settings file as plain text: put credentials under "
                             "Authentication, which uses the keyring."));
    m_headers->setMaximumHeight(55);
    m_batchDocs->setObjectName(QStringLiteral("batchDocs"));
    m_batchDocs->setRange(1, 100000);
    m_batchDocs->setGroupSeparatorShown(true);
    m_batchDocs->setSuffix(tr(" alerts"));
    m_batchMiB->setObjectName(QStringLiteral("batchMiB"));
    m_batchMiB->setRange(1, 100);
    m_batchMiB->setSuffix(tr(" MiB"));
    m_batchMiB->setToolTip(tr("A request is sent at this many alerts or this many bytes (before compression), "
                              "whichever comes first. Elasticsearch refuses bodies over http.max_content_length "
                              "(100 MB by default)."));
    m_inFlight->setObjectName(QStringLiteral("inFlight"));
    m_inFlight->setRange(1, 6);
    m_inFlight->setToolTip(tr("_bulk requests sent at once; after a failure one at a time until a success."));
    auto *batch = new QWidget(this);
    auto *batchLayout = new QHBoxLayout(batch);
    batchLayout->setContentsMargins(0, 0, 0, 0);
    batchLayout->addWidget(m_batchDocs, 1);
    batchLayout->addWidget(new QLabel(tr("or"), batch));
    batchLayout->addWidget(m_batchMiB, 1);

    auto *form = new QFormLayout;
    form->addRow(m_enabled);
    form->addRow(tr("Nodes:"), m_nodes);
    form->addRow(tr("Authentication:"), m_auth);
    form->addRow(tr("User:"), m_user);
    form->addRow(tr("Password:"), m_password);
    form->addRow(tr("API key:"), m_apiKey);
    form->addRow(m_secretNote);
    form->addRow(tr("CA certificate:"), withBrowseButton(m_caFile, this, tr("CA certificate (PEM)")));
    form->addRow(m_verify);
    form->addRow(m_insecureWarning);
    form->addRow(tr("Client certificate:"), withBrowseButton(m_clientCert, this, tr("Client certificate (PEM)")));
    form->addRow(tr("Client key:"), withBrowseButton(m_clientKey, this, tr("Client key (PEM)")));
    form->addRow(m_gzip);
    form->addRow(tr("Send:"), m_mode);
    form->addRow(tr("Namespace:"), m_namespace);
    form->addRow(tr("Custom index:"), m_index);
    form->addRow(tr("Target:"), m_target);
    form->addRow(tr("Headers:"), m_headers);
    form->addRow(tr("Batch:"), batch);
    form->addRow(tr("In flight:"), m_inFlight);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_test);
    buttons->addStretch(1);
    buttons->addWidget(m_apply);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_result);
    layout->addLayout(buttons);
    layout->addStretch(1);

    for (QLineEdit *edit : {m_user, m_password, m_apiKey, m_caFile, m_clientCert, m_clientKey, m_namespace, m_index})
        connect(edit, &QLineEdit::textChanged, this, &ForwardingSettingsPage::updateState);
    connect(m_nodes, &QPlainTextEdit::textChanged, this, &ForwardingSettingsPage::updateState);
    connect(m_headers, &QPlainTextEdit::textChanged, this, &ForwardingSettingsPage::updateState);
    connect(m_auth, &QComboBox::currentIndexChanged, this, &ForwardingSettingsPage::updateState);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &ForwardingSettingsPage::updateState);
    connect(m_verify, &QCheckBox::toggled, this, &ForwardingSettingsPage::updateState);
    connect(m_enabled, &QCheckBox::toggled, this, &ForwardingSettingsPage::updateState);
    connect(m_test, &QPushButton::clicked, this, [this] {
        m_result->setText(tr("Testing…"));
        m_result->setStyleSheet(QString());
        Q_EMIT testRequested(config());
    });
    connect(m_apply, &QPushButton::clicked, this, [this] { Q_EMIT applyRequested(config(), m_enabled->isChecked()); });
    updateState();
}

void ForwardingSettingsPage::setController(ForwardingController *controller)
{
    setConfig(controller->config(), controller->isEnabled());
    m_secretNote->setText(controller->canStoreSecrets()
                              ? tr("Secrets are kept in the system keyring, never in the settings file.")
                              : tr("No system keyring is available: secrets are not saved and are asked for again "
                                   "in each session."));
    connect(this, &ForwardingSettingsPage::testRequested, controller, &ForwardingController::testConnection);
    connect(this, &ForwardingSettingsPage::applyRequested, controller, &ForwardingController::apply);
    connect(controller, &ForwardingController::connectionTested, this, &ForwardingSettingsPage::showTestResult);
}

void ForwardingSettingsPage::setConfig(const ForwardConfig &c, bool enabled)
{
    m_enabled->setChecked(enabled);
    m_nodes->setPlainText(c.nodes.join(QLatin1Char('\n')));
    m_auth->setCurrentIndex(!c.apiKey.isEmpty() ? AuthApiKey : !c.user.isEmpty() ? AuthBasic : AuthNone);
    m_user->setText(c.user);
    m_password->setText(c.password);
    m_apiKey->setText(c.apiKey);
    m_caFile->setText(c.caFile);
    m_verify->setChecked(c.verifyTls);
    m_clientCert->setText(c.clientCertFile);
    m_clientKey->setText(c.clientKeyFile);
    m_gzip->setChecked(c.gzip);
    m_mode->setCurrentIndex(c.mode == ForwardConfig::Mode::Raw ? 1 : 0);
    m_namespace->setText(c.namespaceName);
    m_index->setText(c.index);
    m_headers->setPlainText(c.headerLines().join(QLatin1Char('\n')));
    m_batchDocs->setValue(c.maxBatchDocs);
    m_batchMiB->setValue(int(std::clamp<qint64>(c.maxBatchBytes >> 20, 1, 100)));
    m_inFlight->setValue(c.maxInFlight);
    updateState();
}

ForwardConfig ForwardingSettingsPage::config() const
{
    ForwardConfig c;
    const QStringList lines = m_nodes->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        if (!line.trimmed().isEmpty())
            c.nodes.append(line.trimmed());
    }
    if (m_auth->currentIndex() == AuthBasic) {
        c.user = m_user->text().trimmed();
        c.password = m_password->text();
    } else if (m_auth->currentIndex() == AuthApiKey) {
        c.apiKey = m_apiKey->text().trimmed();
    }
    c.caFile = m_caFile->text().trimmed();
    c.verifyTls = m_verify->isChecked();
    c.clientCertFile = m_clientCert->text().trimmed();
    c.clientKeyFile = m_clientKey->text().trimmed();
    c.gzip = m_gzip->isChecked();
    c.mode = ForwardConfig::Mode(m_mode->currentData().toInt());
    c.namespaceName = m_namespace->text().trimmed().isEmpty() ? QStringLiteral("default") : m_namespace->text().trimmed();
    c.index = m_index->text().trimmed();
    for (const QString &line : m_headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QPair<QByteArray, QByteArray> header;
        if (ForwardConfig::parseHeader(line, &header))   // a bad line is reported by validationError()
            c.headers.append(header);
    }
    c.maxBatchDocs = m_batchDocs->value();
    c.maxBatchBytes = qint64(m_batchMiB->value()) << 20;
    c.maxInFlight = m_inFlight->value();
    return c;
}

bool ForwardingSettingsPage::isForwardingEnabled() const
{
    return m_enabled->isChecked();
}

QString ForwardingSettingsPage::validationError() const
{
    const ForwardConfig c = config();
    if (m_auth->currentIndex() == AuthBasic && c.user.isEmpty())
        return tr("enter the user name");
    if (m_auth->currentIndex() == AuthApiKey && c.apiKey.isEmpty())
        return tr("enter the API key");
    for (const QString &line : m_headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        QPair<QByteArray, QByteArray> header;
        QString problem;
        if (!line.trimmed().isEmpty() && !ForwardConfig::parseHeader(line, &header, &problem))
            return problem;
    }
    return c.validate();
}

QString ForwardingSettingsPage::resultText() const
{
    return m_result->text();
}

void ForwardingSettingsPage::showTestResult(bool ok, const QString &message)
{
    m_result->setStyleSheet(ok ? QStringLiteral("color:#2e7d32") : QStringLiteral("color:#c62828"));
    m_result->setText(message);
}

void ForwardingSettingsPage::updateState()
{
    const int auth = m_auth->currentIndex();
    m_user->setEnabled(auth == AuthBasic);
    m_password->setEnabled(auth == AuthBasic);
    m_apiKey->setEnabled(auth == AuthApiKey);
    m_insecureWarning->setVisible(!m_verify->isChecked());
    m_namespace->setEnabled(m_index->text().trimmed().isEmpty());
    m_target->setText(config().targetIndex());
    const QString problem = validationError();
    m_test->setEnabled(config().validate().isEmpty() || !config().nodes.isEmpty());
    m_apply->setEnabled(problem.isEmpty() || !m_enabled->isChecked());
    if (!problem.isEmpty() && m_enabled->isChecked()) {
        m_result->setStyleSheet(QStringLiteral("color:#c62828"));
        m_result->setText(problem);
    } else if (m_result->text() == problem || m_result->styleSheet().contains(QLatin1String("c62828"))) {
        m_result->clear();
    }
}

} // namespace fe
