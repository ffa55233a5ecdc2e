#pragma once
// Files made from a run's results: the variant table as CSV (the core's own CSV, as `autoglm run` writes it)
// and a self-contained HTML report with both trade-off charts embedded, the table, and for each variant the
// stages and complete parameters that produced it. Each is written atomically; each returns empty on success,
// else the reason.

#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/RunResults.h"

#include <QString>

namespace autoglm::widgets {

class TradeoffPlot;

QString saveVariantCsv(const RunResults& results, const QString& file);
QString saveHtmlReport(const RunResults& results, const PipelineSpec& pipeline, TradeoffPlot* plots,
                       const QString& file);

} // namespace autoglm::widgets
