#include "OrtLatency.h"

#include "pipeline/io/Npy.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace benchutil {
namespace fs = std::filesystem;
using namespace autoglm;

Result<LatencyStats> ortLatency(const fs::path& model, const TensorMap& inputs, int threads, int iters,
                                const fs::path& work) {
    QStringList args{QString::fromStdString((fs::path(AUTOGLM_SOURCE_DIR) / "tests/ort/run_ort.js").string()),
                     QString::fromStdString(model.string()),
                     QString::fromStdString(work.string()),
                     "--threads",
                     QString::number(threads),
                     "--bench",
                     QString::number(iters)};
    int index = 0;
    for (const auto& [name, tensor] : inputs) {
        const fs::path file = work / ("bench_in_" + std::to_string(index++) + ".npy");
        if (auto saved = saveNpy(tensor, file); !saved)
            return saved.error();
        args << QString::fromStdString(name + "=" + file.string());
    }
    QProcess node;
    node.start("node", args);
    if (!node.waitForFinished(30 * 60 * 1000) || node.exitCode() != 0)
        return Error{"ONNX Runtime failed: " + node.readAllStandardError().toStdString()};
    const QJsonObject j = QJsonDocument::fromJson(node.readAllStandardOutput().trimmed()).object();
    LatencyStats s;
    s.medianMs = j["median_ms"].toDouble();
    s.p90Ms = j["p90_ms"].toDouble();
    s.iterations = j["iterations"].toInt();
    return s;
}

} // namespace benchutil
