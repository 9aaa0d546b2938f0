// SPDX-License-Identifier: Apache-2.0
#include "ui/querylineedit.h"

#include "model/querylanguage.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QStandardItemModel>

namespace fe {

namespace {

constexpr int s_savedNameRole = Qt::UserRole + 1;   // set on the saved-query entries: the name to recall

// Start of the token the cursor is in: after the last whitespace or parenthesis outside quotes.
int tokenStart(const QString &text)
{
    int start = 0;
    bool quoted = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'"')
            quoted = !quoted;
        else if (!quoted && (c.isSpace() || c == u'(' || c == u')'))
            start = i + 1;
    }
    return start;
}

} // namespace

QueryLineEdit::QueryLineEdit(QWidget *parent)
    : QLineEdit(parent)
{
    setPlaceholderText(tr("Filter: rule.name:\"Terminal shell in container\" and priority >= warning and not host.name:ci-*   (Ctrl+L or /)"));
    setClearButtonEnabled(true);
    m_completionModel = new QStandardItemModel(this);
    m_completer = new QCompleter(m_completionModel, this);
    m_completer->setWidget(this);
    // The entries are already filtered (by token, and saved queries by the whole text): an empty prefix shows them
    // all. Not the unfiltered mode, which marks an entry current: Enter would take it instead of applying the query.
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setMaxVisibleItems(12);
    connect(this, &QLineEdit::textEdited, this, &QueryLineEdit::updateCompletions);
    connect(m_completer, qOverload<const QModelIndex &>(&QCompleter::activated), this, &QueryLineEdit::insertCompletion);
}

void QueryLineEdit::setFieldValues(const QString &field, const QStringList &values)
{
    m_values.insert(field, values);
}

void QueryLineEdit::setSavedQueryNames(const QStringList &names)
{
    m_savedNames = names;
}

void QueryLineEdit::setError(const QString &message, int column)
{
    m_hasError = column >= 0;
    if (!m_hasError) {
        setStyleSheet(QString());
        setToolTip(QString());
        return;
    }
    setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #d32f2f; }"));
    setToolTip(tr("Column %1: %2").arg(column + 1).arg(message));
}

QStringList QueryLineEdit::completionsFor(const QString &textBeforeCursor, QString *token) const
{
    const int start = tokenStart(textBeforeCursor);
    const QString tok = textBeforeCursor.mid(start);
    if (token)
        *token = tok;
    QStringList out;
    const int colon = int(tok.indexOf(u':'));
    if (colon > 0) {
        const QString field = tok.left(colon);
        QStringList values = queryValuesForField(field);
        for (auto it = m_values.cbegin(); it != m_values.cend(); ++it) {
            if (it.key().compare(field, Qt::CaseInsensitive) == 0)
                values += it.value();
        }
        values.removeDuplicates();
        // "host.name:web" and "host.name:\"web" both offer host.name:"web server".
        QString typed = tok.mid(colon + 1);
        if (typed.startsWith(u'"'))
            typed.remove(0, 1);
        for (const QString &v : values) {
            if (v.startsWith(typed, Qt::CaseInsensitive))
                out << field + u':' + quoteQueryValue(v);
        }
        return out;
    }
    if (tok.isEmpty())
        return out;
    for (const QString &f : queryFieldNames()) {
        if (f.startsWith(tok, Qt::CaseInsensitive))
            out << f + u':';
    }
    return out;
}

QStringList QueryLineEdit::savedQueriesFor(const QString &textBeforeCursor) const
{
    QStringList out;
    const QString typed = textBeforeCursor.trimmed();
    if (typed.isEmpty())
        return out;
    for (const QString &name : m_savedNames) {
        if (name.startsWith(typed, Qt::CaseInsensitive))
            out << name;
    }
    return out;
}

void QueryLineEdit::updateCompletions()
{
    const QString before = text().left(cursorPosition());
    QString token;
    const QStringList items = completionsFor(before, &token);
    const QStringList saved = savedQueriesFor(before);
    m_completionModel->clear();
    for (const QString &name : saved) {
        auto *item = new QStandardItem(tr("★ %1 (saved query)").arg(name));
        item->setData(name, s_savedNameRole);
        m_completionModel->appendRow(item);
    }
    if (!token.isEmpty()) {
        for (const QString &c : items)
            m_completionModel->appendRow(new QStandardItem(c));
    }
    if (m_completionModel->rowCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->setCompletionPrefix(QString());
    m_completer->complete();
}

void QueryLineEdit::insertCompletion(const QModelIndex &index)
{
    const QString saved = index.data(s_savedNameRole).toString();
    if (!saved.isEmpty()) {
        Q_EMIT savedQueryChosen(saved);
        return;
    }
    const QString completion = index.data(Qt::DisplayRole).toString();
    const QString before = text().left(cursorPosition());
    const QString after = text().mid(cursorPosition());
    const int start = tokenStart(before);
    const QString replaced = before.left(start) + completion;
    setText(replaced + after);
    setCursorPosition(int(replaced.size()));
}

} // namespace fe
