// SPDX-License-Identifier: Apache-2.0
#include "ui/welcomeview.h"

#include "ui/falcosetupsnippets.h"
#include "ui/listenerdialog.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace fe {

namespace {

// The indicator's colours: they carry meaning (waiting, receiving, failed), so they are the same in light and
// dark palettes and readable on both.
const QColor kWaiting(0xd0, 0x8c, 0x00);
const QColor kWaitingDim(0xf0, 0xc8, 0x70);
const QColor kReceiving(0x2e, 0x9d, 0x3a);
const QColor kFailed(0xc6, 0x28, 0x28);
const QColor kIdle(0x9e, 0x9e, 0x9e);

QFrame *card(QWidget *parent, const QString &title, const QString &text, QVBoxLayout **layout)
{
    auto *frame = new QFrame(parent);
    frame->setFrameShape(QFrame::StyledPanel);
    frame->setAutoFillBackground(true);
    frame->setBackgroundRole(QPalette::Base);
    auto *v = new QVBoxLayout(frame);
    v->setContentsMargins(16, 12, 16, 14);
    auto *heading = new QLabel(title, frame);
    QFont font = heading->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.2);
    heading->setFont(font);
    heading->setTextFormat(Qt::PlainText);
    v->addWidget(heading);
    if (!text.isEmpty()) {
        auto *label = new QLabel(text, frame);
        label->setWordWrap(true);
        label->setTextFormat(Qt::PlainText);
        v->addWidget(label);
    }
    *layout = v;
    return frame;
}

QPlainTextEdit *snippetEditor(QWidget *parent, const QString &objectName)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(objectName);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Room for a whole snippet (15 lines) at 1024x700 without scrolling the page.
    edit->setMinimumHeight(edit->fontMetrics().lineSpacing() * 16);
    return edit;
}

} // namespace

WelcomeView::WelcomeView(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("Welcome"));
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    auto *page = new QWidget(scroll);
    auto *centre = new QHBoxLayout(page);
    auto *content = new QWidget(page);
    content->setMaximumWidth(1280);
    centre->addStretch(1);
    centre->addWidget(content, 100);
    centre->addStretch(1);
    scroll->setWidget(page);

    auto *layout = new QVBoxLayout(content);
    layout->setSpacing(12);
    auto *title = new QLabel(tr("Welcome to Falco Explorer"), content);
    QFont titleFont = title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.7);
    title->setFont(titleFont);
    layout->addWidget(title);
    m_storeLabel = new QLabel(content);
    m_storeLabel->setWordWrap(true);
    m_storeLabel->setTextFormat(Qt::PlainText);
    layout->addWidget(m_storeLabel);

    // Files and demo data are one click each: they share the left column; the listener, with its settings to paste,
    // takes the rest, so that all three fit on a 1024x700 window without scrolling.
    auto *columns = new QHBoxLayout;
    columns->setSpacing(12);
    auto *left = new QVBoxLayout;
    left->setSpacing(12);
    left->addWidget(createFilesCard());
    left->addWidget(createDemoCard());
    left->addStretch(1);
    columns->addLayout(left, 2);
    columns->addWidget(createListenerCard(), 3);
    layout->addLayout(columns, 1);

    auto *footer = new QHBoxLayout;
    auto *again = new QLabel(tr("This page comes back with Help › Getting started."), content);
    again->setForegroundRole(QPalette::PlaceholderText);
    footer->addWidget(again, 1);
    auto *close = new QPushButton(tr("Close this page"), content);
    close->setObjectName(QStringLiteral("closeWelcome"));
    connect(close, &QPushButton::clicked, this, &WelcomeView::closeRequested);
    footer->addWidget(close);
    layout->addLayout(footer);

    m_pulseTimer = new QTimer(this);
    m_pulseTimer->setInterval(600);
    connect(m_pulseTimer, &QTimer::timeout, this, [this] {
        m_pulse = !m_pulse;
        updateIndicator();
    });

    setDatabasePath(QString());
    setListenerOptions(ListenerOptions());
}

WelcomeView::~WelcomeView() = default;

QWidget *WelcomeView::createFilesCard()
{
    QVBoxLayout *v = nullptr;
    QFrame *frame = card(this, tr("Open Falco log files"),
                         tr("Files Falco wrote with json_output and file_output: events.log, .json or .jsonl, rotated "
                            "and gzipped ones too. Lines that are not alerts are skipped; alerts already stored are not "
                            "stored twice. Dropping files on the window does the same."),
                         &v);
    auto *buttons = new QHBoxLayout;
    auto *files = new QPushButton(tr("Open log files…"), frame);
    files->setObjectName(QStringLiteral("openFiles"));
    auto *folder = new QPushButton(tr("Open a folder…"), frame);
    folder->setObjectName(QStringLiteral("openFolder"));
    connect(files, &QPushButton::clicked, this, [this] { chooseFiles(false); });
    connect(folder, &QPushButton::clicked, this, [this] { chooseFiles(true); });
    buttons->addWidget(files);
    buttons->addWidget(folder);
    buttons->addStretch(1);
    v->addLayout(buttons);
    return frame;
}

QWidget *WelcomeView::createListenerCard()
{
    QVBoxLayout *v = nullptr;
    QFrame *frame = card(this, tr("Receive alerts as Falco raises them"),
                         tr("Start the syslog listener, paste the settings below into Falcosidekick's or Falco's "
                            "configuration and restart it. The light turns green when the first alert is stored."),
                         &v);
    auto *where = new QHBoxLayout;
    m_address = new QComboBox(frame);
    m_address->setObjectName(QStringLiteral("listenAddress"));
    m_address->addItem(tr("this machine only (127.0.0.1)"), QStringLiteral("127.0.0.1"));
    const QStringList addresses = FalcoSetupSnippets::machineAddresses();
    for (const QString &address : addresses)
        m_address->addItem(tr("the network, at %1").arg(address), address);
    m_address->addItem(tr("every interface (0.0.0.0)"), QStringLiteral("0.0.0.0"));
    m_address->setToolTip(tr("Where Falcosidekick or Falco can reach this listener from. Only this machine is "
                             "safest; anything else accepts alerts from whoever can reach the port."));
    auto *addressLabel = new QLabel(tr("Listen on:"), frame);
    addressLabel->setBuddy(m_address);
    where->addWidget(addressLabel);
    where->addWidget(m_address, 1);
    m_port = new QSpinBox(frame);
    m_port->setObjectName(QStringLiteral("listenPort"));
    m_port->setRange(1, 65535);
    auto *portLabel = new QLabel(tr("TCP port:"), frame);
    portLabel->setBuddy(m_port);
    where->addWidget(portLabel);
    where->addWidget(m_port);
    m_more = new QPushButton(tr("More options…"), frame);
    m_more->setObjectName(QStringLiteral("moreListenerOptions"));
    m_more->setToolTip(tr("TLS, UDP, message size, connections, what to keep of each alert"));
    where->addWidget(m_more);
    v->addLayout(where);

    m_optionsSummary = new QLabel(frame);
    m_optionsSummary->setWordWrap(true);
    m_optionsSummary->setTextFormat(Qt::PlainText);
    m_optionsSummary->setForegroundRole(QPalette::PlaceholderText);
    v->addWidget(m_optionsSummary);
    m_exposed = new QLabel(tr("Other machines can reach this port: allow only the Falco hosts in the firewall, or "
                              "use TLS (More options…)."), frame);
    m_exposed->setWordWrap(true);
    m_exposed->setTextFormat(Qt::PlainText);
    QPalette warning = m_exposed->palette();
    warning.setColor(QPalette::WindowText, kFailed);
    m_exposed->setPalette(warning);
    v->addWidget(m_exposed);

    auto *status = new QHBoxLayout;
    m_start = new QPushButton(tr("Start listening"), frame);
    m_start->setObjectName(QStringLiteral("startListening"));
    m_start->setDefault(true);
    status->addWidget(m_start);
    m_dot = new QLabel(frame);
    m_dot->setTextFormat(Qt::RichText);
    status->addWidget(m_dot);
    m_indicator = new QLabel(frame);
    m_indicator->setObjectName(QStringLiteral("listenerIndicator"));
    m_indicator->setWordWrap(true);
    m_indicator->setTextFormat(Qt::PlainText);
    m_indicator->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status->addWidget(m_indicator, 1);
    m_openExplorer = new QPushButton(tr("Open the explorer"), frame);
    m_openExplorer->setObjectName(QStringLiteral("openExplorer"));
    m_openExplorer->hide();
    connect(m_openExplorer, &QPushButton::clicked, this, &WelcomeView::explorerRequested);
    status->addWidget(m_openExplorer);
    v->addLayout(status);

    m_snippetTabs = new QTabWidget(frame);
    m_snippetTabs->setObjectName(QStringLiteral("snippetTabs"));
    m_sidekickText = snippetEditor(frame, QStringLiteral("falcosidekickSnippet"));
    m_falcoText = snippetEditor(frame, QStringLiteral("falcoSnippet"));
    m_snippetTabs->addTab(m_sidekickText, tr("Falcosidekick (syslog output)"));
    m_snippetTabs->addTab(m_falcoText, tr("Falco alone (falco.yaml)"));
    v->addWidget(m_snippetTabs, 1);
    auto *copyRow = new QHBoxLayout;
    m_copy = new QPushButton(tr("Copy"), frame);
    m_copy->setObjectName(QStringLiteral("copySnippet"));
    m_copy->setToolTip(tr("Copy the settings shown to the clipboard"));
    connect(m_copy, &QPushButton::clicked, this, &WelcomeView::copySnippet);
    copyRow->addWidget(m_copy);
    auto *hint = new QLabel(tr("The address is the one Falco's machine reaches this one at; the port is the listener's."),
                            frame);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    copyRow->addWidget(hint, 1);
    v->addLayout(copyRow);

    connect(m_address, &QComboBox::currentIndexChanged, this, &WelcomeView::onAddressOrPortEdited);
    connect(m_port, &QSpinBox::valueChanged, this, &WelcomeView::onAddressOrPortEdited);
    connect(m_more, &QPushButton::clicked, this, &WelcomeView::moreListenerOptions);
    connect(m_start, &QPushButton::clicked, this, [this] {
        m_error.clear();
        Q_EMIT listenerRequested(m_options);
    });
    return frame;
}

QWidget *WelcomeView::createDemoCard()
{
    QVBoxLayout *v = nullptr;
    QFrame *frame = card(this, tr("Just looking? Load demo data"),
                         tr("5,000 made-up alerts from about 50 real Falco rules over the last 7 days, on hosts, pods "
                            "and images that do not exist, stored in this store. Delete the store file to start over."),
                         &v);
    m_demo = new QPushButton(tr("Load demo data"), frame);
    m_demo->setObjectName(QStringLiteral("loadDemo"));
    connect(m_demo, &QPushButton::clicked, this, &WelcomeView::demoRequested);
    v->addWidget(m_demo, 0, Qt::AlignLeft);
    return frame;
}

void WelcomeView::setDatabasePath(const QString &path, qint64 alertCount)
{
    const QString store = path.isEmpty() ? tr("This store") : tr("The store %1").arg(path);
    m_storeLabel->setText(alertCount == 0
                              ? tr("%1 has no alerts yet. Bring Falco alerts in one of three ways; they stay on this "
                                   "machine.").arg(store)
                              : tr("%1 holds %2 alerts. More come in the same three ways.")
                                    .arg(store, QLocale().toString(alertCount)));
}

void WelcomeView::setListenerOptions(const ListenerOptions &options)
{
    m_options = options;
    int index = m_address->findData(options.bindAddress);
    if (index < 0) {
        m_address->addItem(options.bindAddress, options.bindAddress);
        index = m_address->count() - 1;
    }
    {
        const QSignalBlocker blockAddress(m_address);
        const QSignalBlocker blockPort(m_port);
        m_address->setCurrentIndex(index);
        m_port->setValue(options.tcpPort > 0 ? options.tcpPort : ListenerOptions().tcpPort);
    }
    QStringList extras;
    if (options.isTls())
        extras << (options.tlsClientCa.isEmpty() ? tr("TLS") : tr("TLS with client certificates"));
    if (options.udpPort >= 0)
        extras << tr("UDP port %1").arg(options.udpPort);
    m_optionsSummary->setText(extras.isEmpty() ? tr("Plain TCP (More options… for TLS and UDP).") : extras.join(QStringLiteral(", ")));
    m_optionsSummary->setVisible(true);
    updateSnippets();
    updateIndicator();
}

void WelcomeView::onAddressOrPortEdited()
{
    ListenerOptions options = m_options;
    options.bindAddress = m_address->currentData().toString();
    options.tcpPort = m_port->value();
    setListenerOptions(options);
}

void WelcomeView::moreListenerOptions()
{
    ListenerDialog dialog(this);
    dialog.setOptions(m_options);
    if (dialog.exec() == QDialog::Accepted)
        setListenerOptions(dialog.options());
}

void WelcomeView::chooseFiles(bool folder)
{
    QStringList paths;
    if (m_chooseFiles) {
        paths = m_chooseFiles(this, folder);
    } else if (folder) {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of Falco logs"));
        if (!dir.isEmpty())
            paths << dir;
    } else {
        paths = QFileDialog::getOpenFileNames(this, tr("Open Falco log files"), QString(),
                                              tr("Falco logs (*.log *.json *.jsonl *.gz);;All files (*)"));
    }
    if (!paths.isEmpty())
        Q_EMIT importRequested(paths);
}

void WelcomeView::setListening(const ListenerOptions &options, int port)
{
    setListenerOptions(options);
    m_listeningPort = port;
    m_error.clear();
    if (m_state != ListenerState::Receiving)
        m_state = ListenerState::Waiting;
    updateSnippets();
    updateIndicator();
}

void WelcomeView::setListenerFailed(const QString &error)
{
    m_error = error;
    m_listeningPort = 0;
    if (m_state != ListenerState::Receiving)
        m_state = ListenerState::Failed;
    updateIndicator();
}

void WelcomeView::setAlertReceived()
{
    m_state = ListenerState::Receiving;
    updateIndicator();
}

void WelcomeView::setDemoLoading(bool loading)
{
    m_demo->setEnabled(!loading);
    m_demo->setText(loading ? tr("Generating 5,000 demo alerts…") : tr("Load demo data"));
}

QString WelcomeView::clientHost() const
{
    return FalcoSetupSnippets::clientHost(m_options.bindAddress);
}

QString WelcomeView::falcosidekickSnippet() const
{
    return m_sidekickText->toPlainText();
}

QString WelcomeView::falcoSnippet() const
{
    return m_falcoText->toPlainText();
}

void WelcomeView::updateSnippets()
{
    const int port = m_listeningPort > 0 ? m_listeningPort : m_options.tcpPort;
    const QString host = clientHost();
    m_sidekickText->setPlainText(FalcoSetupSnippets::falcosidekick(host, port, m_options.isTls()));
    m_falcoText->setPlainText(FalcoSetupSnippets::falco(host, port, m_options.isTls(), !m_options.tlsClientCa.isEmpty()));
    m_exposed->setVisible(m_options.isExposed());
}

QString WelcomeView::indicatorText() const
{
    return m_indicator->text();
}

void WelcomeView::updateIndicator()
{
    const bool listening = m_state == ListenerState::Waiting || m_state == ListenerState::Receiving;
    QString where = QStringLiteral("%1:%2").arg(clientHost()).arg(m_listeningPort > 0 ? m_listeningPort : m_options.tcpPort);
    if (m_options.isTls())
        where += tr(" (TLS)");
    QColor colour = kIdle;
    switch (m_state) {
    case ListenerState::NotStarted:
        m_indicator->setText(tr("Not listening yet."));
        break;
    case ListenerState::Waiting:
        m_indicator->setText(tr("Listening on %1: waiting for the first alert…").arg(where));
        colour = m_pulse ? kWaitingDim : kWaiting;
        break;
    case ListenerState::Receiving:
        m_indicator->setText(m_listeningPort > 0 ? tr("Alerts are arriving on %1: the first one is stored.").arg(where)
                                                 : tr("Alerts are arriving: the first one is stored."));
        colour = kReceiving;
        break;
    case ListenerState::Failed:
        m_indicator->setText(tr("Could not listen: %1").arg(m_error));
        colour = kFailed;
        break;
    }
    m_dot->setText(QStringLiteral("<span style=\"color:%1; font-size:x-large\">●</span>").arg(colour.name()));
    m_openExplorer->setVisible(m_state == ListenerState::Receiving);
    m_start->setEnabled(!listening);
    m_start->setText(listening ? tr("Listening") : tr("Start listening"));
    // The settings shown describe the running listener: change them in View › Sources once it runs.
    m_address->setEnabled(!listening);
    m_port->setEnabled(!listening);
    m_more->setEnabled(!listening);
    if (m_state == ListenerState::Waiting) {
        if (!m_pulseTimer->isActive())
            m_pulseTimer->start();
    } else {
        m_pulseTimer->stop();
        m_pulse = false;
    }
}

void WelcomeView::copySnippet()
{
    const QString text = m_snippetTabs->currentWidget() == m_falcoText ? falcoSnippet() : falcosidekickSnippet();
    QApplication::clipboard()->setText(text);
    m_copy->setText(tr("Copied"));
    QTimer::singleShot(2000, m_copy, [this] { m_copy->setText(tr("Copy")); });
}

} // namespace fe
