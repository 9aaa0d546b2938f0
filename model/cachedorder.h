// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/largeallocator.h"

#include <QtGlobal>

#include <limits>
#include <vector>

namespace fe {

class AlertColumnCache;
class CachedMatch;

// The alerts a CachedMatch selects, in the alert table's order, computed in memory from the column cache
// (model/alertcolumncache.h). By time: (time, id) in the chosen direction. By a fact column (priority, rule, host):
// its values in the chosen direction (as SQLite compares them: priority as an integer, text by its bytes), and within
// one value the newest alert first, (time, id) descending, whichever way the column sorts. This is exactly the order
// of the table's keyset queries on the base table (model/alerttablemodel.cpp), so both ways show the same rows.
//
// An order holds the cache's rows (packed when large, see pack()) and a copy of the cache's id runs, so that it stays
// valid after the cache's lock is released: pages are read by id long after it was computed.
//
//   auto lock = cache.lock();
//   CachedMatch match; ... match.build(...);
//   const CachedOrder page = CachedOrder::first(cache, match, sort, 200);   // at once, whatever the store's size
//   const CachedOrder all = CachedOrder::all(cache, match, sort);           // for scrolling
class CachedOrder
{
public:
    struct Sort
    {
        int keyColumn = -1;        // AlertColumnCache::Priority, Rule or Host; -1: by time
        bool descending = true;
        qint64 fromMs = std::numeric_limits<qint64>::min();   // the time range [fromMs, toMs) the rows must be in
        qint64 toMs = std::numeric_limits<qint64>::max();
    };

    // Needs cache.lock() (the match built on it). The first `limit` alerts of the order: one pass over the matching
    // rows, newest first, keeping the best `limit` in a bounded heap; most rows are turned away by comparing their
    // sort key with the worst kept, without reading their time.
    static CachedOrder first(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort, int limit);
    // Needs cache.lock(). Every matching alert: counted per sort key, then placed (a counting sort). Within one key
    // rows stand in id order, which is time order unless alerts arrived late: only a key whose rows are not in time
    // order is sorted.
    static CachedOrder all(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort);

    qint64 size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // The id of the alert at a place of the order (0 <= index < size()).
    qint64 idAt(qint64 index) const;
    // The ids of count alerts from first on (first + count <= size()).
    std::vector<qint64> ids(qint64 first, qint64 count) const;
    // Bytes held.
    qint64 memoryBytes() const;

private:
    struct Build;
    struct IdRun
    {
        quint32 firstRow;
        qint64 firstId;
    };
    void takeIdRuns(const AlertColumnCache &cache, qint64 endRow);
    void pack();
    quint32 rowAt(qint64 index) const;
    qint64 idOfRow(quint32 row) const;

    qint64 m_size = 0;
    std::vector<quint32, LargeAllocator<quint32>> m_rows;   // cache rows in order (while built; small orders keep it)
    // A large order packed (pack()): blocks of PackBlock rows, each its first row and then the differences from one row
    // to the next as zigzag varints. Neighbours in the order are mostly near in the cache (one key's rows in id order),
    // so a row takes 1-2 bytes instead of 4; reading a page decodes at most a block before it.
    static constexpr qint64 PackBlock = 128;
    std::vector<quint32> m_blockFirst;    // per block: its first row
    std::vector<quint32> m_blockOffset;   // per block: where its differences start in m_packed
    std::vector<quint8, LargeAllocator<quint8>> m_packed;
    std::vector<IdRun> m_runs;                               // the cache's runs of consecutive ids, by first row
};

} // namespace fe
