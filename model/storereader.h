// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace fe {

class AlertStore;

// A background reader of the alert store: one thread with its own ReadOnly connection that runs posted jobs in
// order. Used by the item models so that no query runs on the GUI thread. A job posted with a key replaces a
// still-pending job with the same key (a newer facet refresh supersedes an older one). Jobs hand results back
// with QMetaObject::invokeMethod(receiver, ..., Qt::QueuedConnection), guarded by QPointer / generation counters.
class StoreReader
{
public:
    using Job = std::function<void(const AlertStore &store)>;

    StoreReader();
    ~StoreReader();   // drops pending jobs, waits for the running one
    StoreReader(const StoreReader &) = delete;
    StoreReader &operator=(const StoreReader &) = delete;

    // (Re)opens the store at path in the reader thread; jobs posted before run against it. Empty path = closed.
    void setPath(const QString &path);
    QString path() const;

    void post(Job job, const QString &key = QString());
    // Drops every job not yet started.
    void clearPending();
    // Interrupts the SQL statement of the job running now (sqlite3_interrupt: it fails with "interrupted" and returns
    // early). For a caller that knows the running job's result is stale, e.g. a count for a filter that was replaced;
    // the job's own generation check must still drop whatever it delivers.
    void cancelRunning();
    // Blocks until every job posted so far has run (tests and benchmarks only).
    void waitForIdle();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
