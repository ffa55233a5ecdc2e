#include "pipeline/exec/ops/Spatial.h"

namespace autoglm::exec {

Ints spatialAttr(const OpContext& c, const char* name, size_t n, int64_t fill) {
    Ints v = c.attrInts(name);
    if (v.empty())
        return Ints(n, fill);
    if (v.size() != n)
        c.fail(std::string(name) + " has " + std::to_string(v.size()) + " entries for " + std::to_string(n) +
               " spatial axes");
    return v;
}

std::pair<int64_t, int64_t> samePadding(int64_t in, int64_t stride, int64_t span, bool upper) {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>(0, (out - 1) * stride + span - in);
    const int64_t begin = upper ? total / 2 : total - total / 2;
    return {begin, total - begin};
}

Ints torchPads(const Ints& begin, const Ints& end) {
    Ints p;
    for (size_t i = begin.size(); i-- > 0;) {
        p.push_back(begin[i]);
        p.push_back(end[i]);
    }
    return p;
}

} // namespace autoglm::exec
