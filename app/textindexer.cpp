// SPDX-License-Identifier: Apache-2.0
#include "app/textindexer.h"

#include "model/alertstore.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace fe {

struct TextIndexer::Run
{
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;   // guarded by mutex
};

TextIndexer::TextIndexer(QObject *parent)
    : TextIndexer(Config(), parent)
{
}

TextIndexer::TextIndexer(const Config &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

TextIndexer::~TextIndexer()
{
    stop();
}

bool TextIndexer::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void TextIndexer::start(const QString &path)
{
    stop();
    m_path = path;
    if (path.isEmpty())
        return;
    const quint64 generation = ++m_generation;
    auto run = std::make_shared<Run>();
    m_run = run;
    const Config config = m_config;
    // The worker reports through queued calls on this object, which outlives it (the destructor stops and waits).
    m_thread.reset(QThread::create([this, run, config, path, generation] {
        const auto finish = [&](bool complete, const QString &error) {
            QMetaObject::invokeMethod(this, [this, generation, complete, error] {
                deliverFinished(generation, complete, error);
            }, Qt::QueuedConnection);
        };
        const auto report = [&](qint64 indexed, qint64 total) {
            QMetaObject::invokeMethod(this, [this, generation, indexed, total] {
                deliverProgress(generation, indexed, total);
            }, Qt::QueuedConnection);
        };
        const auto stopped = [&] {
            std::lock_guard lock(run->mutex);
            return run->stop;
        };
        AlertStore store;
        QString error;
        // The GUI has opened (and so converted) the store before it is indexed; a conversion is not this worker's
        // to start, unseen, so a store that still needs one refuses at its first chunk.
        if (!store.open(path, AlertStore::OpenMode::ReadWrite, &error, [](qint64, qint64) { return false; })) {
            finish(false, error);
            return;
        }
        store.setCacheSize(config.cacheBytes);
        const qint64 total = store.pendingIndexRows();
        if (stopped())
            return;
        if (total <= 0) {
            finish(true, QString());
            return;
        }
        report(0, total);
        QElapsedTimer sinceReport;
        sinceReport.start();
        qint64 indexed = 0;
        while (true) {
            QElapsedTimer chunkTime;
            chunkTime.start();
            const qint64 n = store.indexPending(config.chunkRows, &error);
            if (n < 0) {
                finish(false, error);
                return;
            }
            indexed += n;
            if (n < config.chunkRows) {   // nothing more waits (what arrives now, live ingest indexes itself)
                finish(true, QString());
                return;
            }
            if (sinceReport.elapsed() >= config.progressIntervalMs) {
                report(indexed, total);
                sinceReport.restart();
            }
            // The pause that lets a waiting writer in: one whose busy handler sleeps 100 ms between tries must find
            // the lock free at least once.
            const qint64 pauseMs = std::max<qint64>(config.minPauseMs, chunkTime.elapsed() * config.pausePercent / 100);
            std::unique_lock lock(run->mutex);
            if (run->wake.wait_for(lock, std::chrono::milliseconds(pauseMs), [&] { return run->stop; }))
                return;
        }
    }));
    m_thread->start();
}

void TextIndexer::stop()
{
    ++m_generation;
    if (m_run) {
        {
            std::lock_guard lock(m_run->mutex);
            m_run->stop = true;
        }
        m_run->wake.notify_all();
    }
    if (m_thread)
        m_thread->wait();
    m_thread.reset();
    m_run.reset();
}

void TextIndexer::deliverProgress(quint64 generation, qint64 indexed, qint64 total)
{
    if (generation == m_generation)
        Q_EMIT progress(indexed, total);
}

void TextIndexer::deliverFinished(quint64 generation, bool complete, const QString &error)
{
    if (generation == m_generation)
        Q_EMIT finished(complete, error);
}

} // namespace fe
