#pragma once
// Types every kernels/ entry point shares: the status code, the activation dtype, the stream handle, and the
// few device-memory helpers the tests and tools need. Plain C so that C++, CUDA and a future C caller see one
// declaration; no CUDA header is needed to include it (a build without CUDA still compiles its callers).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Every entry point returns one of these; nothing throws across the C boundary.
typedef enum autoglm_kstatus {
    AUTOGLM_K_OK = 0,
    AUTOGLM_K_INVALID_ARGUMENT = 1,   // null pointer, negative size, misaligned pointer, unknown dtype
    AUTOGLM_K_UNSUPPORTED_SHAPE = 2,  // valid but not handled (e.g. a size over a kernel's limit)
    AUTOGLM_K_NO_DEVICE = 3,          // no CUDA device or driver (cudaGetDeviceCount failed or returned 0)
    AUTOGLM_K_UNSUPPORTED_DEVICE = 4, // the device is older than the kernel needs (mma.sync paths: sm_80)
    AUTOGLM_K_CUDA_ERROR = 5,         // a CUDA call or launch failed; autoglm_kernels_last_error() says which
    AUTOGLM_K_NOT_COMPILED = 6        // this build has no CUDA kernels (AUTOGLM_CUDA=OFF)
} autoglm_kstatus;

// Element type of activations and of the fp16/bf16 outputs; 16-bit values travel as uint16 bit patterns on the
// host. AUTOGLM_F32 is taken only where an entry point says so (autoglm_quantize_act_static_i8's input, the
// W8A8 GEMM's output); the others answer AUTOGLM_K_INVALID_ARGUMENT.
typedef enum autoglm_dtype { AUTOGLM_F16 = 0, AUTOGLM_BF16 = 1, AUTOGLM_F32 = 2 } autoglm_dtype;

// The same type as cudaStream_t (struct CUstream_st*), declared here so callers need no CUDA header; NULL is
// the legacy default stream.
typedef struct CUstream_st* autoglm_stream;

const char* autoglm_kstatus_name(autoglm_kstatus status);
// The message of the last failure on this thread (CUDA's error string and the call that failed); "" if none.
const char* autoglm_kernels_last_error(void);

// AUTOGLM_K_OK when a CUDA device is usable; otherwise the status, with the reason in
// autoglm_kernels_last_error() (e.g. "cudaGetDeviceCount: CUDA driver version is insufficient...").
autoglm_kstatus autoglm_device_probe(void);
// Compute capability of the current device (major * 10 + minor), 0 when there is none.
int autoglm_device_compute_capability(void);

// Device memory for tests and tools (plain cudaMalloc: no managed memory).
autoglm_kstatus autoglm_dev_alloc(size_t bytes, void** out);
autoglm_kstatus autoglm_dev_free(void* ptr);
autoglm_kstatus autoglm_dev_upload(void* dst, const void* src, size_t bytes);
autoglm_kstatus autoglm_dev_download(void* dst, const void* src, size_t bytes);
autoglm_kstatus autoglm_dev_memset(void* dst, int value, size_t bytes);
autoglm_kstatus autoglm_dev_synchronize(void);

#ifdef __cplusplus
}
#endif
