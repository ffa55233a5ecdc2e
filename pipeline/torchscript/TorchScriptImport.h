#pragma once
// TorchScript archives (what torch.jit.save writes, usually .pt / .pth) -> IR. The module's forward is loaded
// with LibTorch, put in eval mode and frozen (parameters become constants, submodule calls are inlined), and its
// graph is converted to standard ONNX ops, parameters becoming initializers: the result is the same kind of
// Model an ONNX import gives, so the executor, every pass and the ONNX export work on it unchanged.
//
// Loading a TorchScript archive runs code the archive carries (its TorchScript methods, and LibTorch's
// unpickler on its data): call it only for files the user has said they trust.

#include "pipeline/common/Result.h"
#include "pipeline/ir/Graph.h"
#include "pipeline/model/InputShapes.h"

#include <filesystem>

namespace autoglm {

// True for the extensions TorchScript archives are saved with (.pt, .pth, any case).
bool isTorchScriptFile(const std::filesystem::path& file);

// Errors name the file: a pickle-only torch.save file (with how to produce TorchScript instead), a truncated or
// damaged archive, forward taking non-tensor arguments, and operations with no ONNX conversion (all of them
// in one message, each with its source location; Error::unsupported is set). `inputShapes` declares forward's
// inputs by argument name (the archive records none): sizes then fold at conversion, and without them an input
// gets what its readers imply (a convolution fixes rank and channels) or, when nothing does, no shape at all.
Result<Model> loadTorchScript(const std::filesystem::path& file, const InputShapes& inputShapes = {});

// The same conversion of a forward graph given as TorchScript IR text (what Graph::toString prints; an input of
// a class type is taken as the module and skipped, the others are forward's tensors), as loadTorchScript does
// after freezing: for tests and the fuzzer, which reach the converter without an archive.
Result<Model> convertTorchScriptIr(const std::string& irText, const InputShapes& inputShapes = {});

} // namespace autoglm
