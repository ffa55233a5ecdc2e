#pragma once
// The studio's main window: wiring only. Views live in widgets/, work runs in jobs on worker threads.

#include <QMainWindow>
#include <QStringList>

class QLabel;
class QMenu;
class QProgressBar;

namespace autoglm::widgets {
class ModelInspector;
}

namespace autoglm::studio {

class ModelLoadJob;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Starts loading on a worker; the window stays responsive and shows a busy bar until it is done.
    void openModel(const QString& path);
    widgets::ModelInspector* inspector() const { return m_inspector; }
    QString currentModel() const { return m_currentModel; }

Q_SIGNALS:
    void modelShown(const QString& path);
    void modelFailed(const QString& path, const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void showOpenDialog();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    static bool isModelFile(const QString& path);

    widgets::ModelInspector* m_inspector;
    ModelLoadJob* m_loadJob;
    QMenu* m_recentMenu = nullptr;
    QProgressBar* m_busy;
    QLabel* m_status;
    QString m_currentModel;
};

} // namespace autoglm::studio
