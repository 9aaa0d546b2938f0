// SPDX-License-Identifier: Apache-2.0
#include "ingest/pipeline/demoloader.h"

#include "ingest/ecs/ecsrecordmapper.h"
#include "model/alertstore.h"
#include "model/recordcodec.h"

#include <QDateTime>

#include <vector>

namespace fe {

namespace {

constexpr int s_trainingLines = 2000;
constexpr qsizetype s_batchAlerts = 10000;

} // namespace

bool loadDemoAlerts(AlertStore *store, const DemoOptions &demo, MapOptions mapOptions, DemoLoadResult *result,
                    QString *error)
{
    *result = DemoLoadResult();
    if (mapOptions.readTimeMs <= 0)
        mapOptions.readTimeMs = QDateTime::currentMSecsSinceEpoch();
    mapOptions.buildDocument = false;
    DemoGenerator generator(demo);
    const AlertOrigin origin = EcsRecordMapper::origin(mapOptions, mapOptions.logFilePath);
    // A new store's dictionary is trained on the first alerts, before any is compressed.
    std::vector<QByteArray> first;
    while (!generator.atEnd() && first.size() < size_t(s_trainingLines))
        first.push_back(generator.next());
    if (store->codec()->activeDictionary() == 0) {
        const std::vector<QByteArrayView> samples(first.begin(), first.end());
        store->trainDictionary(samples);
    }
    AlertBatch batch;
    qint64 offset = 0;
    const auto flush = [&]() {
        QString why;
        const InsertResult r = store->insert(batch, &why);
        batch.clear();
        result->stored += r.stored;
        result->duplicates += r.duplicates;
        if (why.isEmpty())
            return true;
        if (error)
            *error = why;
        return false;
    };
    const auto add = [&](const QByteArray &line) {
        mapOptions.logOffset = mapOptions.logFilePath.isEmpty() ? -1 : offset;
        offset += line.size() + 1;
        MapResult mapped = mapLine(line, mapOptions);
        if (mapped.status == MapResult::Status::Alert) {
            EcsRecordMapper::keepOriginal(&mapped.alert, line, origin, mapOptions, *store->codec());
            batch.append(std::move(mapped.alert));
        }
        return batch.size() < s_batchAlerts || flush();
    };
    for (const QByteArray &line : first) {
        if (!add(line))
            return false;
    }
    while (!generator.atEnd()) {
        if (!add(generator.next()))
            return false;
    }
    if (!batch.isEmpty() && !flush())
        return false;
    return store->optimize(error);
}

} // namespace fe
