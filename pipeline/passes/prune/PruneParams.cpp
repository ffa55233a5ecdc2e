#include "pipeline/passes/prune/PruneParams.h"

#include "pipeline/passes/ParamsJson.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>

namespace autoglm {

std::pair<int64_t, int64_t> PruneParams::nm() const {
    static const std::regex form("([0-9]{1,3}):([0-9]{1,3})");
    std::smatch m;
    if (!std::regex_match(pattern, m, form))
        return {0, 0};
    return {std::stoll(m[1]), std::stoll(m[2])};
}

double PruneParams::targetSparsity() const {
    if (!semiStructured())
        return sparsity;
    auto [n, m] = nm();
    return m > 0 ? 1.0 - static_cast<double>(n) / static_cast<double>(m) : 0.0;
}

std::string PruneParams::summary() const {
    std::string s = pattern;
    if (structured())
        return s + " " + std::to_string(static_cast<int>(std::lround(sparsity * 100))) + "% " + criterion;
    if (!semiStructured())
        s += " " + std::to_string(static_cast<int>(std::lround(sparsity * 100))) + "%";
    s += " " + method;
    if (!semiStructured() && method == "magnitude" && scope == "global")
        s += " global";
    return s;
}

nlohmann::json PruneParams::toJson() const {
    return {{"pattern", pattern},
            {"sparsity", sparsity},
            {"method", method},
            {"scope", scope},
            {"criterion", criterion},
            {"sparsegpt_damp", sparsegptDamp},
            {"sparsegpt_block_size", sparsegptBlockSize},
            {"calibration_samples", calibrationSamples},
            {"layers", layers.toJson()}};
}

Result<PruneParams> PruneParams::fromJson(const nlohmann::json& json, const std::string& path) {
    PruneParams p;
    ParamsReader r(json, path);
    r.read("pattern", p.pattern);
    r.read("sparsity", p.sparsity);
    r.read("method", p.method);
    r.read("scope", p.scope);
    r.read("criterion", p.criterion);
    r.read("sparsegpt_damp", p.sparsegptDamp);
    r.read("sparsegpt_block_size", p.sparsegptBlockSize);
    r.read("calibration_samples", p.calibrationSamples);
    r.nested("layers", [&](ParamsReader& inner) { p.layers.read(inner); });
    if (auto s = r.finish(); !s)
        return s.error();
    if (auto s = p.validate(path); !s)
        return s.error();
    return p;
}

Status PruneParams::validate(const std::string& path) const {
    const std::string f = path + ".";
    if (semiStructured()) {
        auto [n, m] = nm();
        if (m == 0)
            return Error{f + "pattern is '" + pattern + "' but must be 'unstructured', 'channels', 'heads' or N:M such as 2:4"};
        if (n < 1 || n >= m || m > 128)
            return Error{f + "pattern " + pattern + " must keep between 1 and M-1 of every M weights (M at most 128)"};
    }
    if (!(sparsity >= 0.0 && sparsity < 1.0))
        return Error{f + "sparsity is " + std::to_string(sparsity) +
                     " but must be in [0, 1): the share of weights removed, and a layer cannot lose all of them"};
    for (const Status& s : {checkOneOf(f + "method", method, {"magnitude", "sparsegpt"}),
                            checkOneOf(f + "scope", scope, {"per-layer", "global"}),
                            checkOneOf(f + "criterion", criterion, {"l1", "l2", "bn-scale"}),
                            checkRange(f + "sparsegpt_damp", sparsegptDamp, 1e-6, 1.0),
                            checkRange(f + "sparsegpt_block_size", static_cast<double>(sparsegptBlockSize), 1, 4096),
                            checkRange(f + "calibration_samples", static_cast<double>(calibrationSamples), 1, 100000),
                            layers.validate(f + "layers")})
        if (!s)
            return s;
    if (structured() && method != "magnitude")
        return Error{f + "method '" + method + "' chooses single weights; " + pattern + " pruning ranks whole " +
                     pattern + " by criterion (l1, l2" + (channels() ? ", bn-scale" : "") + "), so use method 'magnitude'"};
    if (heads() && criterion == "bn-scale")
        return Error{f + "criterion 'bn-scale' ranks channels by a BatchNormalization's scale; heads are ranked by "
                         "l1 or l2"};
    if (scope == "global" && (method != "magnitude" || semiStructured() || structured()))
        return Error{f + "scope 'global' ranks every layer's weights by one magnitude threshold, so it applies to "
                         "unstructured magnitude pruning only"};
    return Ok{};
}

} // namespace autoglm
