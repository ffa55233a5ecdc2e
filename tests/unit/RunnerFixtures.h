#pragma once
// What tst_runner and tst_runner_hardening share: the small fashion pipeline both run, and the checks on a run's
// output folder.

#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/Runner.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <vector>

namespace runnertest {

extern const std::filesystem::path kFixtures;
extern const std::filesystem::path kSource;

// QSKIPs the calling test (a macro: it returns from the test function) when the fixtures are missing.
#define REQUIRE_FIXTURES()                                                                                             \
    do {                                                                                                               \
        if (!std::filesystem::exists(runnertest::kFixtures / "fashion_cnn.onnx"))                                      \
            QSKIP("fixtures missing");                                                                                 \
    } while (0)

// A small fashion pipeline: 200 evaluation images, no latency timing (keeps shards comparable and fast).
nlohmann::json fashionPipeline(nlohmann::json stages, nlohmann::json sweeps = nlohmann::json::array());

autoglm::PipelineSpec specFrom(const nlohmann::json& j);

struct Recorded {
    std::vector<autoglm::RunEvent> events;
    std::map<std::string, int> started; // stage id -> StageStarted count
};

autoglm::Result<autoglm::RunResults> run(const autoglm::PipelineSpec& spec, const std::filesystem::path& out,
                                         Recorded* recorded = nullptr,
                                         std::function<void(const autoglm::RunEvent&)> also = {},
                                         std::stop_token stop = {}, int shard = 0, int shards = 1);

// Every file in `folder` is a finished output: results, or an ONNX file that loads; else false and `why`.
bool noPartialFiles(const std::filesystem::path& folder, std::string* why);

#define EXPECT_NO_PARTIAL_FILES(folder)                                                                                \
    do {                                                                                                               \
        std::string why_;                                                                                              \
        QVERIFY2(runnertest::noPartialFiles(folder, &why_), why_.c_str());                                             \
    } while (0)

} // namespace runnertest
