#include "pipeline/passes/distill/DistillPass.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/model/ModelSummary.h"
#include "pipeline/passes/PassBoundary_p.h"
#include "pipeline/passes/distill/Optimizer_p.h"
#include "pipeline/passes/distill/QatGraph_p.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace autoglm {
namespace {

// (op, input index) pairs that hold learnable weights; any other reader freezes an initializer (shapes,
// quantization scales, normalisation statistics).
bool learnableInput(const Node& node, size_t index) {
    const std::string& op = node.opType;
    if (op == "FakeQuantizeSte")
        return index == 0;
    if (!node.domain.empty())
        return false;
    if (op == "MatMul" || op == "Add" || op == "Sub" || op == "Mul" || op == "Div")
        return true;
    if (op == "Gemm" || op == "Conv" || op == "ConvTranspose")
        return index >= 1;
    if (op == "LayerNormalization" || op == "InstanceNormalization" || op == "SimplifiedLayerNormalization" ||
        op == "RMSNormalization" || op == "BatchNormalization")
        return index == 1 || index == 2;
    if (op == "Gather")
        return index == 0; // embeddings
    return false;
}

// Float32 initializers with more than one element read only as weights.
std::vector<std::string> learnableInitializers(const Graph& g) {
    std::map<std::string, bool> learnable;
    for (const auto& node : g.nodes)
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            auto it = g.initializers.find(node.inputs[i]);
            if (it == g.initializers.end() || it->second.dtype() != DType::Float || it->second.numel() < 2)
                continue;
            auto [entry, first] = learnable.emplace(node.inputs[i], true);
            entry->second = entry->second && learnableInput(node, i);
        }
    std::vector<std::string> names;
    for (const auto& [name, ok] : learnable)
        if (ok)
            names.push_back(name);
    return names;
}

// One validation: the task metric shown to people, and the student's divergence from the teacher (mean KL
// per prediction), which is continuous and so picks the best weights more reliably than top-1 on a few
// hundred images.
struct Validation {
    double metric = 0;
    double divergence = 0;
};

class DistillRun {
public:
    DistillRun(const Model& student, const Model& teacher, const DistillParams& params, const TrainingSet& training,
               const TrainingSet* validation, const PassContext& context)
        : m_student(student), m_teacher(teacher), m_params(params), m_context(context) {
        if (validation) {
            m_training = training;
            m_validation = *validation;
        } else {
            std::tie(m_training, m_validation) = splitValidation(training, params.validationShare);
        }
        m_result.report.pass = "distill";
    }

    Result<PassResult> run();

private:
    Status prepare();
    Status checkOutputs(const at::Tensor& teacher, const at::Tensor& student) const;
    TensorMap feed(const TrainingSet& set, const at::Tensor& index) const {
        return {{set.input, TensorData(set.inputs.tensor().index_select(0, index))}};
    }
    TensorMap trainingFeed(const at::Tensor& index, at::Generator& generator) const;
    at::Tensor loss(const TensorMap& teacherOut, const TensorMap& studentOut, const at::Tensor& labels) const;
    Validation validate();
    // Lower is better: perplexity for language models, the divergence from the teacher otherwise.
    double selectionScore(const Validation& v) const { return m_training.languageModel ? v.metric : v.divergence; }
    void snapshot() {
        for (size_t i = 0; i < m_weights.size(); ++i)
            m_best[i] = m_weights[i].detach().clone();
    }
    void restoreBest() {
        c10::NoGradGuard noGrad;
        for (size_t i = 0; i < m_weights.size(); ++i)
            m_weights[i].copy_(m_best[i]);
    }
    void finish(int64_t stepsRun, const std::string& ending);

    const Model& m_student;
    const Model& m_teacher;
    const DistillParams& m_params;
    const PassContext& m_context;
    TrainingSet m_training;
    TrainingSet m_validation;
    PassResult m_result;

    distill::QatGraph m_qat;
    std::string m_output; // the first output of teacher and student (logits)
    std::vector<std::string> m_names;
    std::vector<at::Tensor> m_weights; // trainable leaves, shared with the student executor's constants
    std::vector<at::Tensor> m_masks;   // 1 where a weight may change, undefined when all may
    std::vector<at::Tensor> m_best;
    std::optional<Executor> m_teacherRun;
    std::optional<Executor> m_studentRun;
    std::string m_metricName;
    Validation m_initial, m_bestValidation;
    int64_t m_bestStep = 0;
};

Status DistillRun::prepare() {
    const auto studentFeeds = m_student.graph.feedInputs();
    const auto teacherFeeds = m_teacher.graph.feedInputs();
    if (studentFeeds.empty() || teacherFeeds.empty() || studentFeeds.front().name != m_training.input ||
        teacherFeeds.front().name != m_training.input)
        return Error{"the training data feeds '" + m_training.input + "', which is not the first input of both "
                     "the student and the teacher"};
    if (m_student.graph.outputs.empty() || m_teacher.graph.outputs.empty())
        return Error{"the student and the teacher need an output (logits) to distill"};
    m_output = m_teacher.graph.outputs.front().name;
    if (m_student.graph.outputs.front().name != m_output)
        return Error{"the teacher's first output is '" + m_output + "' but the student's is '" +
                     m_student.graph.outputs.front().name + "'"};

    auto qat = distill::trainingGraph(m_student);
    if (!qat)
        return qat.error();
    m_qat = std::move(qat.value());
    Model& train = m_qat.model;
    Model teacher = m_teacher;
    for (const auto& value : m_params.hiddenValues) {
        for (Model* m : {&train, &teacher}) {
            if (m->graph.producerOf(value) < 0 && !m->graph.initializers.count(value))
                return Error{"distill.hidden_values: '" + value + "' is not a value of the " +
                             (m == &train ? "student" : "teacher")};
            ValueInfo output;
            output.name = value;
            m->graph.outputs.push_back(output);
        }
    }

    m_names = learnableInitializers(train.graph);
    if (m_names.empty())
        return Error{"the student has no float weights to train"};
    for (const auto& name : m_names) {
        const at::Tensor p = train.graph.initializers.at(name).tensor().detach().clone().requires_grad_(true);
        train.graph.initializers[name] = TensorData(p);
        m_weights.push_back(p);
        const at::Tensor zeros = p.detach() == 0;
        m_masks.push_back(zeros.any().item<bool>() ? (~zeros).to(at::kFloat) : at::Tensor());
        if (!at::isfinite(p.detach()).all().item<bool>())
            return Error{"weight '" + name + "' of the student holds NaN or Inf"};
    }
    m_best.resize(m_weights.size());

    auto teacherRun = Executor::create(teacher);
    if (!teacherRun)
        return Error{"teacher: " + teacherRun.message()};
    ExecutorOptions options;
    options.autograd = true;
    options.fuse = false;
    auto studentRun = Executor::create(train, options);
    if (!studentRun)
        return Error{"student: " + studentRun.message()};
    m_teacherRun.emplace(std::move(teacherRun.value()));
    m_studentRun.emplace(std::move(studentRun.value()));

    m_metricName = m_training.languageModel ? "perplexity"
                   : m_validation.labels.defined() ? "top-1"
                                                   : "top-1 agreement with the teacher";
    m_result.report.validationMetric = m_metricName;
    return Ok{};
}

// A training batch; images [N, C, H, W] augmented with random shifts (zero padded) and horizontal flips, then
// mixed pairwise (mixup) when the loss uses the teacher only.
TensorMap DistillRun::trainingFeed(const at::Tensor& index, at::Generator& generator) const {
    at::Tensor x = m_training.inputs.tensor().index_select(0, index);
    if (!m_params.augment || m_training.languageModel || x.dim() != 4)
        return {{m_training.input, TensorData(x)}};
    constexpr int64_t kShift = 2;
    const int64_t h = x.size(2), w = x.size(3);
    const at::Tensor padded = at::constant_pad_nd(x, {kShift, kShift, kShift, kShift});
    const at::Tensor offsets = at::randint(0, 2 * kShift + 1, {x.size(0), 2}, generator, at::kLong);
    const at::Tensor flips = at::rand({x.size(0)}, generator, at::kFloat) < 0.5;
    at::Tensor out = at::empty_like(x);
    const int64_t* o = offsets.data_ptr<int64_t>();
    const bool* f = flips.data_ptr<bool>();
    for (int64_t i = 0; i < x.size(0); ++i) {
        at::Tensor view = padded[i].narrow(1, o[2 * i], h).narrow(2, o[2 * i + 1], w);
        out[i].copy_(f[i] ? view.flip({2}) : view);
    }
    if (m_params.mixup && (m_params.alpha >= 1.0 || !m_training.labels.defined())) {
        const at::Tensor share = at::rand({x.size(0), 1, 1, 1}, generator, at::kFloat).to(out.scalar_type());
        const at::Tensor partner = out.index_select(0, at::randperm(x.size(0), generator, at::kLong));
        out = out * share + partner * (1 - share);
    }
    return {{m_training.input, TensorData(out)}};
}

Status DistillRun::checkOutputs(const at::Tensor& teacher, const at::Tensor& student) const {
    if (teacher.sizes() != student.sizes())
        return Error{"the student's output '" + m_output + "' has shape " + formatShape(student.sizes().vec()) +
                     " but the teacher's has " + formatShape(teacher.sizes().vec())};
    return Ok{};
}

at::Tensor DistillRun::loss(const TensorMap& teacherOut, const TensorMap& studentOut, const at::Tensor& labels) const {
    const at::Tensor t = teacherOut.at(m_output).tensor().detach();
    const at::Tensor s = studentOut.at(m_output).tensor();
    const int64_t classes = s.size(-1);
    const at::Tensor ts = t.reshape({-1, classes}).to(at::kFloat);
    const at::Tensor ss = s.reshape({-1, classes}).to(at::kFloat);
    const double T = m_params.temperature;
    const at::Tensor teacherLog = at::log_softmax(ts / T, -1);
    const at::Tensor studentLog = at::log_softmax(ss / T, -1);
    at::Tensor kd = (teacherLog.exp() * (teacherLog - studentLog)).sum(-1).mean() * (T * T);
    at::Tensor total = kd;
    if (labels.defined() && m_params.alpha < 1.0) {
        const at::Tensor ce = at::nll_loss(at::log_softmax(ss, -1), labels.reshape({-1}));
        total = m_params.alpha * kd + (1.0 - m_params.alpha) * ce;
    }
    if (m_params.hiddenWeight > 0)
        for (const auto& value : m_params.hiddenValues)
            total = total + m_params.hiddenWeight *
                                at::mse_loss(studentOut.at(value).tensor().to(at::kFloat),
                                             teacherOut.at(value).tensor().detach().to(at::kFloat));
    return total;
}

Validation DistillRun::validate() {
    c10::NoGradGuard noGrad;
    const int64_t n = m_validation.samples();
    double correct = 0, nll = 0, divergence = 0, rowsSeen = 0;
    for (int64_t start = 0; start < n; start += m_params.batchSize) {
        const at::Tensor index = at::arange(start, std::min(n, start + m_params.batchSize), at::kLong);
        auto out = m_studentRun->run(feed(m_validation, index));
        auto teacher = m_teacherRun->run(feed(m_validation, index));
        if (!out || !teacher)
            throw AutoglmError("validation: " + (!out ? out.message() : teacher.message()));
        const at::Tensor logits = out->at(m_output).tensor().to(at::kFloat);
        const at::Tensor rows = logits.reshape({-1, logits.size(-1)});
        const at::Tensor teacherRows = teacher->at(m_output).tensor().to(at::kFloat).reshape({-1, logits.size(-1)});
        const at::Tensor studentLog = at::log_softmax(rows, -1);
        const at::Tensor teacherLog = at::log_softmax(teacherRows, -1);
        divergence += (teacherLog.exp() * (teacherLog - studentLog)).sum().item<double>();
        rowsSeen += static_cast<double>(rows.size(0));
        if (m_training.languageModel) {
            const at::Tensor labels = m_validation.labels.tensor().index_select(0, index).reshape({-1});
            nll += at::nll_loss(studentLog, labels, {}, at::Reduction::Sum).item<double>();
        } else {
            const at::Tensor target = m_validation.labels.defined()
                                          ? m_validation.labels.tensor().index_select(0, index).reshape({-1})
                                          : teacherRows.argmax(-1);
            correct += (rows.argmax(-1) == target).sum().item<double>();
        }
    }
    return {m_training.languageModel ? std::exp(nll / rowsSeen) : correct / rowsSeen, divergence / rowsSeen};
}

void DistillRun::finish(int64_t stepsRun, const std::string& ending) {
    restoreBest();
    std::map<std::string, at::Tensor> trained;
    for (size_t i = 0; i < m_names.size(); ++i)
        trained[m_names[i]] = m_weights[i].detach().clone();
    Model& out = m_result.model;
    out = m_student;
    distill::writeBackWeights(out, m_qat, trained);
    std::set<std::string> quantizedFloats;
    for (const auto& w : m_qat.weights)
        quantizedFloats.insert(w.trainable);
    // Rows name the layer reading each weight.
    std::map<std::string, const Node*> readerOf;
    for (const auto& node : m_student.graph.nodes)
        for (const auto& in : node.inputs)
            readerOf.emplace(in, &node);
    auto row = [&](const std::string& weight, const std::string& action) {
        auto it = readerOf.find(weight);
        const Node* reader = it != readerOf.end() ? it->second : nullptr;
        if (reader && reader->opType == "DequantizeLinear") // a quantized weight: the layer reads its output
            if (auto next = readerOf.find(reader->outputs.front()); next != readerOf.end())
                reader = next->second;
        return LayerReport{reader ? reader->name : weight, reader ? reader->opType : "", weight, action, "", false};
    };
    for (size_t i = 0; i < m_names.size(); ++i) {
        if (quantizedFloats.count(m_names[i]))
            continue;
        const at::Tensor before = m_student.graph.initializers.at(m_names[i]).tensor();
        out.graph.initializers[m_names[i]] = TensorData(trained[m_names[i]].contiguous());
        LayerReport r = row(m_names[i], "trained");
        r.bytesBefore = r.bytesAfter = out.graph.initializers.at(m_names[i]).byteSize();
        const double norm = before.norm().item<double>();
        r.weightError = norm > 0 ? (trained[m_names[i]] - before).norm().item<double>() / norm : 0.0;
        m_result.report.layers.push_back(std::move(r));
    }
    for (const auto& w : m_qat.weights) {
        const TensorData& before = m_student.graph.initializers.at(w.quantized);
        const TensorData& after = out.graph.initializers.at(w.quantized);
        LayerReport r = row(w.quantized, "trained (QAT, scales kept)");
        r.bytesBefore = before.byteSize();
        r.bytesAfter = after.byteSize();
        r.weightError = (after.tensor().ne(before.tensor())).to(at::kFloat).mean().item<double>();
        r.reason = "weight error is the share of integer codes that changed";
        m_result.report.layers.push_back(std::move(r));
    }
    char text[400];
    std::snprintf(text, sizeof text,
                  "%s after %lld steps; kept the weights of step %lld: validation %s %.4f (%.4f before training), "
                  "KL to the teacher %.5f (%.5f before)",
                  ending.c_str(), static_cast<long long>(stepsRun), static_cast<long long>(m_bestStep),
                  m_metricName.c_str(), m_bestValidation.metric, m_initial.metric, m_bestValidation.divergence,
                  m_initial.divergence);
    m_result.report.notes.push_back(text);
    m_result.report.notes.push_back("training: " + m_training.source + "; validation: " + m_validation.source);
    if (!m_qat.weights.empty())
        m_result.report.notes.push_back("quantization-aware: " + std::to_string(m_qat.weights.size()) +
                                        " integer weights and " + std::to_string(m_qat.activations) +
                                        " activation pairs trained through straight-through fake quantization");
    m_result.report.notes.push_back(m_params.summary());
    m_result.model.metadata["autoglm.distillation"] = m_params.summary();
}

Result<PassResult> DistillRun::run() {
    if (auto s = m_params.validate(); !s)
        return s.error();
    if (auto s = prepare(); !s)
        return s.error();
    const int64_t n = m_training.samples();
    const int64_t batch = std::min(m_params.batchSize, n);
    const int64_t perEpoch = (n + batch - 1) / batch;
    const int64_t total = m_params.epochs > 0 ? m_params.epochs * perEpoch : m_params.steps;
    distill::AdamW optimizer(m_weights, m_params.weightDecay);
    const distill::WarmupCosine schedule{m_params.learningRate, static_cast<int64_t>(m_params.warmup * total), total};

    m_context.report(0.0, "validating the student before training");
    m_initial = m_bestValidation = validate();
    snapshot();
    m_result.report.curve.push_back({0, 0, 0, m_initial.metric, m_initial.divergence, true});

    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(m_params.seed));
    at::Tensor order;
    int64_t step = 0, stale = 0;
    std::string ending = "finished";
    for (step = 1; step <= total; ++step) {
        if (m_context.stop.stop_requested()) {
            ending = "cancelled";
            --step;
            break;
        }
        const int64_t position = (step - 1) % perEpoch;
        if (position == 0)
            order = at::randperm(n, generator, at::kLong);
        const at::Tensor index = order.slice(0, position * batch, std::min(n, (position + 1) * batch));
        const TensorMap inputs = trainingFeed(index, generator);
        TensorMap teacherOut;
        {
            c10::NoGradGuard noGrad;
            auto t = m_teacherRun->run(inputs);
            if (!t)
                return Error{"teacher: " + t.message()};
            teacherOut = std::move(t.value());
        }
        auto s = m_studentRun->run(inputs);
        if (!s)
            return Error{"student: " + s.message()};
        if (step == 1)
            if (auto ok = checkOutputs(teacherOut.at(m_output).tensor(), s->at(m_output).tensor()); !ok)
                return ok.error();
        const at::Tensor labels =
            m_training.labels.defined() ? m_training.labels.tensor().index_select(0, index) : at::Tensor();
        const at::Tensor value = loss(teacherOut, s.value(), labels);
        const double lossValue = value.item<double>();
        if (!std::isfinite(lossValue)) {
            ending = "stopped: the loss diverged (" + std::to_string(lossValue) + ")";
            --step;
            break;
        }
        optimizer.zeroGrad();
        value.backward();
        const double lr = schedule.at(step);
        optimizer.step(lr, m_params.gradClip, m_masks);

        TrainingPoint point{step, lossValue, lr, 0, 0, false};
        std::vector<std::pair<std::string, double>> metrics{{"step", double(step)}, {"loss", lossValue}, {"lr", lr}};
        if (step % m_params.validateEvery == 0 || step == total) {
            const Validation v = validate();
            point.validation = v.metric;
            point.validationDivergence = v.divergence;
            point.validated = true;
            metrics.push_back({"validation " + m_metricName, v.metric});
            metrics.push_back({"validation KL", v.divergence});
            if (selectionScore(v) < selectionScore(m_bestValidation)) {
                m_bestValidation = v;
                m_bestStep = step;
                snapshot();
                stale = 0;
            } else if (m_params.patience > 0 && ++stale >= m_params.patience) {
                m_result.report.curve.push_back(point);
                ending = "stopped early (no improvement in " + std::to_string(m_params.patience) + " validations)";
                break;
            }
        }
        m_result.report.curve.push_back(point);
        char message[160];
        std::snprintf(message, sizeof message, "step %lld/%lld loss %.4f", static_cast<long long>(step),
                      static_cast<long long>(total), lossValue);
        m_context.report(static_cast<double>(step) / static_cast<double>(total), message, std::move(metrics));
    }
    finish(std::min(step, total), ending);
    m_context.report(1.0, "distilled");
    return std::move(m_result);
}

} // namespace

Result<PassResult> distillModel(const Model& student, const Model& teacher, const DistillParams& params,
                                const TrainingSet& training, const TrainingSet* validation,
                                const PassContext& context) {
    if (training.samples() == 0 || (validation && validation->samples() == 0))
        return Error{"distillation needs training data (images or text), and none was given"};
    if (!validation && training.samples() < 2)
        return Error{"distillation holds part of the training data out for validation, so it needs at least 2 "
                     "samples (got 1)"};
    return runAtPassBoundary("distillation",
                             [&] { return DistillRun(student, teacher, params, training, validation, context).run(); });
}

} // namespace autoglm
