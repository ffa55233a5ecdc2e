#include "kernels/KernelsInfo.h"

#ifdef AUTOGLM_HAVE_CUDA
extern "C" int autoglm_cuda_device_count_impl(void);
#endif

extern "C" int autoglm_kernels_cuda_compiled(void) {
#ifdef AUTOGLM_HAVE_CUDA
    return 1;
#else
    return 0;
#endif
}

extern "C" int autoglm_kernels_cuda_device_count(void) {
#ifdef AUTOGLM_HAVE_CUDA
    return autoglm_cuda_device_count_impl();
#else
    return 0;
#endif
}
