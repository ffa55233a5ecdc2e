#include "pipeline/passes/ActivationTap.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace autoglm {

Status tapActivations(const Model& model, const CalibrationSet& calibration, const std::vector<std::string>& values,
                      const ActivationVisitor& visit, const PassContext& context, double from, double to,
                      const std::string& label) {
    if (calibration.empty())
        return Error{"the calibration set is empty"};
    Model tapped = model;
    for (const auto& v : values)
        if (std::none_of(tapped.graph.outputs.begin(), tapped.graph.outputs.end(),
                         [&](const ValueInfo& o) { return o.name == v; }))
            tapped.graph.outputs.push_back(ValueInfo{v, DType::Undefined, std::nullopt, ""});
    // The tap reads the model's own values, so no rewrite may rename or remove one.
    ExecutorOptions options;
    options.fuse = false;
    auto executor = Executor::create(tapped, options);
    if (!executor)
        return executor.error();
    const size_t batches = calibration.batches.size();
    for (size_t b = 0; b < batches; ++b) {
        context.checkStop();
        context.report(from + (to - from) * static_cast<double>(b) / static_cast<double>(batches),
                       label + " (" + std::to_string(b + 1) + "/" + std::to_string(batches) + ")");
        auto out = executor->run(calibration.batches[b], context.stop);
        if (!out) {
            if (context.stop.stop_requested())
                throw PassCancelled();
            return Error{"calibration batch " + std::to_string(b + 1) + ": " + out.message()};
        }
        for (const auto& v : values) {
            const TensorData& t = out->at(v);
            if (at::isFloatingType(t.tensor().scalar_type()) && !at::isfinite(t.tensor()).all().item<bool>())
                return Error{"activation '" + v + "' holds NaN or Inf on calibration batch " + std::to_string(b + 1)};
            visit(v, t);
        }
    }
    context.report(to, label);
    return Ok{};
}

} // namespace autoglm
