#pragma once
// The variants of a run as a table: one row per variant with the original first, sizes, latency, the task
// metric and their changes against the original. Rows arrive one by one while a run goes (addVariant) or all
// at once from a results table; comparisons (deltas, Pareto flags) are recomputed by the core's
// computeComparisons on every change, so the live table equals the one the CLI writes.

#include "pipeline/runner/RunResults.h"

#include <QAbstractTableModel>

namespace autoglm::widgets {

class VariantTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Variant,
        Description,
        Status,
        Size,
        SizeChange,
        Latency,
        LatencyChange,
        Metric,
        MetricChange,
        Sparsity,
        Pareto,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int IdRole = Qt::UserRole + 2;

    explicit VariantTableModel(QObject* parent = nullptr);

    void clear();
    void setResults(const RunResults& results);
    // The original (id "original") or a variant, replacing a row of the same id.
    void addVariant(const VariantResult& variant);
    const RunResults& results() const { return m_results; }
    int rowOf(const QString& id) const;
    // Headers and cells are asked for again (after a language change).
    void retranslate();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    void resultsChanged();

private:
    const VariantResult* row(int r) const;
    bool hasOriginal() const { return !m_results.original.id.empty(); }

    RunResults m_results;
};

} // namespace autoglm::widgets
