// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QString>

#include <memory>

namespace fe {

// One shared object of type T per store file, for everything in the process that works on that store (the
// connections of the GUI, its readers and its writer): keyed by the file's canonical path, so that two spellings
// of one path find the same object, and held weakly, so that it goes when its last user lets it go.
template <class T>
class StoreRegistry
{
public:
    // The object of the store at databasePath, created when nobody holds one.
    std::shared_ptr<T> acquire(const QString &databasePath)
    {
        const QString key = keyOf(databasePath);
        QMutexLocker locker(&m_mutex);
        std::weak_ptr<T> &slot = m_objects[key];
        std::shared_ptr<T> object = slot.lock();
        if (!object) {
            object = std::make_shared<T>();
            slot = object;
        }
        // Forget the entries of objects nobody holds any more.
        for (auto it = m_objects.begin(); it != m_objects.end();) {
            if (it->expired())
                it = m_objects.erase(it);
            else
                ++it;
        }
        return object;
    }

    // The object of that store when someone holds it, else nullptr.
    std::shared_ptr<T> find(const QString &databasePath) const
    {
        const QString key = keyOf(databasePath);
        QMutexLocker locker(&m_mutex);
        const auto it = m_objects.constFind(key);
        return it == m_objects.cend() ? nullptr : it->lock();
    }

private:
    static QString keyOf(const QString &path)
    {
        const QFileInfo info(path);
        const QString canonical = info.canonicalFilePath();
        return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
    }

    mutable QMutex m_mutex;
    QHash<QString, std::weak_ptr<T>> m_objects;
};

} // namespace fe
