#include "widgets/DatasetPreview.h"

#include "pipeline/io/ArrayFile.h"
#include "pipeline/ir/TensorUtil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace autoglm::widgets {
namespace {
// tensorValues copies the whole array as doubles; above this many values the thumbnails are left out rather
// than spending hundreds of megabytes on a preview.
constexpr int64_t kMaxPreviewValues = 8'000'000;
constexpr qint64 kTextBytes = 4096;

QString shapeText(const std::vector<int64_t>& shape) {
    QStringList dims;
    for (int64_t d : shape)
        dims << QString::number(d);
    return "[" + dims.join(", ") + "]";
}

// One image of a [N, C, H, W], [N, H, W, C] or [N, H, W] array as 8-bit grey or RGB.
QImage imageAt(const std::vector<double>& values, const std::vector<int64_t>& shape, int64_t index, double scale) {
    int64_t c = 1, h = 0, w = 0;
    bool channelsLast = false;
    if (shape.size() == 3) {
        h = shape[1];
        w = shape[2];
    } else if (shape.size() == 4 && (shape[1] == 1 || shape[1] == 3)) {
        c = shape[1];
        h = shape[2];
        w = shape[3];
    } else if (shape.size() == 4 && (shape[3] == 1 || shape[3] == 3)) {
        channelsLast = true;
        h = shape[1];
        w = shape[2];
        c = shape[3];
    } else {
        return {};
    }
    const int64_t per = c * h * w;
    QImage image(int(w), int(h), c == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    auto at = [&](int64_t ch, int64_t y, int64_t x) {
        const int64_t offset = channelsLast ? (y * w + x) * c + ch : (ch * h + y) * w + x;
        const double v = values[size_t(index * per + offset)] * scale;
        return static_cast<uchar>(std::clamp(std::lround(v), 0L, 255L));
    };
    for (int64_t y = 0; y < h; ++y) {
        uchar* line = image.scanLine(int(y));
        for (int64_t x = 0; x < w; ++x)
            for (int64_t ch = 0; ch < c; ++ch)
                line[x * c + ch] = at(ch, y, x);
    }
    return image;
}

void previewImages(const DatasetSpec& d, int maxThumbnails, DatasetPreview& out) {
    auto images = loadArrayFile(d.images);
    if (!images) {
        out.error = QString::fromStdString(images.message());
        return;
    }
    const TensorData& t = images.value();
    out.summary = QCoreApplication::translate("autoglm::widgets::DatasetPreview", "images %1 %2")
                      .arg(QString::fromStdString(dtypeName(t.dtype())), shapeText(t.shape()));
    std::vector<double> labels;
    if (!d.labels.empty()) {
        auto l = loadArrayFile(d.labels);
        if (!l) {
            out.error = QString::fromStdString(l.message());
            return;
        }
        out.summary += QCoreApplication::translate("autoglm::widgets::DatasetPreview", " · labels %1 %2")
                           .arg(QString::fromStdString(dtypeName(l->dtype())), shapeText(l->shape()));
        if (l->numel() <= kMaxPreviewValues)
            labels = tensorValues(l.value());
    }
    if (t.numel() > kMaxPreviewValues) {
        out.summary += QCoreApplication::translate("autoglm::widgets::DatasetPreview", " · too large for thumbnails");
        return;
    }
    const std::vector<int64_t> shape = t.shape();
    const std::vector<double> values = tensorValues(t);
    // The pixel scale the runner applies (1/255 for uint8 unless given), undone to show 0..255.
    const bool bytes = t.dtype() == DType::UInt8;
    const double applied = d.scale > 0 ? d.scale : (bytes ? 1.0 / 255 : 1.0);
    double peak = 0;
    for (double v : values)
        peak = std::max(peak, v * applied);
    const double toPixels = applied * (peak > 1.0 ? 255.0 / peak : 255.0);
    const int64_t count = shape.empty() ? 0 : std::min<int64_t>(shape[0], maxThumbnails);
    for (int64_t i = 0; i < count; ++i) {
        QImage image = imageAt(values, shape, i, toPixels);
        if (image.isNull()) {
            out.summary +=
                QCoreApplication::translate("autoglm::widgets::DatasetPreview", " · no thumbnails for this layout");
            return;
        }
        out.thumbnails << image;
        out.captions << (size_t(i) < labels.size() ? QString::number(labels[size_t(i)]) : QString());
    }
}

void previewFolder(const DatasetSpec& d, int maxThumbnails, DatasetPreview& out) {
    const QDir root(QString::fromStdString(d.path));
    if (!root.exists()) {
        out.error = QCoreApplication::translate("autoglm::widgets::DatasetPreview", "No folder %1").arg(root.path());
        return;
    }
    const QStringList classes = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    int files = 0;
    const QStringList patterns{"*.png", "*.jpg", "*.jpeg", "*.bmp", "*.pgm", "*.PNG", "*.JPG", "*.JPEG"};
    for (const QString& name : classes) {
        const QStringList images = QDir(root.filePath(name)).entryList(patterns, QDir::Files, QDir::Name);
        files += int(images.size());
        for (const QString& image : images) {
            if (out.thumbnails.size() >= maxThumbnails / std::max<qsizetype>(1, classes.size()) + 1)
                break;
            QImage loaded(QDir(root.filePath(name)).filePath(image));
            if (!loaded.isNull()) {
                out.thumbnails << loaded;
                out.captions << name;
            }
        }
    }
    out.summary = QCoreApplication::translate("autoglm::widgets::DatasetPreview", "%1 classes, %2 images")
                      .arg(classes.size())
                      .arg(files);
}

void previewText(const DatasetSpec& d, DatasetPreview& out) {
    QFile file(QString::fromStdString(d.path));
    if (!file.open(QIODevice::ReadOnly)) {
        out.error =
            QCoreApplication::translate("autoglm::widgets::DatasetPreview", "Cannot open %1").arg(file.fileName());
        return;
    }
    out.summary =
        QCoreApplication::translate("autoglm::widgets::DatasetPreview", "text, %1 bytes, windows of %2 tokens")
            .arg(file.size())
            .arg(d.context);
    out.text = QString::fromUtf8(file.read(kTextBytes));
}
} // namespace

DatasetPreview loadDatasetPreview(const DatasetSpec& dataset, int maxThumbnails) {
    DatasetPreview out;
    try {
        if (dataset.kind == "images")
            previewImages(dataset, maxThumbnails, out);
        else if (dataset.kind == "image-folder")
            previewFolder(dataset, maxThumbnails, out);
        else if (dataset.kind == "text")
            previewText(dataset, out);
        else if (dataset.kind == "synthetic")
            out.summary = QCoreApplication::translate(
                              "autoglm::widgets::DatasetPreview",
                              "%1 inputs drawn from the model's input shapes (seed %2); metrics compare with the "
                              "original model")
                              .arg(dataset.samples > 0 ? dataset.samples : 64)
                              .arg(dataset.seed);
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

} // namespace autoglm::widgets
