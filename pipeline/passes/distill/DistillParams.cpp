#include "pipeline/passes/distill/DistillParams.h"

#include "pipeline/passes/ParamsJson.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace autoglm {

std::string DistillParams::summary() const {
    char text[200];
    std::snprintf(text, sizeof text, "distill %s %lld, lr %g, T %g, alpha %g, batch %lld",
                  epochs > 0 ? "epochs" : "steps", static_cast<long long>(epochs > 0 ? epochs : steps), learningRate,
                  temperature, alpha, static_cast<long long>(batchSize));
    return text;
}

nlohmann::json DistillParams::toJson() const {
    return {{"steps", steps},
            {"epochs", epochs},
            {"batch_size", batchSize},
            {"learning_rate", learningRate},
            {"weight_decay", weightDecay},
            {"warmup", warmup},
            {"grad_clip", gradClip},
            {"temperature", temperature},
            {"alpha", alpha},
            {"hidden_values", hiddenValues},
            {"hidden_weight", hiddenWeight},
            {"validate_every", validateEvery},
            {"patience", patience},
            {"validation_share", validationShare},
            {"seed", seed},
            {"augment", augment},
            {"mixup", mixup}};
}

Result<DistillParams> DistillParams::fromJson(const nlohmann::json& json, const std::string& path) {
    DistillParams p;
    ParamsReader r(json, path);
    r.read("steps", p.steps);
    r.read("epochs", p.epochs);
    r.read("batch_size", p.batchSize);
    r.read("learning_rate", p.learningRate);
    r.read("weight_decay", p.weightDecay);
    r.read("warmup", p.warmup);
    r.read("grad_clip", p.gradClip);
    r.read("temperature", p.temperature);
    r.read("alpha", p.alpha);
    r.read("hidden_values", p.hiddenValues);
    r.read("hidden_weight", p.hiddenWeight);
    r.read("validate_every", p.validateEvery);
    r.read("patience", p.patience);
    r.read("validation_share", p.validationShare);
    r.read("seed", p.seed);
    r.read("augment", p.augment);
    r.read("mixup", p.mixup);
    if (auto s = r.finish(); !s)
        return s.error();
    if (auto s = p.validate(path); !s)
        return s.error();
    return p;
}

Status DistillParams::validate(const std::string& path) const {
    const std::string f = path + ".";
    for (const Status& s : {checkRange(f + "steps", static_cast<double>(steps), 1, 1e7),
                            checkRange(f + "epochs", static_cast<double>(epochs), 0, 1e5),
                            checkRange(f + "batch_size", static_cast<double>(batchSize), 1, 65536),
                            checkRange(f + "learning_rate", learningRate, 1e-9, 1.0),
                            checkRange(f + "weight_decay", weightDecay, 0.0, 1.0),
                            checkRange(f + "warmup", warmup, 0.0, 0.5),
                            checkRange(f + "grad_clip", gradClip, 0.0, 1e6),
                            checkRange(f + "temperature", temperature, 0.05, 100.0),
                            checkRange(f + "alpha", alpha, 0.0, 1.0),
                            checkRange(f + "hidden_weight", hiddenWeight, 0.0, 1e6),
                            checkRange(f + "validate_every", static_cast<double>(validateEvery), 1, 1e7),
                            checkRange(f + "patience", static_cast<double>(patience), 0, 1e6),
                            checkRange(f + "validation_share", validationShare, 0.01, 0.5)})
        if (!s)
            return s;
    if (hiddenWeight > 0 && hiddenValues.empty())
        return Error{f + "hidden_weight is set but hidden_values names no value to match"};
    return Ok{};
}

} // namespace autoglm
