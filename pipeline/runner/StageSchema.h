#pragma once
// What a stage form shows for each stage kind: the parameter fields of its `params` JSON, each with its type,
// default, allowed values or range, and a one-line explanation. Defaults are read from the Params structs'
// toJson, so a changed default in a pass shows up in the form without touching this table; the checks stay in
// each Params::validate (parseStageParams), the schema only tells editors what to offer. Torch-free, Qt-free.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace autoglm {

// A range bound this large means the pass sets no limit on that side.
inline constexpr double kUnboundedParam = 1e15;

enum class StageFieldType {
    Choice, // one of `choices` (strings or integers); `editable`: other values may be typed (N:M patterns)
    Int,    // integer in [minimum, maximum]; see kUnboundedParam
    Double, // number in [minimum, maximum] (maximum excluded when `maximumExclusive`)
    Bool,
    StringList, // list of strings; when `choices` is not empty, each item is one of them
    DatasetRef, // the id of one of the pipeline's datasets, or empty
};

struct StageField {
    std::string key; // dotted for nested parameters: "layers.keep_last"
    StageFieldType type = StageFieldType::Double;
    nlohmann::json defaultValue;
    std::vector<nlohmann::json> choices;
    bool editable = false;
    double minimum = 0;
    double maximum = 0;
    bool maximumExclusive = false;
    // English text; the studio translates it (context "autoglm::StageSchema").
    std::string label;
    std::string tooltip;
    // The field only matters when the parameter `whenKey` has one of `whenValues` (e.g. group_size with
    // scheme w4a16); forms disable it otherwise. Empty: always.
    std::string whenKey;
    std::vector<nlohmann::json> whenValues;

    bool applies(const nlohmann::json& completeParams) const;
};

// The fields of `kind`'s params, in the order a form shows them; empty for unknown kinds.
const std::vector<StageField>& stageSchema(const std::string& kind);
const StageField* findStageField(const std::string& kind, const std::string& key);

// The value at the dotted `key` of `params`, or null.
nlohmann::json dottedParam(const nlohmann::json& params, const std::string& key);

// Which datasets a stage of `kind` reads, besides its params: "calibration", "training", "validation".
std::vector<std::string> stageDatasetRoles(const std::string& kind);

} // namespace autoglm
