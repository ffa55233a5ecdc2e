#include "widgets/StageKinds.h"

#include <QCoreApplication>

namespace autoglm::widgets {

QString stageKindName(const std::string& kind) {
    if (kind == "prune")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Prune");
    if (kind == "quantize")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Quantize");
    if (kind == "distill")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Distill");
    if (kind == "evaluate")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Evaluate");
    if (kind == "export")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Export");
    return QString::fromStdString(kind);
}

QString stageKindDescription(const std::string& kind) {
    if (kind == "prune")
        return QCoreApplication::translate("autoglm::widgets::StageKinds",
                                           "Zero or remove weights: unstructured, N:M or whole channels");
    if (kind == "quantize")
        return QCoreApplication::translate("autoglm::widgets::StageKinds",
                                           "Store weights (and activations) in 8 or 4 bits");
    if (kind == "distill")
        return QCoreApplication::translate("autoglm::widgets::StageKinds",
                                           "Train the compressed model to match the original");
    if (kind == "evaluate")
        return QCoreApplication::translate("autoglm::widgets::StageKinds",
                                           "End a variant here and measure it on chosen data");
    if (kind == "export")
        return QCoreApplication::translate("autoglm::widgets::StageKinds", "Write the variant as an ONNX file");
    return {};
}

QColor stageKindColor(const std::string& kind) {
    if (kind == "prune")
        return QColor(0xc0, 0x5a, 0x3c);
    if (kind == "quantize")
        return QColor(0x3c, 0x6e, 0xc0);
    if (kind == "distill")
        return QColor(0x7a, 0x4c, 0xb0);
    if (kind == "evaluate")
        return QColor(0x2f, 0x8f, 0x5b);
    if (kind == "export")
        return QColor(0x80, 0x80, 0x80);
    return QColor(0x50, 0x50, 0x50); // the source
}

} // namespace autoglm::widgets
