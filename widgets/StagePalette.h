#pragma once
// The stage kinds a user drags onto the canvas (or double-clicks to append after the selected node).

#include <QListWidget>

#include <string>

namespace autoglm::widgets {

class StagePalette : public QListWidget {
    Q_OBJECT

public:
    explicit StagePalette(QWidget* parent = nullptr);
    static std::string kindOf(const QListWidgetItem* item);

Q_SIGNALS:
    void kindActivated(const std::string& kind);

protected:
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override;
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
};

} // namespace autoglm::widgets
