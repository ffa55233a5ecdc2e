// autoglm: the headless command line of Open-AutoGLM Studio (no Qt).
#include "Commands.h"

#include "pipeline/common/MemoryBudget.h"
#include "pipeline/exec/Executor.h"

#include <cstdio>
#include <iostream>

using namespace autoglm::cli;

namespace {

std::vector<Command> commands() {
    return {infoCommand(), convertCommand(), runModelCommand(), evalCommand(),  benchCommand(),      generateCommand(),
            compressCommand(), runCommand(), mergeCommand(),    tuneCommand(), sensitivityCommand()};
}

void printUsage() {
    std::cout
        << "usage: autoglm COMMAND [arguments] [--help]\n\n"
           "Open-AutoGLM Studio, headless: inspect, run, evaluate, benchmark and compress models; generate text.\n\ncommands:\n";
    for (const auto& c : commands()) {
        std::string name = "  " + c.spec.name;
        name.resize(14, ' ');
        std::cout << name << c.spec.summary << "\n";
    }
    std::cout << "\nautoglm COMMAND --help shows the options of a command.\n"
                 "\nenvironment: AUTOGLM_MEMORY_SHARE=S (0 < S <= 1, default 0.8): work that would need more than this\n"
                 "share of the memory available when it starts (loading a model, running a variant) is refused.\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        printUsage();
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        printUsage();
        return 0;
    }
    if (name == "--version") {
        std::cout << "autoglm 0.1.0\n";
        return 0;
    }
    if (auto share = autoglm::checkMemoryShareEnvironment(); !share) {
        std::cerr << "autoglm: " << share.message() << "\n";
        return 2;
    }
    for (const auto& command : commands()) {
        if (command.spec.name != name)
            continue;
        auto args = parseArgs(command.spec, std::vector<std::string>(argv + 2, argv + argc));
        if (!args) {
            if (args.message().empty()) {
                std::cout << helpText(command.spec);
                return 0;
            }
            std::cerr << "autoglm " << name << ": " << args.message() << "\n";
            return 2;
        }
        autoglm::setComputeThreads(0);
        try {
            return command.run(args.value());
        } catch (const std::exception& e) {
            return fail(std::string("internal error: ") + e.what());
        }
    }
    std::cerr << "autoglm: unknown command '" << name << "' (see autoglm --help)\n";
    return 2;
}
