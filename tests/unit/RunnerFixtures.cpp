#include "RunnerFixtures.h"

#include "pipeline/onnx/OnnxImport.h"

#include <QtGlobal>

namespace runnertest {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace autoglm;

const fs::path kFixtures = AUTOGLM_FIXTURES;
const fs::path kSource = AUTOGLM_SOURCE_DIR;

json fashionPipeline(json stages, json sweeps) {
    return {{"format", "autoglm-pipeline"},
            {"version", 1},
            {"name", "test"},
            {"model", (kFixtures / "fashion_cnn.onnx").string()},
            {"seed", 7},
            {"datasets",
             {{"calib",
               {{"kind", "images"},
                {"images", (kFixtures / "fashion_calib_images.npy").string()},
                {"labels", (kFixtures / "fashion_calib_labels.npy").string()},
                {"samples", 200}}},
              {"test",
               {{"kind", "images"},
                {"images", (kFixtures / "fashion_test_images.npy").string()},
                {"labels", (kFixtures / "fashion_test_labels.npy").string()},
                {"samples", 200}}}}},
            {"stages", stages},
            {"sweeps", sweeps},
            {"evaluation", {{"dataset", "test"}, {"latency", false}}}};
}

PipelineSpec specFrom(const json& j) {
    auto spec = PipelineSpec::fromJson(j, kFixtures);
    if (!spec)
        qFatal("%s", spec.message().c_str());
    return spec.value();
}

Result<RunResults> run(const PipelineSpec& spec, const fs::path& out, Recorded* recorded,
                       std::function<void(const RunEvent&)> also, std::stop_token stop, int shard, int shards) {
    RunOptions options;
    options.outputDir = out;
    options.shardIndex = shard;
    options.shardCount = shards;
    return runPipeline(
        spec, options,
        [&](const RunEvent& e) {
            if (recorded) {
                recorded->events.push_back(e);
                if (e.kind == RunEventKind::StageStarted)
                    ++recorded->started[e.stage];
            }
            if (also)
                also(e);
        },
        stop);
}

bool noPartialFiles(const fs::path& folder, std::string* why) {
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (!entry.is_regular_file())
            continue;
        const std::string name = entry.path().filename().string();
        bool finished = name.find(".tmp") == std::string::npos;
        if (finished && entry.path().extension() == ".onnx")
            finished = loadOnnx(entry.path()).ok();
        else if (finished && name == "results.json")
            finished = loadRunResults(entry.path()).ok();
        else if (finished)
            finished = name == "results.csv";
        if (!finished) {
            *why = entry.path().string() + " is not a finished output";
            return false;
        }
    }
    return true;
}

} // namespace runnertest
