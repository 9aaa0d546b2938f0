// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fe {

// The progress of a store's conversion to the current format (a store of an older Falco Explorer is converted in
// place when it is first opened for writing; a large one takes minutes): "Converting the store to the new format:
// 123,456 of 10,000,000 alerts". Cancel (also Escape and closing the window) asks to stop: the conversion stops
// between two chunks, so the dialog says it is stopping and stays until whoever runs the conversion closes it.
class StoreConversionDialog : public QDialog
{
    Q_OBJECT

public:
    explicit StoreConversionDialog(const QString &path, QWidget *parent = nullptr);

    void setProgress(qint64 done, qint64 total);
    bool isCancelRequested() const { return m_cancelRequested; }

    // For tests and screenshots.
    QString labelText() const;
    QPushButton *cancelButton() const { return m_cancel; }

public Q_SLOTS:
    void reject() override;   // Escape, the window's close button: a request to stop, not a close

Q_SIGNALS:
    void cancelRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QLabel *m_label;
    QProgressBar *m_bar;
    QPushButton *m_cancel;
    bool m_cancelRequested = false;
};

} // namespace fe
