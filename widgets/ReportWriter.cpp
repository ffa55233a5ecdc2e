#include "widgets/ReportWriter.h"

#include "pipeline/common/AtomicFile.h"
#include "widgets/QCustomPlotInclude.h"
#include "widgets/TradeoffPlot.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>

#include <cmath>

namespace autoglm::widgets {
namespace {
QString esc(const std::string& s) {
    return QString::fromStdString(s).toHtmlEscaped();
}

// The chart as a PNG inside the page, so the report is one file.
QString embeddedChart(QCustomPlot* plot) {
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    plot->toPixmap(720, 460).save(&buffer, "PNG");
    return QString("<img alt=\"\" src=\"data:image/png;base64,%1\">").arg(QString::fromLatin1(png.toBase64()));
}

QString number(double v, int decimals) {
    return std::isnan(v) || v < 0 ? QString("–") : QString::number(v, 'f', decimals);
}

QString row(const VariantResult& v) {
    return QString("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td><td>%7</td></tr>")
        .arg(esc(v.id), esc(v.description), esc(v.status), number(double(v.fileBytes) / 1024, 1),
             number(v.latencyMedianMs, 3), number(v.primary(), 4), number(v.delta, 4));
}
} // namespace

QString saveVariantCsv(const RunResults& results, const QString& file) {
    const Status s = writeFileAtomically(file.toStdString(), results.toCsv());
    return s ? QString() : QString::fromStdString(s.message());
}

QString saveHtmlReport(const RunResults& results, const PipelineSpec& pipeline, TradeoffPlot* plots,
                       const QString& file) {
    QString html;
    html += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(pipeline.name) + "</title>";
    html += "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}pre{background:#f4f4f4;padding:8px}</style>";
    html += "</head><body>";
    html += "<h1>" +
            QCoreApplication::translate("autoglm::widgets::ReportWriter", "Compression report: %1")
                .arg(esc(pipeline.name)) +
            "</h1>";
    html += "<p>" +
            QCoreApplication::translate("autoglm::widgets::ReportWriter", "Model: %1 · status: %2 · %3")
                .arg(esc(pipeline.model), esc(results.status), QDateTime::currentDateTime().toString(Qt::ISODate)) +
            "</p>";
    html += "<h2>" + QCoreApplication::translate("autoglm::widgets::ReportWriter", "Trade-offs") + "</h2><p>";
    html += embeddedChart(plots->plot(TradeoffPlot::Latency)) + " " + embeddedChart(plots->plot(TradeoffPlot::Size));
    html += "</p><h2>" + QCoreApplication::translate("autoglm::widgets::ReportWriter", "Variants") + "</h2><table><tr>";
    for (const QString& h : {QCoreApplication::translate("autoglm::widgets::ReportWriter", "Variant"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "Stages"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "Status"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "File size (KB)"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "Latency (ms)"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "Metric"),
                             QCoreApplication::translate("autoglm::widgets::ReportWriter", "Δ metric")})
        html += "<th>" + h + "</th>";
    html += "</tr>" + row(results.original);
    for (const auto& v : results.variants)
        html += row(v);
    html += "</table><h2>" +
            QCoreApplication::translate("autoglm::widgets::ReportWriter", "How each variant was made") + "</h2>";
    for (const auto& v : results.variants) {
        html += "<h3>" + esc(v.id) + "</h3>";
        if (!v.error.empty())
            html += "<p>" +
                    QCoreApplication::translate("autoglm::widgets::ReportWriter", "Failed: %1").arg(esc(v.error)) +
                    "</p>";
        html += "<pre>" + esc(v.parameters.dump(2)) + "</pre>";
    }
    html += "<h2>" + QCoreApplication::translate("autoglm::widgets::ReportWriter", "Pipeline file") + "</h2><pre>" +
            esc(pipeline.toJson().dump(2)) + "</pre>";
    html += "</body></html>\n";
    const Status s = writeFileAtomically(file.toStdString(), html.toStdString());
    return s ? QString() : QString::fromStdString(s.message());
}

} // namespace autoglm::widgets
