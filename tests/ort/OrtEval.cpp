#include "OrtEval.h"

#include "pipeline/io/Npy.h"
#include "pipeline/ir/TensorUtil.h"

#include <nlohmann/json.hpp>

#include <QProcess>

namespace testutil {
namespace fs = std::filesystem;
using namespace autoglm;

namespace {

const fs::path kOrtDir = fs::path(AUTOGLM_SOURCE_DIR) / "tests" / "ort";

Result<nlohmann::json> runEval(const QStringList& args) {
    QProcess node;
    node.start("node", QStringList{QString::fromStdString((kOrtDir / "eval_ort.js").string())} + args);
    if (!node.waitForFinished(20 * 60 * 1000) || node.exitCode() != 0)
        return Error{"ONNX Runtime evaluation failed: " + node.readAllStandardError().toStdString()};
    auto json = nlohmann::json::parse(node.readAllStandardOutput().toStdString(), nullptr, false);
    if (json.is_discarded())
        return Error{"eval_ort.js printed no JSON"};
    return json;
}

QString q(const fs::path& p) {
    return QString::fromStdString(p.string());
}

} // namespace

Result<OrtClassification> ortClassify(const fs::path& model, const fs::path& images, const fs::path& labels,
                                      const fs::path& workDir, int64_t limit) {
    const fs::path predictions = workDir / "ort_predictions.npy";
    QStringList args{q(model), "classify", q(images), q(labels), q(predictions)};
    if (limit > 0)
        args << "--limit" << QString::number(limit);
    auto json = runEval(args);
    if (!json)
        return json.error();
    auto loaded = loadNpy(predictions);
    if (!loaded)
        return loaded.error();
    OrtClassification out;
    out.top1 = json.value()["top1"].get<double>();
    for (double v : tensorValues(loaded.value()))
        out.predictions.push_back(static_cast<int64_t>(v));
    return out;
}

namespace {

Result<OrtPerplexity> ortPerplexity(const fs::path& model, const char* task, const fs::path& sequence,
                                    const fs::path& workDir, int keepWindows, int64_t windows) {
    const fs::path logits = workDir / "ort_logits.npy";
    QStringList args{q(model), task, q(sequence)};
    if (windows > 0)
        args << "--windows" << QString::number(windows);
    if (keepWindows > 0)
        args << "--logits-out" << q(logits) << "--logits-windows" << QString::number(keepWindows);
    auto json = runEval(args);
    if (!json)
        return json.error();
    OrtPerplexity out;
    out.perplexity = json.value()["perplexity"].get<double>();
    out.windows = json.value()["windows"].get<int64_t>();
    if (keepWindows > 0) {
        auto loaded = loadNpy(logits);
        if (!loaded)
            return loaded.error();
        for (double v : tensorValues(loaded.value()))
            out.firstLogits.push_back(static_cast<float>(v));
    }
    return out;
}

} // namespace

Result<OrtPerplexity> ortBytePerplexity(const fs::path& model, const fs::path& text, const fs::path& workDir,
                                        int keepWindows, int64_t windows) {
    return ortPerplexity(model, "bytes", text, workDir, keepWindows, windows);
}

Result<OrtPerplexity> ortTokenPerplexity(const fs::path& model, const std::vector<int64_t>& tokens,
                                         const fs::path& workDir, int keepWindows, int64_t windows) {
    const fs::path ids = workDir / "ort_token_ids.npy";
    std::vector<double> values(tokens.begin(), tokens.end());
    if (auto saved = saveNpy(makeTensor(DType::Int64, {static_cast<int64_t>(tokens.size())}, values), ids); !saved)
        return saved.error();
    return ortPerplexity(model, "tokens", ids, workDir, keepWindows, windows);
}

} // namespace testutil
