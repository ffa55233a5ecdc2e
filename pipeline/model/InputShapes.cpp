#include "pipeline/model/InputShapes.h"

#include <algorithm>
#include <cctype>

namespace autoglm {
namespace {

bool isNumber(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool isSymbol(const std::string& s) {
    return !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_') &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    const auto last = s.find_last_not_of(" \t");
    return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

} // namespace

Result<std::pair<std::string, DeclaredInput>> parseInputShape(const std::string& text) {
    const auto eq = text.find('=');
    std::string name = trim(eq == std::string::npos ? text : text.substr(0, eq));
    if (eq == std::string::npos || name.empty())
        return Error{"input shape '" + text + "': expected NAME=D0,D1,... (e.g. image=batch,1,28,28)"};
    DeclaredInput out;
    if (const auto colon = name.find(':'); colon != std::string::npos) {
        const std::string type = trim(name.substr(colon + 1));
        auto dtype = dtypeFromName(type);
        if (!dtype || *dtype == DType::Undefined)
            return Error{"input shape '" + text + "': '" + type + "' is not an element type (float32, float16, "
                         "int64, int32, bool, ...)"};
        out.dtype = *dtype;
        name = trim(name.substr(0, colon));
    }
    std::string dims = trim(text.substr(eq + 1));
    // "1x3x224x224" as well, when it is numbers only (a name may itself contain an x).
    if (dims.find(',') == std::string::npos &&
        std::all_of(dims.begin(), dims.end(), [](unsigned char c) { return std::isdigit(c) || c == 'x'; }))
        std::replace(dims.begin(), dims.end(), 'x', ',');
    if (dims.empty())
        return std::pair{name, out};
    size_t start = 0;
    while (start <= dims.size()) {
        const size_t comma = std::min(dims.find(',', start), dims.size());
        const std::string item = trim(dims.substr(start, comma - start));
        if (isNumber(item) && item.size() <= 12)
            out.dims.push_back(Dim{std::stoll(item), {}});
        else if (isSymbol(item))
            out.dims.push_back(Dim{-1, item});
        else
            return Error{"input shape '" + text + "': dimension " + std::to_string(out.dims.size()) + " is '" + item +
                         "', expected a non-negative size or a name such as batch"};
        start = comma + 1;
    }
    return std::pair{name, out};
}

std::string formatDims(const std::vector<Dim>& dims) {
    std::string s;
    for (size_t i = 0; i < dims.size(); ++i)
        s += (i ? "," : "") + dims[i].toString();
    return s;
}

Result<std::vector<Dim>> combineInputShape(const std::string& input, const std::optional<std::vector<Dim>>& declared,
                                           const std::vector<Dim>& given) {
    if (!declared)
        return given;
    if (declared->size() != given.size())
        return Error{"input '" + input + "' has rank " + std::to_string(declared->size()) + " (" +
                     formatDims(*declared) + "), but the shape given has rank " + std::to_string(given.size()) +
                     " (" + formatDims(given) + ")"};
    for (size_t i = 0; i < given.size(); ++i) {
        const Dim& d = (*declared)[i];
        if (d.isFixed() && given[i].isFixed() && d.value != given[i].value)
            return Error{"input '" + input + "' has size " + std::to_string(d.value) + " in dimension " +
                         std::to_string(i) + " (" + formatDims(*declared) + "), but the shape given says " +
                         std::to_string(given[i].value) + " (" + formatDims(given) + ")"};
    }
    return given;
}

Status applyInputShapes(Model& model, const InputShapes& shapes) {
    for (const auto& [name, declared] : shapes) {
        auto it = std::find_if(model.graph.inputs.begin(), model.graph.inputs.end(),
                               [&](const ValueInfo& v) { return v.name == name; });
        const bool isWeight = model.graph.initializers.count(name) > 0;
        if (it == model.graph.inputs.end() || isWeight) {
            std::string names;
            for (const auto& in : model.graph.feedInputs())
                names += (names.empty() ? "'" : ", '") + in.name + "'";
            return Error{"a shape is given for input '" + name + "', but the model has no such input (its inputs: " +
                         names + ")"};
        }
        if (declared.dtype != DType::Undefined && declared.dtype != it->dtype)
            return Error{"input '" + name + "' holds " + dtypeName(it->dtype) + " in this model, but the declaration "
                         "says " + dtypeName(declared.dtype)};
        auto combined = combineInputShape(name, it->shape, declared.dims);
        if (!combined)
            return combined.error();
        it->shape = combined.value();
    }
    return Ok{};
}

} // namespace autoglm
