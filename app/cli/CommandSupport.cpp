#include "Commands.h"

#include "pipeline/torchscript/TorchScriptImport.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace autoglm::cli {

OptionSpec deviceOption() {
    return {"device", "cpu|cuda", "where the model runs (default cpu)"};
}

OptionSpec precisionOption() {
    return {"precision", "fp32|fp16", "float arithmetic of the run: fp16 (half precision) needs --device cuda "
                                      "(default fp32)"};
}

ExecutorOptions executorOptions(const ParsedArgs& args) {
    ExecutorOptions options;
    options.device = args.value("device", "cpu");
    options.precision = args.value("precision", "fp32");
    return options;
}

OptionSpec trustTorchScriptOption() {
    return {"trust-torchscript", "", "allow TorchScript (.pt/.pth) models, which run code they carry when loaded"};
}

OptionSpec inputShapeOption() {
    return {"input-shape", "NAME[:TYPE]=D0,D1,...",
            "declare an input's shape, e.g. image=batch,1,28,28 (numbers fix sizes, names keep them symbolic) and, "
            "for a TorchScript input that is not float32, its type (mask:bool=batch,1,5,5); archives record neither",
            true};
}

Result<InputShapes> inputShapesArg(const ParsedArgs& args) {
    InputShapes shapes;
    for (const std::string& text : args.all("input-shape")) {
        auto parsed = parseInputShape(text);
        if (!parsed)
            return Error{"--input-shape: " + parsed.message()};
        if (!shapes.emplace(parsed->first, parsed->second).second)
            return Error{"--input-shape: input '" + parsed->first + "' is given twice"};
    }
    return shapes;
}

Status checkTorchScriptTrust(const ParsedArgs& args, const std::filesystem::path& model) {
    if (isTorchScriptFile(model) && !args.has("trust-torchscript"))
        return Error{"'" + model.string() + "' is a TorchScript archive, which runs code it carries when it is "
                     "loaded: pass --trust-torchscript to load it (only for files from a source you trust)"};
    return Ok{};
}

Result<Model> loadModelArg(const ParsedArgs& args, const std::filesystem::path& model) {
    if (auto trusted = checkTorchScriptTrust(args, model); !trusted)
        return trusted.error();
    ModelLoadOptions options;
    options.trustTorchScript = args.has("trust-torchscript");
    auto shapes = inputShapesArg(args);
    if (!shapes)
        return shapes.error();
    options.inputShapes = shapes.value();
    return loadModel(model, options);
}

int fail(const std::string& message) {
    std::cerr << "autoglm: error: " << message << "\n";
    return 1;
}

ProgressLine::ProgressLine(std::string label) : m_label(std::move(label)), m_terminal(isatty(STDERR_FILENO)) {}

void ProgressLine::update(double fraction) {
    const int percent = static_cast<int>(fraction * 100.0);
    if (percent == m_lastPercent || (!m_terminal && percent % 10 != 0 && percent != 100))
        return;
    m_lastPercent = percent;
    std::cerr << (m_terminal ? "\r" : "") << m_label << " " << percent << "%" << (m_terminal ? "" : "\n") << std::flush;
}

void ProgressLine::update(double fraction, const std::string& detail) {
    const int percent = static_cast<int>(fraction * 100.0);
    if (percent == m_lastPercent || (!m_terminal && percent / 10 == m_lastPercent / 10 && percent != 100))
        return;
    m_lastPercent = percent;
    std::string line = m_label + " " + std::to_string(percent) + "% " + detail;
    if (m_terminal) {
        const size_t width = line.size();
        line.resize(std::max(width, m_lastWidth), ' ');
        m_lastWidth = width;
        std::cerr << "\r" << line << std::flush;
    } else {
        std::cerr << line << "\n" << std::flush;
    }
}

void ProgressLine::finish() {
    if (m_terminal && m_lastPercent >= 0)
        std::cerr << "\n";
}

} // namespace autoglm::cli
