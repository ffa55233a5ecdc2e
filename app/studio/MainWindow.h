#pragma once
// The studio's main window: wiring only. Views live in widgets/, work runs in jobs on worker threads.

#include <QMainWindow>
#include <QSet>
#include <QStringList>

#include <functional>
#include <vector>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;

namespace autoglm::widgets {
class ModelInspector;
class DataPanel;
class GenerationPreview;
class PipelineCanvas;
class PipelineDocument;
class RunPanel;
class StageForm;
class TradeoffPlot;
class TrainingPlot;
class VariantTable;
class VariantTableModel;
struct StudioSettings;
struct TuneRequest;
} // namespace autoglm::widgets

namespace autoglm::studio {

class Autosave;
class GenerationPreviewController;
class JobController;
class ModelLoadJob;
class SensitivityJob;
class TuneController;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Starts loading on a worker; the window stays responsive and shows a busy bar until it is done.
    void openModel(const QString& path);
    widgets::ModelInspector* inspector() const { return m_inspector; }
    QString currentModel() const { return m_currentModel; }

    // Pipelines: the same .autoglm.json files the CLI runs. Each returns false (after telling the user)
    // when it did not happen.
    widgets::PipelineDocument* document() const { return m_document; }
    widgets::PipelineCanvas* canvas() const { return m_canvas; }
    widgets::StageForm* stageForm() const { return m_form; }
    widgets::DataPanel* dataPanel() const { return m_data; }
    bool newPipeline();
    bool openPipeline(const QString& file);
    bool savePipeline();
    bool savePipelineAs(const QString& file = QString());
    // Runs the open pipeline on a worker (JobController); results go to runOutputDir(). False when it could
    // not start (the reason is shown and sent as runFailed).
    bool runPipeline();
    QString runOutputDir() const;
    JobController* jobs() const { return m_jobs; }
    widgets::RunPanel* runPanel() const { return m_runPanel; }
    widgets::TradeoffPlot* tradeoffPlot() const { return m_plot; }
    widgets::VariantTableModel* variants() const { return m_variants; }
    widgets::VariantTable* variantTable() const { return m_table; }
    widgets::TrainingPlot* trainingPlot() const { return m_training; }
    // The side-by-side generation preview of the original and the selected variant.
    widgets::GenerationPreview* generationPreview() const { return m_preview; }
    GenerationPreviewController* previewController() const { return m_previewController; }
    // Exports of the last run; `file` chosen by a dialog when empty. False (after telling the user) when
    // nothing was written.
    bool exportChart(int axis, const QString& file = QString());
    bool exportTable(const QString& file = QString());
    bool exportReport(const QString& file = QString());
    bool exportVariantModel(const QString& file = QString());
    // Opens a model or a pipeline file, by its kind.
    void openPath(const QString& path);
    // What closing with unsaved changes does: asked by a dialog unless a test sets an answer
    // (QMessageBox::Save, Discard or Cancel).
    void setUnsavedChangesAnswer(std::function<int()> answer) { m_unsavedAnswer = std::move(answer); }
    // Unsaved work a crashed session left behind: asks whether to recover it (QMessageBox::Yes or No, or the
    // answer a test sets) and loads it. True when work was recovered.
    bool offerRecovery();
    void setRecoveryAnswer(std::function<int()> answer) { m_recoveryAnswer = std::move(answer); }
    // TorchScript archives run code they carry when loaded: openModel asks before loading one (QMessageBox::Yes
    // or No, or the answer a test sets; offscreen with no answer set, no) unless it was allowed earlier in this
    // session. Pipelines whose model was allowed run with it.
    void setTorchScriptAnswer(std::function<int(const QString& path)> answer) {
        m_torchScriptAnswer = std::move(answer);
    }
    Autosave* autosave() const { return m_autosave; }
    // Saves the preferences and applies them at once: theme palette, and language (every view retranslates).
    void applySettings(const widgets::StudioSettings& settings);
    // The inspector's per-layer sensitivity of the open model, judged on the pipeline's evaluation data, on a
    // worker. False when it could not start (the inspector says why: no model, no data).
    bool analyzeSensitivity();
    SensitivityJob* sensitivityJob() const { return m_sensitivity; }
    // Run ▸ Auto-tune… without the dialog: searches the open pipeline's model on a worker. False when it could
    // not start (the reason is shown).
    bool autoTune(const widgets::TuneRequest& request);
    TuneController* tuneController() const { return m_tune; }
    QString tuneOutputDir() const;

Q_SIGNALS:
    void modelShown(const QString& path);
    void modelFailed(const QString& path, const QString& message);
    // The user declined to load a TorchScript archive.
    void modelDeclined(const QString& path);
    void pipelineFailed(const QString& path, const QString& message);
    void runEnded(const QString& status);
    void runFailed(const QString& message);
    // applied: the table is shown (false when it failed, was cancelled, or belongs to a model no longer open).
    void sensitivityEnded(bool applied);
    // "complete", "cancelled" or "failed".
    void tuneEnded(const QString& status);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void createDocks();
    void connectRun();
    QString chooseFile(const QString& title, const QString& suggested, const QString& filter);
    QDockWidget* addDock(QWidget* widget, std::function<QString()> title, const QString& name,
                         Qt::DockWidgetArea area);
    // Live retranslation: `setTexts` runs now and again on every language change.
    void translated(std::function<void()> setTexts);
    QAction* addMenuAction(QMenu* menu, std::function<QString()> text, std::function<void()> slot);
    QMenu* addMenu(QMenu* parent, std::function<QString()> title);
    void retranslateUi();
    void updateUndoActions();
    void connectAnalyses();
    void showTuneDialog();
    bool trusted(const QString& model) const;
    // True when the pipeline may be replaced: saved, discarded, or unchanged.
    bool maybeSave();
    void updateTitle();
    void showError(const QString& title, const QString& message);
    static bool isPipelineFile(const QString& path);
    void createMenus();
    void showOpenDialog();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    static bool isModelFile(const QString& path);
    bool confirmTorchScript(const QString& path);

    widgets::ModelInspector* m_inspector;
    widgets::PipelineDocument* m_document;
    widgets::PipelineCanvas* m_canvas;
    widgets::StageForm* m_form;
    widgets::DataPanel* m_data;
    widgets::RunPanel* m_runPanel;
    widgets::VariantTableModel* m_variants;
    widgets::TradeoffPlot* m_plot;
    widgets::VariantTable* m_table;
    widgets::TrainingPlot* m_training;
    widgets::GenerationPreview* m_preview;
    JobController* m_jobs;
    GenerationPreviewController* m_previewController;
    QMenu* m_viewMenu = nullptr;
    std::function<int()> m_unsavedAnswer;
    std::function<int()> m_recoveryAnswer;
    std::function<int(const QString&)> m_torchScriptAnswer;
    QSet<QString> m_trustedTorchScript; // absolute paths the user allowed in this session
    Autosave* m_autosave;
    ModelLoadJob* m_loadJob;
    SensitivityJob* m_sensitivity;
    TuneController* m_tune;
    std::vector<std::function<void()>> m_retranslators;
    QAction* m_undo = nullptr;
    QAction* m_redo = nullptr;
    QMenu* m_recentMenu = nullptr;
    QProgressBar* m_busy;
    QLabel* m_status;
    QString m_currentModel;
};

} // namespace autoglm::studio
