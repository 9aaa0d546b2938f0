// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/triagestore.h"

#include <QByteArray>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QStandardItemModel;
class QSortFilterProxyModel;
class QTabWidget;
class QTreeView;
class QVBoxLayout;

namespace fe {

class StoreReader;

// The selected alert: the ECS document as a searchable field tree (filter in/out on any value, copy value), the
// original as the store keeps it (the line as read, the syslog frame as received: AlertStore::original), the
// document as JSON (copy), the process ancestry as a chain, and triage (status and notes). Everything is shown as
// plain text; documents load on a reader thread.
class DetailPane : public QWidget
{
    Q_OBJECT

public:
    explicit DetailPane(QWidget *parent = nullptr);
    ~DetailPane() override;

    void setDatabasePath(const QString &path);
    // Shows alert id (0 = nothing). The document loads in the background.
    void setAlert(qint64 id);
    qint64 alertId() const { return m_id; }
    QByteArray document() const { return m_doc; }
    // The Original tab: the bytes shown, and the note above them when they are not the byte-exact original (an
    // alert of a store converted from schema v4) or cannot be read.
    QByteArray original() const { return m_originalBytes; }
    QString originalNote() const;
    // Why the shown alert has no document (its record cannot be read), empty when it has one.
    QString documentError() const;
    // Re-reads notes and status of the shown alert (after a triage change).
    void reloadTriage();
    // A read-only store: the status and the note field are shown, not editable.
    void setReadOnly(bool readOnly);
    QStandardItemModel *fieldModel() const { return m_fields; }
    // The ancestry chain shown, newest process first ("bash -i", "sshd", ...).
    QStringList ancestry() const { return m_chain; }
    void waitForIdle();
    // Puts the keyboard focus on the field tree (Enter in the explorer's table opens the detail here).
    void focusFields();

    // Builds the field tree and ancestry for a document (public for tests).
    void showDocument(qint64 id, const QByteArray &json, int triage, const QVector<TriageNote> &notes);

Q_SIGNALS:
    void filterRequested(const QString &field, const QString &value, bool exclude);
    void statusRequested(qint64 id, fe::TriageStatus status);
    void noteRequested(qint64 id, const QString &text);
    void loaded(qint64 id);

private:
    struct Original;
    void showOriginal(const Original &original);
    void showDocumentError(const QString &error);
    void contextMenu(const QPoint &pos);
    struct Step
    {
        QString name, detail;
    };
    void buildAncestry(const QJsonObject &doc);
    void showAncestry();
    void fillShownTab();

    std::unique_ptr<StoreReader> m_reader;
    qint64 m_id = 0;
    bool m_readOnly = false;
    quint64 m_generation = 0;
    bool m_busy = false;
    QByteArray m_doc;
    QStringList m_chain;
    QVector<Step> m_steps;
    // The JSON and Ancestry tabs are filled when shown: most alerts are looked at in the Fields tab, and laying out
    // text and creating widgets for tabs nobody looks at would cost more than the Fields tab itself.
    bool m_jsonStale = false;
    bool m_ancestryStale = false;
    QWidget *m_ancestryPage = nullptr;
    QWidget *m_jsonPage = nullptr;
    QTabWidget *m_tabs = nullptr;
    QLineEdit *m_search = nullptr;
    QStandardItemModel *m_fields = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTreeView *m_tree = nullptr;
    QPlainTextEdit *m_json = nullptr;
    QPlainTextEdit *m_original = nullptr;
    QLabel *m_originalNote = nullptr;
    QLabel *m_fieldsNote = nullptr;
    QLabel *m_originalSource = nullptr;
    QByteArray m_originalBytes;
    QWidget *m_chainBox = nullptr;
    QVBoxLayout *m_chainLayout = nullptr;
    QComboBox *m_status = nullptr;
    QPlainTextEdit *m_notes = nullptr;
    QLineEdit *m_noteEdit = nullptr;
    QLabel *m_title = nullptr;
};

} // namespace fe
