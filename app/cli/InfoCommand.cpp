#include "Commands.h"

#include "pipeline/model/ModelLoader.h"
#include "pipeline/model/ModelSummary.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace autoglm::cli {
namespace {

Result<std::map<std::string, std::vector<int64_t>>> parseShapes(const std::vector<std::string>& specs) {
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& spec : specs) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0)
            return Error{"--shape expects NAME=D1,D2,..., got '" + spec + "'"};
        std::vector<int64_t> dims;
        std::stringstream list(spec.substr(eq + 1));
        std::string item;
        while (std::getline(list, item, ',')) {
            try {
                size_t used = 0;
                const long long d = std::stoll(item, &used);
                if (used != item.size() || d < 0)
                    throw std::invalid_argument(item);
                dims.push_back(d);
            } catch (const std::exception&) {
                return Error{"--shape " + spec + ": '" + item + "' is not a dimension"};
            }
        }
        shapes[spec.substr(0, eq)] = dims;
    }
    return shapes;
}

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
    auto shapes = parseShapes(args.all("shape"));
    if (!shapes)
        return fail(shapes.message());
    auto model = loadModelArg(args, args.positional[0]);
    if (!model)
        return fail(model.message());
    SummaryOptions options;
    options.inputShapes = shapes.value();
    const ModelSummary summary = summarizeModel(model.value(), options);
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
              {"shape", "NAME=D1,D2,...", "input shape used to count MACs (symbolic dims default to 1)", true},
              {"all", "", "list every node, not only layers with weights or MACs"},
              trustTorchScriptOption()}},
            runInfo};
}

} // namespace autoglm::cli
