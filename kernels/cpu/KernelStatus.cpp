// Status names, the per-thread error message, and the CUDA entry points' stand-ins when CUDA is not built.
#include "kernels/KernelApi.h"
#include "kernels/QuantKernels.h"

#include <cstdio>
#include <string>

namespace {
thread_local std::string t_lastError;
}

extern "C" void autoglm_kernels_set_error(const char* message) { t_lastError = message ? message : ""; }

extern "C" const char* autoglm_kernels_last_error(void) { return t_lastError.c_str(); }

extern "C" const char* autoglm_kstatus_name(autoglm_kstatus status) {
    switch (status) {
    case AUTOGLM_K_OK: return "ok";
    case AUTOGLM_K_INVALID_ARGUMENT: return "invalid argument";
    case AUTOGLM_K_UNSUPPORTED_SHAPE: return "unsupported shape";
    case AUTOGLM_K_NO_DEVICE: return "no CUDA device";
    case AUTOGLM_K_UNSUPPORTED_DEVICE: return "unsupported CUDA device";
    case AUTOGLM_K_CUDA_ERROR: return "CUDA error";
    case AUTOGLM_K_NOT_COMPILED: return "CUDA kernels not compiled in";
    }
    return "unknown status";
}

#ifndef AUTOGLM_HAVE_CUDA
// A build without CUDA: every device entry point says so.
#define AUTOGLM_NO_CUDA                                                                                                \
    {                                                                                                                  \
        autoglm_kernels_set_error("this build of the kernels has no CUDA (AUTOGLM_CUDA=OFF)");                        \
        return AUTOGLM_K_NOT_COMPILED;                                                                                 \
    }
extern "C" {
autoglm_kstatus autoglm_device_probe(void) AUTOGLM_NO_CUDA
int autoglm_device_compute_capability(void) { return 0; }
autoglm_kstatus autoglm_dev_alloc(size_t, void** out) {
    if (out)
        *out = nullptr;
    AUTOGLM_NO_CUDA
}
autoglm_kstatus autoglm_dev_free(void*) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dev_upload(void*, const void*, size_t) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dev_download(void*, const void*, size_t) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dev_memset(void*, int, size_t) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dev_synchronize(void) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_quantize_act_i8(autoglm_dtype, const void*, int64_t, int64_t, const float*, int8_t*, float*,
                                        autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_quantize_act_static_i8(autoglm_dtype, const void*, int64_t, int64_t, const autoglm_static_quant*,
                                               int8_t*, autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_gemm_w8a8(const int8_t*, const float*, const int8_t*, const float*, int64_t, int64_t, int64_t,
                                  autoglm_dtype, void*, autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_gemm_w8a8_ex(const autoglm_w8a8_gemm*, autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_gemm_w4a16(autoglm_dtype, const void*, int64_t, const autoglm_w4_packed*, void*,
                                   autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dequant_w4(autoglm_dtype, const autoglm_w4_packed*, void*, autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_dequant_i8(autoglm_dtype, const int8_t*, const float*, int64_t, int64_t, void*,
                                   autoglm_stream) AUTOGLM_NO_CUDA
autoglm_kstatus autoglm_check_matmul_f32(const float*, const float*, int64_t, int64_t, int64_t, float*,
                                         autoglm_stream) AUTOGLM_NO_CUDA
}
#endif
