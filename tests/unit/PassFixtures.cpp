#include "PassFixtures.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"

#include <QtGlobal>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace autoglm;

namespace testutil {

const std::filesystem::path kFixtures = AUTOGLM_FIXTURES;

Model loadFixture(const char* name) {
    auto model = loadOnnx(kFixtures / name);
    if (!model)
        qFatal("%s", model.message().c_str());
    return model.value();
}

TensorData fashionImages(int64_t count, const char* file) {
    auto images = loadNpy(kFixtures / file);
    if (!images)
        qFatal("%s", images.message().c_str());
    auto values = tensorValues(images.value());
    values.resize(count * 28 * 28);
    return makeTensor(DType::UInt8, {count, 1, 28, 28}, values);
}

std::string readText(const char* name) {
    std::ifstream in(kFixtures / name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Largest |a - b| over the first output of both models on the same inputs, relative to max |a|.
namespace {

std::pair<std::vector<double>, std::vector<double>> firstOutputs(const Model& a, const Model& b,
                                                               const TensorMap& inputs, int64_t* classes = nullptr) {
    auto ea = Executor::create(a);
    auto eb = Executor::create(b);
    if (!ea || !eb)
        qFatal("%s", (!ea ? ea.message() : eb.message()).c_str());
    auto oa = ea->run(inputs);
    auto ob = eb->run(inputs);
    if (!oa || !ob)
        qFatal("%s", (!oa ? oa.message() : ob.message()).c_str());
    if (classes)
        *classes = oa->begin()->second.shape().back();
    return {tensorValues(oa->begin()->second), tensorValues(ob->begin()->second)};
}

} // namespace

double relativeOutputDiff(const Model& a, const Model& b, const TensorMap& inputs) {
    const auto [va, vb] = firstOutputs(a, b, inputs);
    double diff = 0, scale = 0;
    for (size_t i = 0; i < va.size(); ++i) {
        diff = std::max(diff, std::abs(va[i] - vb[i]));
        scale = std::max(scale, std::abs(va[i]));
    }
    return diff / scale;
}

double relativeRmsDiff(const Model& a, const Model& b, const TensorMap& inputs) {
    const auto [va, vb] = firstOutputs(a, b, inputs);
    double diff = 0, norm = 0;
    for (size_t i = 0; i < va.size(); ++i) {
        diff += (va[i] - vb[i]) * (va[i] - vb[i]);
        norm += va[i] * va[i];
    }
    return std::sqrt(diff / norm);
}

double cosineOf(const TensorData& a, const TensorData& b) {
    const auto x = tensorValues(a);
    const auto y = tensorValues(b);
    double dot = 0, nx = 0, ny = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        dot += x[i] * y[i];
        nx += x[i] * x[i];
        ny += y[i] * y[i];
    }
    return dot / std::sqrt(nx * ny);
}

double top1Agreement(const Model& a, const Model& b, const TensorMap& inputs) {
    int64_t classes = 0;
    const auto [va, vb] = firstOutputs(a, b, inputs, &classes);
    const size_t rows = va.size() / static_cast<size_t>(classes);
    size_t same = 0;
    for (size_t r = 0; r < rows; ++r) {
        auto from = [&](const std::vector<double>& v) { return v.begin() + static_cast<int64_t>(r) * classes; };
        same += std::max_element(from(va), from(va) + classes) - from(va) ==
                std::max_element(from(vb), from(vb) + classes) - from(vb);
    }
    return static_cast<double>(same) / static_cast<double>(rows);
}

Model saveAndReload(const Model& model, const std::filesystem::path& file) {
    if (auto saved = saveOnnx(model, file); !saved)
        qFatal("%s", saved.message().c_str());
    auto back = loadOnnx(file);
    if (!back)
        qFatal("%s", back.message().c_str());
    return back.value();
}

int countOps(const Model& m, const std::string& op) {
    int n = 0;
    for (const auto& node : m.graph.nodes)
        n += node.opType == op;
    return n;
}

TensorMap fashionInput(int64_t count) {
    const auto images = tensorValues(fashionImages(count, "fashion_test_images.npy"));
    std::vector<double> scaled(images.begin(), images.end());
    for (double& v : scaled)
        v /= 255.0;
    return {{"image", makeTensor(DType::Float, {count, 1, 28, 28}, scaled)}};
}

} // namespace testutil
