#pragma once
// A small declarative argument parser for the `autoglm` commands: each command declares its options once,
// which gives both validation (unknown options, missing values) and its --help text.

#include "pipeline/common/Result.h"

#include <map>
#include <string>
#include <vector>

namespace autoglm::cli {

struct OptionSpec {
    std::string name;      // without the leading "--"
    std::string valueName; // empty for a flag
    std::string help;
    bool repeatable = false;
    char shortName = 0; // "-o" for --output; 0: none
};

struct CommandSpec {
    std::string name;
    std::string arguments; // positional part of the usage line, e.g. "MODEL"
    std::string summary;
    std::vector<OptionSpec> options;
    size_t positionalCount = 1; // kOneOrMore: at least one
};

inline constexpr size_t kOneOrMore = static_cast<size_t>(-1);

class ParsedArgs {
public:
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> order; // option names in the order given (stages chain in that order)

    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::string value(const std::string& name, const std::string& fallback = "") const;
    const std::vector<std::string>& all(const std::string& name) const;
    // Parses an option as a number; the error names the option and the bad text.
    Result<int64_t> integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
    Result<double> real(const std::string& name, double fallback) const;
};

// args excludes the program and command names. `--help` yields an Error whose message is empty.
Result<ParsedArgs> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args);
std::string helpText(const CommandSpec& spec);

} // namespace autoglm::cli
