#pragma once
// The `autoglm` commands. Each returns the process exit status: 0 success, 1 failure (one line on stderr),
// 2 bad usage.

#include "CommandLine.h"

#include "pipeline/exec/Executor.h"
#include "pipeline/model/ModelLoader.h"

#include <filesystem>

#include <functional>
#include <string>
#include <vector>

namespace autoglm::cli {

struct Command {
    CommandSpec spec;
    std::function<int(const ParsedArgs&)> run;
};

Command infoCommand();
Command convertCommand();
Command runModelCommand();
Command evalCommand();
Command benchCommand();
Command generateCommand();
Command compressCommand();
Command runCommand();
Command mergeCommand();
Command tuneCommand();
Command sensitivityCommand();

// The --device option every running command takes ("cpu" or "cuda").
OptionSpec deviceOption();
OptionSpec precisionOption();
ExecutorOptions executorOptions(const ParsedArgs& args);

// --trust-torchscript, taken by every command that opens a model: TorchScript archives run code they carry
// when loaded, so one is opened only when the user says so.
OptionSpec trustTorchScriptOption();
// --input-shape NAME=D0,D1,... (repeatable): shapes declared on the model's inputs (ModelLoadOptions).
OptionSpec inputShapeOption();
Result<InputShapes> inputShapesArg(const ParsedArgs& args);
// Refuses a TorchScript file when the flag is missing, with a message naming the flag.
Status checkTorchScriptTrust(const ParsedArgs& args, const std::filesystem::path& model);
// loadModel with the command's --trust-torchscript.
Result<Model> loadModelArg(const ParsedArgs& args, const std::filesystem::path& model);

// Prints "autoglm: error: <message>" to stderr and returns 1.
int fail(const std::string& message);

// A progress line on stderr ("eval 42%"), rewritten in place on a terminal, throttled to whole percents.
class ProgressLine {
public:
    explicit ProgressLine(std::string label);
    void update(double fraction);
    // With what is being done now ("quantizing /blocks.0/fc/MatMul"), shown beside the percentage.
    void update(double fraction, const std::string& detail);
    void finish();

private:
    std::string m_label;
    int m_lastPercent = -1;
    size_t m_lastWidth = 0;
    bool m_terminal;
};

} // namespace autoglm::cli
