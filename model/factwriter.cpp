// SPDX-License-Identifier: Apache-2.0
#include "model/factwriter.h"

#include "model/schema.h"

#include <QStringEncoder>

#include <sqlite3.h>

#include <algorithm>

namespace fe {

namespace {

QByteArray columnUtf8(sqlite3_stmt *stmt, int column)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, column));
    return QByteArray(text ? text : "", text ? sqlite3_column_bytes(stmt, column) : 0);
}

QString originKey(const AlertOrigin &origin)
{
    return QString::number(int(origin.kind)) + QLatin1Char('\x1f') + origin.name + QLatin1Char('\x1f') + origin.options;
}

} // namespace

size_t FactWriter::ProfileKeyHash::operator()(const ProfileKey &k) const noexcept
{
    quint64 h = 0x9E3779B97F4A7C15ull;
    for (const quint32 v : k.values)
        h = (h ^ v) * 0x100000001B3ull;
    return size_t(h ^ (h >> 29));
}

FactWriter::~FactWriter()
{
    finalize();
}

void FactWriter::finalize()
{
    for (sqlite3_stmt *s : {m_insertDict, m_findDict, m_insertProfile, m_insertOrigin, m_findOrigin})
        sqlite3_finalize(s);
    m_insertDict = m_findDict = m_insertProfile = m_insertOrigin = m_findOrigin = nullptr;
}

bool FactWriter::load(sqlite3 *db, QString *error)
{
    finalize();
    m_db = db;
    for (auto &map : m_dict)
        map.clear();
    m_profileSlots.assign(4096, 0);
    m_profileCount = 0;
    m_profileValues.assign(1, {});
    m_texts.assign(1, QByteArray());
    m_origins.clear();
    for (auto &column : m_recent)
        column.fill(RecentString{});
    for (auto &column : m_recentLists)
        column.fill(RecentList{});
    m_lastOrigin = AlertOrigin();
    m_lastOriginId = 0;
    auto fail = [&] {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    };
    sqlite3_stmt *s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT id, kind, value FROM dict", -1, &s, nullptr) != SQLITE_OK)
        return fail();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const int kind = sqlite3_column_int(s, 1);
        if (kind >= FactIntColumns && kind < FactColumnCount) {
            const quint32 id = quint32(sqlite3_column_int64(s, 0));
            const QByteArray text = columnUtf8(s, 2);
            m_dict[size_t(kind)].insert(text, id);
            remember(id, text);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return fail();
    QByteArray sql("SELECT id");
    for (int c = 0; c < FactColumnCount; ++c)
        sql += QByteArray(", ") + factColumnName(c);
    sql += " FROM profile";
    if (sqlite3_prepare_v2(db, sql.constData(), -1, &s, nullptr) != SQLITE_OK)
        return fail();
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ProfileKey key;
        for (int c = 0; c < FactColumnCount; ++c)
            key.values[size_t(c)] = quint32(sqlite3_column_int64(s, 1 + c));
        const quint32 id = quint32(sqlite3_column_int64(s, 0));
        if (id == 0)
            continue;
        rememberProfile(id, key.values);
        const size_t hash = ProfileKeyHash()(key);
        if (findProfile(key, hash) == 0)   // the first of two equal rows wins, as it did for the inserts
            indexProfile(id, hash);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return fail();
    if (sqlite3_prepare_v2(db, "SELECT id, kind, name, options FROM origin", -1, &s, nullptr) != SQLITE_OK)
        return fail();
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        AlertOrigin origin;
        origin.kind = AlertOrigin::Kind(sqlite3_column_int(s, 1));
        origin.name = QString::fromUtf8(columnUtf8(s, 2));
        origin.options = QString::fromUtf8(columnUtf8(s, 3));
        m_origins.insert(originKey(origin), sqlite3_column_int64(s, 0));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return fail();

    QByteArray insertProfile("INSERT INTO profile(");
    QByteArray marks;
    for (int c = 0; c < FactColumnCount; ++c) {
        insertProfile += QByteArray(c ? ", " : "") + factColumnName(c);
        marks += QByteArray(c ? ", ?" : "?") + QByteArray::number(c + 1);
    }
    insertProfile += ") VALUES(" + marks + ")";
    // A concurrent writer (another process) may have added the same value since load(): the unique index keeps one
    // row, and the lookup finds its id.
    if (sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO dict(kind, value) VALUES(?1, ?2)", -1, SQLITE_PREPARE_PERSISTENT,
                           &m_insertDict, nullptr) != SQLITE_OK
        || sqlite3_prepare_v3(db, "SELECT id FROM dict WHERE kind = ?1 AND value = ?2", -1,
                              SQLITE_PREPARE_PERSISTENT, &m_findDict, nullptr) != SQLITE_OK
        || sqlite3_prepare_v3(db, insertProfile.constData(), -1, SQLITE_PREPARE_PERSISTENT, &m_insertProfile, nullptr)
            != SQLITE_OK
        || sqlite3_prepare_v3(db, "INSERT OR IGNORE INTO origin(kind, name, options) VALUES(?1, ?2, ?3)", -1,
                              SQLITE_PREPARE_PERSISTENT, &m_insertOrigin, nullptr) != SQLITE_OK
        || sqlite3_prepare_v3(db, "SELECT id FROM origin WHERE kind = ?1 AND name = ?2 AND options = ?3", -1,
                              SQLITE_PREPARE_PERSISTENT, &m_findOrigin, nullptr) != SQLITE_OK)
        return fail();
    return true;
}

quint32 FactWriter::dictIdUtf8(int column, const QByteArray &utf8, QString *error)
{
    QHash<QByteArray, quint32> &map = m_dict[size_t(column)];
    const auto it = map.constFind(utf8);
    if (it != map.cend())
        return *it;
    sqlite3_bind_int(m_insertDict, 1, column);
    sqlite3_bind_text(m_insertDict, 2, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
    int rc = sqlite3_step(m_insertDict);
    sqlite3_reset(m_insertDict);
    qint64 id = 0;
    if (rc == SQLITE_DONE && sqlite3_changes(m_db) == 1) {
        id = sqlite3_last_insert_rowid(m_db);
    } else if (rc == SQLITE_DONE) {
        sqlite3_bind_int(m_findDict, 1, column);
        sqlite3_bind_text(m_findDict, 2, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
        rc = sqlite3_step(m_findDict);
        if (rc == SQLITE_ROW)
            id = sqlite3_column_int64(m_findDict, 0);
        sqlite3_reset(m_findDict);
    }
    if (id <= 0) {
        if (error)
            *error = QStringLiteral("cannot store a value: %1").arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
        return 0;
    }
    map.insert(utf8, quint32(id));
    remember(quint32(id), utf8);
    return quint32(id);
}

void FactWriter::remember(quint32 id, const QByteArray &text)
{
    if (m_texts.size() <= id)
        m_texts.resize(size_t(id) + 1);
    m_texts[id] = text;
}

quint32 FactWriter::findProfile(const ProfileKey &key, size_t hash) const
{
    const size_t mask = m_profileSlots.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const quint32 id = m_profileSlots[i];
        if (id == 0 || m_profileValues[id] == key.values)
            return id;
    }
}

void FactWriter::indexProfile(quint32 id, size_t hash)
{
    if ((m_profileCount + 1) * 2 > m_profileSlots.size()) {
        std::vector<quint32> old(m_profileSlots.size() * 2, 0);
        old.swap(m_profileSlots);
        const size_t mask = m_profileSlots.size() - 1;
        for (const quint32 known : old) {
            if (known == 0)
                continue;
            size_t i = ProfileKeyHash()(ProfileKey{m_profileValues[known]}) & mask;
            while (m_profileSlots[i] != 0)
                i = (i + 1) & mask;
            m_profileSlots[i] = known;
        }
    }
    const size_t mask = m_profileSlots.size() - 1;
    size_t i = hash & mask;
    while (m_profileSlots[i] != 0)
        i = (i + 1) & mask;
    m_profileSlots[i] = id;
    ++m_profileCount;
}

void FactWriter::rememberProfile(quint32 id, const std::array<quint32, FactColumnCount> &values)
{
    if (m_profileValues.size() <= id)
        m_profileValues.resize(size_t(id) + 1);
    m_profileValues[id] = values;
}

quint32 FactWriter::dictId(int column, const QString &value, QString *error)
{
    std::array<RecentString, s_recentSlots> &recent = m_recent[size_t(column)];
    const size_t slot = (quintptr(value.constData()) >> 4) % s_recentSlots;
    RecentString &r = recent[slot];
    if (r.id != 0 && r.text.constData() == value.constData() && r.text.size() == value.size())
        return r.id;
    const quint32 id = dictIdUtf8(column, value.toUtf8(), error);
    if (id != 0 && !value.isNull())
        r = RecentString{value, id};
    return id;
}

quint32 FactWriter::profileFor(const Alert &alert, QString *error)
{
    ProfileKey key;
    key.values[FactPriority] = quint32(std::clamp(int(alert.priority), 0, int(Priority::Unknown)));
    key.values[FactSeverity] = quint32(std::max(alert.severity, 0));
    const QString *texts[FactColumnCount] = {
        nullptr,           nullptr,           &alert.rule,          &alert.hostname,    &alert.source,
        &alert.containerId, &alert.containerName, &alert.containerImage, &alert.podName, &alert.namespaceName,
        &alert.processName, &alert.userName,  &alert.technique,     &alert.subtechnique, nullptr, nullptr};
    for (int c = FactIntColumns; c < FactColumnCount; ++c) {
        quint32 id = 0;
        if (c == FactTactics || c == FactTags) {
            const QStringList &list = c == FactTactics ? alert.tactics : alert.tags;
            // The list of a rule's alerts is one shared QStringList: its first value's address stands for it.
            if (list.isEmpty()) {
                static const QString none;
                id = dictId(c, none, error);
            } else {
                // A rule's alerts share one QStringList: the list held in the slot keeps its array alive, so the same
                // array means the same values.
                RecentList &r = m_recentLists[c == FactTactics ? 0 : 1][(quintptr(list.constData()) >> 4) % s_recentSlots];
                if (r.id != 0 && r.list.constData() == list.constData() && r.list.size() == list.size()) {
                    id = r.id;
                } else {
                    id = dictIdUtf8(c, Schema::encodeList(Schema::normalizedList(list)).toUtf8(), error);
                    if (id != 0)
                        r = RecentList{list, id};
                }
            }
        } else {
            id = dictId(c, *texts[c], error);
        }
        if (id == 0)
            return 0;
        key.values[size_t(c)] = id;
    }
    return profileOfKey(key, error);
}

// The profile id of a combination of dict ids, stored the first time it is seen.
quint32 FactWriter::profileOfKey(const ProfileKey &key, QString *error)
{
    const size_t hash = ProfileKeyHash()(key);
    if (const quint32 known = findProfile(key, hash))
        return known;
    for (int c = 0; c < FactColumnCount; ++c)
        sqlite3_bind_int64(m_insertProfile, c + 1, key.values[size_t(c)]);
    const int rc = sqlite3_step(m_insertProfile);
    sqlite3_reset(m_insertProfile);
    if (rc != SQLITE_DONE) {
        if (error)
            *error = QStringLiteral("cannot store a profile: %1").arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
        return 0;
    }
    const quint32 id = quint32(sqlite3_last_insert_rowid(m_db));
    rememberProfile(id, key.values);
    indexProfile(id, hash);
    return id;
}

quint32 FactWriter::profileForIds(const std::array<quint32, FactColumnCount> &values, QString *error)
{
    ProfileKey key;
    key.values = values;
    return profileOfKey(key, error);
}

qint64 FactWriter::originFor(const AlertOrigin &origin, QString *error)
{
    if (m_lastOriginId > 0 && origin.kind == m_lastOrigin.kind && origin.name.constData() == m_lastOrigin.name.constData()
        && origin.options.constData() == m_lastOrigin.options.constData() && origin.name.size() == m_lastOrigin.name.size()
        && origin.options.size() == m_lastOrigin.options.size())
        return m_lastOriginId;
    const QString key = originKey(origin);
    qint64 id = m_origins.value(key, 0);
    if (id == 0) {
        const QByteArray name = origin.name.toUtf8();
        const QByteArray options = origin.options.toUtf8();
        for (sqlite3_stmt *s : {m_insertOrigin, m_findOrigin}) {
            sqlite3_bind_int(s, 1, int(origin.kind));
            sqlite3_bind_text(s, 2, name.constData(), int(name.size()), SQLITE_STATIC);
            sqlite3_bind_text(s, 3, options.constData(), int(options.size()), SQLITE_STATIC);
        }
        int rc = sqlite3_step(m_insertOrigin);
        sqlite3_reset(m_insertOrigin);
        if (rc == SQLITE_DONE && sqlite3_changes(m_db) == 1) {
            id = sqlite3_last_insert_rowid(m_db);
        } else if (rc == SQLITE_DONE) {
            if (sqlite3_step(m_findOrigin) == SQLITE_ROW)
                id = sqlite3_column_int64(m_findOrigin, 0);
            sqlite3_reset(m_findOrigin);
        }
        if (id <= 0) {
            if (error)
                *error = QStringLiteral("cannot store an origin: %1").arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
            return 0;
        }
        m_origins.insert(key, id);
    }
    m_lastOrigin = origin;
    m_lastOriginId = id;
    return id;
}

} // namespace fe
