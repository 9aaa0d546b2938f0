// SPDX-License-Identifier: Apache-2.0
#include "model/alertstore.h"

#include "model/dedupekey.h"
#include "model/filtersql.h"
#include "model/schema.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QStandardPaths>
#include <QStringEncoder>

#include <sqlite3.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
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
    "INSERT OR IGNORE INTO alerts(ts, priority, severity, rule, host, source, container_id, container_name, image, "
    "pod, namespace, process, cmdline, user_name, technique, subtechnique, tactics, tags, uuid, dedupe, ingested) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
constexpr char s_legacyDedupeSql[] = "SELECT 1 FROM alerts WHERE dedupe = ?1";
constexpr char s_insertDocSql[] = "INSERT INTO alert_doc(id, doc) VALUES(?1, ?2)";
constexpr char s_insertOutputSql[] = "INSERT INTO alert_output(id, output) VALUES(?1, ?2)";
// The full-text catch-up: outputs (ids) in (?1, ?2] into the index (external content: only the index is written).
constexpr char s_indexOutputsSql[] =
    "INSERT INTO alert_fts(rowid, output) SELECT id, output FROM alert_output WHERE id > ?1 AND id <= ?2";
constexpr char s_indexEndSql[] =
    "SELECT max(id), count(*) FROM (SELECT id FROM alert_output WHERE id > ?1 ORDER BY id LIMIT ?2)";
constexpr char s_setIndexedSql[] =
    "INSERT INTO state(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
// A batch of at most this many alerts (live ingest) also indexes up to s_inlineIndexRows pending outputs, oldest
// first, in its own transaction; a larger one (a file import, a burst) leaves them to indexPending()/optimize(),
// which index in large chunks. Searches are exact either way (FilterSql::coverUnindexedOutputs).
constexpr qint64 s_smallBatch = 2000;
constexpr qint64 s_inlineIndexRows = 5000;
constexpr qint64 s_indexChunkRows = 50000;
constexpr char s_upsertMinuteSql[] =
    "INSERT INTO rollup_minute(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";
constexpr char s_upsertHourSql[] =
    "INSERT INTO rollup_hour(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";
constexpr char s_upsertDaySql[] =
    "INSERT INTO rollup_day(dim, bucket, key, cnt, last_ts) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(dim, bucket, key) DO UPDATE SET cnt = cnt + excluded.cnt, last_ts = max(last_ts, excluded.last_ts)";
// The columns of an Alert, in the order readAlert() expects.
constexpr char s_alertColumns[] =
    "a.id, a.ts, a.priority, a.severity, a.rule, a.host, a.source, a.container_id, a.container_name, a.image, a.pod, "
    "a.namespace, a.process, a.cmdline, a.user_name, a.technique, a.subtechnique, a.tactics, a.tags, a.uuid, "
    "a.dedupe, d.doc";

qint64 floorDiv(qint64 value, qint64 divisor)
{
    qint64 q = value / divisor;
    if ((value % divisor != 0) && ((value < 0) != (divisor < 0)))
        --q;
    return q;
}

QString columnText(sqlite3_stmt *stmt, int column)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
    return text ? QString::fromUtf8(text, sqlite3_column_bytes(stmt, column)) : QString();
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

// The rollup counters of one batch, summed in memory so that a 10k batch costs a few hundred upserts.
struct RollupKey
{
    int dim;
    qint64 bucket;
    QString key;
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
};

// Node-based: a counter's address stays valid while the map grows (RollupCounter keeps pointers to counters).
using RollupMap = std::unordered_map<RollupKey, RollupValue, RollupKeyHash>;

// Counts one batch into its rollup maps. The mapper shares one QString per repeated value (rule, host, image,
// namespace, tags, ...), so a repeated key is usually the same characters in memory: a small table keyed by the
// strings' addresses finds its counter without hashing or comparing the text (callgrind: ~6k instructions per alert
// for 14 QHash lookups before). Valid for one insert() only: the addresses are those of the batch's strings (alive
// until it returns) or of static ones, never of temporaries (callers pass those to addByValue()).
class RollupCounter
{
public:
    // Sized for a batch of this many alerts (a small live batch does not clear a large table).
    explicit RollupCounter(qsizetype alerts)
    {
        size_t size = 64;
        while (size < s_maxSize && qsizetype(size) < alerts * 2)
            size *= 2;
        m_table.resize(size);
        m_mask = size - 1;
    }

    // The counter of (dim, bucket, key) in map takes one alert at time ts.
    void add(RollupMap &map, RollupDim dim, qint64 bucket, const QString &key, qint64 ts)
    {
        Entry &e = entry(dim, bucket, key.constData(), key.size(), nullptr, 0);
        if (!e.value)
            e.value = &map[RollupKey{int(dim), bucket, key}];
        count(*e.value, ts);
    }

    // The Mitre dimension: key tactic + '\t' + technique, built only when the pair is not in the table.
    void addMitre(RollupMap &map, qint64 bucket, const QString &tactic, const QString &technique, qint64 ts)
    {
        Entry &e = entry(RollupDim::Mitre, bucket, tactic.constData(), tactic.size(), technique.constData(),
                         technique.size());
        if (!e.value)
            e.value = &map[RollupKey{int(RollupDim::Mitre), bucket, tactic + QLatin1Char('\t') + technique}];
        count(*e.value, ts);
    }

    // For a key that is a temporary (its address may be reused within the batch).
    static void addByValue(RollupMap &map, RollupDim dim, qint64 bucket, const QString &key, qint64 ts)
    {
        count(map[RollupKey{int(dim), bucket, key}], ts);
    }

private:
    struct Entry
    {
        const QChar *first = nullptr;
        const QChar *second = nullptr;
        qsizetype firstSize = -1;
        qsizetype secondSize = 0;
        qint64 bucket = 0;
        int dim = -1;
        RollupValue *value = nullptr;
    };
    static constexpr size_t s_maxSize = 4096;   // a power of two

    static void count(RollupValue &value, qint64 ts)
    {
        ++value.count;
        value.lastTs = std::max(value.lastTs, ts);
    }

    // The entry for the key; one with value == nullptr (the slot is taken over) when it is not in the table.
    Entry &entry(RollupDim dim, qint64 bucket, const QChar *first, qsizetype firstSize, const QChar *second,
                 qsizetype secondSize)
    {
        quint64 h = quint64(quintptr(first)) * 0x9E3779B97F4A7C15ull;
        h ^= quint64(quintptr(second)) + quint64(bucket) * 0xC2B2AE3D27D4EB4Full + quint64(dim);
        h *= 0x165667B19E3779F9ull;
        Entry &e = m_table[size_t(h >> 40) & m_mask];
        if (e.first == first && e.firstSize == firstSize && e.second == second && e.secondSize == secondSize
            && e.bucket == bucket && e.dim == int(dim))
            return e;
        e = Entry{first, second, firstSize, secondSize, bucket, int(dim), nullptr};
        return e;
    }

    std::vector<Entry> m_table;
    size_t m_mask = 0;
};

// A list column ('|a|b|', '' for none: Schema::encodeList) of normalized values, encoded as UTF-8 at out; returns the
// end. Needs listRoom() bytes.
char *appendListColumn(QStringEncoder &utf8, char *out, const QStringList &values)
{
    if (values.isEmpty())
        return out;
    *out++ = '|';
    for (const QString &value : values) {
        out = utf8.appendToBuffer(out, value);
        *out++ = '|';
    }
    return out;
}

qsizetype listRoom(const QStringEncoder &utf8, const QStringList &values)
{
    qsizetype room = 1;
    for (const QString &value : values)
        room += utf8.requiredSpace(value.size()) + 1;
    return room;
}

// fe_fts_phrase(text, query): does text match the FTS5 query `"phrase"` or `"phrase" *` (the two shapes the query
// language compiles free text to) the way alert_fts MATCH would? It tokenizes both sides with the FTS5 tokenizer the
// index uses (unicode61), so the outputs not yet indexed are matched with the index's exact semantics.
class PhraseMatcher
{
public:
    static bool install(sqlite3 *db)
    {
        fts5_api *api = nullptr;
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK)
            return false;
        sqlite3_bind_pointer(stmt, 1, static_cast<void *>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        if (!api)
            return false;
        auto matcher = std::make_unique<PhraseMatcher>();
        void *userData = nullptr;
        if (api->xFindTokenizer(api, "unicode61", &userData, &matcher->m_api) != SQLITE_OK
            || matcher->m_api.xCreate(userData, nullptr, 0, &matcher->m_tokenizer) != SQLITE_OK)
            return false;
        return sqlite3_create_function_v2(db, "fe_fts_phrase", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                          matcher.release(), &PhraseMatcher::call, nullptr, nullptr,
                                          [](void *p) { delete static_cast<PhraseMatcher *>(p); })
            == SQLITE_OK;
    }

    PhraseMatcher() = default;
    ~PhraseMatcher()
    {
        if (m_tokenizer)
            m_api.xDelete(m_tokenizer);
    }
    PhraseMatcher(const PhraseMatcher &) = delete;
    PhraseMatcher &operator=(const PhraseMatcher &) = delete;

private:
    static void call(sqlite3_context *context, int, sqlite3_value **argv)
    {
        auto *self = static_cast<PhraseMatcher *>(sqlite3_user_data(context));
        const auto *text = reinterpret_cast<const char *>(sqlite3_value_text(argv[0]));
        const int textSize = sqlite3_value_bytes(argv[0]);
        const auto *query = reinterpret_cast<const char *>(sqlite3_value_text(argv[1]));
        const int querySize = sqlite3_value_bytes(argv[1]);
        if (!text || !query) {
            sqlite3_result_int(context, 0);
            return;
        }
        self->setQuery(std::string_view(query, size_t(querySize)));
        sqlite3_result_int(context, self->matches(text, textSize) ? 1 : 0);
    }

    void setQuery(std::string_view query)
    {
        if (m_query == query)
            return;
        m_query.assign(query);
        m_prefix = false;
        std::string_view body = query;
        while (!body.empty() && body.back() == ' ')
            body.remove_suffix(1);
        if (!body.empty() && body.back() == '*') {
            m_prefix = true;
            body.remove_suffix(1);
            while (!body.empty() && body.back() == ' ')
                body.remove_suffix(1);
        }
        std::string phrase;
        if (body.size() >= 2 && body.front() == '"' && body.back() == '"') {
            for (size_t i = 1; i + 1 < body.size(); ++i) {
                phrase += body[i];
                if (body[i] == '"' && i + 2 < body.size() && body[i + 1] == '"')
                    ++i;   // "" is one quote inside a phrase
            }
        } else {
            phrase.assign(body);
        }
        m_phrase = tokens(phrase.data(), int(phrase.size()), FTS5_TOKENIZE_QUERY);
    }

    bool matches(const char *text, int size) const
    {
        if (m_phrase.empty())
            return false;
        const std::vector<std::string> words = tokens(text, size, FTS5_TOKENIZE_DOCUMENT);
        const size_t n = m_phrase.size();
        for (size_t i = 0; i + n <= words.size(); ++i) {
            size_t k = 0;
            for (; k < n; ++k) {
                const bool last = k + 1 == n;
                const std::string &word = words[i + k];
                if (last && m_prefix ? word.compare(0, m_phrase[k].size(), m_phrase[k]) != 0 : word != m_phrase[k])
                    break;
            }
            if (k == n)
                return true;
        }
        return false;
    }

    std::vector<std::string> tokens(const char *text, int size, int flags) const
    {
        std::vector<std::string> out;
        m_api.xTokenize(m_tokenizer, &out, flags, text, size,
                        [](void *context, int, const char *token, int tokenSize, int, int) {
                            static_cast<std::vector<std::string> *>(context)->emplace_back(token, size_t(tokenSize));
                            return SQLITE_OK;
                        });
        return out;
    }

    fts5_tokenizer m_api{};
    Fts5Tokenizer *m_tokenizer = nullptr;
    std::string m_query;
    bool m_prefix = false;
    std::vector<std::string> m_phrase;
};

// The writer's WAL checkpoints, in a thread of their own. SQLite's automatic checkpoint runs inside the committing
// thread: after every ~64 MB of WAL the writer copied the frames into the database file and waited for two
// fdatasyncs (~9 us per alert of a 10k-row burst, on top of ~14 us of CPU: bench_store under strace), while the
// mappers' queue filled up. Here the writer's commit only wakes this thread, which checkpoints PASSIVE on its
// own connection (never blocking the writer or a reader); SQLite reuses the WAL from its start once a checkpoint
// has caught up. Should the WAL still grow past s_walBlockingFrames (the checkpointer lags behind a long burst), the
// writer checkpoints PASSIVE itself, as SQLite's own hook does, so that its next transaction can reuse the WAL.
//
// After each of its checkpoints it also drops the database file's pages behind the newest keep bytes from the kernel's
// page cache (posix_fadvise DONTNEED: only pages already written back go, so nothing is lost; see
// AlertStore::setPageCacheDropBehind). An ingest grows the file by ~2.6 KB per alert, and every new page-cache page
// the kernel hands out is memory the machine has not touched for a while: on the 2-vCPU VM a fresh 4 KB page cost
// 3.5-7.5 us (a host fault) against 0.9 us for a page freed a moment ago (/tmp/grow.cpp, 2 GB appended in 64 KB
// writes with and without the drop). The checkpoint, which copies each alert's pages into the file, spent 3.9-5.9
// us per alert (bench_listener, 1M alerts); with the drop, 1.3-1.6, and the pages it frees are the warm ones the next
// pages come from.
class WalCheckpointer
{
public:
    static constexpr int s_walBackgroundFrames = 1000;   // SQLite's default wal_autocheckpoint (64 MB of 64 KB pages)
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

} // namespace

struct AlertStore::Private
{
    sqlite3 *db = nullptr;
    QString path;
    OpenMode mode = OpenMode::ReadWrite;
    int version = 0;
    std::unique_ptr<WalCheckpointer> checkpointer;   // ReadWrite only
    bool hasLegacyDedupe = false;   // pre-v4 rows with bare dedupe keys exist (model/dedupekey.h)
    qint64 legacyDedupeMaxTs = 0;   // ... the newest of their times
    qint64 indexBacklogLimit = 0;   // setIndexBacklogLimit(); 0: none
    qint64 pageCacheKeep = -1;   // setPageCacheDropBehind(); -1: off

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

    bool flushRollups(const RollupMap &map, const char *sql, QString *error);
    qint64 indexOutputs(qint64 maxRows, QString *error);
    // The full-text index's watermark: outputs with id <= it are indexed.
    qint64 indexedThrough(bool *ok)
    {
        return scalar("SELECT coalesce((SELECT value FROM state WHERE key = 'fe.fts_indexed'), 0)", {}, ok);
    }
    qint64 scalar(const char *sql, std::initializer_list<qint64> params, bool *ok);
    qint64 countRange(qint64 fromMs, qint64 toMs, bool *ok);
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
    if (fromMs == std::numeric_limits<qint64>::min())
        fromMs = scalar("SELECT coalesce(min(ts), 0) FROM alerts", {}, ok);
    if (toMs == std::numeric_limits<qint64>::max())
        toMs = scalar("SELECT coalesce(max(ts), -1) + 1 FROM alerts", {}, ok);
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
qint64 AlertStore::Private::indexOutputs(qint64 maxRows, QString *error)
{
    bool ok = true;
    const qint64 indexed = indexedThrough(&ok);
    Statement end(this, s_indexEndSql);
    if (!ok || !end) {
        if (error)
            *error = lastError();
        return -1;
    }
    sqlite3_bind_int64(end.get(), 1, indexed);
    sqlite3_bind_int64(end.get(), 2, maxRows);
    if (sqlite3_step(end.get()) != SQLITE_ROW) {
        if (error)
            *error = lastError();
        return -1;
    }
    const qint64 count = sqlite3_column_int64(end.get(), 1);
    const qint64 last = sqlite3_column_int64(end.get(), 0);
    end.reset();
    if (count == 0)
        return 0;
    Statement index(this, s_indexOutputsSql);
    Statement mark(this, s_setIndexedSql);
    if (!index || !mark) {
        if (error)
            *error = index ? mark.error() : index.error();
        return -1;
    }
    sqlite3_bind_int64(index.get(), 1, indexed);
    sqlite3_bind_int64(index.get(), 2, last);
    sqlite3_bind_text(mark.get(), 1, sqlnames::ftsIndexedKey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(mark.get(), 2, last);
    if (sqlite3_step(index.get()) != SQLITE_DONE || sqlite3_step(mark.get()) != SQLITE_DONE) {
        if (error)
            *error = lastError();
        return -1;
    }
    return count;
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
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    std::vector<char> key;
    for (const RollupMap::value_type *entry : order) {
        const QString &text = entry->first.key;
        key.resize(size_t(utf8.requiredSpace(text.size())) + 1);
        const char *end = utf8.appendToBuffer(key.data(), text);
        sqlite3_bind_int(stmt, 1, entry->first.dim);
        sqlite3_bind_int64(stmt, 2, entry->first.bucket);
        sqlite3_bind_text(stmt, 3, key.data(), int(end - key.data()), SQLITE_STATIC);
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

bool AlertStore::open(const QString &path, OpenMode mode, QString *error)
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
    if (!readOnly) {
        const QString dir = QFileInfo(path).absolutePath();
        if (!QDir().mkpath(dir)) {
            if (error)
                *error = QStringLiteral("%1: cannot create the directory %2").arg(path, dir);
            return false;
        }
    }
    const int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        | SQLITE_OPEN_NOMUTEX;
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        if (error)
            *error = QStringLiteral("%1: cannot open: %2")
                         .arg(path, db ? QString::fromUtf8(sqlite3_errmsg(db)) : QString::fromUtf8(sqlite3_errstr(rc)));
        sqlite3_close(db);
        return false;
    }
    sqlite3_extended_result_codes(db, 1);
    QString why;
    const bool ready = Schema::configure(db, readOnly, &why)
        && (readOnly ? Schema::checkReadable(db, &why) : Schema::migrate(db, &why));
    if (!ready) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, why);
        sqlite3_close(db);
        return false;
    }
    if (!PhraseMatcher::install(db)) {
        if (error)
            *error = QStringLiteral("%1: cannot set up full-text matching (FTS5 unicode61): %2")
                         .arg(path, QString::fromUtf8(sqlite3_errmsg(db)));
        sqlite3_close(db);
        return false;
    }
    d->db = db;
    d->path = path;
    d->mode = mode;
    d->version = Schema::version(db);
    if (!readOnly) {
        // Pre-v4 rows with bare dedupe keys: the newest of their times (model/dedupekey.h); no row when there are none.
        bool found = true;
        d->legacyDedupeMaxTs = d->scalar(
            "SELECT value FROM state WHERE key = 'fe.dedupe_legacy_max_ts' AND value IS NOT NULL", {}, &found);
        d->hasLegacyDedupe = found;
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
    sqlite3_close(d->db);
    d->db = nullptr;
    d->path.clear();
    d->version = 0;
    d->hasLegacyDedupe = false;
    d->legacyDedupeMaxTs = 0;
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

QString AlertStore::defaultPath()
{
    // $XDG_DATA_HOME/falco-explorer (~/.local/share/falco-explorer), whatever the application's org/name are:
    // the CLI, the GUI and the docs agree on one place.
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    const QString dir = base + QStringLiteral("/falco-explorer");
    QDir().mkpath(dir);
    return dir + QStringLiteral("/alerts.db");
}

InsertResult AlertStore::insert(const AlertBatch &batch, QString *error)
{
    InsertResult result;
    if (!d->db || d->mode != OpenMode::ReadWrite) {
        if (error)
            *error = QStringLiteral("the alert store is not open for writing");
        return result;
    }
    if (batch.isEmpty())
        return result;

    QString why;
    if (!d->exec("BEGIN IMMEDIATE", &why)) {
        if (error)
            *error = QStringLiteral("cannot start a transaction: %1").arg(why);
        return result;
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
        if (error)
            *error = text;
        return InsertResult{};
    };

    Private::Statement insertAlert(d.get(), s_insertAlertSql);
    Private::Statement insertDoc(d.get(), s_insertDocSql);
    Private::Statement insertOutput(d.get(), s_insertOutputSql);
    Private::Statement legacyLookup(d.get(), s_legacyDedupeSql);
    for (const Private::Statement *s : {&insertAlert, &insertDoc, &insertOutput, &legacyLookup}) {
        if (!*s)
            return fail(QStringLiteral("cannot prepare the insert: %1").arg(s->error()));
    }
    sqlite3_stmt *alertStmt = insertAlert.get();
    sqlite3_stmt *docStmt = insertDoc.get();
    sqlite3_stmt *outputStmt = insertOutput.get();
    sqlite3_stmt *legacyStmt = legacyLookup.get();
    QByteArray dedupe;
    dedupe.reserve(DedupeKey::PrefixSize + 80);

    const qint64 ingested = QDateTime::currentMSecsSinceEpoch();
    // Minutes for the total and the priority only (schema v3), hours for every dimension; days are summed from hours.
    RollupMap minutes;
    RollupMap hours;
    minutes.reserve(1024);
    hours.reserve(4096);
    RollupCounter counter(batch.size());
    // The UTF-8 text of one row's columns and output, encoded into one reused buffer (no allocation per column), alive
    // until the row is stepped (bound SQLITE_STATIC).
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    std::vector<char> text;
    constexpr int textColumns = 17;   // 13 columns, tactics, tags, uuid; then the output
    std::array<std::string_view, textColumns> encoded;
    // The other text columns keep their last value's UTF-8 each. The mapper shares repeated values (rule, host,
    // source, image, namespace, process, user, technique, empty fields), so a column holding the very string of the
    // alert before keeps its binding (bindings survive sqlite3_reset): no encoding, no bind. Within one insert() an
    // address seen is a string of the batch, alive until it returns, so the same address means the same text.
    struct LastValue
    {
        const QChar *data = nullptr;
        qsizetype size = -1;
        std::vector<char> utf8;
    };
    std::array<LastValue, textColumns> lastValues;

    for (const Alert &alert : batch) {
        const QStringList tactics = Schema::normalizedList(alert.tactics);
        const QStringList tags = Schema::normalizedList(alert.tags);
        const int priority = std::clamp(int(alert.priority), 0, int(Priority::Unknown));
        // The list columns (tactics, tags) are encoded straight into the buffer (no QString per list).
        constexpr int tacticsColumn = 13;
        constexpr int tagsColumn = 14;
        constexpr int outputColumn = textColumns - 1;   // bound to the output statement
        const QString *columns[textColumns] = {
            &alert.rule,         &alert.hostname,    &alert.source,        &alert.containerId, &alert.containerName,
            &alert.containerImage, &alert.podName,   &alert.namespaceName, &alert.processName, &alert.commandLine,
            &alert.userName,     &alert.technique,   &alert.subtechnique,  nullptr,            nullptr,
            &alert.uuid,         &alert.output};
        const qsizetype room =
            listRoom(utf8, tactics) + listRoom(utf8, tags) + utf8.requiredSpace(alert.output.size());
        if (text.size() < size_t(room))
            text.resize(size_t(room) * 2);
        char *out = text.data();
        for (int i = 0; i < textColumns; ++i) {
            const bool list = i == tacticsColumn || i == tagsColumn;
            if (!list && i != outputColumn) {
                const QString &value = *columns[i];
                LastValue &last = lastValues[size_t(i)];
                if (value.constData() == last.data && value.size() == last.size)
                    continue;   // still bound
                last.utf8.resize(size_t(utf8.requiredSpace(value.size())) + 1);
                const char *end = utf8.appendToBuffer(last.utf8.data(), value);
                sqlite3_bind_text(alertStmt, 4 + i, last.utf8.data(), int(end - last.utf8.data()), SQLITE_STATIC);
                last.data = value.constData();
                last.size = value.size();
                continue;
            }
            char *end = i == tacticsColumn ? appendListColumn(utf8, out, tactics)
                : i == tagsColumn          ? appendListColumn(utf8, out, tags)
                                           : utf8.appendToBuffer(out, alert.output);
            encoded[size_t(i)] = std::string_view(out, size_t(end - out));
            if (list)
                sqlite3_bind_text(alertStmt, 4 + i, out, int(end - out), SQLITE_STATIC);
            out = end;
        }
        sqlite3_bind_int64(alertStmt, 1, alert.timestampMs);
        sqlite3_bind_int(alertStmt, 2, priority);
        sqlite3_bind_int(alertStmt, 3, alert.severity);
        dedupe.clear();
        DedupeKey::appendStorageKey(dedupe, alert);
        if (d->hasLegacyDedupe && (alert.timeIsReceipt || alert.timestampMs <= d->legacyDedupeMaxTs)) {
            // It could duplicate an alert stored before v4, under its bare key.
            const QByteArrayView logical = QByteArrayView(dedupe).sliced(DedupeKey::PrefixSize);
            sqlite3_bind_blob(legacyStmt, 1, logical.data(), int(logical.size()), SQLITE_STATIC);
            const int found = sqlite3_step(legacyStmt);
            sqlite3_reset(legacyStmt);
            if (found == SQLITE_ROW) {
                ++result.duplicates;
                continue;
            }
            if (found != SQLITE_DONE)
                return fail(QStringLiteral("cannot look up a duplicate: %1").arg(d->lastError()));
        }
        sqlite3_bind_blob(alertStmt, 20, dedupe.constData(), int(dedupe.size()), SQLITE_STATIC);
        sqlite3_bind_int64(alertStmt, 21, ingested);
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

        static const char emptyDoc[] = "{}";
        const bool hasDoc = !alert.ecsJson.isEmpty();
        sqlite3_bind_int64(docStmt, 1, id);
        sqlite3_bind_text(docStmt, 2, hasDoc ? alert.ecsJson.constData() : emptyDoc,
                          hasDoc ? int(alert.ecsJson.size()) : 2, SQLITE_STATIC);
        int docRc = sqlite3_step(docStmt);
        sqlite3_reset(docStmt);
        if (docRc != SQLITE_DONE)
            return fail(QStringLiteral("cannot store an alert document: %1").arg(d->lastError()));

        const std::string_view output = encoded[textColumns - 1];
        sqlite3_bind_int64(outputStmt, 1, id);
        sqlite3_bind_text(outputStmt, 2, output.data(), int(output.size()), SQLITE_STATIC);
        docRc = sqlite3_step(outputStmt);
        sqlite3_reset(outputStmt);
        if (docRc != SQLITE_DONE)
            return fail(QStringLiteral("cannot store an alert output: %1").arg(d->lastError()));

        const qint64 ts = alert.timestampMs;
        const qint64 minute = floorDiv(ts, MinuteMs);
        const qint64 hour = floorDiv(ts, HourMs);
        static const QString priorityKeys[] = {
            QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"),
            QStringLiteral("5"), QStringLiteral("6"), QStringLiteral("7"), QStringLiteral("8")};
        static_assert(std::size(priorityKeys) == size_t(Priority::Unknown) + 1);
        const QString &priorityKey = priorityKeys[priority];
        static const QString noKey;   // the key of the total, and of an alert without tactics or tags
        counter.add(minutes, RollupDim::Total, minute, noKey, ts);
        counter.add(minutes, RollupDim::Priority, minute, priorityKey, ts);
        counter.add(hours, RollupDim::Total, hour, noKey, ts);
        counter.add(hours, RollupDim::Priority, hour, priorityKey, ts);
        counter.add(hours, RollupDim::Rule, hour, alert.rule, ts);
        counter.add(hours, RollupDim::Host, hour, alert.hostname, ts);
        counter.add(hours, RollupDim::Pod, hour, alert.podName, ts);
        counter.add(hours, RollupDim::Source, hour, alert.source, ts);
        counter.add(hours, RollupDim::Technique, hour, alert.technique, ts);
        counter.add(hours, RollupDim::Image, hour, alert.containerImage, ts);
        counter.add(hours, RollupDim::Namespace, hour, alert.namespaceName, ts);
        // One tactic row and one Mitre row (tactic + '\t' + technique) per tactic, the empty tactic when none; one
        // tag row per tag, the empty tag when none. A list normalizedList() had to clean holds temporaries.
        const bool tacticsShared = tactics.constData() == alert.tactics.constData();
        if (tactics.isEmpty()) {
            counter.add(hours, RollupDim::Tactic, hour, noKey, ts);
            counter.addMitre(hours, hour, noKey, alert.technique, ts);
        }
        for (const QString &tactic : tactics) {
            if (tacticsShared) {
                counter.add(hours, RollupDim::Tactic, hour, tactic, ts);
                counter.addMitre(hours, hour, tactic, alert.technique, ts);
            } else {
                RollupCounter::addByValue(hours, RollupDim::Tactic, hour, tactic, ts);
                RollupCounter::addByValue(hours, RollupDim::Mitre, hour, tactic + QLatin1Char('\t') + alert.technique,
                                          ts);
            }
        }
        const bool tagsShared = tags.constData() == alert.tags.constData();
        if (tags.isEmpty())
            counter.add(hours, RollupDim::Tag, hour, noKey, ts);
        for (const QString &tag : tags) {
            if (tagsShared)
                counter.add(hours, RollupDim::Tag, hour, tag, ts);
            else
                RollupCounter::addByValue(hours, RollupDim::Tag, hour, tag, ts);
        }
    }

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
    if (result.stored > 0 && result.stored <= s_smallBatch && d->indexOutputs(s_inlineIndexRows, &why) < 0)
        return fail(why);
    if (result.stored > s_smallBatch && d->indexBacklogLimit > 0) {
        // Ids are dense (rows are never deleted), so the backlog is the distance from the watermark to the last id;
        // were they not, this would overestimate it and index a little early. At most one chunk per batch: a store
        // opened with a far larger backlog (an import not optimized) comes down over several batches, not in one
        // long transaction.
        bool ok = true;
        const qint64 indexed = d->indexedThrough(&ok);
        const qint64 excess = std::min(result.lastId - indexed - d->indexBacklogLimit, s_indexChunkRows);
        if (!ok || (excess > 0 && d->indexOutputs(excess, &why) < 0))
            return fail(ok ? why : d->lastError());
    }
    if (!d->exec("COMMIT", &why))
        return fail(QStringLiteral("cannot commit the batch: %1").arg(why));
    return result;
}

qint64 AlertStore::indexPending(qint64 maxRows, QString *error)
{
    if (!d->db || d->mode != OpenMode::ReadWrite) {
        if (error)
            *error = QStringLiteral("the alert store is not open for writing");
        return -1;
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
    const qint64 n = d->scalar("SELECT count(*) FROM alert_output WHERE id > coalesce((SELECT value FROM state "
                               "WHERE key = 'fe.fts_indexed'), 0)",
                               {}, &ok);
    return ok ? n : 0;
}

void AlertStore::setIndexBacklogLimit(qint64 rows)
{
    d->indexBacklogLimit = qMax<qint64>(0, rows);
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

void AlertStore::optimize()
{
    if (!d->db || d->mode != OpenMode::ReadWrite)
        return;
    indexPending();
    // A bounded ANALYZE keeps this fast at 10M rows and still gives the planner the statistics that turn
    // "last hour by rule" into a skip-scan (research/perf.md S14). The checkpoint shrinks the WAL after an import.
    d->exec("PRAGMA analysis_limit=1000; ANALYZE; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);");
    if (d->checkpointer)
        d->checkpointer->dropBehind();
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

QByteArray AlertStore::document(qint64 id) const
{
    if (!d->db)
        return {};
    Private::Statement stmt(d.get(), "SELECT doc FROM alert_doc WHERE id = ?1");
    if (!stmt)
        return {};
    sqlite3_bind_int64(stmt.get(), 1, id);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW)
        return {};
    return columnBytes(stmt.get(), 0);
}

bool AlertStore::forEachDocument(const AlertFilter &filter,
                                 const std::function<bool(qint64 id, const QByteArray &ecsJson)> &fn,
                                 QString *error) const
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
    const QString from = filterSql.needsDoc() ? filterSql.from() : filterSql.from() + QStringLiteral(" JOIN alert_doc d ON d.id = a.id");
    const std::string sql = (QStringLiteral("SELECT a.id, d.doc FROM ") + from + QStringLiteral(" WHERE ")
                             + filterSql.where() + QStringLiteral(" ORDER BY a.ts, a.id"))
                                .toStdString();
    Private::Statement stmt(d.get(), sql);
    if (!stmt || filterSql.bind(stmt.get()) < 0) {
        if (error)
            *error = stmt ? d->lastError() : stmt.error();
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        if (!fn(sqlite3_column_int64(stmt.get(), 0), columnBytes(stmt.get(), 1)))
            return true;
    }
    if (rc != SQLITE_DONE) {
        if (error)
            *error = d->lastError();
        return false;
    }
    return true;
}

AlertBatch AlertStore::alertsAfter(qint64 afterId, int limit) const
{
    AlertBatch batch;
    if (!d->db || limit <= 0)
        return batch;
    const std::string sql = std::string("SELECT ") + s_alertColumns
        + " FROM alerts a LEFT JOIN alert_doc d ON d.id = a.id WHERE a.id > ?1 ORDER BY a.id LIMIT ?2";
    Private::Statement stmt(d.get(), sql);
    Private::Statement output(d.get(), "SELECT output FROM alert_output WHERE id = ?1");
    if (!stmt || !output)
        return batch;
    sqlite3_bind_int64(stmt.get(), 1, afterId);
    sqlite3_bind_int(stmt.get(), 2, limit);
    sqlite3_stmt *s = stmt.get();
    while (sqlite3_step(s) == SQLITE_ROW) {
        Alert alert;
        alert.id = sqlite3_column_int64(s, 0);
        alert.timestampMs = sqlite3_column_int64(s, 1);
        alert.priority = Priority(std::clamp(sqlite3_column_int(s, 2), 0, int(Priority::Unknown)));
        alert.severity = sqlite3_column_int(s, 3);
        alert.rule = columnText(s, 4);
        alert.hostname = columnText(s, 5);
        alert.source = columnText(s, 6);
        alert.containerId = columnText(s, 7);
        alert.containerName = columnText(s, 8);
        alert.containerImage = columnText(s, 9);
        alert.podName = columnText(s, 10);
        alert.namespaceName = columnText(s, 11);
        alert.processName = columnText(s, 12);
        alert.commandLine = columnText(s, 13);
        alert.userName = columnText(s, 14);
        alert.technique = columnText(s, 15);
        alert.subtechnique = columnText(s, 16);
        alert.tactics = Schema::decodeList(columnText(s, 17));
        alert.tags = Schema::decodeList(columnText(s, 18));
        alert.uuid = columnText(s, 19);
        alert.dedupeKey = DedupeKey::logicalKey(columnBlob(s, 20));
        alert.ecsJson = columnBytes(s, 21);
        sqlite3_bind_int64(output.get(), 1, alert.id);
        if (sqlite3_step(output.get()) == SQLITE_ROW)
            alert.output = columnText(output.get(), 0);
        output.reset();
        batch.append(std::move(alert));
    }
    return batch;
}

bool AlertStore::setState(const QString &key, const QByteArray &value)
{
    if (!d->db || d->mode != OpenMode::ReadWrite)
        return false;
    Private::Statement stmt(d.get(), "INSERT INTO state(key, value) VALUES(?1, ?2) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
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
