// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ui/welcomeview.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QThread;

namespace fe {

class LiveSources;
class MainWindow;

// What a new user meets in the desktop app, wired to the rest of it: the welcome view (shown on an empty store,
// and from Help › Getting started) whose log files go to the window's import, whose listener is a live source
// (the indicator turns green when a live source stores an alert), and whose demo data is generated here, on a
// worker thread, as --demo's is; plus the hints that tell each empty panel's next step.
class FirstRun : public QObject
{
    Q_OBJECT

public:
    FirstRun(MainWindow *window, LiveSources *sources, QObject *parent = nullptr);
    ~FirstRun() override;   // waits for demo data being generated

    // Adds the welcome tab if it is not there and shows it.
    void showWelcome();
    WelcomeView *welcomeView() const { return m_welcome; }

    // Generates count demo alerts into the window's store on a worker thread; the views re-read when it is done.
    void loadDemoData(qint64 count = 5000);
    bool isDemoRunning() const;

Q_SIGNALS:
    void demoFinished(qint64 stored);

private:
    void startListener();
    void closeWelcome();

    MainWindow *m_window;
    LiveSources *m_sources;
    QPointer<WelcomeView> m_welcome;
    std::unique_ptr<QThread> m_demoThread;
    bool m_demoRunning = false;   // until the views were told to re-read, not only until the thread ends
    bool m_alertStored = false;   // a live source stored an alert since the start: a reopened page stays green
};

} // namespace fe
