#include <cuda_runtime.h>

// Without a GPU cudaGetDeviceCount returns cudaErrorInsufficientDriver (or another error): any error means
// "no CUDA device".
extern "C" int autoglm_cuda_device_count_impl(void) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError(); // clear the sticky error so later calls start clean
        return 0;
    }
    return count;
}
