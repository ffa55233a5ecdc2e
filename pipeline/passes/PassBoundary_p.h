#pragma once
// Private to pipeline/passes/*.cpp: the boundary every pass entry point shares. Inside a pass, cancellation
// (PassCancelled), our own errors (AutoglmError) and LibTorch's (c10::Error) travel as exceptions; here they
// become the error value the caller sees.

#include "pipeline/passes/Pass.h"

#include <c10/util/Exception.h>

#include <string>

namespace autoglm {

// `what` names the pass in LibTorch failures ("quantization failed: ...").
template <class Run> Result<PassResult> runAtPassBoundary(const char* what, Run&& run) {
    try {
        return run();
    } catch (const PassCancelled&) {
        return Error{"cancelled"};
    } catch (const AutoglmError& e) {
        return Error{e.what()};
    } catch (const c10::Error& e) {
        return Error{std::string(what) + " failed: " + e.what_without_backtrace()};
    }
}

} // namespace autoglm
