// Error reporting, device capability and the device-memory helpers of KernelApi.h.
#include "kernels/cuda/Common.cuh"

#include <cstdio>
#include <mutex>
#include <string>

namespace autoglm::kernels::cuda {

autoglm_kstatus fail(cudaError_t err, const char* what) {
    const std::string msg = std::string(what) + ": " + cudaGetErrorString(err);
    autoglm_kernels_set_error(msg.c_str());
    return AUTOGLM_K_CUDA_ERROR;
}

autoglm_kstatus checkLaunch(const char* kernel) {
    const cudaError_t err = cudaGetLastError();
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, kernel);
}

namespace {
constexpr int kMaxDevices = 64;
int g_cc[kMaxDevices];  // 0 = not read yet, -1 = none
int g_sms[kMaxDevices];
std::mutex g_mutex;

int currentDevice() {
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) {
        cudaGetLastError();
        return -1;
    }
    return dev < kMaxDevices ? dev : -1;
}

void readDevice(int dev) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_cc[dev] != 0)
        return;
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, dev) != cudaSuccess) {
        cudaGetLastError();
        g_cc[dev] = -1;
        return;
    }
    g_sms[dev] = prop.multiProcessorCount;
    g_cc[dev] = prop.major * 10 + prop.minor;
}
} // namespace

int computeCapability() {
    const int dev = currentDevice();
    if (dev < 0)
        return 0;
    readDevice(dev);
    return g_cc[dev] > 0 ? g_cc[dev] : 0;
}

int multiprocessorCount() {
    const int dev = currentDevice();
    if (dev < 0)
        return 1;
    readDevice(dev);
    return g_sms[dev] > 0 ? g_sms[dev] : 1;
}

autoglm_kstatus requireCapability(int needed, const char* kernel) {
    const int cc = computeCapability();
    if (cc == 0) {
        autoglm_kernels_set_error("no CUDA device");
        return AUTOGLM_K_NO_DEVICE;
    }
    if (cc < needed) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "%s needs compute capability %d.%d, the device has %d.%d", kernel,
                      needed / 10, needed % 10, cc / 10, cc % 10);
        autoglm_kernels_set_error(msg);
        return AUTOGLM_K_UNSUPPORTED_DEVICE;
    }
    return AUTOGLM_K_OK;
}

} // namespace autoglm::kernels::cuda

using namespace autoglm::kernels::cuda;

extern "C" autoglm_kstatus autoglm_device_probe(void) {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        fail(err, "cudaGetDeviceCount");
        cudaGetLastError();
        return AUTOGLM_K_NO_DEVICE;
    }
    if (count == 0) {
        autoglm_kernels_set_error("cudaGetDeviceCount: 0 devices");
        return AUTOGLM_K_NO_DEVICE;
    }
    return AUTOGLM_K_OK;
}

extern "C" int autoglm_device_compute_capability(void) { return computeCapability(); }

extern "C" autoglm_kstatus autoglm_dev_alloc(size_t bytes, void** out) {
    if (!out)
        return AUTOGLM_K_INVALID_ARGUMENT;
    *out = nullptr;
    const cudaError_t err = cudaMalloc(out, bytes ? bytes : 16);
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaMalloc");
}
extern "C" autoglm_kstatus autoglm_dev_free(void* ptr) {
    const cudaError_t err = cudaFree(ptr);
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaFree");
}
extern "C" autoglm_kstatus autoglm_dev_upload(void* dst, const void* src, size_t bytes) {
    const cudaError_t err = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaMemcpy (to device)");
}
extern "C" autoglm_kstatus autoglm_dev_download(void* dst, const void* src, size_t bytes) {
    const cudaError_t err = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaMemcpy (to host)");
}
extern "C" autoglm_kstatus autoglm_dev_memset(void* dst, int value, size_t bytes) {
    const cudaError_t err = cudaMemset(dst, value, bytes);
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaMemset");
}
extern "C" autoglm_kstatus autoglm_dev_synchronize(void) {
    const cudaError_t err = cudaDeviceSynchronize();
    return err == cudaSuccess ? AUTOGLM_K_OK : fail(err, "cudaDeviceSynchronize");
}
