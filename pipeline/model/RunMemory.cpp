#include "pipeline/model/RunMemory.h"

#include "pipeline/common/MemoryBudget.h"
#include "pipeline/ir/Graph.h"

#include <limits>

namespace autoglm {

int64_t RunMemoryEstimate::at(int64_t batch) const {
    // Saturates rather than wraps: an absurd batch must read as "too much", never as a small number.
    if (batch > 0 && activationBytesPerSample > (std::numeric_limits<int64_t>::max() - weightBytes) / batch)
        return std::numeric_limits<int64_t>::max();
    return weightBytes + activationBytesPerSample * batch;
}

SummaryOptions perSampleShapes(const Model& model, int64_t sequence) {
    SummaryOptions shapes;
    for (const auto& in : model.graph.feedInputs()) {
        std::vector<int64_t> dims;
        if (in.shape)
            for (size_t i = 0; i < in.shape->size(); ++i)
                dims.push_back((*in.shape)[i].isFixed() ? (*in.shape)[i].value : i == 0 ? 1 : sequence);
        shapes.inputShapes[in.name] = dims;
    }
    return shapes;
}

RunMemoryEstimate estimateRunMemory(const ModelSummary& summary) {
    const int64_t floatWeights = 4 * summary.parameters;
    return {floatWeights + (summary.weightBytes < floatWeights ? summary.weightBytes : 0),
            summary.peakActivationBytes};
}

Status checkRunMemory(const RunMemoryEstimate& estimate, int64_t batch, const std::string& what) {
    return checkMemoryFor(estimate.at(batch), what);
}

Status checkRunMemory(const Model& model, int64_t batch, int64_t sequence, const std::string& what) {
    return checkRunMemory(estimateRunMemory(summarizeModel(model, perSampleShapes(model, sequence))), batch, what);
}

} // namespace autoglm
