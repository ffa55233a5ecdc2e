#include "widgets/StagePalette.h"

#include "pipeline/runner/PipelineSpec.h"
#include "widgets/StageKinds.h"

#include <QEvent>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>

namespace autoglm::widgets {
namespace {
QIcon swatch(const QColor& color) {
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(Qt::NoPen);
    p.drawRoundedRect(QRectF(1, 1, 12, 12), 3, 3);
    return QIcon(pixmap);
}
} // namespace

StagePalette::StagePalette(QWidget* parent) : QListWidget(parent) {
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setSelectionMode(QAbstractItemView::SingleSelection);
    for (const std::string& kind : stageKinds()) {
        auto* item = new QListWidgetItem(swatch(stageKindColor(kind)), QString(), this);
        item->setData(Qt::UserRole, QString::fromStdString(kind));
    }
    retranslateUi();
    connect(this, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { Q_EMIT kindActivated(kindOf(item)); });
}

void StagePalette::retranslateUi() {
    for (int i = 0; i < count(); ++i) {
        QListWidgetItem* it = item(i);
        const std::string kind = kindOf(it);
        it->setText(stageKindName(kind));
        it->setToolTip(stageKindDescription(kind) + "\n" + tr("Drag onto the canvas, or double-click to add"));
    }
}

void StagePalette::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QListWidget::changeEvent(event);
}

std::string StagePalette::kindOf(const QListWidgetItem* item) {
    return item ? item->data(Qt::UserRole).toString().toStdString() : std::string();
}

QStringList StagePalette::mimeTypes() const {
    return {kStageKindMime};
}

QMimeData* StagePalette::mimeData(const QList<QListWidgetItem*>& items) const {
    if (items.isEmpty())
        return nullptr;
    auto* mime = new QMimeData;
    mime->setData(kStageKindMime, QByteArray::fromStdString(kindOf(items.front())));
    return mime;
}

} // namespace autoglm::widgets
