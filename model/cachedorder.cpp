// SPDX-License-Identifier: Apache-2.0
#include "model/cachedorder.h"

#include "model/alertcolumncache.h"
#include "model/cachedmatch.h"

#include <algorithm>
#include <utility>

namespace fe {

namespace {

constexpr quint32 kNoMatch = 0xffffffffu;

// Per profile, its place among the sort keys (0 first), or kNoMatch when the match excludes it; *keys: how many
// places. Rows of one profile share their key, so a row's place is one lookup.
std::vector<quint32> placeOfProfile(const AlertColumnCache &cache, const CachedMatch &match,
                                    const CachedOrder::Sort &sort, quint32 *keys)
{
    const std::vector<AlertColumnCache::Profile> &profiles = cache.profiles();
    std::vector<quint32> place(profiles.size(), 0);
    *keys = 1;
    const int column = sort.keyColumn;
    // (An empty store's column has no codes yet, while its profile 0, "none", has code 0 everywhere.)
    if (column >= 0 && cache.dictionarySize(column) > 0) {
        std::vector<quint32> codes(size_t(cache.dictionarySize(column)));
        for (quint32 c = 0; c < codes.size(); ++c)
            codes[c] = c;
        if (column < AlertColumnCache::IntColumnCount) {
            std::sort(codes.begin(), codes.end(), [&](quint32 x, quint32 y) {
                return cache.intValue(column, x) < cache.intValue(column, y);
            });
        } else {
            // (QByteArray compares its bytes as unsigned, then the lengths: as SQLite's BINARY collation.)
            std::sort(codes.begin(), codes.end(), [&](quint32 x, quint32 y) {
                return cache.text(column, x) < cache.text(column, y);
            });
        }
        *keys = quint32(std::max<size_t>(codes.size(), 1));
        std::vector<quint32> placeOfCode(codes.size());
        for (quint32 rank = 0; rank < codes.size(); ++rank)
            placeOfCode[codes[rank]] = sort.descending ? *keys - 1 - rank : rank;
        for (size_t p = 0; p < profiles.size(); ++p)
            place[p] = placeOfCode[profiles[p].codes[column]];
    }
    for (size_t p = 0; p < profiles.size(); ++p) {
        if (!match.profileMatches(quint32(p)))
            place[p] = kNoMatch;
    }
    return place;
}

// By a column, and by time descending: within one key the newest first. By time ascending: the oldest first.
bool newestFirst(const CachedOrder::Sort &sort)
{
    return sort.keyColumn >= 0 || sort.descending;
}

bool bounded(const CachedOrder::Sort &sort)
{
    return sort.fromMs != std::numeric_limits<qint64>::min() || sort.toMs != std::numeric_limits<qint64>::max();
}

// The places narrowed to the smallest type that holds them (kNoMatch becomes the type's largest value): rows are
// looked up in this table one after the other in profile order, which is random, and 300k profiles of one byte each
// stay in a core's own cache where 4 bytes each would not.
template<typename Place>
std::vector<Place> narrowed(const std::vector<quint32> &places)
{
    std::vector<Place> out(places.size());
    for (size_t p = 0; p < places.size(); ++p)
        out[p] = places[p] == kNoMatch ? std::numeric_limits<Place>::max() : Place(places[p]);
    return out;
}

// Calls f(places) with the places of every profile in the narrowest table (see narrowed()).
template<typename F>
void withPlaces(const AlertColumnCache &cache, const CachedMatch &match, const CachedOrder::Sort &sort, F &&f)
{
    quint32 keys = 0;
    const std::vector<quint32> places = placeOfProfile(cache, match, sort, &keys);
    if (keys < std::numeric_limits<quint8>::max())
        f(narrowed<quint8>(places), keys);
    else if (keys < std::numeric_limits<quint16>::max())
        f(narrowed<quint16>(places), keys);
    else
        f(places, keys);
}

// The best `limit` rows seen so far in a heap whose front is the last of them. consider() is the loop's body: most rows
// are turned away by the place of their profile alone, rows of the front's place by their time and row; only rows
// that enter the heap take the slow path.
template<typename Place, bool NewestFirst, typename Times>
class TopRows
{
public:
    TopRows(const Place *placeOf, const quint32 *rowProfile, Times ts, const CachedOrder::Sort &sort, int limit)
        : m_placeOf(placeOf)
        , m_rowProfile(rowProfile)
        , m_ts(ts)
        , m_fromMs(sort.fromMs)
        , m_toMs(sort.toMs)
        , m_limit(size_t(limit))
    {
        m_heap.reserve(m_limit + 1);
    }

    void consider(qint64 row)
    {
        const Place place = m_placeOf[m_rowProfile[row]];
        if (place > m_worstPlace)
            return;
        const qint64 t = m_ts[row];
        if (place == m_worstPlace && m_heap.size() == m_limit && !before(t, quint32(row), m_worstTs, m_worstRow))
            return;
        if (t < m_fromMs || t >= m_toMs)
            return;
        keep(Entry{place, quint32(row), t});
    }

    // Whether the heap is full and its last row is of `place` and at least as new (oldest first: as old) as ts:
    // then no row of that place or a later one that is older (newer) can enter it.
    bool settled(Place place, qint64 ts) const
    {
        return m_heap.size() == m_limit && m_worstPlace == place && (NewestFirst ? ts <= m_worstTs : ts >= m_worstTs);
    }

    // The rows kept, in order.
    std::vector<quint32> rows()
    {
        std::sort_heap(m_heap.begin(), m_heap.end(), Before());
        std::vector<quint32> out;
        out.reserve(m_heap.size());
        for (const Entry &e : m_heap)
            out.push_back(e.row);
        return out;
    }

private:
    struct Entry
    {
        Place place;
        quint32 row;
        qint64 ts;
    };
    // Within one place: newest first, (time, row) descending; else (time, row) ascending.
    static bool before(qint64 ta, quint32 ra, qint64 tb, quint32 rb)
    {
        if (ta != tb)
            return NewestFirst ? ta > tb : ta < tb;
        return NewestFirst ? ra > rb : ra < rb;
    }
    struct Before
    {
        bool operator()(const Entry &a, const Entry &b) const
        {
            return a.place != b.place ? a.place < b.place : before(a.ts, a.row, b.ts, b.row);
        }
    };

    Q_DECL_COLD_FUNCTION void keep(const Entry &e)
    {
        if (m_heap.size() == m_limit) {
            std::pop_heap(m_heap.begin(), m_heap.end(), Before());
            m_heap.back() = e;
        } else {
            m_heap.push_back(e);
        }
        std::push_heap(m_heap.begin(), m_heap.end(), Before());
        if (m_heap.size() == m_limit) {
            m_worstPlace = m_heap.front().place;
            m_worstTs = m_heap.front().ts;
            m_worstRow = m_heap.front().row;
        }
    }

    const Place *m_placeOf;
    const quint32 *m_rowProfile;
    const Times m_ts;
    const qint64 m_fromMs;
    const qint64 m_toMs;
    const size_t m_limit;
    std::vector<Entry> m_heap;
    // The front of the full heap; until it is full, any matching row is kept (the last valid place).
    Place m_worstPlace = std::numeric_limits<Place>::max() - 1;
    qint64 m_worstTs = 0;
    quint32 m_worstRow = 0;
};

} // namespace

struct CachedOrder::Build
{
    template<typename Place>
    static void first(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort, int limit,
                      const std::vector<Place> &placeOf, CachedOrder *out)
    {
        const quint32 *rowProfile = cache.rowProfiles().data();
        // Scanned newest first when the order wants the newest first (and oldest first otherwise), block by block of
        // the cache: rows mostly come in time order, so after the first rows of the best place nearly every row is
        // turned away, and once the best place's newest rows are kept and no block left holds a newer row, the scan
        // stops. The best place is known when every row of the match is of one (by time) or when the profiles' row
        // counts say which places have rows (a match on profiles alone, no time range, the whole cache).
        constexpr Place noMatch = std::numeric_limits<Place>::max();
        const qint64 end = match.endRow();
        const qint64 block = AlertColumnCache::BlockRows;
        const std::vector<qint64> &blockMin = cache.blockMinTs();
        const std::vector<qint64> &blockMax = cache.blockMaxTs();
        bool canStop = sort.keyColumn < 0;
        Place best = 0;
        if (!canStop && !match.byBits() && !bounded(sort) && cache.rowCount() == end) {
            const std::vector<quint32> &profileRows = cache.profileRows();
            best = noMatch;
            for (size_t p = 0; p < placeOf.size() && p < profileRows.size(); ++p) {
                if (profileRows[p] > 0)
                    best = std::min(best, placeOf[p]);
            }
            if (best == noMatch)
                return;   // nothing matches
            canStop = true;
        }
        const auto scan = [&](auto &top, bool newest) {
            const qint64 blocks = (end + block - 1) / block;
            if (newest) {
                // The newest row of the blocks before b: a running maximum.
                std::vector<qint64> newestBefore(size_t(blocks) + 1, std::numeric_limits<qint64>::min());
                for (qint64 b = 0; b < blocks; ++b)
                    newestBefore[size_t(b) + 1] = std::max(newestBefore[size_t(b)], blockMax[size_t(b)]);
                for (qint64 b = blocks - 1; b >= 0; --b) {
                    match.forEachCandidateBackward(b * block, std::min(end, (b + 1) * block),
                                                   [&top](qint64 row) { top.consider(row); });
                    if (canStop && b > 0 && top.settled(best, newestBefore[size_t(b)]))
                        break;
                }
            } else {
                // The oldest row of the blocks from b on.
                std::vector<qint64> oldestFrom(size_t(blocks) + 1, std::numeric_limits<qint64>::max());
                for (qint64 b = blocks - 1; b >= 0; --b)
                    oldestFrom[size_t(b)] = std::min(oldestFrom[size_t(b) + 1], blockMin[size_t(b)]);
                for (qint64 b = 0; b < blocks; ++b) {
                    match.forEachCandidate(b * block, std::min(end, (b + 1) * block),
                                           [&top](qint64 row) { top.consider(row); });
                    if (canStop && b + 1 < blocks && top.settled(best, oldestFrom[size_t(b) + 1]))
                        break;
                }
            }
            const std::vector<quint32> rows = top.rows();
            out->m_rows.assign(rows.begin(), rows.end());
        };
        cache.withTimestamps([&](const auto ts) {
            if (newestFirst(sort)) {
                TopRows<Place, true, decltype(ts)> top(placeOf.data(), rowProfile, ts, sort, limit);
                scan(top, true);
            } else {
                TopRows<Place, false, decltype(ts)> top(placeOf.data(), rowProfile, ts, sort, limit);
                scan(top, false);
            }
        });
    }

    template<typename Place>
    static void all(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort,
                    const std::vector<Place> &placeOf, quint32 keys, CachedOrder *out)
    {
        cache.withTimestamps([&](const auto ts) { place(cache, match, sort, placeOf, keys, ts, out); });
    }

    // all() with the cache's timestamps.
    template<typename Place, typename Times>
    static void place(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort,
                      const std::vector<Place> &placeOf, quint32 keys, const Times ts, CachedOrder *out)
    {
        constexpr Place noMatch = std::numeric_limits<Place>::max();
        const quint32 *rowProfile = cache.rowProfiles().data();
        const bool newest = newestFirst(sort);
        const bool ranged = bounded(sort);
        const qint64 fromMs = sort.fromMs;
        const qint64 toMs = sort.toMs;

        // Rows per place (start[place + 1]), then where each place starts.
        std::vector<qint64> start(size_t(keys) + 1, 0);
        match.forEachCandidate([&](qint64 row) {
            const Place place = placeOf[rowProfile[row]];
            if (place == noMatch)
                return;
            if (ranged) {
                const qint64 t = ts[row];
                if (t < fromMs || t >= toMs)
                    return;
            }
            ++start[size_t(place) + 1];
        });
        for (size_t k = 1; k <= keys; ++k)
            start[k] += start[k - 1];
        out->m_rows.resize(size_t(start[keys]));
        quint32 *rows = out->m_rows.data();

        // Placed in row order (id order): newest first means from the end of the key's range backwards. A key stays
        // sorted while its rows' times do not go down; one whose do is sorted afterwards.
        std::vector<qint64> next(static_cast<size_t>(keys));
        for (quint32 k = 0; k < keys; ++k)
            next[k] = newest ? start[k + 1] : start[k];
        std::vector<qint64> lastTs(size_t(keys), std::numeric_limits<qint64>::min());
        std::vector<quint8> unsorted(size_t(keys), 0);
        match.forEachCandidate([&](qint64 row) {
            const Place place = placeOf[rowProfile[row]];
            if (place == noMatch)
                return;
            const qint64 t = ts[row];
            if (ranged && (t < fromMs || t >= toMs))
                return;
            if (t < lastTs[place])
                unsorted[place] = 1;
            lastTs[place] = t;
            rows[newest ? --next[place] : next[place]++] = quint32(row);
        });
        for (quint32 k = 0; k < keys; ++k) {
            if (!unsorted[k])
                continue;
            std::vector<std::pair<qint64, quint32>, LargeAllocator<std::pair<qint64, quint32>>> byTime;
            byTime.reserve(size_t(start[k + 1] - start[k]));
            for (qint64 i = start[k]; i < start[k + 1]; ++i)
                byTime.emplace_back(ts[rows[i]], rows[i]);
            if (newest)
                std::sort(byTime.begin(), byTime.end(), std::greater<>());
            else
                std::sort(byTime.begin(), byTime.end());
            for (size_t i = 0; i < byTime.size(); ++i)
                rows[start[k] + qint64(i)] = byTime[i].second;
        }
    }
};

CachedOrder CachedOrder::first(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort, int limit)
{
    Q_ASSERT(cache.rowCount() <= qint64(std::numeric_limits<quint32>::max()));
    CachedOrder out;
    out.takeIdRuns(cache, match.endRow());
    if (limit > 0) {
        withPlaces(cache, match, sort, [&](const auto &places, quint32) {
            Build::first(cache, match, sort, limit, places, &out);
        });
    }
    out.pack();
    return out;
}

CachedOrder CachedOrder::all(const AlertColumnCache &cache, const CachedMatch &match, const Sort &sort)
{
    Q_ASSERT(cache.rowCount() <= qint64(std::numeric_limits<quint32>::max()));
    CachedOrder out;
    out.takeIdRuns(cache, match.endRow());
    withPlaces(cache, match, sort, [&](const auto &places, quint32 keys) {
        Build::all(cache, match, sort, places, keys, &out);
    });
    out.pack();
    return out;
}

void CachedOrder::takeIdRuns(const AlertColumnCache &cache, qint64 endRow)
{
    m_runs.clear();
    for (const AlertColumnCache::IdRun &run : cache.idRuns()) {
        if (run.firstRow >= endRow)
            break;
        m_runs.push_back(IdRun{quint32(run.firstRow), run.firstId});
    }
}

void CachedOrder::pack()
{
    m_size = qint64(m_rows.size());
    // (A page or two is read as it is; packing pays from orders of a few blocks on.)
    if (m_size < 64 * PackBlock)
        return;
    const qint64 blocks = (m_size + PackBlock - 1) / PackBlock;
    m_blockFirst.reserve(size_t(blocks));
    m_blockOffset.reserve(size_t(blocks));
    m_packed.reserve(size_t(m_size) * 2);
    quint32 previous = 0;
    for (qint64 i = 0; i < m_size; ++i) {
        const quint32 row = m_rows[size_t(i)];
        if (i % PackBlock == 0) {
            m_blockFirst.push_back(row);
            m_blockOffset.push_back(quint32(m_packed.size()));
        } else {
            const qint64 delta = qint64(row) - qint64(previous);
            quint64 zigzag = (quint64(delta) << 1) ^ quint64(delta >> 63);
            while (zigzag >= 0x80) {
                m_packed.push_back(quint8(zigzag | 0x80));
                zigzag >>= 7;
            }
            m_packed.push_back(quint8(zigzag));
        }
        previous = row;
    }
    m_packed.shrink_to_fit();
    std::vector<quint32, LargeAllocator<quint32>>().swap(m_rows);
}

namespace {

// The next row of a packed block: the previous one plus the zigzag varint at *p.
inline quint32 nextPackedRow(quint32 previous, const quint8 *&p)
{
    quint64 zigzag = 0;
    int shift = 0;
    quint8 byte = 0;
    do {
        byte = *p++;
        zigzag |= quint64(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    const qint64 delta = qint64(zigzag >> 1) ^ -qint64(zigzag & 1);
    return quint32(qint64(previous) + delta);
}

} // namespace

quint32 CachedOrder::rowAt(qint64 index) const
{
    if (m_blockFirst.empty())
        return m_rows[size_t(index)];
    const qint64 block = index / PackBlock;
    quint32 row = m_blockFirst[size_t(block)];
    const quint8 *p = m_packed.data() + m_blockOffset[size_t(block)];
    for (qint64 i = block * PackBlock + 1; i <= index; ++i)
        row = nextPackedRow(row, p);
    return row;
}

qint64 CachedOrder::idOfRow(quint32 row) const
{
    const auto run = std::upper_bound(m_runs.begin(), m_runs.end(), row,
                                      [](quint32 value, const IdRun &r) { return value < r.firstRow; }) - 1;
    return run->firstId + (row - run->firstRow);
}

qint64 CachedOrder::idAt(qint64 index) const
{
    return idOfRow(rowAt(index));
}

std::vector<qint64> CachedOrder::ids(qint64 first, qint64 count) const
{
    std::vector<qint64> out;
    out.reserve(size_t(std::max<qint64>(count, 0)));
    if (count <= 0)
        return out;
    if (m_blockFirst.empty()) {
        for (qint64 i = first; i < first + count; ++i)
            out.push_back(idOfRow(m_rows[size_t(i)]));
        return out;
    }
    // One decode from the first row's block on, not one per row.
    qint64 block = first / PackBlock;
    const quint8 *p = m_packed.data() + m_blockOffset[size_t(block)];
    quint32 row = m_blockFirst[size_t(block)];
    for (qint64 i = block * PackBlock + 1; i <= first; ++i)
        row = nextPackedRow(row, p);
    out.push_back(idOfRow(row));
    for (qint64 i = first + 1; i < first + count; ++i) {
        if (i % PackBlock == 0) {
            block = i / PackBlock;
            row = m_blockFirst[size_t(block)];
            p = m_packed.data() + m_blockOffset[size_t(block)];
        } else {
            row = nextPackedRow(row, p);
        }
        out.push_back(idOfRow(row));
    }
    return out;
}

qint64 CachedOrder::memoryBytes() const
{
    return qint64(m_rows.capacity() * sizeof(quint32) + m_runs.capacity() * sizeof(IdRun)
                  + m_blockFirst.capacity() * sizeof(quint32) + m_blockOffset.capacity() * sizeof(quint32)
                  + m_packed.capacity());
}

} // namespace fe
