#pragma once
// Hopper (sm_90a) building blocks for the wgmma kernels: mbarriers, TMA tensor loads, warpgroup MMA and its
// shared-memory descriptors. Everything here compiles to the real instruction only in the sm_90a pass
// (AUTOGLM_SM90A); the sm_80 pass gets a trap, and the launchers never run these kernels there.

#include "kernels/cuda/Common.cuh"

#include <cuda.h> // CUtensorMap (a plain struct: no driver library is linked; see W8A8GemmHopper.cu)

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define AUTOGLM_SM90A 1
#else
#define AUTOGLM_SM90A 0
#endif

namespace autoglm::kernels::cuda {

// ---- mbarrier (shared-memory transaction barriers) ------------------------------------------------------------

__device__ __forceinline__ void mbarrierInit(uint64_t* bar, uint32_t arrivals) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smemAddress(bar)), "r"(arrivals) : "memory");
}
// Makes barrier initialisation visible to the async proxy (TMA) before any copy signals it.
__device__ __forceinline__ void fenceBarrierInit() {
#if AUTOGLM_SM90A
    asm volatile("fence.mbarrier_init.release.cluster;\nfence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}
// One arrival that also announces `bytes` the TMA will deliver to this phase.
__device__ __forceinline__ void mbarrierArriveExpectTx(uint64_t* bar, uint32_t bytes) {
#if AUTOGLM_SM90A
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smemAddress(bar)), "r"(bytes)
                 : "memory");
#else
    (void)bar, (void)bytes;
#endif
}
__device__ __forceinline__ void mbarrierArrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(smemAddress(bar)) : "memory");
}
// Blocks until the phase with this parity has completed.
__device__ __forceinline__ void mbarrierWait(uint64_t* bar, uint32_t parity) {
#if AUTOGLM_SM90A
    uint32_t done = 0;
    do {
        asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(smemAddress(bar)), "r"(parity)
                     : "memory");
    } while (!done);
#else
    (void)bar, (void)parity;
#endif
}

// ---- TMA ---------------------------------------------------------------------------------------------------

// Copies the box at (x = inner coordinate, y = row) of a 2-D tensor map into shared memory and signals `bar`
// with the box's byte count (elements outside the tensor arrive as zeros and still count).
__device__ __forceinline__ void tmaLoad2d(void* dst, const CUtensorMap* map, int x, int y, uint64_t* bar) {
#if AUTOGLM_SM90A
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];\n"
                 ::"r"(smemAddress(dst)), "l"(map), "r"(smemAddress(bar)), "r"(x), "r"(y)
                 : "memory");
#else
    (void)dst, (void)map, (void)x, (void)y, (void)bar;
#endif
}
// Copies a box of shared memory to the 2-D tensor at (x = inner coordinate, y = row); elements outside the
// tensor are not written. Completion is tracked per thread with bulk groups (commit / wait below).
__device__ __forceinline__ void tmaStore2d(const CUtensorMap* map, int x, int y, const void* src) {
#if AUTOGLM_SM90A
    asm volatile("cp.async.bulk.tensor.2d.global.shared::cta.bulk_group [%0, {%2, %3}], [%1];\n"
                 ::"l"(map), "r"(smemAddress(src)), "r"(x), "r"(y)
                 : "memory");
#else
    (void)map, (void)x, (void)y, (void)src;
#endif
}
__device__ __forceinline__ void bulkCommit() {
#if AUTOGLM_SM90A
    asm volatile("cp.async.bulk.commit_group;\n" ::: "memory");
#endif
}
// Waits until this thread's committed bulk stores have read their shared memory (the buffer may be reused).
__device__ __forceinline__ void bulkWaitRead() {
#if AUTOGLM_SM90A
    asm volatile("cp.async.bulk.wait_group.read 0;\n" ::: "memory");
#endif
}
// Waits until this thread's committed bulk stores are complete (before the CTA exits).
__device__ __forceinline__ void bulkWaitAll() {
#if AUTOGLM_SM90A
    asm volatile("cp.async.bulk.wait_group 0;\n" ::: "memory");
#endif
}
// Makes this thread's ordinary shared-memory writes visible to the async proxy (TMA stores reading them).
__device__ __forceinline__ void fenceProxyAsyncShared() {
#if AUTOGLM_SM90A
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}
// Barrier over `threads` threads (a multiple of 32) using hardware barrier `id` (1..15; 0 is __syncthreads).
__device__ __forceinline__ void namedBarrier(int id, int threads) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void prefetchTensorMap(const CUtensorMap* map) {
#if AUTOGLM_SM90A
    asm volatile("prefetch.tensormap [%0];\n" ::"l"(map) : "memory");
#else
    (void)map;
#endif
}

// ---- warpgroup MMA -------------------------------------------------------------------------------------------

// Shared-memory matrix descriptor of a K-major operand stored by TMA with the 128-byte swizzle: rows of 128
// bytes, 8-row atoms 1024 bytes apart (stride byte offset), the leading offset unused in this mode. The tile
// must start on a 1024-byte boundary; a k step inside the 128-byte row advances the start address only.
__device__ __forceinline__ uint64_t wgmmaDescK128(const void* tile) {
    const uint64_t addr = smemAddress(tile);
    return ((addr & 0x3FFFFu) >> 4) | (uint64_t(1) << 16) | (uint64_t(1024 >> 4) << 32) | (uint64_t(1) << 62);
}

__device__ __forceinline__ void wgmmaFence() {
#if AUTOGLM_SM90A
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void wgmmaCommit() {
#if AUTOGLM_SM90A
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#endif
}
template <int N> __device__ __forceinline__ void wgmmaWait() {
#if AUTOGLM_SM90A
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#endif
}

// D[64 x 256] (+)= A[64 x 32] . B[256 x 32]^T, int8 in, int32 accumulate, both operands K-major in shared
// memory (descriptors); scaleD = 0 overwrites D (first k step), 1 accumulates.
__device__ __forceinline__ void wgmmaS8N256(int32_t (&d)[128], uint64_t descA, uint64_t descB, int scaleD) {
#if AUTOGLM_SM90A
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8 {"
                 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
                 "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
                 "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
                 "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
                 "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
                 "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
                 "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
                 "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
                 "}, %128, %129, p;\n}\n"
                 :
                 "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3]), "+r"(d[4]), "+r"(d[5]), "+r"(d[6]), "+r"(d[7]),
                 "+r"(d[8]), "+r"(d[9]), "+r"(d[10]), "+r"(d[11]), "+r"(d[12]), "+r"(d[13]), "+r"(d[14]), "+r"(d[15]),
                 "+r"(d[16]), "+r"(d[17]), "+r"(d[18]), "+r"(d[19]), "+r"(d[20]), "+r"(d[21]), "+r"(d[22]), "+r"(d[23]),
                 "+r"(d[24]), "+r"(d[25]), "+r"(d[26]), "+r"(d[27]), "+r"(d[28]), "+r"(d[29]), "+r"(d[30]), "+r"(d[31]),
                 "+r"(d[32]), "+r"(d[33]), "+r"(d[34]), "+r"(d[35]), "+r"(d[36]), "+r"(d[37]), "+r"(d[38]), "+r"(d[39]),
                 "+r"(d[40]), "+r"(d[41]), "+r"(d[42]), "+r"(d[43]), "+r"(d[44]), "+r"(d[45]), "+r"(d[46]), "+r"(d[47]),
                 "+r"(d[48]), "+r"(d[49]), "+r"(d[50]), "+r"(d[51]), "+r"(d[52]), "+r"(d[53]), "+r"(d[54]), "+r"(d[55]),
                 "+r"(d[56]), "+r"(d[57]), "+r"(d[58]), "+r"(d[59]), "+r"(d[60]), "+r"(d[61]), "+r"(d[62]), "+r"(d[63]),
                 "+r"(d[64]), "+r"(d[65]), "+r"(d[66]), "+r"(d[67]), "+r"(d[68]), "+r"(d[69]), "+r"(d[70]), "+r"(d[71]),
                 "+r"(d[72]), "+r"(d[73]), "+r"(d[74]), "+r"(d[75]), "+r"(d[76]), "+r"(d[77]), "+r"(d[78]), "+r"(d[79]),
                 "+r"(d[80]), "+r"(d[81]), "+r"(d[82]), "+r"(d[83]), "+r"(d[84]), "+r"(d[85]), "+r"(d[86]), "+r"(d[87]),
                 "+r"(d[88]), "+r"(d[89]), "+r"(d[90]), "+r"(d[91]), "+r"(d[92]), "+r"(d[93]), "+r"(d[94]), "+r"(d[95]),
                 "+r"(d[96]), "+r"(d[97]), "+r"(d[98]), "+r"(d[99]), "+r"(d[100]), "+r"(d[101]), "+r"(d[102]), "+r"(d[103]),
                 "+r"(d[104]), "+r"(d[105]), "+r"(d[106]), "+r"(d[107]), "+r"(d[108]), "+r"(d[109]), "+r"(d[110]), "+r"(d[111]),
                 "+r"(d[112]), "+r"(d[113]), "+r"(d[114]), "+r"(d[115]), "+r"(d[116]), "+r"(d[117]), "+r"(d[118]), "+r"(d[119]),
                 "+r"(d[120]), "+r"(d[121]), "+r"(d[122]), "+r"(d[123]), "+r"(d[124]), "+r"(d[125]), "+r"(d[126]), "+r"(d[127])
                 : "l"(descA), "l"(descB), "r"(scaleD));
#else
    (void)d, (void)descA, (void)descB, (void)scaleD;
    __trap();
#endif
}

// D[64 x 128] (+)= A[64 x 32] . B[128 x 32]^T, int8 in, int32 accumulate, both operands K-major in shared
// memory (descriptors); scaleD = 0 overwrites D (first k step), 1 accumulates.
__device__ __forceinline__ void wgmmaS8N128(int32_t (&d)[64], uint64_t descA, uint64_t descB, int scaleD) {
#if AUTOGLM_SM90A
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
                 "wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8 {"
                 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
                 "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
                 "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
                 "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
                 "}, %64, %65, p;\n}\n"
                 :
                 "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3]), "+r"(d[4]), "+r"(d[5]), "+r"(d[6]), "+r"(d[7]),
                 "+r"(d[8]), "+r"(d[9]), "+r"(d[10]), "+r"(d[11]), "+r"(d[12]), "+r"(d[13]), "+r"(d[14]), "+r"(d[15]),
                 "+r"(d[16]), "+r"(d[17]), "+r"(d[18]), "+r"(d[19]), "+r"(d[20]), "+r"(d[21]), "+r"(d[22]), "+r"(d[23]),
                 "+r"(d[24]), "+r"(d[25]), "+r"(d[26]), "+r"(d[27]), "+r"(d[28]), "+r"(d[29]), "+r"(d[30]), "+r"(d[31]),
                 "+r"(d[32]), "+r"(d[33]), "+r"(d[34]), "+r"(d[35]), "+r"(d[36]), "+r"(d[37]), "+r"(d[38]), "+r"(d[39]),
                 "+r"(d[40]), "+r"(d[41]), "+r"(d[42]), "+r"(d[43]), "+r"(d[44]), "+r"(d[45]), "+r"(d[46]), "+r"(d[47]),
                 "+r"(d[48]), "+r"(d[49]), "+r"(d[50]), "+r"(d[51]), "+r"(d[52]), "+r"(d[53]), "+r"(d[54]), "+r"(d[55]),
                 "+r"(d[56]), "+r"(d[57]), "+r"(d[58]), "+r"(d[59]), "+r"(d[60]), "+r"(d[61]), "+r"(d[62]), "+r"(d[63])
                 : "l"(descA), "l"(descB), "r"(scaleD));
#else
    (void)d, (void)descA, (void)descB, (void)scaleD;
    __trap();
#endif
}

} // namespace autoglm::kernels::cuda
