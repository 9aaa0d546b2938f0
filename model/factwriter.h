// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"
#include "model/factcatalog.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <array>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace fe {

// The writer's side of the fact tables (schema v5): turns an alert's facts into its profile id and its origin into
// an origin id, adding the dict values, profiles and origins the store does not have yet in the caller's transaction.
// It keeps every value, profile and origin of the store in memory (they are few: a dictionary of what repeats), so a
// known alert costs hash lookups, not queries. After a rolled-back transaction, call reload(): ids handed out in it
// were never written.
class FactWriter
{
public:
    FactWriter() = default;
    ~FactWriter();
    FactWriter(const FactWriter &) = delete;
    FactWriter &operator=(const FactWriter &) = delete;

    // Reads the store's dict, profile and origin tables. false + error on a database error.
    bool load(sqlite3 *db, QString *error = nullptr);
    bool reload(QString *error = nullptr) { return load(m_db, error); }

    // Inside a write transaction. 0 + error on a database error.
    quint32 profileFor(const Alert &alert, QString *error);
    // The profile of facts given as FactColumn values: priority, severity, then dict ids (dictId()).
    quint32 profileForIds(const std::array<quint32, FactColumnCount> &values, QString *error);
    // The dict id of a text fact's UTF-8 value (a list as Schema::encodeList of the normalized list).
    quint32 dictId(int column, const QByteArray &utf8, QString *error) { return dictIdUtf8(column, utf8, error); }
    qint64 originFor(const AlertOrigin &origin, QString *error);

    // A profile this writer knows (loaded or added): its facts as FactColumn values (integers) and dict ids.
    const std::array<quint32, FactColumnCount> &profileValues(quint32 profileId) const
    {
        return m_profileValues[profileId];
    }
    // The UTF-8 text of a dict id this writer knows ("" for 0).
    const QByteArray &text(quint32 dictId) const { return dictId < m_texts.size() ? m_texts[dictId] : m_empty; }

private:
    quint32 dictId(int column, const QString &value, QString *error);
    quint32 dictIdUtf8(int column, const QByteArray &utf8, QString *error);
    void remember(quint32 id, const QByteArray &text);
    void rememberProfile(quint32 id, const std::array<quint32, FactColumnCount> &values);
    void finalize();

    struct ProfileKey
    {
        std::array<quint32, FactColumnCount> values{};
        bool operator==(const ProfileKey &other) const { return values == other.values; }
    };
    struct ProfileKeyHash
    {
        size_t operator()(const ProfileKey &k) const noexcept;
    };
    // The dict id of the last few distinct QStrings seen per column, keyed by their character data: the mapper
    // shares one QString per repeated value, so most lookups need neither a UTF-8 encoding nor a hash of the text.
    // The slot holds a reference to the string: its characters cannot be freed and reused for another text while
    // the slot keeps them, so the same address means the same text.
    struct RecentString
    {
        QString text;
        quint32 id = 0;
    };
    struct RecentList
    {
        QStringList list;
        quint32 id = 0;
    };
    static constexpr int s_recentSlots = 16;

    quint32 profileOfKey(const ProfileKey &key, QString *error);
    // The profile index: open addressing over profile ids (0: empty), a power of two at most half full; a slot's key
    // is m_profileValues[id], so a profile's facts are held once (most alerts of a busy host bring a new combination:
    // ~170k at 1M demo alerts).
    quint32 findProfile(const ProfileKey &key, size_t hash) const;
    void indexProfile(quint32 id, size_t hash);

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_insertDict = nullptr;
    sqlite3_stmt *m_findDict = nullptr;
    sqlite3_stmt *m_insertProfile = nullptr;
    sqlite3_stmt *m_insertOrigin = nullptr;
    sqlite3_stmt *m_findOrigin = nullptr;
    std::array<QHash<QByteArray, quint32>, FactColumnCount> m_dict;
    std::vector<quint32> m_profileSlots;
    size_t m_profileCount = 0;
    std::vector<std::array<quint32, FactColumnCount>> m_profileValues;   // by profile id
    std::vector<QByteArray> m_texts;                                     // by dict id
    QByteArray m_empty;
    QHash<QString, qint64> m_origins;   // kind + '\x1f' + name + '\x1f' + options
    std::array<std::array<RecentString, s_recentSlots>, FactColumnCount> m_recent{};
    std::array<std::array<RecentList, s_recentSlots>, 2> m_recentLists{};   // tactics, tags
    // The origin of the previous alert: a batch's alerts mostly share it (one file, one connection).
    AlertOrigin m_lastOrigin;
    qint64 m_lastOriginId = 0;
};

} // namespace fe
