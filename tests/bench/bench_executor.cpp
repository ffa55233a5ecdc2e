// Our executor against ONNX Runtime on the same model, inputs and thread count, in one run:
//   bench_executor [--threads N] [--iters N]
// Prints median / p90 latency of both and the ratio ours / ORT (lower is better; the goal is <= 1.0).
#include "../ort/OrtJudge.h"
#include "OrtLatency.h"

#include "pipeline/eval/Benchmark.h"
#include "pipeline/io/Npy.h"
#include "pipeline/onnx/OnnxImport.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>
#include <thread>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

struct Case {
    const char* label;
    const char* model;
    int64_t batch;
    int64_t seq;
};

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int threads = static_cast<int>(std::thread::hardware_concurrency());
    int iters = 50;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--threads")
            threads = std::stoi(argv[i + 1]);
        else if (flag == "--iters")
            iters = std::stoi(argv[i + 1]);
    }
    if (auto reason = testutil::ortUnavailableReason(); !reason.empty()) {
        std::fprintf(stderr, "bench_executor: %s\n", reason.c_str());
        return 1;
    }
    setComputeThreads(threads);
    const Case cases[] = {
        {"fashion_cnn batch 1", "fashion_cnn.onnx", 1, 1},
        {"fashion_cnn batch 100", "fashion_cnn.onnx", 100, 1},
        {"tiny_gpt T=256", "tiny_gpt.onnx", 1, 256},
    };
    QTemporaryDir work;
    std::printf("%d threads, %d timed iterations after warm-up; latency in ms\n", threads, iters);
    std::printf("%-24s %10s %10s %10s %10s %12s\n", "case", "ours p50", "ours p90", "ORT p50", "ORT p90", "ours/ORT");
    for (const Case& c : cases) {
        const fs::path modelFile = fs::path(AUTOGLM_FIXTURES) / c.model;
        auto model = loadOnnx(modelFile);
        if (!model) {
            std::fprintf(stderr, "%s\n", model.message().c_str());
            return 1;
        }
        auto executor = Executor::create(model.value());
        if (!executor) {
            std::fprintf(stderr, "%s\n", executor.message().c_str());
            return 1;
        }
        auto inputs = syntheticInputs(model.value(), c.batch, c.seq);
        auto ours = measureLatency(executor.value(), inputs.value(), 5, iters);
        auto ort = benchutil::ortLatency(modelFile, inputs.value(), threads, iters, work.path().toStdString());
        if (!ours || !ort) {
            std::fprintf(stderr, "%s\n", (!ours ? ours.message() : ort.message()).c_str());
            return 1;
        }
        std::printf("%-24s %10.3f %10.3f %10.3f %10.3f %12.2f\n", c.label, ours->medianMs, ours->p90Ms, ort->medianMs,
                    ort->p90Ms, ours->medianMs / ort->medianMs);
        std::fflush(stdout);
    }
    return 0;
}
