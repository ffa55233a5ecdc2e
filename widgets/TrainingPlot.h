#pragma once
// Distillation curves while a distill stage trains: the loss of every step (left axis) and the validation
// figures (right axis), one line per stage and figure, from the Runner's StageMetric events.

#include <QMap>
#include <QString>
#include <QVariantMap>
#include <QWidget>

class QCPGraph;
class QCustomPlot;

namespace autoglm::widgets {

class TrainingPlot : public QWidget {
    Q_OBJECT

public:
    explicit TrainingPlot(QWidget* parent = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    // Points of one curve ("distill loss"), 0 when there is none.
    int pointCount(const QString& stage, const QString& metric) const;

public Q_SLOTS:
    void clear();
    // A training step's figures: "step" is the x value; "lr" is not drawn.
    void addMetrics(const QString& stage, const QVariantMap& metrics);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslateUi();
    QCPGraph* curve(const QString& stage, const QString& metric);

    QCustomPlot* m_plot;
    QMap<QString, QCPGraph*> m_curves; // "stage\nmetric"
};

} // namespace autoglm::widgets
