// SPDX-License-Identifier: Apache-2.0
#include "ui/detailpane.h"

#include "model/alertstore.h"
#include "model/recordmapper.h"
#include "model/storereader.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QStringDecoder>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace fe {

namespace {

constexpr int PathRole = Qt::UserRole + 1;
constexpr int RawRole = Qt::UserRole + 2;
constexpr int SearchRole = Qt::UserRole + 3;   // the whole text the field search looks in
// A value is shown up to this many characters (the whole of it is searched, copied and in the tooltip): a cell shows
// far fewer, and eliding a long command line or output shapes all of its text at every paint.
constexpr qsizetype s_maxShownChars = 300;

// A cell of the tree: its text shown (cut at s_maxShownChars) and searched (whole).
QStandardItem *textItem(const QString &text)
{
    auto *item = new QStandardItem(text.size() > s_maxShownChars ? text.left(s_maxShownChars) + QChar(0x2026) : text);
    item->setData(text, SearchRole);
    if (text.size() > s_maxShownChars)
        item->setToolTip(text.left(4 * s_maxShownChars));
    return item;
}

QString scalarText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (d == double(qint64(d)) && std::abs(d) < 9e15)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::String: return v.toString();
    default: return QString();
    }
}

void addValue(QStandardItem *parent, const QString &key, const QString &path, const QJsonValue &v)
{
    auto *keyItem = textItem(key);
    QStandardItem *valueItem = nullptr;
    keyItem->setData(path, PathRole);
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            addValue(keyItem, it.key(), path.isEmpty() ? it.key() : path + u'.' + it.key(), it.value());
        valueItem = textItem(QStringLiteral("{%1}").arg(o.size()));
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        QStringList scalars;
        bool allScalar = true;
        for (int i = 0; i < a.size(); ++i) {
            if (a.at(i).isObject() || a.at(i).isArray()) {
                allScalar = false;
                addValue(keyItem, QStringLiteral("[%1]").arg(i), path, a.at(i));
            } else {
                scalars << scalarText(a.at(i));
                auto *k = textItem(QStringLiteral("[%1]").arg(i));
                auto *val = textItem(scalarText(a.at(i)));
                k->setData(path, PathRole);
                val->setData(path, PathRole);
                val->setData(scalarText(a.at(i)), RawRole);
                keyItem->appendRow({k, val});
            }
        }
        valueItem = textItem(allScalar ? scalars.join(QStringLiteral(", ")) : QStringLiteral("[%1]").arg(a.size()));
    } else {
        valueItem = textItem(scalarText(v));
        valueItem->setData(scalarText(v), RawRole);
    }
    valueItem->setData(path, PathRole);
    parent->appendRow({keyItem, valueItem});
}

// A value at a dotted path of a nested object, also trying dotted keys ("proc.aname[2]" under "proc" or as one key).
QJsonValue lookup(const QJsonObject &root, const QStringList &path)
{
    QJsonValue cur = root;
    for (int i = 0; i < path.size(); ++i) {
        const QJsonObject o = cur.toObject();
        const QString rest = path.mid(i).join(u'.');
        if (o.contains(rest))
            return o.value(rest);
        if (!o.contains(path.at(i)))
            return QJsonValue(QJsonValue::Undefined);
        cur = o.value(path.at(i));
    }
    return cur;
}

} // namespace

// What the Original tab shows of one alert, read on the reader thread.
struct DetailPane::Original
{
    StoredOriginal stored;
    QString error;            // the record could not be read
    AlertOrigin origin;       // where the bytes came from (byte-exact originals)
    qint64 offset = -1;
    qint64 receivedMs = 0;
};

DetailPane::DetailPane(QWidget *parent)
    : QWidget(parent)
    , m_reader(std::make_unique<StoreReader>())
{
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);

    // Fields
    auto *fieldsPage = new QWidget(m_tabs);
    m_search = new QLineEdit(fieldsPage);
    m_search->setObjectName(QStringLiteral("fieldSearch"));
    m_search->setPlaceholderText(tr("Search fields and values…"));
    m_search->setClearButtonEnabled(true);
    m_fields = new QStandardItemModel(this);
    m_fields->setHorizontalHeaderLabels({tr("Field"), tr("Value")});
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_fields);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterRole(SearchRole);
    m_tree = new QTreeView(fieldsPage);
    m_tree->setObjectName(QStringLiteral("fieldTree"));
    m_tree->setModel(m_proxy);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setUniformRowHeights(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_fieldsNote = new QLabel(fieldsPage);
    m_fieldsNote->setObjectName(QStringLiteral("fieldsNote"));
    m_fieldsNote->setTextFormat(Qt::PlainText);
    m_fieldsNote->setWordWrap(true);
    m_fieldsNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fieldsNote->setFrameShape(QFrame::StyledPanel);
    m_fieldsNote->setMargin(6);
    m_fieldsNote->hide();
    auto *fl = new QVBoxLayout(fieldsPage);
    fl->setContentsMargins(0, 4, 0, 0);
    fl->addWidget(m_fieldsNote);
    fl->addWidget(m_search);
    fl->addWidget(m_tree);
    m_tabs->addTab(fieldsPage, tr("Fields"));
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterFixedString(text);
        if (!text.isEmpty())
            m_tree->expandAll();
    });
    connect(m_tree, &QTreeView::customContextMenuRequested, this, &DetailPane::contextMenu);

    // Ancestry
    auto *scroll = new QScrollArea(m_tabs);
    scroll->setWidgetResizable(true);
    m_chainBox = new QWidget(scroll);
    m_chainLayout = new QVBoxLayout(m_chainBox);
    m_chainLayout->addStretch();
    scroll->setWidget(m_chainBox);
    m_ancestryPage = scroll;
    m_tabs->addTab(scroll, tr("Ancestry"));

    // Original event and JSON
    QFont fixed(QStringLiteral("monospace"));
    fixed.setStyleHint(QFont::TypeWriter);
    // The bytes as stored, not reformatted: what an analyst compares with the log or quotes in a report.
    auto *originalPage = new QWidget(m_tabs);
    m_originalNote = new QLabel(originalPage);
    m_originalNote->setObjectName(QStringLiteral("originalNote"));
    m_originalNote->setTextFormat(Qt::PlainText);
    m_originalNote->setWordWrap(true);
    m_originalNote->setFrameShape(QFrame::StyledPanel);
    m_originalNote->setMargin(6);
    m_originalNote->hide();
    m_original = new QPlainTextEdit(originalPage);
    m_original->setObjectName(QStringLiteral("originalText"));
    m_original->setReadOnly(true);
    m_original->setFont(fixed);
    m_originalSource = new QLabel(originalPage);
    m_originalSource->setObjectName(QStringLiteral("originalSource"));
    m_originalSource->setTextFormat(Qt::PlainText);
    m_originalSource->setWordWrap(true);
    m_originalSource->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *copyOriginal = new QPushButton(tr("Copy original"), originalPage);
    connect(copyOriginal, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(QString::fromUtf8(m_originalBytes)); });
    auto *originalFooter = new QHBoxLayout;
    originalFooter->addWidget(m_originalSource, 1);
    originalFooter->addWidget(copyOriginal, 0, Qt::AlignTop);
    auto *ol = new QVBoxLayout(originalPage);
    ol->setContentsMargins(0, 4, 0, 0);
    ol->addWidget(m_originalNote);
    ol->addWidget(m_original, 1);
    ol->addLayout(originalFooter);
    m_tabs->addTab(originalPage, tr("Original"));
    auto *jsonPage = new QWidget(m_tabs);
    m_json = new QPlainTextEdit(jsonPage);
    m_json->setReadOnly(true);
    m_json->setFont(fixed);
    auto *copy = new QPushButton(tr("Copy as JSON"), jsonPage);
    connect(copy, &QPushButton::clicked, this, [this] {
        fillShownTab();
        QApplication::clipboard()->setText(m_json->toPlainText());
    });
    auto *jl = new QVBoxLayout(jsonPage);
    jl->setContentsMargins(0, 4, 0, 0);
    jl->addWidget(m_json);
    jl->addWidget(copy, 0, Qt::AlignRight);
    m_jsonPage = jsonPage;
    m_tabs->addTab(jsonPage, tr("JSON"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { fillShownTab(); });

    // Triage
    auto *triagePage = new QWidget(m_tabs);
    m_status = new QComboBox(triagePage);
    m_status->setObjectName(QStringLiteral("triageStatus"));
    for (int s = 0; s <= int(TriageStatus::FalsePositive); ++s)
        m_status->addItem(TriageStore::statusLabel(TriageStatus(s)), s);
    m_notes = new QPlainTextEdit(triagePage);
    m_notes->setReadOnly(true);
    m_noteEdit = new QLineEdit(triagePage);
    m_noteEdit->setPlaceholderText(tr("Add a note and press Enter"));
    auto *tl = new QVBoxLayout(triagePage);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Status:"), triagePage));
    row->addWidget(m_status, 1);
    tl->addLayout(row);
    tl->addWidget(m_notes, 1);
    tl->addWidget(m_noteEdit);
    m_tabs->addTab(triagePage, tr("Triage"));
    connect(m_status, &QComboBox::activated, this, [this](int index) {
        if (m_id > 0)
            Q_EMIT statusRequested(m_id, TriageStatus(m_status->itemData(index).toInt()));
    });
    connect(m_noteEdit, &QLineEdit::returnPressed, this, [this] {
        const QString text = m_noteEdit->text().trimmed();
        if (m_id > 0 && !text.isEmpty()) {
            Q_EMIT noteRequested(m_id, text);
            m_noteEdit->clear();
        }
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_tabs);
    setAlert(0);
}

DetailPane::~DetailPane() = default;

void DetailPane::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_status->setEnabled(m_id > 0 && !readOnly);
    m_noteEdit->setEnabled(m_id > 0 && !readOnly);
    m_noteEdit->setPlaceholderText(readOnly ? tr("The store is read-only: notes cannot be added")
                                            : tr("Add a note and press Enter"));
}

void DetailPane::setDatabasePath(const QString &path)
{
    m_reader->setPath(path);
    setAlert(0);
}

void DetailPane::focusFields()
{
    m_tabs->setCurrentIndex(0);
    m_tree->setFocus(Qt::ShortcutFocusReason);
    if (!m_tree->currentIndex().isValid() && m_tree->model()->rowCount() > 0)
        m_tree->setCurrentIndex(m_tree->model()->index(0, 0));
}

void DetailPane::setAlert(qint64 id)
{
    m_id = id;
    const quint64 generation = ++m_generation;
    if (id <= 0) {
        showDocument(0, QByteArray(), 0, {});
        showDocumentError(QString());
        showOriginal(Original());
        return;
    }
    m_busy = true;
    QPointer<DetailPane> self(this);
    m_reader->post([self, generation, id](const AlertStore &store) {
        QString docError;
        const QByteArray doc = store.document(id, &docError);
        Original original;
        if (store.original(id, &original.stored, &original.error) && original.stored.byteExact) {
            StoredRecord record;
            if (store.record(id, &record)) {
                original.origin = record.origin;
                original.offset = record.offset;
                original.receivedMs = record.receivedMs;
            }
        }
        TriageStore triage(store);
        const int status = int(triage.status(id));
        const QVector<TriageNote> notes = triage.notes(id);
        if (DetailPane *p = self.data()) {
            QMetaObject::invokeMethod(p, [self, generation, id, doc, docError, original, status, notes]() {
                if (!self || generation != self->m_generation)
                    return;
                self->m_busy = false;
                self->showDocument(id, doc, status, notes);
                self->showDocumentError(doc.isEmpty() ? docError : QString());
                self->showOriginal(original);
            }, Qt::QueuedConnection);
        }
    }, QStringLiteral("doc"));
}

void DetailPane::reloadTriage()
{
    setAlert(m_id);
}

void DetailPane::showDocument(qint64 id, const QByteArray &json, int triage, const QVector<TriageNote> &notes)
{
    m_id = id;
    m_doc = json;
    m_fields->removeRows(0, m_fields->rowCount());
    const QJsonObject doc = QJsonDocument::fromJson(json).object();
    for (auto it = doc.begin(); it != doc.end(); ++it)
        addValue(m_fields->invisibleRootItem(), it.key(), it.key(), it.value());
    m_tree->expandToDepth(0);
    m_jsonStale = true;
    const QJsonObject falco = doc.value(QStringLiteral("falco")).toObject();
    const QString rule = doc.value(QStringLiteral("rule")).toObject().value(QStringLiteral("name")).toString();
    m_title->setText(id > 0 ? tr("#%1  %2").arg(id).arg(rule.isEmpty() ? falco.value(QStringLiteral("rule")).toString() : rule)
                            : tr("Select an alert"));
    buildAncestry(doc);
    m_ancestryStale = true;
    fillShownTab();
    m_status->setCurrentIndex(std::clamp(triage, 0, m_status->count() - 1));
    m_status->setEnabled(id > 0 && !m_readOnly);
    m_noteEdit->setEnabled(id > 0 && !m_readOnly);
    QStringList lines;
    for (const TriageNote &n : notes)
        lines << QStringLiteral("%1  %2\n%3\n").arg(QDateTime::fromMSecsSinceEpoch(n.timestampMs).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                                                    n.author, n.text);
    m_notes->setPlainText(lines.join(u'\n'));
    if (!m_search->text().isEmpty())
        m_tree->expandAll();
    Q_EMIT loaded(id);
}

void DetailPane::showDocumentError(const QString &error)
{
    // A record that cannot be read (a damaged store) leaves the tree empty: say why instead of showing nothing.
    m_fieldsNote->setText(error.isEmpty() ? QString() : tr("The document of alert #%1 cannot be derived: %2").arg(m_id).arg(error));
    m_fieldsNote->setVisible(!error.isEmpty());
}

QString DetailPane::documentError() const
{
    return m_fieldsNote->isHidden() ? QString() : m_fieldsNote->text();
}

void DetailPane::showOriginal(const Original &original)
{
    const StoredOriginal &stored = original.stored;
    m_originalBytes = stored.bytes;
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8(stored.bytes);
    m_original->setPlainText(text);
    const bool shown = m_id > 0;
    m_original->setPlaceholderText(shown ? tr("The original of this alert is not available.") : QString());
    QString note = original.error.isEmpty() ? stored.note
                                            : tr("The original of this alert cannot be read: %1").arg(original.error);
    m_originalNote->setText(note);
    m_originalNote->setVisible(shown && !note.isEmpty());

    QString source;
    if (shown && !stored.bytes.isEmpty()) {
        const QLocale locale;
        const QString size = tr("%1 bytes").arg(locale.toString(stored.bytes.size()));
        const QString when = original.receivedMs > 0
            ? QDateTime::fromMSecsSinceEpoch(original.receivedMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
            : QString();
        if (!stored.byteExact) {
            source = size;
        } else if (original.origin.kind == AlertOrigin::Kind::Network) {
            source = tr("%1, the syslog frame as received from %2").arg(size, original.origin.name);
            if (!when.isEmpty())
                source += tr(" (received %1)").arg(when);
        } else if (original.origin.kind == AlertOrigin::Kind::File) {
            source = original.origin.name.isEmpty() ? tr("%1, the line as read from standard input").arg(size)
                                                    : tr("%1, the line as read from %2").arg(size, original.origin.name);
            if (original.offset >= 0)
                source += tr(" at byte %1").arg(locale.toString(original.offset));
            if (!when.isEmpty())
                source += tr(" (read %1)").arg(when);
        } else {
            source = size;
        }
        if (utf8.hasError())
            source += tr(" (not valid UTF-8: invalid bytes are shown as \uFFFD)");
    }
    m_originalSource->setText(source);
}

QString DetailPane::originalNote() const
{
    return m_originalNote->isHidden() ? QString() : m_originalNote->text();
}

void DetailPane::fillShownTab()
{
    QWidget *shown = m_tabs->currentWidget();
    if (m_jsonStale && shown == m_jsonPage) {
        m_jsonStale = false;
        const QJsonDocument doc = QJsonDocument::fromJson(m_doc);
        m_json->setPlainText(doc.object().isEmpty() ? QString() : QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    }
    if (m_ancestryStale && shown == m_ancestryPage) {
        m_ancestryStale = false;
        showAncestry();
    }
}

void DetailPane::buildAncestry(const QJsonObject &doc)
{
    m_chain.clear();
    m_steps.clear();
    const QJsonObject of = doc.value(QStringLiteral("falco")).toObject().value(QStringLiteral("output_fields")).toObject();
    auto field = [&](const QString &dotted) {
        QJsonValue v = lookup(of, dotted.split(u'.'));
        return v.isString() ? v.toString() : (v.isDouble() ? scalarText(v) : QString());
    };
    auto ecs = [&](const QString &dotted) {
        const QJsonValue v = lookup(doc, dotted.split(u'.'));
        return v.isString() ? v.toString() : QString();
    };
    QVector<Step> &steps = m_steps;
    const QString name = field(QStringLiteral("proc.name")).isEmpty() ? ecs(QStringLiteral("process.name")) : field(QStringLiteral("proc.name"));
    const QString cmd = field(QStringLiteral("proc.cmdline")).isEmpty() ? ecs(QStringLiteral("process.command_line"))
                                                                        : field(QStringLiteral("proc.cmdline"));
    if (!name.isEmpty() || !cmd.isEmpty())
        steps.append({name, cmd});
    const QString pname = field(QStringLiteral("proc.pname")).isEmpty() ? ecs(QStringLiteral("process.parent.name"))
                                                                        : field(QStringLiteral("proc.pname"));
    const QString pcmd = field(QStringLiteral("proc.pcmdline")).isEmpty() ? ecs(QStringLiteral("process.parent.command_line"))
                                                                          : field(QStringLiteral("proc.pcmdline"));
    if (!pname.isEmpty() || !pcmd.isEmpty())
        steps.append({pname, pcmd});
    for (int i = 2; i <= 7; ++i) {
        const QString a = field(QStringLiteral("proc.aname[%1]").arg(i));
        if (a.isEmpty())
            break;
        steps.append({a, QString()});
    }
    for (const Step &s : steps)
        m_chain << (s.detail.isEmpty() ? s.name : s.detail);
}

void DetailPane::showAncestry()
{
    while (m_chainLayout->count() > 1) {
        QLayoutItem *item = m_chainLayout->takeAt(0);
        delete item->widget();
        delete item;
    }
    const QVector<Step> &steps = m_steps;
    if (steps.isEmpty()) {
        auto *none = new QLabel(tr("No process ancestry in this alert (proc.name, proc.pname, proc.aname[2..7])."), m_chainBox);
        none->setTextFormat(Qt::PlainText);
        none->setWordWrap(true);
        m_chainLayout->insertWidget(0, none);
        return;
    }
    int at = 0;
    for (int i = 0; i < steps.size(); ++i) {
        const Step &s = steps.at(i);
        auto *box = new QFrame(m_chainBox);
        box->setFrameShape(QFrame::StyledPanel);
        auto *bl = new QVBoxLayout(box);
        bl->setContentsMargins(8, 4, 8, 4);
        auto *title = new QLabel(s.name.isEmpty() ? tr("(unknown)") : s.name, box);
        title->setTextFormat(Qt::PlainText);
        QFont bf = title->font();
        bf.setBold(true);
        title->setFont(bf);
        bl->addWidget(title);
        if (!s.detail.isEmpty()) {
            auto *detail = new QLabel(s.detail, box);
            detail->setTextFormat(Qt::PlainText);
            detail->setWordWrap(true);
            detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
            bl->addWidget(detail);
        }
        const QString role = i == 0 ? tr("process") : i == 1 ? tr("parent") : tr("ancestor %1").arg(i);
        box->setToolTip(role);
        m_chainLayout->insertWidget(at++, box);
        if (i + 1 < steps.size()) {
            auto *arrow = new QLabel(QStringLiteral("▲ %1").arg(tr("started by")), m_chainBox);
            arrow->setTextFormat(Qt::PlainText);
            arrow->setAlignment(Qt::AlignCenter);
            arrow->setEnabled(false);
            m_chainLayout->insertWidget(at++, arrow);
        }
    }
}

void DetailPane::contextMenu(const QPoint &pos)
{
    const QModelIndex index = m_tree->indexAt(pos);
    if (!index.isValid())
        return;
    const QModelIndex source = m_proxy->mapToSource(index);
    const QString path = source.data(PathRole).toString();
    const QVariant raw = m_fields->itemFromIndex(source.siblingAtColumn(1))
        ? m_fields->itemFromIndex(source.siblingAtColumn(1))->data(RawRole)
        : QVariant();
    QMenu menu(this);
    if (raw.isValid()) {
        const QString value = raw.toString();
        menu.addAction(tr("Filter in %1").arg(path), this, [this, path, value] { Q_EMIT filterRequested(path, value, false); });
        menu.addAction(tr("Filter out %1").arg(path), this, [this, path, value] { Q_EMIT filterRequested(path, value, true); });
        menu.addAction(tr("Copy value"), this, [value] { QApplication::clipboard()->setText(value); });
    }
    // A null value asks for "field:*" (the field exists).
    menu.addAction(tr("Filter: %1 exists").arg(path), this, [this, path] { Q_EMIT filterRequested(path, QString(), false); });
    menu.addAction(tr("Copy field name"), this, [path] { QApplication::clipboard()->setText(path); });
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

void DetailPane::waitForIdle()
{
    for (int i = 0; i < 2000 && m_busy; ++i) {
        m_reader->waitForIdle();
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
    }
}

} // namespace fe
