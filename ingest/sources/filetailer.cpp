// SPDX-License-Identifier: Apache-2.0
#include "ingest/sources/filetailer.h"

#include "ingest/pipeline/ingestpipeline.h"
#include "model/alertstore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <map>
#include <vector>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace fe {

namespace {

constexpr qsizetype s_readChunk = 1024 * 1024;
constexpr int s_fingerprintBytes = 256;
constexpr int s_globEveryPolls = 4;
constexpr int s_headBytes = 64;

bool isGlob(const QString &path)
{
    return path.contains(QLatin1Char('*')) || path.contains(QLatin1Char('?')) || path.contains(QLatin1Char('['));
}

} // namespace

class FileTailer::Worker : public QObject
{
public:
    Worker(const TailConfig &config, IngestPipeline *pipeline)
        : m_config(config)
        , m_pipeline(pipeline)
        , m_timer(this)
    {
        m_buffer.resize(s_readChunk);
    }

    ~Worker() override { shutdown(); }

    QString init()
    {
        QString error;
        if (!m_store.open(m_pipeline->config().dbPath, AlertStore::OpenMode::ReadOnly, &error))
            return QStringLiteral("cannot read tail positions from %1: %2").arg(m_pipeline->config().dbPath, error);
        for (const QString &pattern : std::as_const(m_config.paths))
            m_patterns.append(QFileInfo(pattern).absoluteFilePath());
        m_timer.setInterval(qMax(10, m_config.pollIntervalMs));
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { poll(); });
        m_timer.start();
        poll();
        return QString();
    }

    void shutdown()
    {
        if (m_shutDown)
            return;
        m_shutDown = true;
        m_timer.stop();
        poll();   // what the files hold now
        for (auto &t : m_draining)
            finishDraining(*t);
        m_draining.clear();
        for (auto &[path, t] : m_files)
            closeFile(*t);
        m_files.clear();
        m_store.close();
    }

private:
    struct Tailed
    {
        QString path;
        int fd = -1;
        dev_t dev = 0;
        ino_t ino = 0;
        qint64 readPos = 0;     // next byte to read
        qint64 lineStart = 0;   // offset of the first byte of partial: what is stored ends here
        QByteArray partial;     // a line without its newline yet
        qint64 discarded = 0;   // > 0 while skipping an oversized line
        QByteArray head;        // the file's first bytes as read (up to s_headBytes): a rewrite changes them
        qint64 drainUntilMs = 0;
        bool waitingReported = false;
    };

    void poll()
    {
        ++m_polls;
        QStringList targets;
        const bool expandGlobs = m_polls % s_globEveryPolls == 1 || m_shutDown;
        for (const QString &pattern : std::as_const(m_patterns)) {
            if (!isGlob(pattern)) {
                targets.append(pattern);
                continue;
            }
            if (!expandGlobs)
                continue;
            const QFileInfo info(pattern);
            const QDir dir = info.dir();
            const QStringList names = dir.entryList(QStringList{info.fileName()}, QDir::Files, QDir::Name);
            for (const QString &name : names) {
                if (!name.endsWith(QLatin1String(".gz")))
                    targets.append(dir.absoluteFilePath(name));
            }
        }
        if (expandGlobs) {
            // Files a glob no longer matches (deleted, rotated out of the pattern): read to the end, let go.
            for (auto it = m_files.begin(); it != m_files.end();) {
                if (targets.contains(it->first) || m_patterns.contains(it->first)) {
                    ++it;
                    continue;
                }
                std::unique_ptr<Tailed> t = std::move(it->second);
                it = m_files.erase(it);
                readAvailable(*t, true);
                startDraining(std::move(t));
            }
        } else {
            for (const auto &[path, t] : m_files) {
                if (!targets.contains(path))
                    targets.append(path);
            }
        }
        for (const QString &path : std::as_const(targets))
            follow(path);

        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (auto it = m_draining.begin(); it != m_draining.end();) {
            readAvailable(**it, false);
            if (now >= (*it)->drainUntilMs || m_shutDown) {
                finishDraining(**it);
                it = m_draining.erase(it);
            } else {
                ++it;
            }
        }
        flushBatch();
    }

    void follow(const QString &path)
    {
        auto &slot = m_files[path];
        if (!slot) {
            slot = std::make_unique<Tailed>();
            slot->path = path;
        }
        Tailed &t = *slot;
        struct stat st {};
        const bool exists = ::stat(path.toLocal8Bit().constData(), &st) == 0 && S_ISREG(st.st_mode);
        if (t.fd >= 0) {
            if (exists && st.st_dev == t.dev && st.st_ino == t.ino) {
                // Same file. Truncated (copytruncate) when it shrank below our position or its first bytes
                // changed (truncated and written again past our position between two polls): check before
                // reading, and again after, so a rewrite racing with the read is not taken for appends.
                if (st.st_size < t.readPos || !headUnchanged(t)) {
                    restartTruncated(t, st.st_size);
                    return;
                }
                const qsizetype before = m_batch.frames.size();
                const qsizetype checkpointsBefore = m_batch.checkpoints.size();
                readAvailable(t, true);
                if (!headUnchanged(t)) {
                    m_batch.frames.resize(qMin(before, m_batch.frames.size()));
                    m_batch.checkpoints.resize(qMin(checkpointsBefore, m_batch.checkpoints.size()));
                    restartTruncated(t, -1);
                }
                return;
            }
            // Renamed away or deleted: read the old file to its end (and for a grace period), follow the new one.
            readAvailable(t, true);
            auto old = std::make_unique<Tailed>(std::move(t));
            t = Tailed();
            t.path = path;
            startDraining(std::move(old));
            m_opened.insert(path);   // the new file is new: no resume from the checkpoint
        }
        if (!exists) {
            if (!t.waitingReported && m_patterns.contains(path)) {
                t.waitingReported = true;
                m_pipeline->reportDiagnostic({Diagnostic::Severity::Info, QStringLiteral("tail"), path,
                                              QStringLiteral("waiting for the file to appear"), 1});
            }
            return;
        }
        open(t);
        if (t.fd >= 0)
            readAvailable(t, true);
    }

    void open(Tailed &t)
    {
        const int fd = ::open(t.path.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("tail"), t.path,
                                          QStringLiteral("cannot open: %1").arg(QString::fromLocal8Bit(strerror(errno))), 1});
            return;
        }
        struct stat opened {};
        ::fstat(fd, &opened);
        t.fd = fd;
        t.dev = opened.st_dev;
        t.ino = opened.st_ino;
        t.readPos = 0;
        t.lineStart = 0;
        t.partial.clear();
        t.discarded = 0;

        // A file a glob sees under a new name (rotated to falco.log.1) that we were reading: go on from there.
        for (auto it = m_draining.begin(); it != m_draining.end(); ++it) {
            if ((*it)->dev == t.dev && (*it)->ino == t.ino) {
                ::close(fd);
                const QString path = t.path;
                t = std::move(**it);
                t.path = path;
                t.drainUntilMs = 0;
                m_draining.erase(it);
                m_opened.insert(path);
                return;
            }
        }

        const bool firstOpen = !m_opened.contains(t.path);
        m_opened.insert(t.path);
        if (!firstOpen)
            return;
        const QByteArray saved = m_store.state(stateKey(t.path));
        if (saved.isEmpty())
            return;
        const QList<QByteArray> parts = saved.split(' ');
        const qint64 offset = parts.value(2).toLongLong();
        const int fpLength = parts.value(3).toInt();
        if (parts.size() == 5 && offset <= opened.st_size && fingerprint(fd, fpLength) == parts.value(4)) {
            t.readPos = offset;
            t.lineStart = offset;
            t.head = QByteArray(int(qMin<qint64>(offset, s_headBytes)), Qt::Uninitialized);
            if (::pread(fd, t.head.data(), static_cast<size_t>(t.head.size()), 0) != t.head.size())
                t.head.clear();
        } else {
            m_pipeline->reportDiagnostic({Diagnostic::Severity::Info, QStringLiteral("tail"), t.path,
                                          QStringLiteral("not the file read last time: reading from the start"), 1});
        }
    }

    void restartTruncated(Tailed &t, qint64 size)
    {
        m_pipeline->reportDiagnostic({Diagnostic::Severity::Info, QStringLiteral("tail"), t.path,
                                      size >= 0 ? QStringLiteral("file truncated (%1 → %2 bytes): reading from the start")
                                                      .arg(t.readPos)
                                                      .arg(size)
                                                : QStringLiteral("file rewritten: reading from the start"),
                                      1});
        t.readPos = 0;
        t.lineStart = 0;
        t.partial.clear();
        t.discarded = 0;
        t.head.clear();
        readAvailable(t, true);
    }

    static bool headUnchanged(const Tailed &t)
    {
        if (t.head.isEmpty())
            return true;
        QByteArray now(t.head.size(), Qt::Uninitialized);
        const ssize_t n = ::pread(t.fd, now.data(), static_cast<size_t>(now.size()), 0);
        return n == now.size() && now == t.head;
    }

    static QByteArray fingerprint(int fd, int length)
    {
        QByteArray head(length, Qt::Uninitialized);
        const ssize_t n = length > 0 ? ::pread(fd, head.data(), static_cast<size_t>(length), 0) : 0;
        if (n != length)
            return QByteArray();
        return QCryptographicHash::hash(head, QCryptographicHash::Sha1).toHex();
    }

    QByteArray checkpoint(const Tailed &t) const
    {
        const int length = static_cast<int>(qMin<qint64>(t.lineStart, s_fingerprintBytes));
        return QByteArray::number(quint64(t.dev)) + ' ' + QByteArray::number(quint64(t.ino)) + ' '
            + QByteArray::number(t.lineStart) + ' ' + QByteArray::number(length) + ' ' + fingerprint(t.fd, length);
    }

    void readAvailable(Tailed &t, bool withCheckpoint)
    {
        if (t.fd < 0)
            return;
        bool progressed = false;
        while (true) {
            const ssize_t n = ::pread(t.fd, m_buffer.data(), static_cast<size_t>(m_buffer.size()), t.readPos);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (t.head.size() < s_headBytes && t.readPos < s_headBytes) {
                if (t.readPos == t.head.size())
                    t.head.append(m_buffer.constData(), qMin<qsizetype>(n, s_headBytes - t.readPos));
            }
            splitLines(t, QByteArrayView(m_buffer.constData(), n));
            t.readPos += n;
            progressed = true;
            if (m_batch.frames.size() >= m_config.maxBatchLines) {
                if (withCheckpoint)
                    m_batch.checkpoints.append({stateKey(t.path), checkpoint(t)});
                flushBatch();
            }
        }
        if (progressed && withCheckpoint)
            m_batch.checkpoints.append({stateKey(t.path), checkpoint(t)});
    }

    void splitLines(Tailed &t, QByteArrayView bytes)
    {
        qsizetype i = 0;
        const qint64 base = t.readPos;
        while (i < bytes.size()) {
            const char *nl = static_cast<const char *>(memchr(bytes.data() + i, '\n', bytes.size() - i));
            const qsizetype end = nl ? nl - bytes.data() : bytes.size();
            if (t.discarded > 0 || t.partial.size() + (end - i) > m_config.maxLineSize + 1) {
                t.discarded += t.partial.size() + (end - i);
                t.partial.clear();
                if (!nl)
                    return;
                reportOversized(t);
            } else if (!nl) {
                t.partial.append(bytes.data() + i, end - i);
                return;
            } else {
                QByteArray line;
                if (t.partial.isEmpty()) {
                    line = QByteArray(bytes.data() + i, end - i);
                } else {
                    line = std::move(t.partial);
                    t.partial = QByteArray();
                    line.append(bytes.data() + i, end - i);
                }
                if (line.endsWith('\r'))
                    line.chop(1);
                ++m_lines;
                if (!line.isEmpty())
                    m_batch.frames.append({std::move(line), t.path, t.lineStart});
            }
            i = end + 1;
            t.lineStart = base + i;
        }
    }

    void reportOversized(Tailed &t)
    {
        PipelineStats delta;
        ++delta.received;
        delta.reject(QStringLiteral("frame too large"));
        m_pipeline->reportSourceStats(delta);
        m_pipeline->reportDiagnostic({Diagnostic::Severity::Warning, QStringLiteral("tail"),
                                      t.path + QStringLiteral(" (byte %1)").arg(t.lineStart),
                                      QStringLiteral("a line of %1 bytes exceeds the limit of %2 bytes: skipped")
                                          .arg(t.discarded)
                                          .arg(m_config.maxLineSize),
                                      1});
        t.discarded = 0;
    }

    void startDraining(std::unique_ptr<Tailed> t)
    {
        if (t->fd < 0)
            return;
        t->drainUntilMs = QDateTime::currentMSecsSinceEpoch() + m_config.rotationGraceMs;
        m_draining.push_back(std::move(t));
    }

    // The old file of a rotation is done: its last line, even without a newline, is complete now.
    void finishDraining(Tailed &t)
    {
        readAvailable(t, false);
        if (!t.partial.isEmpty()) {
            QByteArray line = std::move(t.partial);
            if (line.endsWith('\r'))
                line.chop(1);
            ++m_lines;
            m_batch.frames.append({std::move(line), t.path, t.lineStart});
        }
        flushBatch();
        if (t.fd >= 0)
            ::close(t.fd);
        t.fd = -1;
    }

    void closeFile(Tailed &t)
    {
        flushBatch();
        if (t.fd >= 0)
            ::close(t.fd);
        t.fd = -1;
    }

    void flushBatch()
    {
        if (m_batch.frames.isEmpty() && m_batch.checkpoints.isEmpty())
            return;
        PipelineStats delta;
        delta.received = m_lines;
        delta.framed = m_batch.frames.size();
        m_lines = 0;
        m_pipeline->reportSourceStats(delta);
        RawBatch batch;
        std::swap(batch, m_batch);
        m_batch.input = MapOptions::Input::Logfile;
        if (!m_pipeline->submit(std::move(batch))) {
            PipelineStats lost;
            lost.reject(QLatin1String(IngestPipeline::s_stoppedReason), delta.framed);
            m_pipeline->reportSourceStats(lost);
        }
    }

    TailConfig m_config;
    IngestPipeline *m_pipeline;
    QTimer m_timer;
    AlertStore m_store;   // read-only: checkpoints of earlier runs
    QStringList m_patterns;
    std::map<QString, std::unique_ptr<Tailed>> m_files;
    QSet<QString> m_opened;   // paths opened at least once in this run (resume only the first time)
    std::vector<std::unique_ptr<Tailed>> m_draining;
    RawBatch m_batch {MapOptions::Input::Logfile, {}, {}};
    qint64 m_lines = 0;
    QByteArray m_buffer;
    int m_polls = 0;
    bool m_shutDown = false;
};


FileTailer::FileTailer(const TailConfig &config, IngestPipeline *pipeline, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pipeline(pipeline)
{
}

FileTailer::~FileTailer()
{
    stop();
}

QString FileTailer::stateKey(const QString &absolutePath)
{
    return QStringLiteral("tail:") + absolutePath;
}

bool FileTailer::start(QString *error)
{
    if (m_thread)
        return true;
    if (m_config.paths.isEmpty()) {
        if (error)
            *error = QStringLiteral("no file to follow");
        return false;
    }
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("fe-file-tailer"));
    m_worker = new Worker(m_config, m_pipeline);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    QString initError;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(m_worker, [worker, &initError] { initError = worker->init(); },
                              Qt::BlockingQueuedConnection);
    if (!initError.isEmpty()) {
        stop();
        if (error)
            *error = initError;
        return false;
    }
    return true;
}

void FileTailer::stop()
{
    if (!m_thread)
        return;
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(m_worker, [worker] { worker->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_worker = nullptr;
}

bool FileTailer::isRunning() const
{
    return m_thread != nullptr;
}

} // namespace fe
