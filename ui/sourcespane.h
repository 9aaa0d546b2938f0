// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/pipelinestats.h"
#include "ui/listeneroptions.h"

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;
class QToolButton;

namespace fe {

// The sources of alerts (watched files, listeners, imports) with their live counters and start/stop buttons.
// It knows nothing of ingest: app/ registers sources, feeds PipelineStats values (about once a second) and
// answers startRequested/stopRequested by starting or stopping the source and calling setRunning().
class SourcesPane : public QWidget
{
    Q_OBJECT

public:
    explicit SourcesPane(QWidget *parent = nullptr);

    // Adds or updates a source. kind: "file", "tcp", "import", ...; detail: path or address.
    void setSource(const QString &id, const QString &kind, const QString &detail, bool running);
    void removeSource(const QString &id);
    void setRunning(const QString &id, bool running);
    void setStats(const QString &id, const fe::PipelineStats &stats);
    QStringList sourceIds() const;
    bool isRunning(const QString &id) const;

Q_SIGNALS:
    void startRequested(const QString &id);
    void stopRequested(const QString &id);
    // "Add source…" was chosen: kind "file" or "tcp".
    void addSourceRequested(const QString &kind);
    // "Watch a file…" was chosen and the user picked these files.
    void watchFilesRequested(const QStringList &paths);
    // "Listen for syslog…" was chosen and the analyst accepted the listener dialog with these options (also
    // remembered as the next dialog's defaults).
    void listenerRequested(const fe::ListenerOptions &options);
    // "Remove" on the selected source: app/ stops it (storing what it received) and forgets it.
    void removeRequested(const QString &id);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    QTreeWidgetItem *item(const QString &id) const;
    void updateHint();
    void updateButtons();
    void askForListener();

    QTreeWidget *m_tree = nullptr;
    QLabel *m_hint = nullptr;
    QToolButton *m_start = nullptr;
    QToolButton *m_stop = nullptr;
    QToolButton *m_remove = nullptr;
};

} // namespace fe
