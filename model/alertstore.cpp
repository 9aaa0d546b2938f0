// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"

#include "model/alerttime.h"
#include "model/columnsegment.h"
#include "model/dedupekey.h"
#include "model/factcatalog.h"
#include "model/factinterner.h"
#include "model/factwriter.h"
#include "model/filtersql.h"
#include "model/recordcodec.h"
#include "model/recordreader.h"
#include "model/schema.h"
#include "model/storefunctions.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QStringEncoder>
#include <QThread>
#include <QUrl>

#include <sqlite3.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fe {

namespace {

constexpr char s_insertAlertSql[] =
    "INSERT OR IGNORE INTO alerts(ts, profile, origin, byte_offset, received, ingested, dedupe, record) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char s_legacyDedupeSql[] = "SELECT 1 FROM alerts WHERE dedupe = ?1";
// The columns RecordReader::load() reads, after the id.
constexpr char s_recordColumns[] = "a.id, a.record, a.origin, a.byte_offset, a.received";
constexpr char s_setStateSql[] =
    "INSERT INTO state(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
// The full-text catch-up indexes this many alerts per transaction; past the backlog bound, a batch indexes at most
// s_backlogChunkRows of the excess in its own transaction.
constexpr qint64 s_indexChunkRows = 10000;
// The most of one alert's output the full-text index takes (sqlnames::ftsPartialPrefix): FTS5 keeps all of a row's
// terms in memory until the row ends, ~100 bytes each, and an attacker's 20 MiB frame of random text holds ~600k
// distinct ones.
constexpr qsizetype s_maxIndexedOutputBytes = 4 << 20;

// Where output may be cut for the index without splitting a token: the end of the last byte that no tokenizer keeps
// in a token (ASCII other than letters and digits) at or before limit; 0 when there is none.
qsizetype indexCut(const QByteArray &output, qsizetype limit)
{
    for (qsizetype i = std::min(limit, output.size()) - 1; i >= 0; --i) {
        const uchar c = uchar(output.at(i));
        if (c < 0x80 && !std::isalnum(c))
            return i + 1;
    }
    return 0;
}
// FTS5's table of pending terms: flushed as a new segment when it outgrows this (FTS5's default is 1 MB) and at
// every commit. At 1 MB a chunk of outputs made several small segments that FTS5 then merged, reading them back
// again and again: half of an index's CPU at 1M alerts went to the kernel copying those pages.
constexpr qint64 s_indexHashBytes = qint64(32) << 20;
constexpr qint64 s_backlogChunkRows = 50000;
// A store without a dictionary trains one once this many alerts are stored (or when an import hands it samples).
constexpr int s_trainingSamples = 2000;
// Only originals up to this size are kept as training samples: a dictionary learns from ordinary alerts, and a few
// huge lines would hold hundreds of MB until the training.
constexpr qsizetype s_maxSampleBytes = 64 << 10;
// The compression ratio is checked every this many alerts; below this share of the ratio the dictionary had on
// its training samples, a new one is trained from the alerts coming in now (the alerts changed: new rules, hosts).
constexpr qint64 s_ratioWindow = 100000;
constexpr double s_retrainBelow = 0.6;
constexpr char s_upsertMinuteSql[] =
    "INSERT INTO rollup_minute(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";
constexpr char s_upsertHourSql[] =
    "INSERT INTO rollup_hour(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";
constexpr char s_upsertDaySql[] =
    "INSERT INTO rollup_day(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";

qint64 floorDiv(qint64 value, qint64 divisor)
{
    qint64 q = value / divisor;
    if ((value % divisor != 0) && ((value < 0) != (divisor < 0)))
        --q;
    return q;
}

QByteArray columnBytes(sqlite3_stmt *stmt, int column)
{
    const void *data = sqlite3_column_blob(stmt, column);
    const int size = sqlite3_column_bytes(stmt, column);
    return data && size > 0 ? QByteArray(static_cast<const char *>(data), size) : QByteArray();
}

QByteArrayView columnBlob(sqlite3_stmt *stmt, int column)
{
    const void *data = sqlite3_column_blob(stmt, column);
    return QByteArrayView(static_cast<const char *>(data), data ? sqlite3_column_bytes(stmt, column) : 0);
}

// The facts of a profile into an alert's columns.
void fillFacts(const FactCatalog &catalog, quint32 profile, Alert *alert)
{
    if (profile == 0 || profile >= catalog.profileEnd())
        return;
    const auto text = [&](int column) { return QString::fromUtf8(catalog.factText(profile, column)); };
    alert->priority = Priority(std::clamp(int(catalog.value(profile, FactPriority)), 0, int(Priority::Unknown)));
    alert->severity = int(catalog.value(profile, FactSeverity));
    alert->rule = text(FactRule);
    alert->hostname = text(FactHost);
    alert->source = text(FactSource);
    alert->containerId = text(FactContainerId);
    alert->containerName = text(FactContainerName);
    alert->containerImage = text(FactImage);
    alert->podName = text(FactPod);
    alert->namespaceName = text(FactNamespace);
    alert->processName = text(FactProcess);
    alert->userName = text(FactUser);
    alert->technique = text(FactTechnique);
    alert->subtechnique = text(FactSubtechnique);
    alert->tactics = Schema::decodeList(text(FactTactics));
    alert->tags = Schema::decodeList(text(FactTags));
}

// The rollup counters of one batch, summed in memory so that a 10k batch costs a few hundred upserts.
struct RollupKey
{
    int dim;
    qint64 bucket;
    QByteArray key;   // UTF-8
    bool operator==(const RollupKey &other) const
    {
        return dim == other.dim && bucket == other.bucket && key == other.key;
    }
};

struct RollupKeyHash
{
    size_t operator()(const RollupKey &k) const noexcept { return qHashMulti(0, k.dim, k.bucket, k.key); }
};

struct RollupValue
{
    qint64 count = 0;
    qint64 lastTs = std::numeric_limits<qint64>::min();
    void add(qint64 n, qint64 ts)
    {
        count += n;
        lastTs = std::max(lastTs, ts);
    }
};

using RollupMap = std::unordered_map<RollupKey, RollupValue, RollupKeyHash>;

// A batch's rollup counters keyed by integers: the minute and the priority (the minute level keeps only the total
// and the priority), and per hour each dimension's dict id (the list dimensions by the list's id, the Mitre row by the
// tactics list and the technique). Most alerts of a batch carry a profile of their own (container ids, processes and
// rules combine), so counting per profile and expanding each into text keys cost a node and a dozen string hashes per
// alert; here an alert costs a dozen increments in an open-addressed table, and the text keys are built once per
// distinct counter (expandRollups).
class RollupCounters
{
public:
    struct Key
    {
        qint64 bucket = 0;
        quint32 dim = 0;   // RollupDim, or s_minuteDim for the minute level's (minute, priority) counter
        quint32 a = 0;
        quint32 b = 0;
        bool operator==(const Key &other) const
        {
            return bucket == other.bucket && dim == other.dim && a == other.a && b == other.b;
        }
    };
    struct Slot
    {
        Key key;
        RollupValue value;
        bool used = false;
    };
    static constexpr quint32 s_minuteDim = 0xffffffffu;

    RollupCounters() { m_slots.resize(1024); }

    void add(const Key &key, qint64 ts)
    {
        if ((m_used + 1) * 2 > m_slots.size())
            grow();
        Slot &slot = find(m_slots, key);
        if (!slot.used) {
            slot.used = true;
            slot.key = key;
            ++m_used;
        }
        slot.value.add(1, ts);
    }
    template<typename F>
    void forEach(F &&f) const
    {
        for (const Slot &slot : m_slots) {
            if (slot.used)
                f(slot.key, slot.value);
        }
    }

private:
    static size_t hash(const Key &k)
    {
        quint64 h = quint64(k.bucket) * 0x9E3779B97F4A7C15ull;
        h ^= (quint64(k.dim) << 40) ^ (quint64(k.a) * 0xC2B2AE3D27D4EB4Full) ^ (quint64(k.b) << 20);
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9ull;
        return size_t(h ^ (h >> 32));
    }
    static Slot &find(std::vector<Slot> &slots, const Key &key)
    {
        const size_t mask = slots.size() - 1;
        for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            if (!slots[i].used || slots[i].key == key)
                return slots[i];
        }
    }
    void grow()
    {
        std::vector<Slot> bigger(m_slots.size() * 2);
        for (const Slot &slot : m_slots) {
            if (slot.used)
                find(bigger, slot.key) = slot;
        }
        m_slots.swap(bigger);
    }

    std::vector<Slot> m_slots;   // a power of two, at most half full
    size_t m_used = 0;
};

// The values of a list fact ('|a|b|'): each, or the one empty value when the list is empty (the rollups count an
// alert without tactics or tags under '').
template<typename F>
void forEachListValue(const QByteArray &encoded, F &&f)
{
    bool any = false;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= encoded.size(); ++i) {
        if (i < encoded.size() && encoded[i] != '|')
            continue;
        if (i > start) {
            any = true;
            f(encoded.mid(start, i - start));
        }
        start = i + 1;
    }
    if (!any)
        f(QByteArray());
}

// The writer's WAL checkpoints, in a thread of their own. SQLite's automatic checkpoint runs inside the committing
// thread, which would then copy the frames into the database file and wait for two fdatasyncs while the ingest
// workers' queue fills up. Here the writer's commit only wakes this thread, which checkpoints PASSIVE on its
// own connection (never blocking the writer or a reader); SQLite reuses the WAL from its start once a checkpoint
// has caught up. Should the WAL still grow past s_walBlockingFrames (the checkpointer lags behind a long burst), the
// writer checkpoints PASSIVE itself, as SQLite's own hook does, so that its next transaction can reuse the WAL.
//
// After each of its checkpoints it also drops the database file's pages behind the newest keep bytes from the kernel's
// page cache (posix_fadvise DONTNEED: only pages already written back go, so nothing is lost; see
// AlertStore::setPageCacheDropBehind). A long ingest keeps growing the file, and every new page-cache page the kernel
// hands out is memory the machine has not touched for a while, far dearer on a virtual machine (a host fault) than
// a page freed a moment ago: the checkpoint, which copies each alert's pages into the file, then runs on the warm
// pages the drop freed.
class WalCheckpointer
{
public:
    static constexpr int s_walBackgroundFrames = 1000;   // SQLite's default wal_autocheckpoint
    static constexpr int s_walBlockingFrames = 4000;

    WalCheckpointer() = default;
    ~WalCheckpointer() { stop(); }
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    // Opens the checkpoint connection to path (already created, migrated and in WAL mode) and installs the commit
    // hook on the writer's connection. false: the writer keeps SQLite's automatic checkpoints.
    bool start(sqlite3 *writer, const QString &path)
    {
        sqlite3 *db = nullptr;
        if (sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr)
                != SQLITE_OK
            || sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            return false;
        }
        sqlite3_busy_timeout(db, 10000);
        m_db = db;
        m_stop = false;
        m_fileFd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);   // -1: no drop-behind
        m_thread = std::thread([this] { run(); });
        sqlite3_wal_hook(writer, &WalCheckpointer::committed, this);
        return true;
    }

    // Detach the hook from the writer first (AlertStore::close does), then stop.
    void stop()
    {
        if (!m_thread.joinable())
            return;
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
        sqlite3_close(m_db);
        m_db = nullptr;
        if (m_fileFd >= 0)
            ::close(m_fileFd);
        m_fileFd = -1;
    }

    // < 0: off.
    void setDropBehindKeep(qint64 bytes) { m_keep.store(bytes, std::memory_order_relaxed); }

    // Drops the file's pages from the page cache from where the last drop ended up to the newest keep bytes. The
    // checkpointer calls it after each checkpoint; the writer's thread after one of its own (AlertStore::optimize).
    void dropBehind()
    {
        const qint64 keep = m_keep.load(std::memory_order_relaxed);
        struct stat st;
        if (keep < 0 || m_fileFd < 0 || ::fstat(m_fileFd, &st) != 0)
            return;
        std::lock_guard lock(m_dropMutex);
        m_droppedTo = std::min<qint64>(m_droppedTo, st.st_size);   // the file shrank (VACUUM): start again there
        const qint64 end = qint64(st.st_size) - keep;
        if (end <= m_droppedTo)
            return;
        // A PASSIVE checkpoint that did not reach the WAL's end returns without syncing the file, and DONTNEED skips
        // dirty pages: the range is written out first (pages SQLite already wrote; this orders nothing SQLite needs).
        ::sync_file_range(m_fileFd, off_t(m_droppedTo), off_t(end - m_droppedTo),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
        ::posix_fadvise(m_fileFd, off_t(m_droppedTo), off_t(end - m_droppedTo), POSIX_FADV_DONTNEED);
        m_droppedTo = end;
    }

private:
    // sqlite3_wal_hook: runs in the writer's thread after each commit, frames = the WAL's length in pages.
    static int committed(void *self, sqlite3 *writer, const char *schema, int frames)
    {
        auto *checkpointer = static_cast<WalCheckpointer *>(self);
        if (frames >= s_walBlockingFrames) {
            sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        } else if (frames >= s_walBackgroundFrames) {
            {
                std::lock_guard lock(checkpointer->m_mutex);
                checkpointer->m_requested = true;
            }
            checkpointer->m_wake.notify_one();
        }
        return SQLITE_OK;   // a checkpoint that could not run now is retried after the next commit
    }

    void run()
    {
        pthread_setname_np(pthread_self(), "fe-checkpoint");
        std::unique_lock lock(m_mutex);
        while (true) {
            m_wake.wait(lock, [this] { return m_requested || m_stop; });
            if (m_stop)
                return;
            m_requested = false;
            lock.unlock();
            sqlite3_wal_checkpoint_v2(m_db, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            dropBehind();
            lock.lock();
        }
    }

    sqlite3 *m_db = nullptr;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_requested = false;   // guarded by m_mutex
    bool m_stop = false;        // guarded by m_mutex
    int m_fileFd = -1;          // the database file, read-only: the drop-behind's handle on its page cache
    std::atomic<qint64> m_keep = -1;
    std::mutex m_dropMutex;
    qint64 m_droppedTo = 0;     // guarded by m_dropMutex
};

// The document an alert built without a record is kept as: its ecsJson, with its output and command line (the columns
// the explorer shows) in the places the mapper puts them, when the document does not say.
QByteArray documentOf(const Alert &alert)
{
    const QByteArray given = alert.ecsJson.isEmpty() ? QByteArray("{}") : alert.ecsJson;
    if (alert.output.isEmpty() && alert.commandLine.isEmpty())
        return given;
    QJsonObject doc = QJsonDocument::fromJson(given).object();
    bool added = false;
    const auto place = [&](const QString &object, const QString &key, const QString &value) {
        QJsonObject inner = doc.value(object).toObject();
        if (value.isEmpty() || inner.contains(key))
            return;
        inner.insert(key, value);
        doc.insert(object, inner);
        added = true;
    };
    place(QStringLiteral("falco"), QStringLiteral("output"), alert.output);
    place(QStringLiteral("process"), QStringLiteral("command_line"), alert.commandLine);
    return added ? QJsonDocument(doc).toJson(QJsonDocument::Compact) : given;
}

// Stores may be created by any of the user's processes; the alerts in them are the user's alone.
bool createPrivately(const QString &path, QString *error)
{
    const QFileInfo info(path);
    const QString dir = info.absolutePath();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir)) {
            if (error)
                *error = QStringLiteral("%1: cannot create the directory %2").arg(path, dir);
            return false;
        }
        ::chmod(QFile::encodeName(dir).constData(), 0700);
    }
    if (!info.exists()) {
        // O_EXCL: another process creating the same store at the same moment keeps its own file.
        const int fd = ::open(QFile::encodeName(path).constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    return true;
}

} // namespace

struct AlertStore::Private
{
    sqlite3 *db = nullptr;
    QString path;
    OpenMode mode = OpenMode::ReadWrite;
    int version = 0;
    bool immutable = false;
    std::unique_ptr<WalCheckpointer> checkpointer;   // ReadWrite only
    std::unique_ptr<StoreFunctions> functions;
    std::unique_ptr<FactWriter> facts;               // ReadWrite only
    std::shared_ptr<FactInterner> interner;          // ReadWrite only
    bool factsLoaded = false;                        // facts has read the fact tables (at the first insert)
    bool indexConfigured = false;                    // the full-text index's hashsize set (indexPending())
    // Per text fact (FactColumn): interner value id → dict id (0: not known yet).
    std::array<std::vector<quint32>, FactColumnCount> internedDict;

    // The profile of facts the ingest workers interned: their value ids translated to dict ids (a text is looked up
    // once per distinct value, not once per alert), then the combination found or added.
    quint32 profileOfInterned(const std::array<quint32, FactColumnCount> &interned, QString *error)
    {
        std::array<quint32, FactColumnCount> values = interned;
        for (int c = FactIntColumns; c < FactColumnCount; ++c) {
            std::vector<quint32> &known = internedDict[size_t(c)];
            const quint32 valueId = values[size_t(c)];
            if (known.size() <= valueId)
                known.resize(size_t(valueId) + 1, 0);
            if (known[valueId] == 0) {
                known[valueId] = facts->dictId(c, interner->value(c, valueId), error);
                if (known[valueId] == 0)
                    return 0;
            }
            values[size_t(c)] = known[valueId];
        }
        return facts->profileForIds(values, error);
    }
    void forgetInterned()
    {
        for (std::vector<quint32> &known : internedDict)
            known.clear();
    }
    bool hasLegacyDedupe = false;   // pre-v4 rows with bare dedupe keys exist (model/dedupekey.h)
    qint64 legacyDedupeMaxTs = 0;   // ... the newest of their times
    qint64 indexBacklogLimit = 0;   // setIndexBacklogLimit(); 0: none
    qint64 pageCacheKeep = -1;   // setPageCacheDropBehind(); -1: off
    qint64 segmentEnd = -1;      // the last alert id in a column block; -1: not read yet

    // Dictionary training (a store with none yet): originals of the first alerts, and the ids stored meanwhile.
    std::vector<QByteArray> samples;
    std::vector<qint64> unTrainedIds;
    // The active dictionary's ratio on its training samples, and what the alerts stored since compressed to.
    double trainedRatio = 0;
    qint64 ratioOriginal = 0;
    qint64 ratioStored = 0;
    qint64 ratioAlerts = 0;

    // Prepared statements, cached per connection by SQL text. A statement in use (a nested call from a
    // forEachDocument callback, say) is not handed out twice: the second user gets a fresh one.
    struct Cached
    {
        sqlite3_stmt *stmt = nullptr;
        bool inUse = false;
    };
    std::unordered_map<std::string, Cached> cache;

    class Statement
    {
    public:
        Statement(Private *owner, const std::string &sql)
        {
            auto it = owner->cache.find(sql);
            if (it != owner->cache.end() && !it->second.inUse) {
                m_cached = &it->second;
                m_cached->inUse = true;
                m_stmt = m_cached->stmt;
                return;
            }
            const unsigned flags = it == owner->cache.end() ? SQLITE_PREPARE_PERSISTENT : 0;
            if (sqlite3_prepare_v3(owner->db, sql.c_str(), int(sql.size()), flags, &m_stmt, nullptr) != SQLITE_OK) {
                m_error = QString::fromUtf8(sqlite3_errmsg(owner->db));
                m_stmt = nullptr;
                return;
            }
            if (it == owner->cache.end()) {
                m_cached = &owner->cache.emplace(sql, Cached{m_stmt, true}).first->second;
            }
        }
        ~Statement()
        {
            if (!m_stmt)
                return;
            if (m_cached) {
                sqlite3_reset(m_stmt);
                sqlite3_clear_bindings(m_stmt);
                m_cached->inUse = false;
            } else {
                sqlite3_finalize(m_stmt);
            }
        }
        Statement(const Statement &) = delete;
        Statement &operator=(const Statement &) = delete;

        sqlite3_stmt *get() const { return m_stmt; }
        explicit operator bool() const { return m_stmt != nullptr; }
        QString error() const { return m_error; }
        void reset() const
        {
            sqlite3_reset(m_stmt);
            sqlite3_clear_bindings(m_stmt);
        }

    private:
        Cached *m_cached = nullptr;
        sqlite3_stmt *m_stmt = nullptr;
        QString m_error;
    };

    QString lastError() const { return QString::fromUtf8(sqlite3_errmsg(db)); }

    bool exec(const char *sql, QString *error = nullptr) const
    {
        char *message = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK)
            return true;
        if (error)
            *error = message ? QString::fromUtf8(message) : lastError();
        sqlite3_free(message);
        return false;
    }

    void clearCache()
    {
        for (auto &entry : cache)
            sqlite3_finalize(entry.second.stmt);
        cache.clear();
    }

    RecordCodec &codec() { return functions->reader().codec(); }
    bool flushRollups(const RollupMap &map, const char *sql, QString *error);
    qint64 indexOutputs(qint64 maxRows, QString *error);
    // The full-text index's watermark: outputs with id <= it are indexed.
    qint64 indexedThrough(bool *ok)
    {
        return scalar("SELECT coalesce((SELECT value FROM state WHERE key = 'fe.fts_indexed'), 0)", {}, ok);
    }
    qint64 scalar(const char *sql, std::initializer_list<qint64> params, bool *ok);
    qint64 countRange(qint64 fromMs, qint64 toMs, bool *ok);
    bool appendColumnSegments(qint64 lastId, QString *error);
    // In the caller's transaction: a new dictionary from samples; its id (0: none could be trained) or -1 + error.
    int storeDictionary(const std::vector<QByteArrayView> &samples, QByteArray *dictionary, double *ratio,
                        QString *error);
    bool activateTrained(int id, const QByteArray &dictionary, double ratio);
    bool loadActiveDictionary(QString *error);
};

qint64 AlertStore::Private::scalar(const char *sql, std::initializer_list<qint64> params, bool *ok)
{
    Statement stmt(this, sql);
    if (!stmt) {
        *ok = false;
        return 0;
    }
    int index = 1;
    for (qint64 value : params)
        sqlite3_bind_int64(stmt.get(), index++, value);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        *ok = false;
        return 0;
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

// Alerts with fromMs <= ts < toMs from the total rollup (dim 0): days for the whole days, hours and minutes for the
// partial days and hours, the base table (through alerts_ts) for the sub-minute edges (RollupSlices). Exact, and
// independent of the range's size.
qint64 AlertStore::Private::countRange(qint64 fromMs, qint64 toMs, bool *ok)
{
    // The range stays within a window (twice the times an alert may carry, model/alerttime.h) where the slice
    // arithmetic cannot overflow; only a store written before the writer replaced out-of-range times has rows outside.
    const bool openFrom = fromMs == std::numeric_limits<qint64>::min();
    const bool openTo = toMs == std::numeric_limits<qint64>::max();
    fromMs = std::max(fromMs, -kMaxAlertTimeMs);
    toMs = std::min(toMs, kMaxAlertTimeMs + 1);
    if (openFrom)
        fromMs = scalar("SELECT coalesce(min(ts), 0) FROM alerts WHERE ts >= ?1", {fromMs}, ok);
    if (openTo)
        toMs = scalar("SELECT coalesce(max(ts), -1) + 1 FROM alerts WHERE ts < ?1", {toMs}, ok);
    if (!*ok || toMs <= fromMs)
        return 0;
    const RollupSlices r = RollupSlices::plan(db, fromMs, toMs);
    static const char base[] = "SELECT count(*) FROM alerts WHERE ts >= ?1 AND ts < ?2";
    static const char minutes[] =
        "SELECT coalesce(sum(cnt), 0) FROM rollup_minute WHERE dim = 0 AND bucket >= ?1 AND bucket < ?2";
    static const char hours[] =
        "SELECT coalesce(sum(cnt), 0) FROM rollup_hour WHERE dim = 0 AND bucket >= ?1 AND bucket < ?2";
    static const char days[] =
        "SELECT coalesce(sum(cnt), 0) FROM rollup_day WHERE dim = 0 AND bucket >= ?1 AND bucket < ?2";
    qint64 n = 0;
    if (r.m0 > r.from)
        n += scalar(base, {r.from, r.m0}, ok);
    if (r.to > r.m1)
        n += scalar(base, {r.m1, r.to}, ok);
    if (r.h0 > r.m0)
        n += scalar(minutes, {r.m0 / MinuteMs, r.h0 / MinuteMs}, ok);
    if (r.m1 > r.h1)
        n += scalar(minutes, {r.h1 / MinuteMs, r.m1 / MinuteMs}, ok);
    if (r.d0 > r.h0)
        n += scalar(hours, {r.h0 / HourMs, r.d0 / HourMs}, ok);
    if (r.h1 > r.d1)
        n += scalar(hours, {r.d1 / HourMs, r.h1 / HourMs}, ok);
    if (r.d1 > r.d0)
        n += scalar(days, {r.d0 / DayMs, r.d1 / DayMs}, ok);
    return n;
}

// Indexes up to maxRows outputs above the watermark, oldest first, in the caller's transaction; the count or -1.
// The index is contentless: the outputs come from the records, through the mapper.
qint64 AlertStore::Private::indexOutputs(qint64 maxRows, QString *error)
{
    bool ok = true;
    const qint64 indexed = indexedThrough(&ok);
    Statement rows(this, "SELECT a.id, a.record, a.origin, a.byte_offset, a.received FROM alerts a WHERE a.id > ?1 "
                         "ORDER BY a.id LIMIT ?2");
    Statement insert(this, "INSERT INTO alert_fts(rowid, output) VALUES(?1, ?2)");
    Statement mark(this, s_setStateSql);
    if (!ok || !rows || !insert || !mark) {
        if (error)
            *error = !rows ? rows.error() : !insert ? insert.error() : !mark ? mark.error() : lastError();
        return -1;
    }
    sqlite3_bind_int64(rows.get(), 1, indexed);
    sqlite3_bind_int64(rows.get(), 2, maxRows);
    RecordReader &reader = functions->reader();
    qint64 count = 0;
    qint64 last = indexed;
    int rc;
    StoredRecord record;
    while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
        last = sqlite3_column_int64(rows.get(), 0);
        ++count;
        // A damaged record has no output to index; searches report nothing for it, as for an empty output.
        if (!reader.load(last, rows.get(), 1, &record))
            continue;
        QByteArray output = reader.outputUtf8(record);
        if (output.isEmpty())
            continue;
        if (output.size() > s_maxIndexedOutputBytes) {
            output.truncate(indexCut(output, s_maxIndexedOutputBytes));
            const QByteArray key = sqlnames::ftsPartialPrefix + QByteArray::number(last);
            sqlite3_bind_text(mark.get(), 1, key.constData(), int(key.size()), SQLITE_TRANSIENT);
            sqlite3_bind_int64(mark.get(), 2, 1);
            const int marked = sqlite3_step(mark.get());
            sqlite3_reset(mark.get());
            if (marked != SQLITE_DONE) {
                if (error)
                    *error = lastError();
                return -1;
            }
            if (output.isEmpty())
                continue;
        }
        sqlite3_bind_int64(insert.get(), 1, last);
        sqlite3_bind_text(insert.get(), 2, output.constData(), int(output.size()), SQLITE_STATIC);
        const int step = sqlite3_step(insert.get());
        sqlite3_reset(insert.get());
        if (step != SQLITE_DONE) {
            if (error)
                *error = lastError();
            return -1;
        }
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = lastError();
        return -1;
    }
    if (count == 0)
        return 0;
    sqlite3_bind_text(mark.get(), 1, sqlnames::ftsIndexedKey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(mark.get(), 2, last);
    if (sqlite3_step(mark.get()) != SQLITE_DONE) {
        if (error)
            *error = lastError();
        return -1;
    }
    return count;
}

// Appends the column blocks that the alerts up to lastId complete, in the caller's transaction.
bool AlertStore::Private::appendColumnSegments(qint64 lastId, QString *error)
{
    if (segmentEnd < 0) {
        Statement newest(this, "SELECT data FROM colseg ORDER BY first_id DESC LIMIT 1");
        if (!newest) {
            if (error)
                *error = newest.error();
            return false;
        }
        segmentEnd = 0;
        if (sqlite3_step(newest.get()) == SQLITE_ROW) {
            ColumnSegment last;
            if (!last.decode(columnBlob(newest.get(), 0), error))
                return false;
            segmentEnd = last.ids.empty() ? 0 : last.ids.back();
        }
    }
    Statement rows(this, "SELECT id, ts, profile FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2");
    // Another process writing the same store may have written this block already (the same rows, so the same block).
    Statement insert(this, "INSERT OR IGNORE INTO colseg(first_id, rows, data) VALUES(?1, ?2, ?3)");
    if (!rows || !insert) {
        if (error)
            *error = rows ? insert.error() : rows.error();
        return false;
    }
    // Ids are dense (rows are never deleted), so the distance to lastId is the number of rows beyond the blocks;
    // were they not, a block would only be written a little later.
    while (lastId - segmentEnd >= ColumnSegment::SegmentRows) {
        ColumnSegment segment;
        segment.ids.reserve(ColumnSegment::SegmentRows);
        segment.timestamps.reserve(ColumnSegment::SegmentRows);
        segment.profiles.reserve(ColumnSegment::SegmentRows);
        sqlite3_bind_int64(rows.get(), 1, segmentEnd);
        sqlite3_bind_int64(rows.get(), 2, ColumnSegment::SegmentRows);
        int rc;
        while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
            segment.ids.push_back(sqlite3_column_int64(rows.get(), 0));
            segment.timestamps.push_back(sqlite3_column_int64(rows.get(), 1));
            segment.profiles.push_back(quint32(sqlite3_column_int64(rows.get(), 2)));
        }
        rows.reset();
        if (rc != SQLITE_DONE || qint64(segment.ids.size()) < ColumnSegment::SegmentRows) {
            if (rc != SQLITE_DONE && error)
                *error = lastError();
            return rc == SQLITE_DONE;
        }
        const QByteArray data = segment.encode();
        sqlite3_bind_int64(insert.get(), 1, segment.ids.front());
        sqlite3_bind_int64(insert.get(), 2, qint64(segment.ids.size()));
        sqlite3_bind_blob(insert.get(), 3, data.constData(), int(data.size()), SQLITE_STATIC);
        const int step = sqlite3_step(insert.get());
        insert.reset();
        if (step != SQLITE_DONE) {
            if (error)
                *error = lastError();
            return false;
        }
        segmentEnd = segment.ids.back();
    }
    return true;
}

int AlertStore::Private::storeDictionary(const std::vector<QByteArrayView> &samples, QByteArray *dictionary,
                                         double *ratio, QString *error)
{
    *dictionary = RecordCodec::train(samples);
    if (dictionary->isEmpty())
        return 0;
    // The ratio on the samples themselves: what later alerts are compared with.
    RecordCodec probe;
    probe.addDictionary(1, *dictionary);
    probe.setActiveDictionary(1);
    qint64 original = 0;
    qint64 stored = 0;
    QByteArray record;
    for (QByteArrayView sample : samples) {
        record.clear();
        probe.compress(sample, &record);
        original += sample.size();
        stored += record.size();
    }
    *ratio = stored > 0 ? double(original) / double(stored) : 0;
    bool ok = true;
    // Never an id a dictionary of a rolled-back transaction had: the codec may know that one.
    int id = int(scalar("SELECT coalesce(max(id), 0) + 1 FROM zdict", {}, &ok));
    while (codec().hasDictionary(id))
        ++id;
    Statement insert(this, "INSERT INTO zdict(id, created, samples, ratio, data) VALUES(?1, ?2, ?3, ?4, ?5)");
    if (!ok || !insert) {
        if (error)
            *error = lastError();
        return -1;
    }
    sqlite3_bind_int(insert.get(), 1, id);
    sqlite3_bind_int64(insert.get(), 2, QDateTime::currentMSecsSinceEpoch());
    sqlite3_bind_int64(insert.get(), 3, qint64(samples.size()));
    sqlite3_bind_double(insert.get(), 4, *ratio);
    sqlite3_bind_blob(insert.get(), 5, dictionary->constData(), int(dictionary->size()), SQLITE_STATIC);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        if (error)
            *error = lastError();
        return -1;
    }
    // Known for compression within this transaction; active only once committed (see activateTrained).
    if (!codec().addDictionary(id, *dictionary, error))
        return -1;
    return id;
}

bool AlertStore::Private::activateTrained(int id, const QByteArray &dictionary, double ratio)
{
    if (id <= 0 || (!codec().hasDictionary(id) && !codec().addDictionary(id, dictionary)))
        return false;
    codec().setActiveDictionary(id);
    trainedRatio = ratio;
    ratioOriginal = ratioStored = ratioAlerts = 0;
    samples.clear();
    unTrainedIds.clear();
    return true;
}

bool AlertStore::Private::loadActiveDictionary(QString *error)
{
    if (!functions->reader().loadDictionaries(error))
        return false;
    Statement newest(this, "SELECT id, ratio FROM zdict ORDER BY id DESC LIMIT 1");
    if (!newest) {
        if (error)
            *error = newest.error();
        return false;
    }
    if (sqlite3_step(newest.get()) == SQLITE_ROW) {
        codec().setActiveDictionary(sqlite3_column_int(newest.get(), 0));
        trainedRatio = sqlite3_column_double(newest.get(), 1);
    }
    return true;
}

bool AlertStore::Private::flushRollups(const RollupMap &map, const char *sql, QString *error)
{
    Statement upsert(this, sql);
    if (!upsert) {
        if (error)
            *error = upsert.error();
        return false;
    }
    // In primary-key order: consecutive upserts land on the same or the next b-tree page.
    std::vector<const RollupMap::value_type *> order;
    order.reserve(map.size());
    for (const RollupMap::value_type &entry : map)
        order.push_back(&entry);
    std::sort(order.begin(), order.end(), [](const RollupMap::value_type *a, const RollupMap::value_type *b) {
        if (a->first.dim != b->first.dim)
            return a->first.dim < b->first.dim;
        if (a->first.bucket != b->first.bucket)
            return a->first.bucket < b->first.bucket;
        return a->first.key < b->first.key;
    });
    sqlite3_stmt *stmt = upsert.get();
    for (const RollupMap::value_type *entry : order) {
        const QByteArray &key = entry->first.key;
        sqlite3_bind_int(stmt, 1, entry->first.dim);
        sqlite3_bind_int64(stmt, 2, entry->first.bucket);
        sqlite3_bind_text(stmt, 3, key.constData(), int(key.size()), SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, entry->second.count);
        sqlite3_bind_int64(stmt, 5, entry->second.lastTs);
        const int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE) {
            if (error)
                *error = QStringLiteral("rollup update failed: %1").arg(lastError());
            return false;
        }
    }
    return true;
}

AlertStore::AlertStore()
    : d(std::make_unique<Private>())
{
}

AlertStore::~AlertStore()
{
    close();
}

bool AlertStore::open(const QString &path, OpenMode mode, QString *error, const MigrationProgress &progress)
{
    close();
    if (path.isEmpty()) {
        if (error)
            *error = QStringLiteral("no database path given");
        return false;
    }
    const bool readOnly = mode == OpenMode::ReadOnly;
    if (readOnly && !QFileInfo::exists(path)) {
        if (error)
            *error = QStringLiteral("%1: no such alert store").arg(path);
        return false;
    }
    if (!readOnly && !createPrivately(path, error))
        return false;
    sqlite3 *db = nullptr;
    bool immutable = false;
    QString why;
    const auto connect = [&](bool asImmutable) {
        sqlite3_close(db);
        db = nullptr;
        int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
        QByteArray name = QFile::encodeName(path);
        if (asImmutable) {
            // A store on read-only media or in a read-only directory: SQLite cannot create the WAL's shared-memory
            // file beside it. Read as an unchanging file.
            name = QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toEncoded() + "?immutable=1";
            flags |= SQLITE_OPEN_URI;
        }
        const int rc = sqlite3_open_v2(name.constData(), &db, flags, nullptr);
        if (rc != SQLITE_OK) {
            why = QStringLiteral("cannot open: %1")
                      .arg(db ? QString::fromUtf8(sqlite3_errmsg(db)) : QString::fromUtf8(sqlite3_errstr(rc)));
            return false;
        }
        sqlite3_extended_result_codes(db, 1);
        return Schema::configure(db, readOnly, &why)
            && (readOnly ? Schema::checkReadable(db, &why) : Schema::migrate(db, &why, -1, progress));
    };
    bool ready = connect(false);
    if (!ready && readOnly) {
        const QString first = why;
        immutable = connect(true);
        ready = immutable;
        if (!ready)
            why = first;
    }
    if (!ready) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, why);
        sqlite3_close(db);
        return false;
    }
    d->db = db;
    d->path = path;
    d->mode = mode;
    d->immutable = immutable;
    d->version = Schema::version(db);
    d->functions = std::make_unique<StoreFunctions>(db, FactCatalog::acquire(path));
    if (!d->functions->install(&why)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, why);
        close();
        return false;
    }
    if (!readOnly) {
        // The fact tables are read at the first insert (insert()): a 10M-alert store holds ~320k profiles, ~0.9 s to
        // load, and most read-write opens never insert (the GUI's opener, a triage change, the text indexer).
        d->facts = std::make_unique<FactWriter>();
        d->factsLoaded = false;
        d->interner = std::make_shared<FactInterner>();
        d->forgetInterned();
        if (!d->loadActiveDictionary(&why)) {
            // New records would be compressed with it: no writing. What can still be read, can be read read-only.
            if (error)
                *error = QStringLiteral("%1: %2; nothing can be added to this store, open it read-only to read it")
                             .arg(path, why);
            close();
            return false;
        }
        // Pre-v4 rows with bare dedupe keys: the newest of their times (model/dedupekey.h); no row when there are none.
        bool found = true;
        d->legacyDedupeMaxTs = d->scalar(
            "SELECT value FROM state WHERE key = 'fe.dedupe_legacy_max_ts' AND value IS NOT NULL", {}, &found);
        d->hasLegacyDedupe = found;
        // A converted store (or one whose writer stopped between a commit and its blocks) gets the column blocks it
        // lacks now, so that readers load it in bulk; failing that, the next insert tries again.
        bool haveMax = true;
        const qint64 maxId = d->scalar("SELECT max(id) FROM alerts", {}, &haveMax);
        if (haveMax && maxId >= ColumnSegment::SegmentRows && d->exec("BEGIN IMMEDIATE")) {
            QString segmentError;
            if (d->appendColumnSegments(maxId, &segmentError))
                d->exec("COMMIT");
            else
                d->exec("ROLLBACK");
        }
        d->checkpointer = std::make_unique<WalCheckpointer>();
        if (!d->checkpointer->start(db, path))
            d->checkpointer.reset();   // SQLite's automatic checkpoints stay on (and the page cache keeps it all)
        else
            d->checkpointer->setDropBehindKeep(d->pageCacheKeep);
    }
    return true;
}

void AlertStore::close()
{
    if (!d->db)
        return;
    if (d->checkpointer) {
        sqlite3_wal_autocheckpoint(d->db, WalCheckpointer::s_walBackgroundFrames);   // replaces (removes) the hook
        d->checkpointer.reset();
    }
    d->clearCache();
    d->facts.reset();
    d->interner.reset();
    d->forgetInterned();
    d->functions.reset();
    sqlite3_close(d->db);
    d->db = nullptr;
    d->path.clear();
    d->version = 0;
    d->immutable = false;
    d->hasLegacyDedupe = false;
    d->legacyDedupeMaxTs = 0;
    d->segmentEnd = -1;
    d->samples.clear();
    d->unTrainedIds.clear();
    d->trainedRatio = 0;
    d->ratioOriginal = d->ratioStored = d->ratioAlerts = 0;
}

bool AlertStore::isOpen() const
{
    return d->db != nullptr;
}

QString AlertStore::path() const
{
    return d->path;
}

int AlertStore::schemaVersion() const
{
    return d->version;
}

bool AlertStore::isImmutable() const
{
    return d->immutable;
}

QString AlertStore::defaultPath()
{
    // $XDG_DATA_HOME/falco-explorer (~/.local/share/falco-explorer), whatever the application's org/name are:
    // the CLI, the GUI and the docs agree on one place.
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    const QString dir = base + QStringLiteral("/falco-explorer");
    if (!QFileInfo::exists(dir) && QDir().mkpath(dir))
        ::chmod(QFile::encodeName(dir).constData(), 0700);
    return dir + QStringLiteral("/alerts.db");
}

std::shared_ptr<RecordCodec> AlertStore::codec() const
{
    return d->functions ? d->functions->reader().sharedCodec() : nullptr;
}

std::shared_ptr<FactInterner> AlertStore::interner() const
{
    return d->interner;
}

std::shared_ptr<FactCatalog> AlertStore::facts() const
{
    if (!d->functions)
        return nullptr;
    d->functions->catalog().refresh(d->db);
    return d->functions->sharedCatalog();
}

StoreFunctions &AlertStore::functions() const
{
    Q_ASSERT(d->functions);
    return *d->functions;
}

bool AlertStore::trainDictionary(const std::vector<QByteArrayView> &samples, QString *error)
{
    if (!d->db || d->mode != OpenMode::ReadWrite) {
        if (error)
            *error = QStringLiteral("the alert store is not open for writing");
        return false;
    }
    if (d->codec().activeDictionary() > 0)
        return true;
    if (!d->exec("BEGIN IMMEDIATE", error))
        return false;
    bool ok = true;
    // Another process may have trained one meanwhile: that one is the store's.
    if (d->scalar("SELECT count(*) FROM zdict", {}, &ok) > 0 || !ok) {
        d->exec("ROLLBACK");
        return ok && d->loadActiveDictionary(error);
    }
    QByteArray dictionary;
    double ratio = 0;
    const int id = d->storeDictionary(samples, &dictionary, &ratio, error);
    if (id <= 0 || !d->exec("COMMIT", error)) {
        d->exec("ROLLBACK");
        return false;
    }
    return d->activateTrained(id, dictionary, ratio);
}

InsertResult AlertStore::insert(const AlertBatch &batch, QString *error)
{
    return insert(QVector<AlertBatch>{batch}, error);
}

InsertResult AlertStore::insert(const QVector<AlertBatch> &batches, QString *error)
{
    InsertResult result;
    if (!d->db || d->mode != OpenMode::ReadWrite) {
        if (error)
            *error = QStringLiteral("the alert store is not open for writing");
        return result;
    }
    qsizetype total = 0;
    for (const AlertBatch &batch : batches)
        total += batch.size();
    if (total == 0)
        return result;

    QString why;
    if (!d->exec("BEGIN IMMEDIATE", &why)) {
        if (error)
            *error = QStringLiteral("cannot start a transaction: %1").arg(why);
        return result;
    }
    if (!d->factsLoaded) {
        // Inside the write transaction: what another writer added before it is there.
        if (!d->facts->load(d->db, &why)) {
            d->exec("ROLLBACK");
            if (error)
                *error = QStringLiteral("cannot read the store's facts: %1").arg(why);
            return result;
        }
        d->factsLoaded = true;
    }
    // secure_delete (on in Debian's build) zeroes every b-tree page SQLite rebuilds and every cell it frees: with 64 KB
    // pages, the page splits and rollup updates of a batch zeroed ~5 KB per alert (callgrind: 6% of the writer's
    // instructions). An insert deletes nothing a user stored (it frees only cells it moves or overwrites: rollup
    // counters), so it runs without; the connection's setting is back for anything else (deletes) once it ends.
    struct SecureDeleteOff
    {
        Private *d;
        qint64 setting = 0;
        explicit SecureDeleteOff(Private *owner)
            : d(owner)
        {
            bool ok = true;
            setting = d->scalar("PRAGMA secure_delete", {}, &ok);
            if (ok && setting != 0)
                d->exec("PRAGMA secure_delete=0");
            else
                setting = 0;
        }
        ~SecureDeleteOff()
        {
            if (setting != 0)
                d->exec(setting == 2 ? "PRAGMA secure_delete=FAST" : "PRAGMA secure_delete=1");
        }
        SecureDeleteOff(const SecureDeleteOff &) = delete;
        SecureDeleteOff &operator=(const SecureDeleteOff &) = delete;
    } secureDeleteOff(d.get());
    auto fail = [&](const QString &text) {
        d->exec("ROLLBACK");
        // The values and profiles this transaction added are gone with it: read again at the next insert.
        d->factsLoaded = false;
        d->forgetInterned();
        if (error)
            *error = text;
        return InsertResult{};
    };

    Private::Statement insertAlert(d.get(), s_insertAlertSql);
    Private::Statement legacyLookup(d.get(), s_legacyDedupeSql);
    for (const Private::Statement *s : {&insertAlert, &legacyLookup}) {
        if (!*s)
            return fail(QStringLiteral("cannot prepare the insert: %1").arg(s->error()));
    }
    sqlite3_stmt *alertStmt = insertAlert.get();
    sqlite3_stmt *legacyStmt = legacyLookup.get();
    QByteArray dedupe;
    dedupe.reserve(DedupeKey::PrefixSize + 80);
    QByteArray fallbackRecord;
    static const AlertOrigin s_documentOrigin{AlertOrigin::Kind::Document, QString(), QString()};
    RecordCodec &codec = d->codec();
    const int activeDictionary = codec.activeDictionary();
    const bool training = activeDictionary == 0;
    QByteArray original;

    const qint64 ingested = QDateTime::currentMSecsSinceEpoch();
    RollupCounters counters;

    for (const AlertBatch &batch : batches)
    for (const Alert &alert : batch) {
        const int priority = std::clamp(int(alert.priority), 0, int(Priority::Unknown));
        // The mapper falls back from a time an alert may not carry (model/alerttime.h); one that still reaches the
        // store (another producer, an old converter) would poison the rollups and every range: replaced by read time.
        const qint64 ts = alertTimeInRange(alert.timestampMs) ? alert.timestampMs
            : alert.receivedMs > 0 && alertTimeInRange(alert.receivedMs) ? alert.receivedMs : ingested;
        // The ingest workers compute the stored key (DedupeKey::appendStorageKey) off the writer's thread.
        const QByteArray *storedKey = &alert.dedupeStorageKey;
        if (storedKey->isEmpty()) {
            dedupe.clear();
            DedupeKey::appendStorageKey(dedupe, alert);
            storedKey = &dedupe;
        }
        if (d->hasLegacyDedupe && (alert.timeIsReceipt || ts <= d->legacyDedupeMaxTs)) {
            // It could duplicate an alert stored before v4, under its bare key.
            const QByteArray logical = DedupeKey::logicalKey(*storedKey);
            sqlite3_bind_blob(legacyStmt, 1, logical.constData(), int(logical.size()), SQLITE_STATIC);
            const int found = sqlite3_step(legacyStmt);
            sqlite3_reset(legacyStmt);
            if (found == SQLITE_ROW) {
                ++result.duplicates;
                continue;
            }
            if (found != SQLITE_DONE)
                return fail(QStringLiteral("cannot look up a duplicate: %1").arg(d->lastError()));
        }
        // An alert built without a record (tests, tools) keeps its document as its record.
        const bool hasRecord = !alert.record.isEmpty();
        if (!hasRecord) {
            fallbackRecord.clear();
            codec.compress(documentOf(alert), &fallbackRecord);
        }
        const QByteArray &record = hasRecord ? alert.record : fallbackRecord;
        quint32 profile = 0;
        if (d->interner && alert.internedFacts[FactIntColumns] != 0) {
            // The ingest workers interned the alert's facts.
            profile = d->profileOfInterned(alert.internedFacts, &why);
        } else {
            profile = d->facts->profileFor(alert, &why);
        }
        const qint64 origin = profile ? d->facts->originFor(hasRecord ? alert.origin : s_documentOrigin, &why) : 0;
        if (profile == 0 || origin == 0)
            return fail(why);
        sqlite3_bind_int64(alertStmt, 1, ts);
        sqlite3_bind_int64(alertStmt, 2, profile);
        sqlite3_bind_int64(alertStmt, 3, origin);
        if (hasRecord && alert.offset >= 0)
            sqlite3_bind_int64(alertStmt, 4, alert.offset);
        else
            sqlite3_bind_null(alertStmt, 4);
        sqlite3_bind_int64(alertStmt, 5, hasRecord && alert.receivedMs > 0 ? alert.receivedMs : ingested);
        sqlite3_bind_int64(alertStmt, 6, ingested);
        sqlite3_bind_blob(alertStmt, 7, storedKey->constData(), int(storedKey->size()), SQLITE_STATIC);
        sqlite3_bind_blob(alertStmt, 8, record.constData(), int(record.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(alertStmt);
        sqlite3_reset(alertStmt);
        if (rc != SQLITE_DONE)
            return fail(QStringLiteral("cannot store an alert: %1").arg(d->lastError()));
        if (sqlite3_changes(d->db) == 0) {
            ++result.duplicates;
            continue;
        }
        const qint64 id = sqlite3_last_insert_rowid(d->db);
        if (result.firstId == 0)
            result.firstId = id;
        result.lastId = id;
        ++result.stored;
        if (training) {
            d->unTrainedIds.push_back(id);
            if (d->samples.size() < size_t(s_trainingSamples) && alert.originalSize <= s_maxSampleBytes
                && codec.decompress(record, &original))
                d->samples.push_back(original);
        } else if (alert.originalSize > 0 && RecordCodec::dictionaryOf(record) == activeDictionary) {
            d->ratioOriginal += alert.originalSize;
            d->ratioStored += record.size();
            ++d->ratioAlerts;
            if (d->samples.size() < size_t(s_trainingSamples) && d->ratioAlerts > s_ratioWindow - s_trainingSamples
                && alert.originalSize <= s_maxSampleBytes && codec.decompress(record, &original))
                d->samples.push_back(original);
        }

        counters.add({floorDiv(ts, MinuteMs), RollupCounters::s_minuteDim, quint32(priority), 0}, ts);
        const std::array<quint32, FactColumnCount> &facts = d->facts->profileValues(profile);
        const qint64 hour = floorDiv(ts, HourMs);
        const auto count = [&](RollupDim dim, quint32 a, quint32 b = 0) { counters.add({hour, quint32(dim), a, b}, ts); };
        count(RollupDim::Total, 0);
        count(RollupDim::Priority, facts[FactPriority]);
        count(RollupDim::Rule, facts[FactRule]);
        count(RollupDim::Host, facts[FactHost]);
        count(RollupDim::Pod, facts[FactPod]);
        count(RollupDim::Source, facts[FactSource]);
        count(RollupDim::Technique, facts[FactTechnique]);
        count(RollupDim::Image, facts[FactImage]);
        count(RollupDim::Namespace, facts[FactNamespace]);
        count(RollupDim::Tactic, facts[FactTactics]);
        count(RollupDim::Mitre, facts[FactTactics], facts[FactTechnique]);
        count(RollupDim::Tag, facts[FactTags]);
    }

    // Minutes for the total and the priority only (schema v3), hours for every dimension; days are summed from hours.
    RollupMap minutes;
    RollupMap hours;
    static const QByteArray priorityKeys[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8"};
    static const QByteArray noKey;   // the key of the total, and of an alert without tactics or tags
    counters.forEach([&](const RollupCounters::Key &key, const RollupValue &value) {
        const auto add = [&](RollupMap &map, RollupDim dim, const QByteArray &text) {
            map[RollupKey{int(dim), key.bucket, text}].add(value.count, value.lastTs);
        };
        const QByteArray &priorityKey = priorityKeys[std::min<quint32>(key.a, quint32(Priority::Unknown))];
        if (key.dim == RollupCounters::s_minuteDim) {
            add(minutes, RollupDim::Total, noKey);
            add(minutes, RollupDim::Priority, priorityKey);
            return;
        }
        const RollupDim dim = RollupDim(key.dim);
        switch (dim) {
        case RollupDim::Total:
            add(hours, dim, noKey);
            break;
        case RollupDim::Priority:
            add(hours, dim, priorityKey);
            break;
        // One tactic row and one Mitre row (tactic + '\t' + technique) per tactic, the empty tactic when none; one
        // tag row per tag, the empty tag when none.
        case RollupDim::Tactic:
        case RollupDim::Tag:
            forEachListValue(d->facts->text(key.a), [&](const QByteArray &value) { add(hours, dim, value); });
            break;
        case RollupDim::Mitre: {
            const QByteArray &technique = d->facts->text(key.b);
            forEachListValue(d->facts->text(key.a),
                             [&](const QByteArray &tactic) { add(hours, dim, tactic + '\t' + technique); });
            break;
        }
        default:
            add(hours, dim, d->facts->text(key.a));
            break;
        }
    });

    RollupMap days;
    days.reserve(hours.size() / 8 + 16);
    for (const RollupMap::value_type &entry : hours) {
        RollupValue &value = days[RollupKey{entry.first.dim, floorDiv(entry.first.bucket * HourMs, DayMs),
                                            entry.first.key}];
        value.count += entry.second.count;
        value.lastTs = std::max(value.lastTs, entry.second.lastTs);
    }
    if (!d->flushRollups(minutes, s_upsertMinuteSql, &why) || !d->flushRollups(hours, s_upsertHourSql, &why)
        || !d->flushRollups(days, s_upsertDaySql, &why))
        return fail(why);
    if (result.stored > 0 && !d->appendColumnSegments(result.lastId, &why))
        return fail(QStringLiteral("cannot store the column blocks: %1").arg(why));
    if (result.stored > 0 && d->indexBacklogLimit > 0) {
        // Ids are dense (rows are never deleted), so the backlog is the distance from the watermark to the last id;
        // were they not, this would overestimate it and index a little early. At most one chunk per batch: a store
        // opened with a far larger backlog (an import not indexed yet) comes down over several batches, not in one
        // long transaction.
        bool ok = true;
        const qint64 indexed = d->indexedThrough(&ok);
        const qint64 excess = std::min(result.lastId - indexed - d->indexBacklogLimit, s_backlogChunkRows);
        if (!ok || (excess > 0 && d->indexOutputs(excess, &why) < 0))
            return fail(ok ? why : d->lastError());
    }

    // Compression: the first dictionary once enough alerts are in (and the alerts stored without one so far are
    // compressed again with it), or a new one when the ratio has fallen well below what the active one had.
    int trainedId = 0;
    QByteArray trained;
    double trainedRatio = 0;
    const bool train = training ? d->samples.size() >= size_t(s_trainingSamples)
                                : d->ratioAlerts >= s_ratioWindow && d->ratioStored > 0
            && double(d->ratioOriginal) / double(d->ratioStored) < s_retrainBelow * d->trainedRatio
            && d->samples.size() >= size_t(s_trainingSamples);
    if (train) {
        std::vector<QByteArrayView> views(d->samples.begin(), d->samples.end());
        trainedId = d->storeDictionary(views, &trained, &trainedRatio, &why);
        if (trainedId < 0)
            return fail(why);
        if (trainedId > 0 && training) {
            Private::Statement read(d.get(), "SELECT record FROM alerts WHERE id = ?1");
            Private::Statement update(d.get(), "UPDATE alerts SET record = ?2 WHERE id = ?1");
            if (!read || !update)
                return fail(d->lastError());
            RecordCodec recompress;
            recompress.addDictionary(trainedId, trained);
            recompress.setActiveDictionary(trainedId);
            QByteArray again;
            for (const qint64 id : d->unTrainedIds) {
                sqlite3_bind_int64(read.get(), 1, id);
                const bool found = sqlite3_step(read.get()) == SQLITE_ROW
                    && codec.decompress(columnBlob(read.get(), 0), &original);
                read.reset();
                if (!found)
                    continue;
                again.clear();
                recompress.compress(original, &again);
                // The new record names the dictionary by the same id the store keeps it under.
                sqlite3_bind_int64(update.get(), 1, id);
                sqlite3_bind_blob(update.get(), 2, again.constData(), int(again.size()), SQLITE_STATIC);
                const int step = sqlite3_step(update.get());
                update.reset();
                if (step != SQLITE_DONE)
                    return fail(d->lastError());
            }
        }
    }
    if (!d->exec("COMMIT", &why))
        return fail(QStringLiteral("cannot commit the batch: %1").arg(why));
    if (trainedId > 0) {
        d->activateTrained(trainedId, trained, trainedRatio);
    } else if (train || (!training && d->ratioAlerts >= s_ratioWindow)) {
        // Nothing to train from, or the ratio holds: measure the next window.
        d->ratioOriginal = d->ratioStored = d->ratioAlerts = 0;
        d->samples.clear();
    }
    if (training && d->unTrainedIds.size() > size_t(16 * s_trainingSamples))
        d->unTrainedIds.clear();   // alerts too short to train on: they stay compressed without a dictionary
    return result;
}

qint64 AlertStore::indexPending(qint64 maxRows, QString *error)
{
    if (!d->db || d->mode != OpenMode::ReadWrite) {
        if (error)
            *error = QStringLiteral("the alert store is not open for writing");
        return -1;
    }
    if (!d->indexConfigured) {
        // Kept in the index's own config table; set on each writer in case another version wrote it.
        const QByteArray sql = "INSERT INTO alert_fts(alert_fts, rank) VALUES('hashsize', "
            + QByteArray::number(s_indexHashBytes) + ")";
        d->exec(sql.constData());
        d->indexConfigured = true;
    }
    qint64 total = 0;
    while (maxRows < 0 || total < maxRows) {
        const qint64 chunk = maxRows < 0 ? s_indexChunkRows : std::min(s_indexChunkRows, maxRows - total);
        QString why;
        if (!d->exec("BEGIN IMMEDIATE", &why)) {
            if (error)
                *error = QStringLiteral("cannot start a transaction: %1").arg(why);
            return -1;
        }
        const qint64 n = d->indexOutputs(chunk, &why);
        if (n < 0 || !d->exec("COMMIT", &why)) {
            d->exec("ROLLBACK");
            if (error)
                *error = QStringLiteral("cannot index alert outputs: %1").arg(why);
            return -1;
        }
        total += n;
        if (n < chunk)
            break;
    }
    return total;
}

qint64 AlertStore::pendingIndexRows() const
{
    if (!d->db)
        return 0;
    bool ok = true;
    const qint64 n = d->scalar("SELECT count(*) FROM alerts WHERE id > coalesce((SELECT value FROM state "
                               "WHERE key = 'fe.fts_indexed'), 0)",
                               {}, &ok);
    return ok ? n : 0;
}

void AlertStore::setIndexBacklogLimit(qint64 rows)
{
    d->indexBacklogLimit = qMax<qint64>(0, rows);
}

void AlertStore::setCacheSize(qint64 bytes)
{
    if (!d->db)
        return;
    const QByteArray sql = "PRAGMA cache_size=-" + QByteArray::number(qMax<qint64>(bytes >> 10, 1024)) + ';';
    sqlite3_exec(d->db, sql.constData(), nullptr, nullptr, nullptr);
}

void AlertStore::setPageCacheDropBehind(qint64 keepNewestBytes)
{
    d->pageCacheKeep = keepNewestBytes < 0 ? -1 : keepNewestBytes;
    if (d->checkpointer)
        d->checkpointer->setDropBehindKeep(d->pageCacheKeep);
}

qint64 AlertStore::pageCacheDropBehind() const
{
    return d->pageCacheKeep;
}

bool AlertStore::optimize(QString *error)
{
    if (!d->db || d->mode != OpenMode::ReadWrite)
        return true;
    // A bounded ANALYZE keeps this fast at 10M rows and still gives the planner its statistics. The checkpoint
    // shrinks the WAL after an import.
    QString why;
    if (!d->exec("PRAGMA analysis_limit=1000; ANALYZE; PRAGMA optimize;", &why)) {
        if (error)
            *error = QStringLiteral("cannot analyze the store: %1").arg(why);
        return false;
    }
    int busy = 0;
    int log = 0;
    int checkpointed = 0;
    const int rc = sqlite3_wal_checkpoint_v2(d->db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &checkpointed);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        if (error)
            *error = QStringLiteral("cannot checkpoint the store: %1").arg(d->lastError());
        return false;
    }
    Q_UNUSED(busy);
    if (d->checkpointer)
        d->checkpointer->dropBehind();
    return true;
}

qint64 AlertStore::count(const AlertFilter &filter, QString *error) const
{
    if (!d->db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return -1;
    }
    if (filter.query.trimmed().isEmpty()) {
        // The rollups are maintained in the insert transaction: exact, and independent of the table size.
        bool ok = true;
        const qint64 n = filter.isEmpty()
            ? d->scalar("SELECT coalesce(sum(cnt), 0) FROM rollup_day WHERE dim = 0", {}, &ok)
            : d->countRange(filter.fromMs, filter.toMs, &ok);
        if (!ok) {
            if (error)
                *error = d->lastError();
            return -1;
        }
        return n;
    }
    const FilterSql filterSql = FilterSql::build(filter);
    if (!filterSql.ok()) {
        if (error)
            *error = filterSql.error();
        return -1;
    }
    const std::string sql =
        (QStringLiteral("SELECT count(*) FROM ") + filterSql.from() + QStringLiteral(" WHERE ") + filterSql.where())
            .toStdString();
    Private::Statement stmt(d.get(), sql);
    if (!stmt || filterSql.bind(stmt.get()) < 0) {
        if (error)
            *error = stmt ? d->lastError() : stmt.error();
        return -1;
    }
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        if (error)
            *error = d->lastError();
        return -1;
    }
    return sqlite3_column_int64(stmt.get(), 0);
}

qint64 AlertStore::maxId() const
{
    if (!d->db)
        return 0;
    Private::Statement stmt(d.get(), "SELECT coalesce(max(id), 0) FROM alerts");
    if (!stmt || sqlite3_step(stmt.get()) != SQLITE_ROW)
        return 0;
    return sqlite3_column_int64(stmt.get(), 0);
}

bool AlertStore::record(qint64 id, StoredRecord *out, QString *error) const
{
    if (!d->db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return false;
    }
    Private::Statement stmt(d.get(), std::string("SELECT ") + s_recordColumns + " FROM alerts a WHERE a.id = ?1");
    if (!stmt) {
        if (error)
            *error = stmt.error();
        return false;
    }
    sqlite3_bind_int64(stmt.get(), 1, id);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        if (error)
            *error = QStringLiteral("no alert %1 in the store").arg(id);
        return false;
    }
    return d->functions->reader().load(id, stmt.get(), 1, out, error);
}

QByteArray AlertStore::document(qint64 id, QString *error) const
{
    StoredRecord stored;
    DerivedAlert derived;
    if (!record(id, &stored, error) || !d->functions->reader().derive(stored, &derived, error))
        return {};
    return derived.ecsJson;
}

bool AlertStore::original(qint64 id, StoredOriginal *out, QString *error) const
{
    StoredRecord stored;
    if (!record(id, &stored, error))
        return false;
    *out = StoredOriginal();
    if (stored.origin.kind != AlertOrigin::Kind::Document) {
        out->bytes = stored.original;
        out->byteExact = true;
        return true;
    }
    // A store converted from schema v4 kept the document; the original only inside it, with the preserve option.
    const QJsonObject doc = QJsonDocument::fromJson(stored.original).object();
    const QJsonValue kept = doc.value(QStringLiteral("event")).toObject().value(QStringLiteral("original"));
    if (kept.isString()) {
        out->bytes = kept.toString().toUtf8();
        out->note = QStringLiteral("This alert was stored by an older Falco Explorer, which kept its ECS document: "
                                   "shown is the event.original the document kept (the payload as mapped), not "
                                   "necessarily the bytes as received.");
    } else {
        out->note = QStringLiteral("This alert was stored by an older Falco Explorer without the preserve-original "
                                   "option: only its ECS document was kept, not the original event.");
    }
    return true;
}

namespace {

// Documents derived in parallel, handed out in order: the calling thread reads and decompresses the records,
// worker threads map them, and the calling thread delivers each chunk once it and every chunk before it are done.
class OrderedDeriver
{
public:
    struct Chunk
    {
        std::vector<StoredRecord> records;
        std::vector<QByteArray> documents;
        std::vector<QString> errors;
        bool done = false;
    };

    OrderedDeriver(const RecordReader &reader, int threads)
        : m_reader(reader)
    {
        for (int i = 0; i < threads; ++i)
            m_threads.emplace_back([this] { run(); });
    }
    ~OrderedDeriver()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_work.notify_all();
        for (std::thread &t : m_threads)
            t.join();
    }

    // Whether submit() would block: room comes back only when the caller takes the oldest chunk with next().
    bool isFull()
    {
        std::lock_guard lock(m_mutex);
        return m_inFlight.size() >= m_threads.size() * 3 + 1;
    }
    // Queues a chunk (blocks while too many are in flight).
    void submit(std::unique_ptr<Chunk> chunk)
    {
        std::unique_lock lock(m_mutex);
        m_room.wait(lock, [this] { return m_inFlight.size() < m_threads.size() * 3 + 1; });
        m_pending.push_back(chunk.get());
        m_inFlight.push_back(std::move(chunk));
        m_work.notify_one();
    }
    // The oldest chunk once it is done (wait = true: waits for it); null when none is ready or none is left.
    std::unique_ptr<Chunk> next(bool wait)
    {
        std::unique_lock lock(m_mutex);
        if (wait)
            m_doneCv.wait(lock, [this] { return m_inFlight.empty() || m_inFlight.front()->done; });
        if (m_inFlight.empty() || !m_inFlight.front()->done)
            return nullptr;
        std::unique_ptr<Chunk> chunk = std::move(m_inFlight.front());
        m_inFlight.pop_front();
        m_room.notify_one();
        return chunk;
    }

private:
    void run()
    {
        while (true) {
            Chunk *chunk = nullptr;
            {
                std::unique_lock lock(m_mutex);
                m_work.wait(lock, [this] { return m_stop || !m_pending.empty(); });
                if (m_pending.empty())
                    return;
                chunk = m_pending.front();
                m_pending.pop_front();
            }
            chunk->documents.resize(chunk->records.size());
            chunk->errors.resize(chunk->records.size());
            for (size_t i = 0; i < chunk->records.size(); ++i) {
                DerivedAlert derived;
                if (m_reader.derive(chunk->records[i], &derived, &chunk->errors[i]))
                    chunk->documents[i] = std::move(derived.ecsJson);
            }
            {
                std::lock_guard lock(m_mutex);
                chunk->done = true;
            }
            m_doneCv.notify_all();
        }
    }

    const RecordReader &m_reader;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_work;
    std::condition_variable m_room;
    std::condition_variable m_doneCv;
    std::deque<std::unique_ptr<Chunk>> m_inFlight;   // in order
    std::deque<Chunk *> m_pending;                   // not started yet
    bool m_stop = false;
};

} // namespace

bool AlertStore::forEachRecord(const AlertFilter &filter, const std::function<bool(const StoredRecord &record)> &fn,
                               QString *error, const std::function<void(const QString &problem)> &onError,
                               RecordOrder order) const
{
    if (!d->db) {
        if (error)
            *error = QStringLiteral("the alert store is not open");
        return false;
    }
    const FilterSql filterSql = FilterSql::build(filter);
    if (!filterSql.ok()) {
        if (error)
            *error = filterSql.error();
        return false;
    }
    const std::string sql = (QStringLiteral("SELECT ") + QLatin1String(s_recordColumns) + QStringLiteral(" FROM ")
                             + filterSql.from() + QStringLiteral(" WHERE ") + filterSql.where()
                             + (order == RecordOrder::Id ? QStringLiteral(" ORDER BY a.id") : QStringLiteral(" ORDER BY a.ts, a.id")))
                                .toStdString();
    Private::Statement stmt(d.get(), sql);
    if (!stmt || filterSql.bind(stmt.get()) < 0) {
        if (error)
            *error = stmt ? d->lastError() : stmt.error();
        return false;
    }
    RecordReader &reader = d->functions->reader();
    StoredRecord stored;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        QString problem;
        if (!reader.load(sqlite3_column_int64(stmt.get(), 0), stmt.get(), 1, &stored, &problem)) {
            if (onError)
                onError(problem);
            continue;
        }
        if (!fn(stored))
            return true;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = d->lastError();
        return false;
    }
    return true;
}

bool AlertStore::forEachDocument(const AlertFilter &filter,
                                 const std::function<bool(qint64 id, const QByteArray &ecsJson)> &fn, QString *error,
                                 int threads, const std::function<void(const QString &problem)> &onError) const
{
    if (threads <= 0)
        threads = std::clamp(QThread::idealThreadCount(), 1, 8);
    if (threads == 1) {
        RecordReader &reader = d->functions->reader();
        return forEachRecord(
            filter,
            [&](const StoredRecord &stored) {
                DerivedAlert derived;
                QString problem;
                if (!reader.derive(stored, &derived, &problem)) {
                    if (onError)
                        onError(problem);
                    return true;
                }
                return fn(stored.id, derived.ecsJson);
            },
            error, onError);
    }
    constexpr size_t chunkSize = 256;
    OrderedDeriver deriver(d->functions->reader(), threads);
    bool stopped = false;
    const auto handle = [&](const OrderedDeriver::Chunk &chunk) {
        for (size_t i = 0; i < chunk.records.size() && !stopped; ++i) {
            if (!chunk.errors[i].isEmpty()) {
                if (onError)
                    onError(chunk.errors[i]);
                continue;
            }
            stopped = !fn(chunk.records[i].id, chunk.documents[i]);
        }
    };
    const auto deliver = [&](bool wait) {
        while (std::unique_ptr<OrderedDeriver::Chunk> chunk = deriver.next(wait))
            handle(*chunk);
    };
    // The queue's room comes back only as this thread delivers its oldest chunk: when it is full, deliver that first
    // (submitting into a full queue would wait for ever).
    const auto submit = [&](std::unique_ptr<OrderedDeriver::Chunk> ready) {
        while (deriver.isFull()) {
            if (std::unique_ptr<OrderedDeriver::Chunk> oldest = deriver.next(true))
                handle(*oldest);
        }
        deriver.submit(std::move(ready));
    };
    auto chunk = std::make_unique<OrderedDeriver::Chunk>();
    const bool ok = forEachRecord(
        filter,
        [&](const StoredRecord &stored) {
            chunk->records.push_back(stored);
            if (chunk->records.size() == chunkSize) {
                submit(std::move(chunk));
                chunk = std::make_unique<OrderedDeriver::Chunk>();
                deliver(false);
            }
            return !stopped;
        },
        error, onError);
    if (!chunk->records.empty())
        submit(std::move(chunk));
    deliver(true);
    return ok;
}

AlertBatch AlertStore::alertsAfter(qint64 afterId, int limit) const
{
    AlertBatch batch;
    if (!d->db || limit <= 0)
        return batch;
    Private::Statement stmt(d.get(), std::string("SELECT ") + s_recordColumns
                                         + ", a.ts, a.profile, a.dedupe FROM alerts a WHERE a.id > ?1 ORDER BY a.id "
                                           "LIMIT ?2");
    if (!stmt)
        return batch;
    sqlite3_bind_int64(stmt.get(), 1, afterId);
    sqlite3_bind_int(stmt.get(), 2, limit);
    sqlite3_stmt *s = stmt.get();
    FactCatalog &catalog = d->functions->catalog();
    RecordReader &reader = d->functions->reader();
    while (sqlite3_step(s) == SQLITE_ROW) {
        Alert alert;
        alert.id = sqlite3_column_int64(s, 0);
        alert.timestampMs = sqlite3_column_int64(s, 5);
        const quint32 profile = quint32(sqlite3_column_int64(s, 6));
        catalog.ensureProfile(d->db, profile);
        fillFacts(catalog, profile, &alert);
        alert.dedupeKey = DedupeKey::logicalKey(columnBlob(s, 7));
        alert.uuid = QString::fromUtf8(DedupeKey::uuid(columnBlob(s, 7)));
        StoredRecord stored;
        DerivedAlert derived;
        if (reader.load(alert.id, s, 1, &stored) && reader.derive(stored, &derived)) {
            alert.ecsJson = derived.ecsJson;
            alert.output = derived.output;
            alert.commandLine = derived.commandLine;
        }
        alert.origin = stored.origin;
        alert.offset = stored.offset;
        alert.receivedMs = stored.receivedMs;
        batch.append(std::move(alert));
    }
    return batch;
}

bool AlertStore::setState(const QString &key, const QByteArray &value)
{
    if (!d->db || d->mode != OpenMode::ReadWrite)
        return false;
    Private::Statement stmt(d.get(), s_setStateSql);
    if (!stmt)
        return false;
    const QByteArray keyUtf8 = key.toUtf8();
    sqlite3_bind_text(stmt.get(), 1, keyUtf8.constData(), int(keyUtf8.size()), SQLITE_STATIC);
    if (value.isEmpty())
        sqlite3_bind_zeroblob(stmt.get(), 2, 0);
    else
        sqlite3_bind_blob(stmt.get(), 2, value.constData(), int(value.size()), SQLITE_STATIC);
    return sqlite3_step(stmt.get()) == SQLITE_DONE;
}

QByteArray AlertStore::state(const QString &key) const
{
    if (!d->db)
        return {};
    Private::Statement stmt(d.get(), "SELECT value FROM state WHERE key = ?1");
    if (!stmt)
        return {};
    const QByteArray keyUtf8 = key.toUtf8();
    sqlite3_bind_text(stmt.get(), 1, keyUtf8.constData(), int(keyUtf8.size()), SQLITE_STATIC);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW)
        return {};
    return columnBytes(stmt.get(), 0);
}

sqlite3 *AlertStore::handle() const
{
    return d->db;
}

} // namespace fe
