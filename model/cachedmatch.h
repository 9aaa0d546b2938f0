// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QtGlobal>

#include <bit>
#include <vector>

namespace fe {

class AlertColumnCache;
class AlertStore;
class FilterSql;

// Which alerts of a column cache (model/alertcolumncache.h) a filter matches, without reading the wide rows: the
// query's top-level AND terms are each answered the cheapest exact way. Terms on cached columns are evaluated by
// SQLite once per distinct combination of the columns they read (profiles); terms of full-text atoms become bitmaps
// of their subqueries' ids; anything else becomes a bitmap of the ids SQLite returns for it. The dashboard counts
// from it (model/aggregates.cpp), the alert table sorts and pages from it (model/alerttablemodel.cpp).
//
//   auto lock = cache.lock();
//   qint64 maxId; bool usable;
//   if (CachedMatch::catchUp(store, cache, &maxId, &usable, &error) && usable) {
//       CachedMatch match;
//       if (match.build(store, cache, filterSql, cache.rowsUpToId(maxId), &error))
//           match.forEachRow([&](qint64 row) { ... cache.timestamps()[row] ... });
//   }
class CachedMatch
{
public:
    // A cache this many alerts behind the store is caught up by catchUp() itself; further behind (a cache still
    // loading, a burst of ingest), the caller reads the base table instead.
    static constexpr qint64 MaxCatchUpRows = 100000;

    // Needs cache.lock(). Brings the cache up to the store's current read snapshot (*snapshotMaxId: its newest alert
    // id). *usable = false when the cache is too far behind. false + error on a store error.
    static bool catchUp(const AlertStore &store, AlertColumnCache &cache, qint64 *snapshotMaxId, bool *usable,
                        QString *error);

    // Needs cache.lock(), held while the match is used. The cached rows [0, endRow) that query matches, apart from its
    // time range (callers test the rows' timestamps against their own range). false + error on a bad statement.
    bool build(const AlertStore &store, AlertColumnCache &cache, const FilterSql &query, qint64 endRow, QString *error);

    qint64 endRow() const { return m_endRow; }
    // Whether a row's profile is tested (terms on cached columns) and whether rows are tested against a bitmap.
    bool byProfile() const { return m_byProfile; }
    bool byBits() const { return m_byBits; }
    bool profileMatches(quint32 profile) const { return !m_byProfile || m_profileMatch[profile]; }

    // Calls f(row) for each row below endRow() whose bitmap bit is set (every row without bitmap terms), in row
    // order; the caller still tests profileMatches(profile of the row).
    template<typename F>
    void forEachCandidate(F &&f) const
    {
        if (!m_byBits) {
            for (qint64 row = 0; row < m_endRow; ++row)
                f(row);
            return;
        }
        for (size_t word = 0; word < m_bits.size(); ++word) {
            for (quint64 bits = m_bits[word]; bits; bits &= bits - 1)
                f(qint64(word) * 64 + std::countr_zero(bits));
        }
    }

private:
    qint64 m_endRow = 0;
    bool m_byProfile = false;
    bool m_byBits = false;
    std::vector<quint8> m_profileMatch;
    std::vector<quint64> m_bits;
};

} // namespace fe
