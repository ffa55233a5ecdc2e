#include "Commands.h"

#include "pipeline/model/ModelLoader.h"
#include "pipeline/model/ModelSummary.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace autoglm::cli {
namespace {

nlohmann::json toJson(const ModelSummary& s) {
    nlohmann::json j;
    j["source"] = s.source;
    j["producer"] = s.producer;
    j["opset"] = s.opset;
    j["file_bytes"] = s.fileBytes;
    for (const auto* list : {&s.inputs, &s.outputs})
        for (const auto& t : *list)
            j[list == &s.inputs ? "inputs" : "outputs"].push_back(
                {{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
    j["op_histogram"] = s.opHistogram;
    j["parameters"] = s.parameters;
    j["weight_bytes"] = s.weightBytes;
    j["macs"] = s.totalMacs;
    j["macs_input_shapes"] = s.macsInputShape;
    if (!s.macsNote.empty())
        j["macs_note"] = s.macsNote;
    j["layers"] = nlohmann::json::array();
    for (const auto& l : s.layers)
        j["layers"].push_back({{"name", l.name},
                               {"op", l.opType},
                               {"input_shape", l.inputShape},
                               {"output_shape", l.outputShape},
                               {"weight_shape", l.weightShape},
                               {"parameters", l.parameters},
                               {"macs", l.macs},
                               {"weight_bytes", l.weightBytes}});
    return j;
}

void printText(const ModelSummary& s, bool allNodes) {
    std::printf("model       %s\n", s.source.c_str());
    std::printf("producer    %s\n", s.producer.c_str());
    std::printf("opset       %lld\n", static_cast<long long>(s.opset));
    for (const auto& t : s.inputs)
        std::printf("input       %s %s %s\n", t.name.c_str(), t.dtype.c_str(), t.shape.c_str());
    for (const auto& t : s.outputs)
        std::printf("output      %s %s %s\n", t.name.c_str(), t.dtype.c_str(), t.shape.c_str());
    std::printf("parameters  %lld\n", static_cast<long long>(s.parameters));
    std::printf("weights     %.3f MB\n", static_cast<double>(s.weightBytes) / 1e6);
    if (s.macsNote.empty())
        std::printf("MACs        %lld (for %s)\n", static_cast<long long>(s.totalMacs), s.macsInputShape.c_str());
    else
        std::printf("MACs        %s\n", s.macsNote.c_str());
    std::printf("\nops:\n");
    for (const auto& [op, count] : s.opHistogram)
        std::printf("  %-28s %lld\n", op.c_str(), static_cast<long long>(count));
    std::printf("\n%-40s %-14s %-18s %12s %14s %12s\n", "layer", "op", "weight shape", "params", "MACs", "bytes");
    for (const auto& l : s.layers) {
        if (!allNodes && l.parameters == 0 && l.macs == 0)
            continue;
        std::printf("%-40s %-14s %-18s %12lld %14lld %12lld\n", l.name.c_str(), l.opType.c_str(), l.weightShape.c_str(),
                    static_cast<long long>(l.parameters), static_cast<long long>(l.macs),
                    static_cast<long long>(l.weightBytes));
    }
}

int runInfo(const ParsedArgs& args) {
    // MACs are counted at the declared input shapes (--input-shape), symbolic sizes taken as 1.
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    const ModelSummary summary = summarizeModel(model.value());
    if (args.has("json"))
        std::cout << toJson(summary).dump(2) << "\n";
    else
        printText(summary, args.has("all"));
    return 0;
}

} // namespace

Command infoCommand() {
    return {{"info",
             "MODEL",
             "Show a model's inputs, outputs, opset, op histogram, parameters, weight bytes and per-layer MACs.",
             {{"json", "", "print JSON instead of text"},
              {"all", "", "list every node, not only layers with weights or MACs"},
              trustTorchScriptOption(), inputShapeOption()}},
            runInfo};
}

} // namespace autoglm::cli
