// SPDX-License-Identifier: Apache-2.0
#include "ui/storeconversiondialog.h"

#include <QCloseEvent>
#include <QDir>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace fe {

StoreConversionDialog::StoreConversionDialog(const QString &path, QWidget *parent)
    : QDialog(parent)
    , m_label(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    setObjectName(QStringLiteral("storeConversionDialog"));
    setWindowTitle(tr("Converting %1").arg(QFileInfo(path).fileName()));
    setModal(true);
    m_label->setTextFormat(Qt::PlainText);
    m_label->setObjectName(QStringLiteral("conversionProgressLabel"));
    auto *about = new QLabel(tr("%1 was written by an older Falco Explorer. It is converted once, in place; the "
                                "alerts, their triage and notes stay. Cancel stops the conversion and leaves the "
                                "store unopened: it goes on where it stopped the next time the store is opened.")
                                 .arg(QDir::toNativeSeparators(path)),
                             this);
    about->setTextFormat(Qt::PlainText);
    about->setWordWrap(true);
    m_bar->setRange(0, 1000);
    m_bar->setValue(0);
    m_bar->setTextVisible(false);
    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(m_cancel, QDialogButtonBox::RejectRole);
    connect(m_cancel, &QPushButton::clicked, this, &StoreConversionDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(about);
    layout->addWidget(buttons);
    setMinimumWidth(520);
    setProgress(0, 0);
}

void StoreConversionDialog::setProgress(qint64 done, qint64 total)
{
    if (m_cancelRequested)
        return;
    const QLocale locale;
    if (total <= 0) {
        m_label->setText(tr("Converting the store to the new format…"));
        m_bar->setValue(0);
        return;
    }
    m_bar->setValue(int(std::clamp<qint64>(done * 1000 / total, 0, 1000)));
    // After the last alert the old tables are dropped, in one last transaction that takes a while on a large store.
    m_label->setText(done >= total ? tr("Converting the store to the new format: all %1 alerts converted, finishing…")
                                         .arg(locale.toString(total))
                                   : tr("Converting the store to the new format: %1 of %2 alerts")
                                         .arg(locale.toString(done), locale.toString(total)));
}

QString StoreConversionDialog::labelText() const
{
    return m_label->text();
}

void StoreConversionDialog::reject()
{
    if (m_cancelRequested)
        return;
    m_cancelRequested = true;
    m_cancel->setEnabled(false);
    m_label->setText(tr("Stopping the conversion after the alerts being converted now…"));
    Q_EMIT cancelRequested();
}

void StoreConversionDialog::closeEvent(QCloseEvent *event)
{
    event->ignore();
    reject();
}

} // namespace fe
