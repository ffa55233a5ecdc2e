// CPU latency of quantized variants against the fp32 model, in our executor and in ONNX Runtime, same run,
// same inputs, same thread count:
//   bench_quantized [--threads N] [--iters N]
// Each variant is written to a file first; both runtimes run that file. Ratios are variant / fp32 of the
// same runtime (lower is faster), and ours / ORT for the same file.
#include "../ort/OrtJudge.h"
#include "OrtLatency.h"

#include "pipeline/io/Npy.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/quantize/QuantizePass.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

struct Variant {
    std::string label;
    std::optional<QuantizeParams> params; // none: the fp32 model itself
};

QuantizeParams scheme(const std::string& s, const std::string& format = "dq", bool smooth = false) {
    QuantizeParams p;
    p.scheme = s;
    p.int4Format = format;
    p.smoothquant = smooth;
    return p;
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
            if (v.params) {
                auto q = quantizeModel(model.value(), *v.params, &calibration.value());
                if (!q)
                    return std::fprintf(stderr, "%s: %s\n", v.label.c_str(), q.message().c_str()), 1;
                file = work / (std::string(fixture) + "." + v.label + ".onnx");
                if (auto saved = saveOnnx(q->model, file); !saved)
                    return std::fprintf(stderr, "%s\n", saved.message().c_str()), 1;
                variant = loadOnnx(file).value();
            }
            auto executor = Executor::create(variant);
            if (!executor)
                return std::fprintf(stderr, "%s\n", executor.message().c_str()), 1;
            auto ours = measureLatency(executor.value(), inputs.value(), 5, iters);
            auto ort = benchutil::ortLatency(file, inputs.value(), threads, iters, work);
            if (!ours || !ort)
                return std::fprintf(stderr, "%s\n", (!ours ? ours.message() : ort.message()).c_str()), 1;
            if (!v.params) {
                oursBase = ours->medianMs;
                ortBase = ort->medianMs;
            }
            char shape[64];
            std::snprintf(shape, sizeof shape, "%s b%lld", fixture, static_cast<long long>(batch));
            std::printf("%-22s %-24s %8.3f %8.2fx %8.3f %8.2fx %9.2f %8.1f\n", shape, v.label.c_str(), ours->medianMs,
                        ours->medianMs / oursBase, ort->medianMs, ort->medianMs / ortBase,
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
    std::printf("%-22s %-24s %8s %9s %8s %9s %9s %8s\n", "model", "variant", "ours", "vs fp32", "ORT", "vs fp32",
                "ours/ORT", "MB");
    const std::vector<Variant> cnn{{"fp32", std::nullopt},
                                   {"w8a16", scheme("w8a16")},
                                   {"w8a8-static", scheme("w8a8")},
                                   {"dynamic-int8", scheme("dynamic-int8")}};
    const std::vector<Variant> gpt{{"fp32", std::nullopt},
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
