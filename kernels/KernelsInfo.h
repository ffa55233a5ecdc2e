#pragma once
// C API of the kernels library: what this build of it can do. Raw C types only; no LibTorch, Qt or pipeline.

#ifdef __cplusplus
extern "C" {
#endif

// 1 when the CUDA kernels were compiled in (AUTOGLM_CUDA=ON), else 0.
int autoglm_kernels_cuda_compiled(void);
// Number of usable CUDA devices; 0 when CUDA is not compiled in or any CUDA call fails (no driver, no GPU).
int autoglm_kernels_cuda_device_count(void);

#ifdef __cplusplus
}
#endif
