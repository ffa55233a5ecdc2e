#pragma once
// Decides what the generation preview compares and drives its job: the original is the model open in the studio
// (a checkpoint folder is rebuilt with the key/value cache), the variant is the one selected in the variant table
// (or on the trade-off plot), read from the ONNX file the run's Export stage wrote, with the tokenizer.json the
// Runner copied beside it. Every reason one side cannot answer is said in the dock, and Generate stays disabled.
// The checks here are file-existence tests and look-ups in the results: cheap enough for the GUI thread;
// loading and generating run in GenerationJob on a worker.

#include "pipeline/model/ModelSummary.h"

#include <QObject>
#include <QString>

#include <optional>

namespace autoglm::widgets {
class GenerationPreview;
class VariantTable;
class VariantTableModel;
} // namespace autoglm::widgets

namespace autoglm::studio {

class GenerationJob;
class JobController;

class GenerationPreviewController : public QObject {
    Q_OBJECT

public:
    GenerationPreviewController(widgets::GenerationPreview* view, widgets::VariantTableModel* variants,
                                widgets::VariantTable* table, JobController* runs, QObject* parent = nullptr);

    // The model the studio shows now (after it loaded): the original side.
    void setOriginalModel(const QString& path, const ModelSummary& summary);
    GenerationJob* job() const { return m_job; }
    // What the variant side would read (empty when it cannot answer).
    QString variantFile() const { return m_variantFile; }
    // Writes the view's side titles and reasons again (after a language change).
    void retranslate();

private:
    void refreshVariant();
    void generate(const QString& prompt, int maxNewTokens);

    widgets::GenerationPreview* m_view;
    widgets::VariantTableModel* m_variants;
    widgets::VariantTable* m_table;
    JobController* m_runs;
    GenerationJob* m_job;
    QString m_original;
    std::optional<ModelSummary> m_summary; // of m_original, for writing its side again
    QString m_variantFile;
};

} // namespace autoglm::studio
