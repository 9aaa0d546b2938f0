// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

struct sqlite3;

namespace fe {

// The facts of an alert: the immutable, low-cardinality values that lists, sorts, filters and counts need. Schema v5
// keeps each distinct combination of them once (a profile: `profile` table, values as ids into `dict`), and each alert
// row holds only its profile id. The numbering is the schema's: `dict.kind` and the profile table's columns.
enum FactColumn : int {
    FactPriority,      // integer (fe::Priority)
    FactSeverity,      // integer (event.severity)
    FactRule,
    FactHost,
    FactSource,        // event.provider
    FactContainerId,
    FactContainerName,
    FactImage,
    FactPod,
    FactNamespace,
    FactProcess,
    FactUser,
    FactTechnique,
    FactSubtechnique,
    FactTactics,       // '|a|b|' (Schema::encodeList)
    FactTags,          // '|a|b|'
    FactColumnCount
};
inline constexpr int FactIntColumns = 2;   // FactPriority and FactSeverity hold values, the others dict ids

// The name of a fact column in the profile table and in queries ("rule").
const char *factColumnName(int column);

// An in-memory copy of a store's `dict` and `profile` tables, shared by every reader of the same file in the process
// (the column cache, the explorer's rows, aggregates, the query functions). Both tables are append-only (a value or a
// combination, once written, keeps its id forever), so refresh() only adds what was committed since, and readers
// never need a lock: entries below the published counts never change or move.
class FactCatalog
{
public:
    struct Profile
    {
        quint32 values[FactColumnCount];   // priority and severity as values; the other columns as dict ids
    };

    FactCatalog();
    ~FactCatalog();
    FactCatalog(const FactCatalog &) = delete;
    FactCatalog &operator=(const FactCatalog &) = delete;

    // The catalog of the database at path, created empty if nobody holds one yet.
    static std::shared_ptr<FactCatalog> acquire(const QString &databasePath);

    // Adds the dict and profile rows that db's current read snapshot has beyond the catalog. Thread-safe (one
    // refresh at a time); false + error on a database error.
    bool refresh(sqlite3 *db, QString *error = nullptr);
    // refresh() when profileId or dictId is not known yet; true when it is known afterwards.
    bool ensureProfile(sqlite3 *db, quint32 profileId);

    // Lock-free. Profile ids are 1..profileEnd()-1; dict ids 1..dictEnd()-1.
    quint32 profileEnd() const { return m_profileEnd.load(std::memory_order_acquire); }
    quint32 dictEnd() const { return m_dictEnd.load(std::memory_order_acquire); }
    const Profile &profile(quint32 id) const { return m_profiles[id >> ChunkBits][id & ChunkMask]; }
    // The UTF-8 text of a dict id ("" for 0).
    const QByteArray &text(quint32 dictId) const { return m_texts[dictId >> ChunkBits][dictId & ChunkMask]; }
    int kind(quint32 dictId) const { return m_kinds[dictId >> ChunkBits][dictId & ChunkMask]; }
    // A fact of a known profile: the value (integer columns) or the dict id.
    quint32 value(quint32 profileId, int column) const { return profile(profileId).values[column]; }
    const QByteArray &factText(quint32 profileId, int column) const { return text(value(profileId, column)); }

    // Bytes held, roughly.
    qint64 memoryBytes() const { return m_bytes.load(std::memory_order_relaxed); }

private:
    static constexpr int ChunkBits = 16;
    static constexpr quint32 ChunkSize = quint32(1) << ChunkBits;
    static constexpr quint32 ChunkMask = ChunkSize - 1;
    static constexpr int MaxChunks = 1 << 16;   // 2^32 entries

    template<typename T>
    struct Chunks
    {
        std::unique_ptr<std::unique_ptr<T[]>[]> chunks{new std::unique_ptr<T[]>[MaxChunks]};
        T *operator[](quint32 chunk) const { return chunks[chunk].get(); }
        void ensure(quint32 id)
        {
            if (!chunks[id >> ChunkBits])
                chunks[id >> ChunkBits].reset(new T[ChunkSize]());
        }
    };

    std::mutex m_refresh;
    Chunks<Profile> m_profiles;
    Chunks<QByteArray> m_texts;
    Chunks<quint8> m_kinds;
    std::atomic<quint32> m_profileEnd{1};
    std::atomic<quint32> m_dictEnd{1};
    std::atomic<qint64> m_bytes{0};
};

} // namespace fe
