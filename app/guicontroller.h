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
class GuiProbe;
class LiveSources;
class MainWindow;

// The desktop application's wiring: builds the main window with the explorer and the dashboard for a store,
// answers its requests (file imports on a worker thread, File > Open, live sources, Elasticsearch forwarding),
// fills an empty store with demo alerts, and serves the test and documentation switches (--screenshot, --probe).
// Owns every worker it starts: the destructor cancels an import and waits for its threads.
class GuiController : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString db;                        // empty: AlertStore::defaultPath()
        QString screenshot;                // --screenshot FILE: save the settled window and exit
        QString view = QStringLiteral("explorer");
        int sortColumn = -1;               // --sort: the alert table's sort (ascending), for screenshots
        QSize size{1600, 1000};
        bool exitAfterFirstPaint = false;
        bool demo = true;                  // --no-demo: leave an empty store empty
        QString probe;                     // --probe FILE: GUI tests read widget geometry and state from it
    };
    // Parses the GUI's command line (args includes the program name). False with a message on bad input.
    static bool parseArguments(const QStringList &args, Options *options, QString *error);
    static QString usage();

    explicit GuiController(const Options &options, QObject *parent = nullptr);
    ~GuiController() override;

    // Opens (or creates) the store and shows the window. False with a message when the store cannot be opened.
    bool start(QString *error);
    MainWindow *window() const { return m_window.get(); }

    // Generates count demo alerts into the store at path (any thread). Returns the number stored.
    static qint64 fillWithDemoData(const QString &path, qint64 count);

private:
    void startDemoData(qint64 count);
    void importFiles(const QStringList &paths);
    void cancelImport();
    void openDatabase(const QString &path);
    void pollScreenshot();

    Options m_options;
    QString m_dbPath;
    std::unique_ptr<MainWindow> m_window;
    DashboardView *m_dashboard = nullptr;   // owned by the window
    std::unique_ptr<EsForwardingController> m_forwarding;
    std::unique_ptr<LiveSources> m_liveSources;
    std::unique_ptr<GuiProbe> m_probe;

    std::atomic<bool> m_demoRunning{false};
    std::unique_ptr<QThread> m_demoThread;
    std::unique_ptr<FileImporter> m_importer;
    std::unique_ptr<QThread> m_importThread;

    // --screenshot: polls until the views have settled.
    QTimer m_screenshotPoll;
    QElapsedTimer m_screenshotClock;
    int m_stableTicks = 0;
    bool m_rowSelected = false;
};

} // namespace fe
