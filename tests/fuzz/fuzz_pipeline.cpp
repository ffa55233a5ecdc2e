// Pipeline files (.autoglm.json): JSON, structure, references between ids, stage parameters, sweeps, and the
// plan of stages and variants a run would make.
#include "FuzzSupport.h"

#include "pipeline/runner/PipelinePlan.h"
#include "pipeline/runner/PipelineSpec.h"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzzing::guarded(data, size, [](const std::string& bytes) {
        const nlohmann::json json = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded())
            return;
        (void)autoglm::PipelineSpec::parse(json, "/nonexistent-fuzz-dir");
        auto spec = autoglm::PipelineSpec::fromJson(json, "/nonexistent-fuzz-dir");
        if (!spec)
            return;
        (void)spec->toJson().dump();
        (void)autoglm::planPipeline(spec.value());
    });
}
