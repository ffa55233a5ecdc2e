#include "pipeline/runner/Runner.h"

#include "pipeline/common/AtomicFile.h"
#include "pipeline/common/ReadFile.h"
#include "pipeline/eval/Benchmark.h"
#include "pipeline/llm/GenerationVariant.h"
#include "pipeline/llm/HfExport.h"
#include "pipeline/model/ModelLoader.h"
#include "pipeline/onnx/OnnxExport.h"
#include "pipeline/onnx/OnnxImport.h"
#include "pipeline/passes/distill/DistillPass.h"
#include "pipeline/passes/prune/PrunePass.h"
#include "pipeline/passes/quantize/QuantizePass.h"
#include "pipeline/runner/PipelinePlan.h"
#include "pipeline/runner/StageMeasure.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace autoglm {
namespace {

namespace fs = std::filesystem;

// Each stage's own seed, from the pipeline's and the stage's id: the same in every shard and order.
uint64_t stageSeed(int64_t seed, const std::string& id) {
    uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(seed);
    for (unsigned char c : id)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

RunEvent makeEvent(RunEventKind kind, std::string stage, std::string stageKind, double fraction = 0,
                   std::string message = {}, std::vector<std::pair<std::string, double>> metrics = {}) {
    RunEvent e;
    e.kind = kind;
    e.stage = std::move(stage);
    e.stageKind = std::move(stageKind);
    e.fraction = fraction;
    e.message = std::move(message);
    e.metrics = std::move(metrics);
    return e;
}

// The file's bytes; empty when it is missing.
std::string bytesOrEmpty(const fs::path& file) {
    auto bytes = readFileBytes(file);
    return bytes ? bytes.value() : std::string();
}

class PipelineRun {
public:
    PipelineRun(const PipelineSpec& spec, const RunOptions& options, const RunEventFn& onEvent, std::stop_token stop)
        : m_spec(spec), m_options(options), m_onEvent(onEvent), m_stop(std::move(stop)) {}

    Result<RunResults> execute();

private:
    void emit(RunEvent event) {
        // Never backwards: a failed stage ends its share early.
        m_overall = std::max(m_overall, std::clamp((m_unitsDone + event.fraction) / std::max(1.0, m_units), 0.0, 1.0));
        event.overall = m_overall;
        if (m_onEvent)
            m_onEvent(event);
    }
    void finishUnit() { m_unitsDone += 1; }
    bool cancelled() const { return m_stop.stop_requested(); }

    Status prepare();
    Status checkGenerationVariants();
    std::vector<const PlannedStage*> chainOf(const PlannedStage& stage) const;
    Result<PassResult> applyStage(const PlannedStage& stage, const Model& input, const Model* floatBasis,
                                  const PassContext& context);
    Status writeGenerationVariant(const PlannedStage& stage, const Model& floatVariant, const fs::path& file,
                                  const PassContext& context);
    Result<VariantResult> measureVariant(const PlannedVariant& variant, const Model& model);
    void recordVariant(size_t shardSlot, VariantResult result);
    void saveProgress();

    Result<std::shared_ptr<const LoadedDataset>> dataset(const std::string& id);
    Result<const CalibrationSet*> calibration(const std::string& id);
    Result<const TrainingSet*> training(const std::string& id);
    Result<const VariantEvaluator*> evaluator(const std::string& datasetId, int64_t samples);

    const PipelineSpec& m_spec;
    const RunOptions& m_options;
    const RunEventFn& m_onEvent;
    std::stop_token m_stop;

    PipelinePlan m_plan;
    std::map<std::string, size_t> m_indexOf; // planned stage id -> index
    std::set<size_t> m_generationChains;     // stages on the chain of an export that wants a generation variant
    Model m_original;
    std::string m_tokenizer; // a checkpoint's tokenizer.json, copied beside every export
    RunResults m_results;
    std::vector<size_t> m_mine;                      // variants of this shard (indices into the plan)
    std::set<size_t> m_needed;                       // the stages they need
    std::vector<std::optional<VariantResult>> m_rows; // one per variant of this shard
    std::map<std::string, std::shared_ptr<const LoadedDataset>> m_datasets;
    std::map<std::string, CalibrationSet> m_calibration;
    std::map<std::string, TrainingSet> m_training;
    std::map<std::pair<std::string, int64_t>, std::unique_ptr<VariantEvaluator>> m_evaluators;
    double m_units = 1;
    double m_unitsDone = 0;
    double m_overall = 0;
};

Result<std::shared_ptr<const LoadedDataset>> PipelineRun::dataset(const std::string& id) {
    if (auto it = m_datasets.find(id); it != m_datasets.end())
        return it->second;
    const DatasetSpec* spec = m_spec.dataset(id);
    if (!spec)
        return Error{"no dataset '" + id + "'"};
    auto loaded = loadDataset(m_spec, *spec, m_original);
    if (!loaded)
        return loaded.error();
    auto shared = std::make_shared<const LoadedDataset>(std::move(loaded.value()));
    m_datasets[id] = shared;
    return shared;
}

Result<const CalibrationSet*> PipelineRun::calibration(const std::string& id) {
    if (auto it = m_calibration.find(id); it != m_calibration.end())
        return &it->second;
    // One set per dataset, as large as the stage that wants the most needs.
    int64_t samples = 1;
    for (const auto& stage : m_plan.stages)
        if (stage.spec.calibration == id)
            samples = std::max(samples, stage.params.calibrationSamples());
    auto data = dataset(id);
    if (!data)
        return data.error();
    auto set = calibrationFromDataset(m_original, *data.value(), samples);
    if (!set)
        return set.error();
    return &(m_calibration[id] = std::move(set.value()));
}

Result<const TrainingSet*> PipelineRun::training(const std::string& id) {
    if (auto it = m_training.find(id); it != m_training.end())
        return &it->second;
    auto data = dataset(id);
    if (!data)
        return data.error();
    auto set = trainingFromDataset(m_original, *data.value());
    if (!set)
        return set.error();
    return &(m_training[id] = std::move(set.value()));
}

Result<const VariantEvaluator*> PipelineRun::evaluator(const std::string& datasetId, int64_t samples) {
    const auto key = std::make_pair(datasetId, samples);
    if (auto it = m_evaluators.find(key); it != m_evaluators.end())
        return it->second.get();
    auto data = dataset(datasetId);
    if (!data)
        return data.error();
    const EvaluationSpec& e = m_spec.evaluation;
    RunEvent event = makeEvent(RunEventKind::StageProgress, "original", "measure");
    event.message = "outputs of the original on dataset '" + datasetId + "'";
    auto made = VariantEvaluator::create(
        m_original, data.value(), {samples, e.fidelity, e.fidelitySamples},
        [&](double f) {
            event.fraction = f * 0.5;
            emit(event);
        },
        m_stop);
    if (!made)
        return made.error();
    auto owned = std::make_unique<VariantEvaluator>(std::move(made.value()));
    const VariantEvaluator* raw = owned.get();
    m_evaluators[key] = std::move(owned);
    return raw;
}

Status PipelineRun::prepare() {
    if (m_options.shardCount < 1 || m_options.shardIndex < 0 || m_options.shardIndex >= m_options.shardCount)
        return Error{"shard " + std::to_string(m_options.shardIndex) + "/" + std::to_string(m_options.shardCount) +
                     " does not exist: the index counts from 0 and must be below the count"};
    if (m_options.device != "cpu" && m_options.device != "cuda")
        return Error{"device '" + m_options.device + "' is not cpu or cuda"};
    if (m_options.device == "cuda" && !cudaAvailable())
        return Error{"device cuda: this build of LibTorch sees no CUDA device here"};
    auto plan = planPipeline(m_spec);
    if (!plan)
        return plan.error();
    m_plan = std::move(plan.value());
    for (size_t i = 0; i < m_plan.stages.size(); ++i)
        m_indexOf[m_plan.stages[i].id] = i;
    m_mine = m_plan.shardVariants(m_options.shardIndex, m_options.shardCount);
    m_rows.assign(m_mine.size(), std::nullopt);

    const fs::path source = m_spec.resolve(m_spec.model);
    auto model = loadModel(source, {m_options.trustTorchScript, m_spec.inputShapes});
    if (!model)
        return Error{"model: " + model.message()};
    m_original = std::move(model.value());
    if (std::error_code ec; fs::is_directory(m_original.sourcePath, ec))
        m_tokenizer = bytesOrEmpty(m_original.sourcePath / "tokenizer.json");

    // Every dataset a planned stage or the evaluation reads is loaded up front, so that a missing file fails
    // the run before hours of work rather than after.
    std::set<std::string> used;
    if (!m_spec.evaluation.dataset.empty())
        used.insert(m_spec.evaluation.dataset);
    for (const auto& stage : m_plan.stages)
        for (const std::string* id : {&stage.spec.calibration, &stage.spec.training, &stage.spec.validation,
                                      &stage.params.evaluate.dataset})
            if (!id->empty())
                used.insert(*id);
    for (const auto& id : used)
        if (auto d = dataset(id); !d)
            return d.error();

    if (!m_options.outputDir.empty()) {
        std::error_code ec;
        fs::create_directories(m_options.outputDir, ec);
        if (ec || !fs::is_directory(m_options.outputDir, ec))
            return Error{"cannot create the output folder '" + m_options.outputDir.string() + "'"};
    }
    setComputeThreads(m_options.threads);

    m_needed = m_plan.shardStages(m_options.shardIndex, m_options.shardCount);
    if (auto s = checkGenerationVariants(); !s)
        return s;
    m_units = 1.0 + static_cast<double>(m_needed.size() + m_mine.size());

    m_results.pipeline = m_spec.name;
    m_results.seed = m_spec.seed;
    m_results.shardIndex = m_options.shardIndex;
    m_results.shardCount = m_options.shardCount;
    m_results.plannedVariants = static_cast<int64_t>(m_plan.variants.size());
    m_results.status = "running";
    return Ok{};
}

std::vector<const PlannedStage*> PipelineRun::chainOf(const PlannedStage& stage) const {
    std::vector<const PlannedStage*> chain{&stage};
    while (!chain.back()->parent.empty())
        chain.push_back(&m_plan.stages[m_indexOf.at(chain.back()->parent)]);
    std::reverse(chain.begin(), chain.end());
    return chain;
}

// A generation variant is the float chain rebuilt with a key/value cache and its quantize stages replayed:
// checked before any work, so that a pipeline that cannot have one fails at once, naming the stage.
Status PipelineRun::checkGenerationVariants() {
    for (size_t i : m_needed) {
        const PlannedStage& exporting = m_plan.stages[i];
        if (exporting.params.kind != "export" || !exporting.params.exporting.cachedDecoder)
            continue;
        std::error_code ec;
        if (!fs::is_directory(m_original.sourcePath, ec))
            return Error{"stage '" + exporting.specId +
                         "': cached_decoder needs a Hugging Face checkpoint folder as the pipeline's model"};
        const PlannedStage* quantize = nullptr;
        for (const PlannedStage* s : chainOf(exporting)) {
            m_generationChains.insert(m_indexOf.at(s->id));
            if (s->params.kind == "quantize" && !quantize)
                quantize = s;
            if (quantize && (s->params.kind == "prune" || s->params.kind == "distill"))
                return Error{"stage '" + exporting.specId + "': cached_decoder cannot replay the " + s->params.kind +
                             " stage '" + s->specId + "' after the quantize stage '" + quantize->specId +
                             "' on the generation variant; put it before quantization"};
        }
    }
    return Ok{};
}

Status PipelineRun::writeGenerationVariant(const PlannedStage& stage, const Model& floatVariant, const fs::path& file,
                                           const PassContext& context) {
    std::vector<QuantizeReplay> replay;
    for (const PlannedStage* s : chainOf(stage)) {
        if (s->params.kind != "quantize")
            continue;
        QuantizeReplay r{s->params.quantize, nullptr};
        if (!s->spec.calibration.empty()) {
            auto windows = calibration(s->spec.calibration);
            if (!windows)
                return windows.error();
            r.calibration = windows.value();
        }
        replay.push_back(r);
    }
    auto cached = generationVariant(floatVariant, m_original.sourcePath, replay, context);
    if (!cached)
        return cached.error();
    return saveOnnx(cached.value(), file);
}

Result<PassResult> PipelineRun::applyStage(const PlannedStage& stage, const Model& input, const Model* floatBasis,
                                           const PassContext& context) {
    const StageParams& p = stage.params;
    auto calibrationOf = [&]() -> Result<const CalibrationSet*> {
        if (stage.spec.calibration.empty())
            return static_cast<const CalibrationSet*>(nullptr);
        return calibration(stage.spec.calibration);
    };
    if (p.kind == "prune" || p.kind == "quantize") {
        auto calib = calibrationOf();
        if (!calib)
            return calib.error();
        return p.kind == "prune" ? pruneModel(input, p.prune, calib.value(), context)
                                 : quantizeModel(input, p.quantize, calib.value(), context);
    }
    if (p.kind == "distill") {
        auto train = training(stage.spec.training);
        if (!train)
            return train.error();
        const TrainingSet* validation = nullptr;
        if (!stage.spec.validation.empty()) {
            auto v = training(stage.spec.validation);
            if (!v)
                return v.error();
            validation = v.value();
        }
        return distillModel(input, m_original, p.distill, *train.value(), validation, context);
    }
    PassResult passed{input, {}};
    passed.report.pass = p.kind;
    if (p.kind == "export") {
        const fs::path target = m_options.outputDir / stage.outputFile;
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
        if (auto saved = saveOnnx(input, target); !saved)
            return saved.error();
        if (!m_tokenizer.empty() && bytesOrEmpty(target.parent_path() / "tokenizer.json") != m_tokenizer)
            if (auto copied = writeFileAtomically(target.parent_path() / "tokenizer.json", m_tokenizer); !copied)
                return copied.error();
        passed.report.notes.push_back("wrote " + stage.outputFile);
        if (p.exporting.hfFolder) {
            // model.onnx -> model_hf/, replacing what an earlier run wrote there.
            const fs::path folder = target.parent_path() / (target.stem().string() + "_hf");
            HfExportOptions hf;
            hf.dtype = hfWeightType(p.exporting.hfDtype).value(); // validated when the file was read
            hf.replace = true;
            if (auto written = exportHfCheckpoint(input, m_original.sourcePath, folder, hf); !written)
                return Error{"Hugging Face folder '" + folder.filename().string() + "': " + written.message()};
            passed.report.notes.push_back("wrote " + folder.filename().string() + "/ (Hugging Face folder)");
        }
        if (p.exporting.cachedDecoder) {
            const fs::path cached = target.parent_path() / (target.stem().string() + "_cached.onnx");
            if (auto written = writeGenerationVariant(stage, floatBasis ? *floatBasis : input, cached, context);
                !written)
                return Error{"generation variant '" + cached.filename().string() + "': " + written.message()};
            passed.report.notes.push_back("wrote " + cached.filename().string() +
                                          " (with past key/value inputs for generation)");
        }
    }
    return passed;
}

Result<VariantResult> PipelineRun::measureVariant(const PlannedVariant& variant, const Model& model) {
    VariantResult row;
    row.id = variant.id;
    row.description = variant.description;
    for (size_t at : variant.chain) {
        const PlannedStage& s = m_plan.stages[at];
        row.chain.push_back(s.id);
        row.parameters[s.id] = {{"kind", s.params.kind}, {"params", s.params.toJson()}};
    }
    const PlannedStage& last = m_plan.stages[variant.chain.back()];
    // The last stage that changed or wrote the model decides whether the variant is a file on disk.
    const PlannedStage* writer = nullptr;
    for (auto it = variant.chain.rbegin(); it != variant.chain.rend() && !writer; ++it)
        if (m_plan.stages[*it].params.kind != "evaluate")
            writer = &m_plan.stages[*it];
    MeasureRequest request{m_spec.evaluation, m_options.device, nullptr, {}};
    std::string datasetId = m_spec.evaluation.dataset;
    int64_t samples = m_spec.evaluation.samples;
    if (last.params.kind == "evaluate") {
        if (!last.params.evaluate.dataset.empty())
            datasetId = last.params.evaluate.dataset;
        if (last.params.evaluate.samples >= 0)
            samples = last.params.evaluate.samples;
    }
    if (!datasetId.empty()) {
        auto e = evaluator(datasetId, samples);
        if (!e)
            return e.error();
        request.evaluator = e.value();
    }
    RunEvent event = makeEvent(RunEventKind::StageProgress, variant.id, "measure");
    event.message = "measuring " + variant.id;
    request.progress = [&](double f) {
        event.fraction = f;
        emit(event);
    };
    if (writer && writer->params.kind == "export") {
        // Measured on the file as written and read back, not on the graph in memory.
        const fs::path file = m_options.outputDir / writer->outputFile;
        auto written = loadOnnx(file);
        if (!written)
            return Error{"the exported file cannot be read back: " + written.message()};
        row.file = writer->outputFile;
        if (auto s = measureModel(written.value(), &file, request, m_stop, row); !s)
            return s.error();
    } else if (auto s = measureModel(model, nullptr, request, m_stop, row); !s) {
        return s.error();
    }
    return row;
}

void PipelineRun::recordVariant(size_t slot, VariantResult result) {
    result.planIndex = static_cast<int64_t>(m_mine[slot]);
    m_rows[slot] = std::move(result);
    RunEvent event = makeEvent(RunEventKind::VariantMeasured, m_rows[slot]->id, "measure");
    event.variant = &*m_rows[slot];
    event.message = m_rows[slot]->status == "ok" ? "measured " + m_rows[slot]->id
                                                 : m_rows[slot]->id + " " + m_rows[slot]->status + ": " +
                                                       m_rows[slot]->error;
    event.fraction = 1;
    emit(event);
    saveProgress();
}

void PipelineRun::saveProgress() {
    m_results.variants.clear();
    for (const auto& row : m_rows)
        if (row)
            m_results.variants.push_back(*row);
    computeComparisons(m_results);
    if (m_options.writeResults && !m_options.outputDir.empty())
        (void)saveRunResults(m_results, m_options.outputDir); // the final save reports errors
}

Result<RunResults> PipelineRun::execute() {
    if (auto s = prepare(); !s)
        return s.error();
    m_results.pipelineFolder = m_spec.baseDir.string();
    {
        RunEvent started = makeEvent(RunEventKind::RunStarted, "", "");
        started.message = std::to_string(m_plan.stages.size()) + " stages, " + std::to_string(m_mine.size()) + " of " +
                          std::to_string(m_plan.variants.size()) + " variants in this shard";
        emit(started);
    }

    // The original, measured like every variant.
    emit(makeEvent(RunEventKind::StageStarted, "original", "measure"));
    {
        VariantResult row;
        row.id = "original";
        row.description = "original";
        MeasureRequest request{m_spec.evaluation, m_options.device, nullptr, {}};
        Status measured = Ok{};
        if (!m_spec.evaluation.dataset.empty()) {
            auto e = evaluator(m_spec.evaluation.dataset, m_spec.evaluation.samples);
            measured = e ? Status(Ok{}) : Status(e.error());
            if (e)
                request.evaluator = e.value();
        }
        if (measured) {
            const fs::path source = m_spec.resolve(m_spec.model);
            measured = measureModel(m_original, &source, request, m_stop, row);
        }
        if (!measured) {
            if (cancelled())
                m_results.status = "cancelled";
            else
                return Error{"measuring the original: " + measured.message()};
        }
        m_results.original = row;
    }
    {
        RunEvent measured = makeEvent(RunEventKind::VariantMeasured, "original", "measure", 1, "measured original");
        measured.variant = &m_results.original;
        emit(measured);
    }
    emit(makeEvent(RunEventKind::StageFinished, "original", "measure", 1, "measured the original"));
    finishUnit();

    // Which planned stages this shard needs, and how many of its children still want each one's model.
    std::map<size_t, int> waiting;
    for (size_t i : m_needed)
        if (!m_plan.stages[i].parent.empty())
            ++waiting[m_indexOf.at(m_plan.stages[i].parent)];
    std::map<size_t, std::shared_ptr<const Model>> models;
    // Per stage, its chain's model before the first quantize stage, kept only for generation variants.
    std::map<size_t, std::shared_ptr<const Model>> floatBases;
    std::map<size_t, std::string> failed; // stage -> why
    const auto source = std::make_shared<const Model>(m_original);

    for (size_t i = 0; i < m_plan.stages.size() && m_results.status != "cancelled"; ++i) {
        if (!m_needed.count(i))
            continue;
        const PlannedStage& stage = m_plan.stages[i];
        const std::optional<size_t> parent =
            stage.parent.empty() ? std::nullopt : std::optional<size_t>(m_indexOf.at(stage.parent));
        std::shared_ptr<const Model> input = parent ? models[*parent] : source;
        std::shared_ptr<const Model> floatBasis = parent && floatBases.count(*parent) ? floatBases[*parent] : nullptr;
        if (!floatBasis && m_generationChains.count(i) && stage.params.kind == "quantize")
            floatBasis = input;
        if (parent && --waiting[*parent] == 0) {
            models.erase(*parent);
            floatBases.erase(*parent);
        }
        if (parent && failed.count(*parent)) {
            failed[i] = failed[*parent];
            finishUnit();
            continue;
        }
        emit(makeEvent(RunEventKind::StageStarted, stage.id, stage.params.kind, 0, stage.params.summary()));
        setRandomSeed(stageSeed(m_spec.seed, stage.id));
        PassContext context;
        context.stop = m_stop;
        context.progress = [&](const PassProgress& p) {
            emit(makeEvent(RunEventKind::StageProgress, stage.id, stage.params.kind, p.fraction, p.message));
            if (!p.metrics.empty())
                emit(makeEvent(RunEventKind::StageMetric, stage.id, stage.params.kind, p.fraction, p.message, p.metrics));
        };
        auto result = applyStage(stage, *input, floatBasis.get(), context);
        input.reset();
        if (!result) {
            if (cancelled()) {
                emit(makeEvent(RunEventKind::StageCancelled, stage.id, stage.params.kind, 0, "cancelled"));
                m_results.status = "cancelled";
                break;
            }
            failed[i] = stage.id + ": " + result.message();
            emit(makeEvent(RunEventKind::StageFailed, stage.id, stage.params.kind, 0, result.message()));
            finishUnit();
            continue;
        }
        if (!result->report.layers.empty() || !result->report.notes.empty() || !result->report.curve.empty())
            m_results.stageReports[stage.id] = result->report.toJson();
        auto model = std::make_shared<const Model>(std::move(result->model));
        emit(makeEvent(RunEventKind::StageFinished, stage.id, stage.params.kind, 1, stage.params.summary()));
        finishUnit();
        if (waiting[i] > 0) {
            models[i] = model;
            if (floatBasis)
                floatBases[i] = floatBasis;
        }

        // Variants that end here are measured now, while their model is at hand.
        for (size_t slot = 0; slot < m_mine.size(); ++slot) {
            const PlannedVariant& variant = m_plan.variants[m_mine[slot]];
            if (variant.chain.back() != i)
                continue;
            auto row = measureVariant(variant, *model);
            if (!row && cancelled()) {
                m_results.status = "cancelled";
                break;
            }
            VariantResult measured = row ? row.value() : VariantResult{};
            if (!row) {
                measured.id = variant.id;
                measured.description = variant.description;
                measured.status = "failed";
                measured.error = "measuring: " + row.message();
            }
            recordVariant(slot, std::move(measured));
            finishUnit();
        }
    }

    // Variants after a failed stage get a row that says why.
    for (size_t slot = 0; slot < m_mine.size(); ++slot) {
        if (m_rows[slot])
            continue;
        const PlannedVariant& variant = m_plan.variants[m_mine[slot]];
        for (size_t at : variant.chain)
            if (auto f = failed.find(at); f != failed.end()) {
                VariantResult row;
                row.id = variant.id;
                row.description = variant.description;
                row.status = "failed";
                row.error = f->second;
                recordVariant(slot, std::move(row));
                break;
            }
    }
    if (m_results.status != "cancelled")
        m_results.status = "complete";
    saveProgress();
    if (m_options.writeResults && !m_options.outputDir.empty())
        if (auto s = saveRunResults(m_results, m_options.outputDir); !s)
            return s.error();
    m_unitsDone = m_units;
    emit(makeEvent(RunEventKind::RunFinished, "", "", 0, m_results.status));
    return m_results;
}

} // namespace

Result<RunResults> runPipeline(const PipelineSpec& spec, const RunOptions& options, const RunEventFn& onEvent,
                               std::stop_token stop) {
    try {
        PipelineRun run(spec, options, onEvent, std::move(stop));
        return run.execute();
    } catch (const std::exception& e) {
        // Passes turn their own failures into errors; this is what escaped them (LibTorch, allocation).
        return Error{std::string("the run failed: ") + e.what()};
    }
}

} // namespace autoglm
