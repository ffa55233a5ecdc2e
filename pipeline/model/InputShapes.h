#pragma once
// Shapes (and, where needed, element types) a user declares for a model's inputs: "image=batch,1,28,28",
// "mask:bool=batch,1,5,keys". A TorchScript archive records neither, and ONNX files often leave sizes
// symbolic, while latency, MACs, image folders and synthetic data need real numbers: these fill them in. A
// dimension is a number (fixed) or a name (symbolic, e.g. batch).

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace autoglm {

struct DeclaredInput {
    std::vector<Dim> dims;
    DType dtype = DType::Undefined; // Undefined: what the model implies

    DeclaredInput() = default;
    DeclaredInput(std::vector<Dim> d, DType t = DType::Undefined) : dims(std::move(d)), dtype(t) {}
    DeclaredInput(std::initializer_list<Dim> d) : dims(d) {}
    bool operator==(const DeclaredInput&) const = default;
};

using InputShapes = std::map<std::string, DeclaredInput>;

// "NAME=D0,D1,..." or "NAME:TYPE=D0,D1,..." (TYPE as ONNX names it: float32, int64, bool, ...); all numbers
// may also be written "1x3x224x224"; a scalar input is "NAME=". Errors quote the text.
Result<std::pair<std::string, DeclaredInput>> parseInputShape(const std::string& text);
// "batch,1,28,28": the form parseInputShape reads back.
std::string formatDims(const std::vector<Dim>& dims);

// What an input's shape becomes when `given` is declared over what the model says (`declared`, nullopt: rank
// unknown): the given shape, after checking that its rank and the fixed sizes agree. Errors name the input.
Result<std::vector<Dim>> combineInputShape(const std::string& input, const std::optional<std::vector<Dim>>& declared,
                                           const std::vector<Dim>& given);

// Declares the shapes on the model's inputs. Errors: a name that is no input of the model (listing those it
// has), a shape or element type that contradicts the model's own declaration.
Status applyInputShapes(Model& model, const InputShapes& shapes);

} // namespace autoglm
