// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace fe {

class IngestPipeline;

struct TailConfig
{
    QStringList paths;                   // files or glob patterns ("/var/log/falco*.log"); .gz matches are skipped
    int pollIntervalMs = 250;
    qint64 maxLineSize = 20 * 1024 * 1024;
    int maxBatchLines = 2048;
    int rotationGraceMs = 2000;          // a rotated-away file is still read this long (late writes by its writer)
};

// Follows files like `tail -F` and feeds their lines to an IngestPipeline, in its own thread.
// - Appends are read as they come; a last line without its newline is held until the newline arrives.
// - Rotation by rename (logrotate `create`) and delete-recreate: the old file is read to its end (and for a
//   grace period, for late writes), then the new file is read from its start.
// - copytruncate: the file shrinking below the read position means it was truncated: reading restarts at 0.
// - Each file's position is a checkpoint in the store (key stateKey(path), value "dev ino offset fplen fp"):
//   the offset after the last stored line and a fingerprint (SHA-1 of the first up to 256 bytes). It is
//   written by the pipeline's writer after the lines are committed, so a restart resumes exactly there
//   when the fingerprint still matches, and reads from the start otherwise (a different file).
class FileTailer : public QObject
{
    Q_OBJECT

public:
    FileTailer(const TailConfig &config, IngestPipeline *pipeline, QObject *parent = nullptr);
    ~FileTailer() override;   // stop()

    // The pipeline must be running (its store holds the checkpoints). false + error for an unusable pattern.
    bool start(QString *error = nullptr);
    // Reads what the files hold now, hands the complete lines to the pipeline, ends the thread.
    void stop();
    bool isRunning() const;

    static QString stateKey(const QString &absolutePath);

private:
    class Worker;
    TailConfig m_config;
    IngestPipeline *m_pipeline;
    QThread *m_thread = nullptr;
    Worker *m_worker = nullptr;
};

} // namespace fe
