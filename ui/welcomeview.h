// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/listeneroptions.h"

#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTimer;

namespace fe {

// The page a new user meets on an empty store: three ways to get Falco alerts in. Open Falco log files or a
// folder; start the syslog listener, with the exact Falcosidekick and falco.yaml settings to paste (this machine's
// address and the port, a Copy button) and a live "waiting for the first alert" indicator that turns green when
// one is stored; or load demo data. Like the other views it reads and starts nothing itself: app/ answers
// importRequested, listenerRequested and demoRequested, and reports back with setListening / setListenerFailed /
// setAlertReceived / setDemoLoading.
class WelcomeView : public QWidget
{
    Q_OBJECT

public:
    enum class ListenerState { NotStarted, Waiting, Receiving, Failed };
    Q_ENUM(ListenerState)

    // The dialogs that pick log files (folder: one directory). Tests replace them.
    using FileChooser = std::function<QStringList(QWidget *parent, bool folder)>;

    explicit WelcomeView(QWidget *parent = nullptr);
    ~WelcomeView() override;

    // The store the alerts go to, and how many it holds (the page reads differently once it has some).
    void setDatabasePath(const QString &path, qint64 alertCount = 0);

    // The listener "Start listening" asks for: the address and port chosen here, plus what "More options…" set
    // (TLS, UDP, limits). The snippets follow it.
    ListenerOptions listenerOptions() const { return m_options; }
    void setListenerOptions(const ListenerOptions &options);

    // A listener with these options is running on port: the indicator waits for the first alert.
    void setListening(const ListenerOptions &options, int port);
    // The listener could not start (the port is taken, a TLS file is unreadable…).
    void setListenerFailed(const QString &error);
    // An alert was stored: the indicator turns green (from any state: an alert is an alert).
    void setAlertReceived();
    ListenerState listenerState() const { return m_state; }
    QString indicatorText() const;

    void setDemoLoading(bool loading);

    // The snippets as shown, and the address they tell Falco to connect to.
    QString falcosidekickSnippet() const;
    QString falcoSnippet() const;
    QString clientHost() const;

    void setFileChooser(FileChooser chooser) { m_chooseFiles = std::move(chooser); }

Q_SIGNALS:
    void importRequested(const QStringList &paths);
    void listenerRequested(const fe::ListenerOptions &options);
    void demoRequested();
    // "Open the explorer" once alerts are in.
    void explorerRequested();
    // "Close this page".
    void closeRequested();

private:
    QWidget *createFilesCard();
    QWidget *createListenerCard();
    QWidget *createDemoCard();
    void chooseFiles(bool folder);
    void moreListenerOptions();
    void onAddressOrPortEdited();
    void updateSnippets();
    void updateIndicator();
    void copySnippet();

    ListenerOptions m_options;
    ListenerState m_state = ListenerState::NotStarted;
    int m_listeningPort = 0;
    QString m_error;
    bool m_pulse = false;
    FileChooser m_chooseFiles;

    QLabel *m_storeLabel = nullptr;
    QComboBox *m_address = nullptr;
    QSpinBox *m_port = nullptr;
    QPushButton *m_more = nullptr;
    QLabel *m_optionsSummary = nullptr;
    QLabel *m_exposed = nullptr;
    QPushButton *m_start = nullptr;
    QLabel *m_dot = nullptr;
    QLabel *m_indicator = nullptr;
    QPushButton *m_openExplorer = nullptr;
    QTabWidget *m_snippetTabs = nullptr;
    QPlainTextEdit *m_sidekickText = nullptr;
    QPlainTextEdit *m_falcoText = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_demo = nullptr;
    QTimer *m_pulseTimer = nullptr;
};

} // namespace fe
