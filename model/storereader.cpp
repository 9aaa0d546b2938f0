// SPDX-License-Identifier: Apache-2.0
#include "model/storereader.h"

#include "model/alertstore.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <sqlite3.h>

#include <deque>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace fe {

Q_LOGGING_CATEGORY(lcReader, "fe.model.reader")

struct StoreReader::Private
{
    static constexpr int kNice = 5;

    struct Entry
    {
        QString key;
        Job job;
    };
    mutable QMutex mutex;
    QWaitCondition wake;
    QWaitCondition idle;
    std::deque<Entry> queue;   // guarded by mutex
    QString path;              // guarded by mutex
    bool pathChanged = false;  // guarded by mutex
    bool running = false;      // a job is running; guarded by mutex
    sqlite3 *runningDb = nullptr;   // the connection of the running job (open while running); guarded by mutex
    bool quit = false;         // guarded by mutex
    std::unique_ptr<QThread> thread;

    void loop()
    {
#ifdef Q_OS_LINUX
        // Queries yield the CPU to the GUI thread: on a busy machine (2 cores, a count, an anchor scan and facet
        // counts running) the GUI thread otherwise waits for a core in the middle of a paint, and a short event
        // takes several times its CPU time on the clock (docs/performance.md). Linux nice values are per thread; the
        // readers still get every idle cycle. (QThread::setPriority() cannot lower a SCHED_OTHER thread but to
        // SCHED_IDLE, which starves.)
        setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), kNice);
#endif
        AlertStore store;
        for (;;) {
            Job job;
            {
                QMutexLocker lock(&mutex);
                while (!quit && queue.empty() && !pathChanged)
                    wake.wait(&mutex);
                if (quit)
                    return;
                if (pathChanged) {
                    pathChanged = false;
                    const QString p = path;
                    lock.unlock();
                    store.close();
                    QString error;
                    if (!p.isEmpty() && !store.open(p, AlertStore::OpenMode::ReadOnly, &error))
                        qCWarning(lcReader) << error;
                    continue;
                }
                job = std::move(queue.front().job);
                queue.pop_front();
                running = true;
                runningDb = store.handle();
            }
            job(store);
            QMutexLocker lock(&mutex);
            running = false;
            runningDb = nullptr;
            if (queue.empty())
                idle.wakeAll();
        }
    }
};

StoreReader::StoreReader()
    : d(std::make_unique<Private>())
{
    d->thread.reset(QThread::create([this] { d->loop(); }));
    d->thread->setObjectName(QStringLiteral("StoreReader"));
    d->thread->start();
}

StoreReader::~StoreReader()
{
    {
        QMutexLocker lock(&d->mutex);
        d->quit = true;
        d->queue.clear();
        d->wake.wakeAll();
        d->idle.wakeAll();
    }
    d->thread->wait();
}

void StoreReader::setPath(const QString &path)
{
    QMutexLocker lock(&d->mutex);
    d->path = path;
    d->pathChanged = true;
    d->queue.clear();
    d->wake.wakeAll();
}

QString StoreReader::path() const
{
    QMutexLocker lock(&d->mutex);
    return d->path;
}

void StoreReader::post(Job job, const QString &key)
{
    QMutexLocker lock(&d->mutex);
    if (!key.isEmpty()) {
        for (auto &e : d->queue) {
            if (e.key == key) {
                e.job = std::move(job);
                return;
            }
        }
    }
    d->queue.push_back({key, std::move(job)});
    d->wake.wakeAll();
}

void StoreReader::clearPending()
{
    QMutexLocker lock(&d->mutex);
    d->queue.clear();
    if (!d->running)
        d->idle.wakeAll();
}

void StoreReader::cancelRunning()
{
    // Under the mutex the connection cannot be closed: only the reader thread closes it, between jobs. An interrupt
    // that lands between two statements of the job is a no-op (SQLite ignores it when nothing runs).
    QMutexLocker lock(&d->mutex);
    if (d->running && d->runningDb)
        sqlite3_interrupt(d->runningDb);
}

void StoreReader::waitForIdle()
{
    QMutexLocker lock(&d->mutex);
    while (!d->quit && (d->running || !d->queue.empty() || d->pathChanged))
        d->idle.wait(&d->mutex, 100);
}

} // namespace fe
