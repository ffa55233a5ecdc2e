#include "CommandLine.h"

#include <charconv>

namespace autoglm::cli {

std::string ParsedArgs::value(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
    static const std::vector<std::string> none;
    auto it = values.find(name);
    return it == values.end() ? none : it->second;
}

Result<int64_t> ParsedArgs::integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
    if (!has(name))
        return fallback;
    const std::string text = value(name);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
        return Error{"--" + name + " expects an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got '" + text + "'"};
    return v;
}

Result<double> ParsedArgs::real(const std::string& name, double fallback) const {
    if (!has(name))
        return fallback;
    const std::string text = value(name);
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size())
            return v;
    } catch (const std::exception&) {
    }
    return Error{"--" + name + " expects a number, got '" + text + "'"};
}

Result<ParsedArgs> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args) {
    ParsedArgs parsed;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg == "--help" || arg == "-h")
            return Error{""};
        if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
            for (const auto& o : spec.options)
                if (o.shortName == arg[1])
                    arg = "--" + o.name;
            if (arg.rfind("--", 0) != 0)
                return Error{"unknown option " + arg + " for '" + spec.name + "' (see autoglm " + spec.name +
                             " --help)"};
        }
        if (arg.rfind("--", 0) != 0) {
            parsed.positional.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::string inlineValue;
        bool hasInline = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasInline = true;
        }
        const OptionSpec* option = nullptr;
        for (const auto& o : spec.options)
            if (o.name == name)
                option = &o;
        if (!option)
            return Error{"unknown option --" + name + " for '" + spec.name + "' (see autoglm " + spec.name +
                         " --help)"};
        if (option->valueName.empty()) {
            if (hasInline)
                return Error{"--" + name + " takes no value"};
            parsed.values[name].push_back("1");
            parsed.order.push_back(name);
            continue;
        }
        if (!hasInline) {
            if (i + 1 >= args.size())
                return Error{"--" + name + " needs a value (" + option->valueName + ")"};
            inlineValue = args[++i];
        }
        if (parsed.has(name) && !option->repeatable)
            return Error{"--" + name + " was given twice"};
        parsed.values[name].push_back(inlineValue);
        parsed.order.push_back(name);
    }
    if (spec.positionalCount == kOneOrMore ? parsed.positional.empty()
                                           : parsed.positional.size() != spec.positionalCount)
        return Error{"'" + spec.name + "' expects " + spec.arguments + " (got " +
                     std::to_string(parsed.positional.size()) + " positional arguments; see autoglm " + spec.name +
                     " --help)"};
    return parsed;
}

std::string helpText(const CommandSpec& spec) {
    std::string out = "usage: autoglm " + spec.name + " " + spec.arguments + " [options]\n\n" + spec.summary + "\n";
    if (spec.options.empty())
        return out;
    out += "\noptions:\n";
    for (const auto& o : spec.options) {
        std::string left = std::string(o.shortName ? "  -" + std::string(1, o.shortName) + ", " : "  ") + "--" +
                           o.name + (o.valueName.empty() ? "" : " " + o.valueName);
        if (left.size() < 30)
            left.resize(30, ' ');
        else
            left += "\n" + std::string(30, ' ');
        out += left + o.help + (o.repeatable ? " (repeatable)" : "") + "\n";
    }
    out += "  --help                      show this help\n";
    return out;
}

} // namespace autoglm::cli
