// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <vector>

namespace fe {

// The columns the dashboard and the explorer hold in memory for every alert (id, time, profile), persisted in
// blocks (`colseg` table) so that a store of millions of alerts is read into memory in a fraction of a second
// instead of row by row. The store's writer appends a block each time SegmentRows alerts have been stored beyond the
// last one; readers load the blocks and read the few alerts after them from `alerts` (AlertColumnCache).
// A block: format byte 1, then zstd of the rows as varints: id - previous id, zigzag(ts - previous ts), profile.
struct ColumnSegment
{
    static constexpr qint64 SegmentRows = 65536;

    std::vector<qint64> ids;
    std::vector<qint64> timestamps;
    std::vector<quint32> profiles;

    QByteArray encode() const;
    // false + error when the block is damaged.
    bool decode(QByteArrayView block, QString *error = nullptr);
};

} // namespace fe
