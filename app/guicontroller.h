// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>

class QThread;

namespace fe {

class DashboardView;
class EsForwardingController;
class FileImporter;
class FirstRun;
class GuiProbe;
class LiveSources;
class MainWindow;
class TextIndexer;

// The desktop application's wiring: builds the main window with the explorer and the dashboard for a store,
// answers its requests (file imports on a worker thread, File > Open, live sources, Elasticsearch forwarding),
// greets an empty store (app/firstrun.h: the welcome view, or demo alerts with --demo), and serves the test and documentation switches (--screenshot, --probe).
// A store is opened through StoreOpener (a store of an older version is converted, with a progress dialog), and its
// full-text index is built in the background (TextIndexer) after it is opened and after each import.
// Owns every worker it starts: the destructor cancels an import and waits for its threads.
class GuiController : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString db;                        // empty: AlertStore::defaultPath()
        QString screenshot;                // --screenshot FILE: save the settled window and exit
        QString view;                      // --view; none: the explorer, or the welcome view on an empty store
        int sortColumn = -1;               // --sort: the alert table's sort (ascending), for screenshots
        QSize size{1600, 1000};
        bool exitAfterFirstPaint = false;
        bool demo = false;                 // --demo: fill an empty store with demo alerts (run.sh); else the welcome view
        QString probe;                     // --probe FILE: GUI tests read widget geometry and state from it
    };
    // Parses the GUI's command line (args includes the program name). False with a message on bad input.
    static bool parseArguments(const QStringList &args, Options *options, QString *error);
    static QString usage();

    explicit GuiController(const Options &options, QObject *parent = nullptr);
    ~GuiController() override;

    // Opens (or creates, or converts) the store and shows the window. False with a message when the store cannot be
    // opened, or when the analyst stopped its conversion (startCancelled()).
    bool start(QString *error);
    bool startCancelled() const { return m_startCancelled; }
    MainWindow *window() const { return m_window.get(); }

private:
    void importFiles(const QStringList &paths);
    void cancelImport();
    void openDatabase(const QString &path);
    void indexText();
    void pollScreenshot();
    void returnFreedMemory();

    Options m_options;
    QString m_dbPath;
    std::unique_ptr<MainWindow> m_window;
    DashboardView *m_dashboard = nullptr;   // owned by the window
    std::unique_ptr<EsForwardingController> m_forwarding;
    std::unique_ptr<LiveSources> m_liveSources;
    std::unique_ptr<GuiProbe> m_probe;

    std::unique_ptr<FirstRun> m_firstRun;
    std::unique_ptr<FileImporter> m_importer;
    std::unique_ptr<QThread> m_importThread;
    std::unique_ptr<TextIndexer> m_indexer;
    bool m_opening = false;          // File > Open waits for StoreOpener (a local event loop)
    bool m_startCancelled = false;

    // --screenshot: polls until the views have settled.
    QTimer m_screenshotPoll;
    QTimer m_trimTimer;
    QElapsedTimer m_screenshotClock;
    int m_stableTicks = 0;
    bool m_rowSelected = false;
};

} // namespace fe
