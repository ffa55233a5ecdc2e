#include "pipeline/runner/PipelineSpec.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/passes/ParamsJson.h"
#include "pipeline/runner/StageParams.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

namespace autoglm {
namespace {

// ["batch", 1, 28, 28]: numbers fix sizes, names keep them symbolic; {"dtype": "bool", "shape": [...]} also
// declares the element type.
Result<DeclaredInput> readInputShape(const std::string& path, const nlohmann::json& value) {
    DeclaredInput declared;
    nlohmann::json shape = value;
    if (value.is_object()) {
        for (const auto& [key, _] : value.items())
            if (key != "dtype" && key != "shape")
                return Error{path + "." + key + ": unknown field (known: dtype, shape)"};
        const auto type = value.contains("dtype") && value["dtype"].is_string()
                              ? dtypeFromName(value["dtype"].get<std::string>()) : std::nullopt;
        if (!type || *type == DType::Undefined)
            return Error{path + ".dtype: expected an element type (float32, float16, int64, int32, bool, ...), got " +
                         (value.contains("dtype") ? value["dtype"].dump() : "nothing")};
        declared.dtype = *type;
        shape = value.value("shape", nlohmann::json());
    }
    if (!shape.is_array())
        return Error{path + ": expected a list of sizes and names, e.g. [\"batch\", 1, 28, 28], got " + shape.dump()};
    std::vector<Dim>& dims = declared.dims;
    for (size_t i = 0; i < shape.size(); ++i) {
        const nlohmann::json& d = shape[i];
        if (d.is_number_integer() && d.get<int64_t>() >= 0)
            dims.push_back(Dim{d.get<int64_t>(), {}});
        else if (d.is_string() && !d.get<std::string>().empty())
            dims.push_back(Dim{-1, d.get<std::string>()});
        else
            return Error{path + "[" + std::to_string(i) + "]: expected a non-negative size or a name, got " + d.dump()};
    }
    return declared;
}

namespace fs = std::filesystem;

bool validId(const std::string& id) {
    static const std::regex form("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    return std::regex_match(id, form);
}

// Reads a JSON array of objects at `key`, handing each with its path to `readItem`.
template <class Fn> void readObjects(ParamsReader& reader, const char* key, std::string& error, Fn&& readItem) {
    nlohmann::json items;
    reader.readAny(key, items);
    if (items.is_null() || !error.empty())
        return;
    if (!items.is_array()) {
        error = reader.pathOf(key) + ": expected a list, got " + items.dump();
        return;
    }
    for (size_t i = 0; i < items.size() && error.empty(); ++i) {
        ParamsReader item(items[i], reader.pathOf(key) + "[" + std::to_string(i) + "]");
        readItem(item, items[i]);
        if (auto s = item.finish(); !s && error.empty())
            error = s.message();
    }
}

DatasetSpec readDataset(ParamsReader& r, const std::string& id) {
    DatasetSpec d;
    d.id = id;
    r.read("kind", d.kind);
    r.read("images", d.images);
    r.read("labels", d.labels);
    r.read("path", d.path);
    r.read("scale", d.scale);
    r.read("samples", d.samples);
    r.read("context", d.context);
    r.read("seed", d.seed);
    return d;
}

StageSpec readStage(ParamsReader& r) {
    StageSpec s;
    r.read("id", s.id);
    r.read("kind", s.kind);
    r.read("after", s.after);
    r.readAny("params", s.params);
    if (s.params.is_null())
        s.params = nlohmann::json::object();
    r.read("calibration", s.calibration);
    r.read("training", s.training);
    r.read("validation", s.validation);
    r.read("output", s.output);
    r.read("label", s.label);
    nlohmann::json position;
    r.readAny("position", position);
    if (position.is_array() && position.size() == 2 && position[0].is_number() && position[1].is_number())
        s.position = std::make_pair(position[0].get<double>(), position[1].get<double>());
    return s;
}

EvaluationSpec readEvaluation(ParamsReader& r) {
    EvaluationSpec e;
    r.read("dataset", e.dataset);
    r.read("samples", e.samples);
    r.read("fidelity", e.fidelity);
    r.read("fidelity_samples", e.fidelitySamples);
    r.read("latency", e.latency);
    r.read("latency_batch", e.latencyBatch);
    r.read("latency_sequence", e.latencySequence);
    r.read("latency_warmup", e.latencyWarmup);
    r.read("latency_iterations", e.latencyIterations);
    return e;
}

std::string stagePath(const PipelineSpec& spec, const StageSpec& stage) {
    const auto index = static_cast<size_t>(&stage - spec.stages.data());
    return "stages[" + std::to_string(index) + "]";
}

Status validateDataset(const DatasetSpec& d) {
    const std::string p = "datasets." + d.id;
    if (!validId(d.id))
        return Error{p + ": a dataset id is letters, digits, '_', '-' or '.', at most 64 characters"};
    if (auto s = checkOneOf(p + ".kind", d.kind, datasetKinds()); !s)
        return s;
    if (d.kind == "images" && d.images.empty())
        return Error{p + ".images: an images dataset needs the .npy file of its images"};
    if ((d.kind == "text" || d.kind == "image-folder") && d.path.empty())
        return Error{p + ".path: a " + d.kind + " dataset needs the " + (d.kind == "text" ? "file" : "folder")};
    if (d.kind != "images" && !d.labels.empty())
        return Error{p + ".labels: only an images dataset has a labels file"};
    if (d.samples < 0)
        return Error{p + ".samples is " + std::to_string(d.samples) + " but must be 0 (all) or more"};
    if (auto s = checkRange(p + ".context", static_cast<double>(d.context), 1, 1 << 20); !s)
        return s;
    if (auto s = checkRange(p + ".scale", d.scale, 0, 1e9); !s)
        return s;
    return Ok{};
}

Status validateEvaluation(const PipelineSpec& spec) {
    const EvaluationSpec& e = spec.evaluation;
    if (!e.dataset.empty() && !spec.dataset(e.dataset))
        return Error{"evaluation.dataset: no dataset '" + e.dataset + "' (datasets has " +
                     std::to_string(spec.datasets.size()) + ")"};
    for (auto [field, value, lo] : {std::tuple{"samples", e.samples, 0}, {"fidelity_samples", e.fidelitySamples, 1},
                                    {"latency_batch", e.latencyBatch, 1}, {"latency_sequence", e.latencySequence, 1},
                                    {"latency_warmup", e.latencyWarmup, 0},
                                    {"latency_iterations", e.latencyIterations, 1}})
        if (auto s = checkRange(std::string("evaluation.") + field, static_cast<double>(value), lo, 1 << 24); !s)
            return s;
    return Ok{};
}

Status validateStage(const PipelineSpec& spec, const StageSpec& stage, const std::set<std::string>& earlier) {
    const std::string p = stagePath(spec, stage);
    if (!validId(stage.id) || stage.id == kSourceStage)
        return Error{p + ".id: '" + stage.id + "' is not a stage id (letters, digits, '_', '-' or '.', at most 64 "
                     "characters, not 'source')"};
    if (auto s = checkOneOf(p + ".kind", stage.kind, stageKinds()); !s)
        return s;
    if (stage.after != kSourceStage && !earlier.count(stage.after))
        return Error{p + ".after: '" + stage.after + "' is not 'source' nor the id of a stage listed before this one"};
    auto needDataset = [&](const char* field, const std::string& id, bool required, const char* why) -> Status {
        if (id.empty())
            return required ? Status(Error{p + "." + field + ": " + why}) : Status(Ok{});
        if (!spec.dataset(id))
            return Error{p + "." + field + ": no dataset '" + id + "'"};
        return Ok{};
    };
    auto typed = parseStageParams(stage.kind, stage.params, p + ".params");
    if (!typed)
        return typed.error();
    if (auto s = needDataset("calibration", stage.calibration, typed->needsCalibration(),
                             "this stage needs calibration data: name a dataset");
        !s)
        return s;
    if (auto s = needDataset("training", stage.training, stage.kind == "distill",
                             "distillation needs training data: name a dataset");
        !s)
        return s;
    if (auto s = needDataset("validation", stage.validation, false, ""); !s)
        return s;
    if (stage.kind == "export") {
        const fs::path out = stage.output;
        if (stage.output.empty() || out.extension() != ".onnx")
            return Error{p + ".output: an export stage needs an .onnx file name (e.g. \"{variant}.onnx\")"};
        if (out.is_absolute() || std::any_of(out.begin(), out.end(), [](const fs::path& part) { return part == ".."; }))
            return Error{p + ".output: '" + stage.output + "' must stay inside the output folder (no absolute path, "
                         "no '..')"};
    } else if (!stage.output.empty()) {
        return Error{p + ".output: only an export stage writes a file"};
    }
    return Ok{};
}

Status validateSweep(const PipelineSpec& spec, size_t index) {
    const SweepSpec& sweep = spec.sweeps[index];
    const std::string p = "sweeps[" + std::to_string(index) + "]";
    const StageSpec* stage = spec.stage(sweep.stage);
    if (!stage)
        return Error{p + ".stage: no stage '" + sweep.stage + "'"};
    if (sweep.param.empty())
        return Error{p + ".param: name the parameter to sweep"};
    if (sweep.values.empty())
        return Error{p + ".values: give at least one value"};
    for (size_t i = 0; i < sweep.values.size(); ++i) {
        nlohmann::json params = stage->params;
        setDottedParam(params, sweep.param, sweep.values[i]);
        auto typed = parseStageParams(stage->kind, params, p + ".values[" + std::to_string(i) + "] (" + sweep.param + ")");
        if (!typed)
            return typed.error();
    }
    return Ok{};
}

fs::path rebase(const std::string& path, const fs::path& from, const fs::path& to) {
    if (path.empty() || fs::path(path).is_absolute())
        return path;
    const fs::path absolute = fs::weakly_canonical(fs::absolute(from / path));
    return absolute.lexically_relative(fs::weakly_canonical(fs::absolute(to)));
}

} // namespace

const std::vector<std::string>& stageKinds() {
    static const std::vector<std::string> kinds{"prune", "quantize", "distill", "evaluate", "export"};
    return kinds;
}

const std::vector<std::string>& datasetKinds() {
    static const std::vector<std::string> kinds{"images", "image-folder", "text", "synthetic"};
    return kinds;
}

nlohmann::json DatasetSpec::toJson() const {
    nlohmann::json j{{"kind", kind}};
    if (!images.empty())
        j["images"] = images;
    if (!labels.empty())
        j["labels"] = labels;
    if (!path.empty())
        j["path"] = path;
    if (scale != 0)
        j["scale"] = scale;
    if (samples != 0)
        j["samples"] = samples;
    if (kind == "text" || kind == "synthetic")
        j["context"] = context;
    if (kind == "synthetic")
        j["seed"] = seed;
    return j;
}

nlohmann::json StageSpec::toJson() const {
    nlohmann::json j{{"id", id}, {"kind", kind}, {"after", after}};
    if (!params.empty())
        j["params"] = params;
    for (auto [key, value] : {std::pair{"calibration", &calibration}, {"training", &training},
                              {"validation", &validation}, {"output", &output}, {"label", &label}})
        if (!value->empty())
            j[key] = *value;
    if (position)
        j["position"] = {position->first, position->second};
    return j;
}

nlohmann::json SweepSpec::toJson() const { return {{"stage", stage}, {"param", param}, {"values", values}}; }

nlohmann::json EvaluationSpec::toJson() const {
    return {{"dataset", dataset},
            {"samples", samples},
            {"fidelity", fidelity},
            {"fidelity_samples", fidelitySamples},
            {"latency", latency},
            {"latency_batch", latencyBatch},
            {"latency_sequence", latencySequence},
            {"latency_warmup", latencyWarmup},
            {"latency_iterations", latencyIterations}};
}

fs::path PipelineSpec::resolve(const std::string& path) const {
    const fs::path p = path;
    return p.is_absolute() || baseDir.empty() ? p : baseDir / p;
}

const DatasetSpec* PipelineSpec::dataset(const std::string& id) const {
    auto it = std::find_if(datasets.begin(), datasets.end(), [&](const DatasetSpec& d) { return d.id == id; });
    return it == datasets.end() ? nullptr : &*it;
}

const StageSpec* PipelineSpec::stage(const std::string& id) const {
    auto it = std::find_if(stages.begin(), stages.end(), [&](const StageSpec& s) { return s.id == id; });
    return it == stages.end() ? nullptr : &*it;
}

InputShapes PipelineSpec::inputShapesFor(const fs::path& modelFile) const {
    if (model.empty() || inputShapes.empty())
        return {};
    std::error_code ec;
    const bool same = fs::weakly_canonical(resolve(model), ec) == fs::weakly_canonical(modelFile, ec);
    return same ? inputShapes : InputShapes{};
}

nlohmann::json PipelineSpec::toJson() const {
    nlohmann::json j{{"format", kPipelineFormat}, {"version", version}, {"name", name}};
    if (!description.empty())
        j["description"] = description;
    j["model"] = model;
    if (!inputShapes.empty()) {
        j["input_shapes"] = nlohmann::json::object();
        for (const auto& [input, declared] : inputShapes) {
            nlohmann::json shape = nlohmann::json::array();
            for (const Dim& d : declared.dims)
                shape.push_back(d.isFixed() ? nlohmann::json(d.value) : nlohmann::json(d.symbol));
            j["input_shapes"][input] = declared.dtype == DType::Undefined
                                           ? shape
                                           : nlohmann::json{{"dtype", dtypeName(declared.dtype)}, {"shape", shape}};
        }
    }
    j["seed"] = seed;
    j["datasets"] = nlohmann::json::object();
    for (const auto& d : datasets)
        j["datasets"][d.id] = d.toJson();
    j["stages"] = nlohmann::json::array();
    for (const auto& s : stages)
        j["stages"].push_back(s.toJson());
    if (!sweeps.empty()) {
        j["sweeps"] = nlohmann::json::array();
        for (const auto& s : sweeps)
            j["sweeps"].push_back(s.toJson());
    }
    j["evaluation"] = evaluation.toJson();
    return j;
}

Result<PipelineSpec> PipelineSpec::fromJson(const nlohmann::json& json, const fs::path& baseDir) {
    auto spec = parse(json, baseDir);
    if (!spec)
        return spec;
    if (auto s = spec->validate(); !s)
        return s.error();
    return spec;
}

Result<PipelineSpec> PipelineSpec::parse(const nlohmann::json& json, const fs::path& baseDir) {
    PipelineSpec spec;
    spec.baseDir = baseDir;
    if (!json.is_object())
        return Error{"expected a JSON object with \"format\": \"" + std::string(kPipelineFormat) + "\""};
    std::string format;
    int64_t version = 0;
    std::string error;
    ParamsReader r(json, "pipeline");
    r.read("format", format);
    r.read("version", version);
    if (format != kPipelineFormat)
        return Error{"format: expected \"" + std::string(kPipelineFormat) + "\", got " +
                     (json.contains("format") ? json["format"].dump() : "nothing")};
    if (version < 1)
        return Error{"version: expected a positive integer, got " +
                     (json.contains("version") ? json["version"].dump() : "nothing")};
    if (version > kPipelineVersion)
        return Error{"version: this file is version " + std::to_string(version) + ", written by a newer studio; this "
                     "one reads up to version " + std::to_string(kPipelineVersion)};
    spec.version = static_cast<int>(version);
    r.read("name", spec.name);
    r.read("description", spec.description);
    r.read("model", spec.model);
    r.nested("input_shapes", [&](ParamsReader& inner) {
        for (const auto& [input, value] : json.at("input_shapes").items()) {
            nlohmann::json shape;
            inner.readAny(input.c_str(), shape);
            if (auto dims = readInputShape(inner.pathOf(input), shape); !dims && error.empty())
                error = dims.message();
            else if (dims)
                spec.inputShapes[input] = dims.value();
        }
    });
    r.read("seed", spec.seed);
    r.nested("datasets", [&](ParamsReader& inner) {
        for (const auto& [id, value] : json.at("datasets").items()) {
            nlohmann::json item;
            inner.readAny(id.c_str(), item);
            ParamsReader one(item, "datasets." + id);
            spec.datasets.push_back(readDataset(one, id));
            if (auto s = one.finish(); !s && error.empty())
                error = s.message();
        }
    });
    readObjects(r, "stages", error, [&](ParamsReader& item, const nlohmann::json&) { spec.stages.push_back(readStage(item)); });
    readObjects(r, "sweeps", error, [&](ParamsReader& item, const nlohmann::json& raw) {
        SweepSpec sweep;
        item.read("stage", sweep.stage);
        item.read("param", sweep.param);
        nlohmann::json values;
        item.readAny("values", values);
        if (!values.is_array() && error.empty())
            error = item.pathOf("values") + ": expected a list of values, got " + (raw.contains("values") ? values.dump() : "nothing");
        else
            sweep.values.assign(values.begin(), values.end());
        spec.sweeps.push_back(std::move(sweep));
    });
    r.nested("evaluation", [&](ParamsReader& inner) { spec.evaluation = readEvaluation(inner); });
    if (auto s = r.finish(); !s)
        return s.error();
    if (!error.empty())
        return Error{error};
    return spec;
}

Status PipelineSpec::validate() const {
    if (model.empty())
        return Error{"model: name the source model (an .onnx file or a checkpoint folder)"};
    for (const auto& d : datasets)
        if (auto s = validateDataset(d); !s)
            return s;
    if (auto s = validateEvaluation(*this); !s)
        return s;
    std::set<std::string> seen;
    for (const auto& stage : stages) {
        if (seen.count(stage.id))
            return Error{stagePath(*this, stage) + ".id: '" + stage.id + "' is used by an earlier stage too"};
        if (auto s = validateStage(*this, stage, seen); !s)
            return s;
        seen.insert(stage.id);
    }
    std::set<std::pair<std::string, std::string>> swept;
    for (size_t i = 0; i < sweeps.size(); ++i) {
        if (auto s = validateSweep(*this, i); !s)
            return s;
        if (!swept.insert({sweeps[i].stage, sweeps[i].param}).second)
            return Error{"sweeps[" + std::to_string(i) + "]: " + sweeps[i].stage + "." + sweeps[i].param +
                         " is swept twice"};
    }
    return Ok{};
}

Result<PipelineSpec> loadPipelineFile(const fs::path& file, PipelineCheck check) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{"cannot open pipeline file '" + file.string() + "'"};
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded())
        return Error{file.string() + ": not valid JSON"};
    const fs::path base = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    auto spec = check == PipelineCheck::Full ? PipelineSpec::fromJson(json, base) : PipelineSpec::parse(json, base);
    if (!spec)
        return Error{file.string() + ": " + spec.message(), spec.error().unsupported};
    return spec;
}

Status savePipelineFile(const PipelineSpec& spec, const fs::path& file) {
    PipelineSpec out = spec;
    const fs::path to = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    if (!spec.baseDir.empty()) {
        out.model = rebase(spec.model, spec.baseDir, to).string();
        for (auto& d : out.datasets)
            for (std::string* path : {&d.images, &d.labels, &d.path})
                *path = rebase(*path, spec.baseDir, to).string();
    }
    return writeFileAtomically(file, out.toJson().dump(2) + "\n");
}

} // namespace autoglm
