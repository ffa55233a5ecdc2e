#pragma once
// What the data panel shows of a dataset: its arrays' shapes and types, the first images as thumbnails with
// their labels, or the start of a text file. Reading a .npy of thousands of images takes far longer than the
// GUI thread may spend, so previews are computed by loadDatasetPreview on a worker.

#include "pipeline/runner/PipelineSpec.h"

#include <QImage>
#include <QList>
#include <QString>
#include <QStringList>

namespace autoglm::widgets {

struct DatasetPreview {
    QString summary; // "images uint8 [1000, 1, 28, 28] · labels int64 [1000]"
    QList<QImage> thumbnails;
    QStringList captions; // one per thumbnail (its label), may be empty
    QString text;         // text datasets: the first few kilobytes
    QString error;        // why nothing could be shown
};

// Reads at most `maxThumbnails` images. Paths are taken as they are (absolute while the studio has a
// pipeline open). Safe to call on any thread: it touches no widget.
DatasetPreview loadDatasetPreview(const DatasetSpec& dataset, int maxThumbnails = 24);

} // namespace autoglm::widgets
