#include "pipeline/llm/GenerationVariant.h"

#include "pipeline/llm/HfExport.h"
#include "pipeline/passes/quantize/QuantizePass.h"

namespace autoglm {

Result<Model> generationVariant(const Model& floatVariant, const std::filesystem::path& checkpoint,
                                const std::vector<QuantizeReplay>& quantizeStages, const PassContext& context) {
    context.report(0, "rebuilding the decoder with a key/value cache");
    auto twin = cachedDecoderOf(floatVariant, checkpoint);
    if (!twin)
        return twin.error();
    Model cached = twin.value();
    const double share = 1.0 / static_cast<double>(std::max<size_t>(quantizeStages.size(), 1));
    for (size_t i = 0; i < quantizeStages.size(); ++i) {
        const QuantizeReplay& stage = quantizeStages[i];
        std::optional<CalibrationSet> windows;
        if (stage.calibration) {
            auto withCaches = withEmptyCaches(*stage.calibration, twin.value());
            if (!withCaches)
                return withCaches.error();
            windows = std::move(withCaches.value());
        }
        PassContext inner;
        inner.stop = context.stop;
        inner.progress = [&](const PassProgress& p) {
            context.report((static_cast<double>(i) + p.fraction) * share, "key/value variant: " + p.message);
        };
        auto quantized = quantizeModel(cached, stage.params, windows ? &*windows : nullptr, inner);
        if (!quantized)
            return Error{"key/value variant, " + stage.params.summary() + ": " + quantized.message()};
        cached = std::move(quantized->model);
    }
    context.report(1, "key/value variant ready");
    return cached;
}

} // namespace autoglm
