#pragma once
// How the studio names and colours the stage kinds of pipeline/runner (stageKinds()), shared by the palette,
// the canvas and the form.

#include <QColor>
#include <QString>

#include <string>

namespace autoglm::widgets {

// Translated display name ("Quantize"); the kind itself when unknown.
QString stageKindName(const std::string& kind);
// One line on what the stage does, for tooltips.
QString stageKindDescription(const std::string& kind);
QColor stageKindColor(const std::string& kind);
// The MIME type a palette drag carries; its data is the kind.
inline constexpr const char* kStageKindMime = "application/x-autoglm-stage-kind";

} // namespace autoglm::widgets
