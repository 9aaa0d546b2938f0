// SPDX-License-Identifier: Apache-2.0
#include "ui/querylineedit.h"

#include "model/querylanguage.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QStringListModel>

namespace fe {

namespace {

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
    setPlaceholderText(tr("Filter: rule.name:\"Terminal shell in container\" and priority >= warning and not host.name:ci-*   (Ctrl+L)"));
    setClearButtonEnabled(true);
    m_completionModel = new QStringListModel(this);
    m_completer = new QCompleter(m_completionModel, this);
    m_completer->setWidget(this);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchStartsWith);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setMaxVisibleItems(12);
    connect(this, &QLineEdit::textEdited, this, &QueryLineEdit::updateCompletions);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this, &QueryLineEdit::insertCompletion);
}

void QueryLineEdit::setFieldValues(const QString &field, const QStringList &values)
{
    m_values.insert(field, values);
}

void QueryLineEdit::setError(const QString &message, int column)
{
    if (column < 0) {
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
        for (const QString &v : values)
            out << field + u':' + quoteQueryValue(v);
        return out;
    }
    if (tok.isEmpty())
        return out;
    for (const QString &f : queryFieldNames())
        out << f + u':';
    return out;
}

void QueryLineEdit::updateCompletions()
{
    QString token;
    const QStringList items = completionsFor(text().left(cursorPosition()), &token);
    if (items.isEmpty() || token.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    m_completionModel->setStringList(items);
    m_completer->setCompletionPrefix(token);
    if (m_completer->completionCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->complete();
}

void QueryLineEdit::insertCompletion(const QString &completion)
{
    const QString before = text().left(cursorPosition());
    const QString after = text().mid(cursorPosition());
    const int start = tokenStart(before);
    const QString replaced = before.left(start) + completion;
    setText(replaced + after);
    setCursorPosition(int(replaced.size()));
}

} // namespace fe
