// .npy and IDX arrays (datasets, run-model inputs): the header's claims against the bytes that follow.
#include "FuzzSupport.h"

#include "pipeline/io/Idx.h"
#include "pipeline/io/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzzing::guarded(data, size, [](const std::string& bytes) {
        for (auto parsed : {autoglm::parseNpy(bytes, "fuzz.npy"), autoglm::parseIdx(bytes, "fuzz.idx")}) {
            if (!parsed)
                continue;
            const autoglm::TensorData& t = parsed.value();
            int64_t count = 1;
            for (int64_t d : t.shape())
                count *= d;
            if (count != t.numel() || t.byteSize() > static_cast<int64_t>(bytes.size()) * 8)
                std::abort(); // a tensor that disagrees with its own shape, or larger than the file allows
        }
    });
}
