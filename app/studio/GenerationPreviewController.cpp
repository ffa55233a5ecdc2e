#include "GenerationPreviewController.h"

#include "GenerationJob.h"
#include "JobController.h"
#include "pipeline/llm/TextGenerator.h"
#include "widgets/GenerationPreview.h"
#include "widgets/StudioSettings.h"
#include "widgets/VariantTable.h"
#include "widgets/VariantTableModel.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace autoglm::studio {
namespace {
using widgets::GenerationPreview;

bool hasTensor(const std::vector<TensorSummary>& tensors, const std::string& name) {
    return std::any_of(tensors.begin(), tensors.end(), [&](const TensorSummary& t) { return t.name == name; });
}

QString local(const std::filesystem::path& path) {
    return QString::fromStdString(path.string());
}
} // namespace

GenerationPreviewController::GenerationPreviewController(widgets::GenerationPreview* view,
                                                         widgets::VariantTableModel* variants,
                                                         widgets::VariantTable* table, JobController* runs,
                                                         QObject* parent)
    : QObject(parent), m_view(view), m_variants(variants), m_table(table), m_runs(runs),
      m_job(new GenerationJob(this)) {
    retranslate();
    connect(m_variants, &widgets::VariantTableModel::resultsChanged, this,
            &GenerationPreviewController::refreshVariant);
    connect(m_table, &widgets::VariantTable::variantSelected, this, &GenerationPreviewController::refreshVariant);
    connect(m_view, &GenerationPreview::generateRequested, this, &GenerationPreviewController::generate);
    connect(m_view, &GenerationPreview::cancelRequested, m_job, &GenerationJob::cancel);
    connect(m_job, &GenerationJob::started, m_view, &GenerationPreview::generationStarted);
    connect(m_job, &GenerationJob::sideStatus, m_view, &GenerationPreview::sideStatus);
    connect(m_job, &GenerationJob::tokenGenerated, m_view, &GenerationPreview::tokenGenerated);
    connect(m_job, &GenerationJob::textGenerated, m_view, &GenerationPreview::textGenerated);
    connect(m_job, &GenerationJob::sideFinished, m_view, &GenerationPreview::sideFinished);
    connect(m_job, &GenerationJob::sideFailed, m_view, &GenerationPreview::sideFailed);
    connect(m_job, &GenerationJob::finished, m_view, &GenerationPreview::generationEnded);
}

void GenerationPreviewController::setOriginalModel(const QString& path, const ModelSummary& summary) {
    if (path != m_original)
        m_job->releaseModels(); // the old model's memory is not kept for a comparison that cannot come back
    m_original = path;
    m_summary = summary;
    const TextModelFiles files = textModelFiles(path.toStdString());
    const QString name = QFileInfo(local(files.model)).fileName();
    QString problem;
    if (!hasTensor(summary.inputs, "input_ids") || !hasTensor(summary.outputs, "logits"))
        problem = tr("The open model %1 is not a decoder language model (generation needs an input 'input_ids' "
                     "and an output 'logits'). Open a Hugging Face checkpoint folder to preview generation.")
                      .arg(name);
    else if (!QFileInfo::exists(local(files.tokenizer)))
        problem = tr("The open model %1 has no tokenizer.json beside it (%2), so a prompt cannot be turned into "
                     "tokens.")
                      .arg(name, local(files.tokenizer));
    m_view->setSide(GenerationPreview::Original, tr("Original — %1").arg(name), problem);
}

void GenerationPreviewController::retranslate() {
    if (m_summary)
        setOriginalModel(m_original, *m_summary);
    else
        m_view->setSide(GenerationPreview::Original, tr("Original"),
                        tr("Open a Hugging Face checkpoint folder (File ▸ Open Checkpoint Folder…) to compare its "
                           "answers with a compressed variant's."));
    refreshVariant();
}

void GenerationPreviewController::refreshVariant() {
    m_variantFile.clear();
    const RunResults& results = m_variants->results();
    const QString id = m_table->selectedVariant();
    const VariantResult* v = results.variant(id.toStdString());
    QString problem;
    if (results.original.id.empty() && results.variants.empty()) {
        problem = tr("No run results yet. Run a pipeline with an Export stage after the variant's stages (Run ▸ Run "
                     "Pipeline), then select the variant.");
    } else if (id.isEmpty()) {
        problem = tr("Select a variant in the Variants table or on the trade-off plot to compare it with the "
                     "original.");
    } else if (id == QString::fromStdString(results.original.id)) {
        problem = tr("The original is the left pane already: select a compressed variant.");
    } else if (!v) {
        problem = tr("Variant %1 is not in the run results.").arg(id);
    } else if (v->status != "ok") {
        problem = tr("Variant %1 did not complete (%2): there is no model to generate with.")
                      .arg(id, QString::fromStdString(v->error.empty() ? v->status : v->error));
    } else if (v->file.empty()) {
        problem = tr("Variant %1 has no exported file. Add an Export stage after this variant's stages and run the "
                     "pipeline.")
                      .arg(id);
    } else {
        const QString file = QDir(m_runs->outputDir()).filePath(QString::fromStdString(v->file));
        const QString tokenizer = local(textModelFiles(file.toStdString()).tokenizer);
        if (!QFileInfo::exists(file))
            problem = tr("The exported file %1 is missing: run the pipeline again.").arg(file);
        else if (!QFileInfo::exists(tokenizer))
            problem = tr("There is no tokenizer.json beside %1: export the variant from a Hugging Face checkpoint, "
                         "whose tokenizer the run copies beside the file.")
                          .arg(file);
        else
            m_variantFile = file;
    }
    const bool isVariant = v && id != QString::fromStdString(results.original.id);
    m_view->setSide(GenerationPreview::Variant, isVariant ? id : tr("Variant"), problem);
}

void GenerationPreviewController::generate(const QString& prompt, int maxNewTokens) {
    if (m_job->isRunning() || m_original.isEmpty() || m_variantFile.isEmpty())
        return;
    const widgets::StudioSettings settings = widgets::StudioSettings::load();
    GenerationRequest request;
    request.models = {m_original, m_variantFile};
    request.prompt = prompt;
    request.maxNewTokens = maxNewTokens;
    request.threads = settings.runThreads();
    request.device = settings.device;
    if (const QString error = m_job->start(request); !error.isEmpty())
        m_view->sideFailed(GenerationPreview::Original, error);
}

} // namespace autoglm::studio
