// CPU latency of compressed variants (quantized, pruned) against the fp32 model, in our executor and in ONNX
// Runtime, same run, same inputs, same thread count:
//   bench_quantized [--threads N] [--iters N]
// Each variant is written to a file first; both runtimes run that file. Ratios are variant / fp32 of the
// same runtime (lower is faster), ours / ORT for the same file, and ours with / without the int8 kernels.
#include "../ort/OrtJudge.h"
#include "OrtLatency.h"

#include "pipeline/io/Npy.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

using MakeVariant = std::function<Result<PassResult>(const Model&, const CalibrationSet&)>;

struct Variant {
    std::string label;
    MakeVariant make; // empty: the fp32 model itself
};

MakeVariant scheme(const std::string& s, const std::string& format = "dq", bool smooth = false) {
    QuantizeParams p;
    p.scheme = s;
    p.int4Format = format;
    p.smoothquant = smooth;
    return [p](const Model& m, const CalibrationSet& c) { return quantizeModel(m, p, &c); };
}

// Latency does not depend on the values, so pruned variants are timed untrained.
MakeVariant pruning(const std::string& pattern, double sparsity) {
    PruneParams p;
    p.pattern = pattern;
    p.sparsity = sparsity;
    p.layers.opTypes = {"Conv"};
    return [p](const Model& m, const CalibrationSet&) { return pruneModel(m, p, nullptr); };
}

Result<CalibrationSet> calibrationFor(const Model& model, bool text) {
    if (text) {
        std::ifstream in(kFixtures / "austen_calib.txt", std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return calibrationFromText(model, s.str(), 256, 32);
    }
    auto images = loadNpy(kFixtures / "fashion_calib_images.npy");
    if (!images)
        return images.error();
    return calibrationFromImages(model, images.value(), 128);
}

int benchModel(const char* fixture, bool text, const std::vector<Variant>& variants,
               const std::vector<std::pair<int64_t, int64_t>>& shapes, int threads, int iters, const fs::path& work) {
    auto model = loadOnnx(kFixtures / fixture);
    if (!model)
        return std::fprintf(stderr, "%s\n", model.message().c_str()), 1;
    auto calibration = calibrationFor(model.value(), text);
    if (!calibration)
        return std::fprintf(stderr, "%s\n", calibration.message().c_str()), 1;
    for (const auto& [batch, seq] : shapes) {
        auto inputs = syntheticInputs(model.value(), batch, seq);
        double oursBase = 0, ortBase = 0;
        for (const auto& v : variants) {
            fs::path file = kFixtures / fixture;
            Model variant = model.value();
            if (v.make) {
                auto q = v.make(model.value(), calibration.value());
                if (!q)
                    return std::fprintf(stderr, "%s: %s\n", v.label.c_str(), q.message().c_str()), 1;
                file = work / (std::string(fixture) + "." + v.label + ".onnx");
                if (auto saved = saveOnnx(q->model, file); !saved)
                    return std::fprintf(stderr, "%s\n", saved.message().c_str()), 1;
                variant = loadOnnx(file).value();
            }
            auto executor = Executor::create(variant);
            ExecutorOptions floatMaths;
            floatMaths.int8Kernels = false;
            auto floatExecutor = Executor::create(variant, floatMaths);
            if (!executor || !floatExecutor)
                return std::fprintf(stderr, "%s\n", (!executor ? executor : floatExecutor).message().c_str()), 1;
            auto ours = measureLatency(executor.value(), inputs.value(), 5, iters);
            auto oursFloat = measureLatency(floatExecutor.value(), inputs.value(), 5, iters);
            auto ort = benchutil::ortLatency(file, inputs.value(), threads, iters, work);
            if (!ours || !oursFloat || !ort)
                return std::fprintf(stderr, "%s\n",
                                    (!ours ? ours.message() : !oursFloat ? oursFloat.message() : ort.message()).c_str()),
                       1;
            if (!v.make) {
                oursBase = ours->medianMs;
                ortBase = ort->medianMs;
            }
            char shape[64];
            std::snprintf(shape, sizeof shape, "%s b%lld", fixture, static_cast<long long>(batch));
            std::printf("%-22s %-24s %8.3f %8.2fx %9.3f %8.2fx %8.3f %8.2fx %9.2f %8.1f\n", shape, v.label.c_str(),
                        ours->medianMs, ours->medianMs / oursBase, oursFloat->medianMs,
                        ours->medianMs / oursFloat->medianMs, ort->medianMs, ort->medianMs / ortBase,
                        ours->medianMs / ort->medianMs, static_cast<double>(fs::file_size(file)) / 1e6);
            std::fflush(stdout);
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int threads = static_cast<int>(std::thread::hardware_concurrency());
    int iters = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--threads")
            threads = std::stoi(argv[i + 1]);
        else if (flag == "--iters")
            iters = std::stoi(argv[i + 1]);
    }
    if (auto reason = testutil::ortUnavailableReason(); !reason.empty())
        return std::fprintf(stderr, "bench_quantized: %s\n", reason.c_str()), 1;
    setComputeThreads(threads);
    QTemporaryDir work;
    std::printf("%d threads, %d timed iterations after warm-up; median ms; x = variant / fp32 in the same runtime\n",
                threads, iters);
    std::printf("'ours float': our executor with int8Kernels off (the same values in float arithmetic)\n");
    std::printf("%-22s %-24s %8s %9s %9s %9s %8s %9s %9s %8s\n", "model", "variant", "ours", "vs fp32", "ours float",
                "int8/flt", "ORT", "vs fp32", "ours/ORT", "MB");
    const std::vector<Variant> cnn{{"fp32", {}},
                                   {"w8a16", scheme("w8a16")},
                                   {"w8a8-static", scheme("w8a8")},
                                   {"dynamic-int8", scheme("dynamic-int8")},
                                   {"channels-50%", pruning("channels", 0.5)},
                                   {"unstructured-50%", pruning("unstructured", 0.5)}};
    const std::vector<Variant> gpt{{"fp32", {}},
                                   {"w8a16", scheme("w8a16")},
                                   {"w8a8-smoothquant", scheme("w8a8", "dq", true)},
                                   {"dynamic-int8", scheme("dynamic-int8")},
                                   {"w4a16-dq", scheme("w4a16")},
                                   {"w4a16-matmulnbits", scheme("w4a16", "matmulnbits")}};
    const fs::path dir = work.path().toStdString();
    if (int rc = benchModel("fashion_cnn.onnx", false, cnn, {{1, 1}, {100, 1}}, threads, iters, dir))
        return rc;
    return benchModel("tiny_gpt.onnx", true, gpt, {{1, 256}}, threads, iters, dir);
}
