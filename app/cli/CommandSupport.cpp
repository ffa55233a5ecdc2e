#include "Commands.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace autoglm::cli {

OptionSpec deviceOption() {
    return {"device", "cpu|cuda", "where the model runs (default cpu)"};
}

ExecutorOptions executorOptions(const ParsedArgs& args) {
    ExecutorOptions options;
    options.device = args.value("device", "cpu");
    return options;
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

void ProgressLine::finish() {
    if (m_terminal && m_lastPercent >= 0)
        std::cerr << "\n";
}

} // namespace autoglm::cli
