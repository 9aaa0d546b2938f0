// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QtGlobal>

#include <algorithm>
#include <bit>
#include <shared_mutex>
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
//   std::shared_lock<std::shared_mutex> lock;
//   qint64 maxId; bool usable;
//   if (CachedMatch::catchUp(store, cache, &lock, &maxId, &usable, &error) && usable) {
//       CachedMatch match;
//       if (match.build(store, cache, filterSql, cache.rowsUpToId(maxId), &error))
//           match.forEachCandidate([&](qint64 row) { ... cache.timestamp(row) ... });
//   }
class CachedMatch
{
public:
    // A cache this many alerts behind the store is caught up by catchUp() itself; further behind (a cache still
    // loading, a burst of ingest), the caller reads the base table instead.
    static constexpr qint64 MaxCatchUpRows = 100000;

    // Needs no lock of the cache. Brings the cache up to the store's current read snapshot (*snapshotMaxId: its newest
    // alert id; the cache locked alone for that moment) and, when *usable, returns it read-locked in *readLock: other
    // readers go on side by side. *usable = false (nothing locked) when the cache is too far behind. false + error on
    // a store error.
    static bool catchUp(const AlertStore &store, AlertColumnCache &cache, std::shared_lock<std::shared_mutex> *readLock,
                        qint64 *snapshotMaxId, bool *usable, QString *error);

    // Needs cache.readLock() (or lock()), held while the match is used. The cached rows [0, endRow) that query matches, apart from its
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
        forEachCandidate(0, m_endRow, f);
    }
    // The same for the rows [begin, end) (within [0, endRow())).
    template<typename F>
    void forEachCandidate(qint64 begin, qint64 end, F &&f) const
    {
        if (!m_byBits) {
            for (qint64 row = begin; row < end; ++row)
                f(row);
            return;
        }
        for (qint64 word = begin / 64; word * 64 < end; ++word) {
            for (quint64 bits = m_bits[size_t(word)] & wordMask(word, begin, end); bits; bits &= bits - 1)
                f(word * 64 + std::countr_zero(bits));
        }
    }
    // forEachCandidate() from the last row of [begin, end) to the first.
    template<typename F>
    void forEachCandidateBackward(qint64 begin, qint64 end, F &&f) const
    {
        if (!m_byBits) {
            for (qint64 row = end - 1; row >= begin; --row)
                f(row);
            return;
        }
        if (end <= begin)
            return;
        for (qint64 word = (end - 1) / 64; word >= begin / 64; --word) {
            for (quint64 bits = m_bits[size_t(word)] & wordMask(word, begin, end); bits;) {
                const int bit = 63 - std::countl_zero(bits);
                f(word * 64 + bit);
                bits &= ~(quint64(1) << bit);
            }
        }
    }

private:
    // The bits of a bitmap word that stand for rows in [begin, end).
    static quint64 wordMask(qint64 word, qint64 begin, qint64 end)
    {
        const qint64 first = std::max<qint64>(begin - word * 64, 0);
        const qint64 last = std::min<qint64>(end - word * 64, 64);   // exclusive
        if (first >= last)
            return 0;
        const quint64 upTo = last == 64 ? ~quint64(0) : (quint64(1) << last) - 1;
        return upTo & ~((quint64(1) << first) - 1);
    }

    qint64 m_endRow = 0;
    bool m_byProfile = false;
    bool m_byBits = false;
    std::vector<quint8> m_profileMatch;
    std::vector<quint64> m_bits;
};

} // namespace fe
