#pragma once
// TorchScript archives made by LibTorch itself for tst_torchscript: small modules written in TorchScript (so
// each converted op can be checked against LibTorch running the same module), a torch.save-style file, and the
// reference outputs. The header stays torch-free like every test header; only TorchScriptSamples.cpp includes
// LibTorch's JIT.

#include "pipeline/ir/TensorData.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace testutil {

// Saves a module whose methods are `source` (TorchScript: "def forward(self, x): ...") and whose attributes
// `params` (self.NAME; float tensors become parameters, others buffers) as a TorchScript archive. Returns
// LibTorch's error (a TorchScript compile error), empty on success. Every aten op is torch.NAME in the source.
std::string saveScriptModule(const std::filesystem::path& file, const std::string& source,
                      const std::map<std::string, autoglm::TensorData>& params = {});

// forward of a TorchScript archive run by LibTorch, the reference for the converted graph. Tuple and list
// results are flattened.
std::vector<autoglm::TensorData> runScriptModule(const std::filesystem::path& file,
                                                 const std::vector<autoglm::TensorData>& inputs);

// What torch.save writes for a state_dict: a zip with data.pkl and the tensors, no TorchScript code.
void savePickleOnly(const std::filesystem::path& file);

} // namespace testutil
