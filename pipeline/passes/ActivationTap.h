#pragma once
// Observes intermediate values of a model on calibration data: every batch runs through the executor with
// the requested values added as graph outputs, and each captured tensor is handed to a visitor. Values that
// hold NaN or Inf stop the pass with the value's name.

#include "pipeline/passes/Calibration.h"
#include "pipeline/passes/Pass.h"

#include <functional>
#include <string>
#include <vector>

namespace autoglm {

using ActivationVisitor = std::function<void(const std::string& value, const TensorData& tensor)>;

// Progress goes from `from` to `to` of the pass, with `label` as the message.
Status tapActivations(const Model& model, const CalibrationSet& calibration, const std::vector<std::string>& values,
                      const ActivationVisitor& visit, const PassContext& context, double from, double to,
                      const std::string& label);

} // namespace autoglm
