#pragma once
// Reads a pass's Params from JSON field by field. Type errors and unknown keys are reported with the JSON
// path ("quantize.group_size: expected an integer, got \"64\""); ranges are checked by each Params::validate
// so that Params built in code (CLI, GUI) get the same checks.

#include "pipeline/common/Result.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace autoglm {

class ParamsReader {
public:
    // `path` prefixes every message ("quantize", "stages[2].params").
    ParamsReader(const nlohmann::json& object, std::string path);

    void read(const char* key, bool& out);
    void read(const char* key, int64_t& out);
    void read(const char* key, double& out);
    void read(const char* key, std::string& out);
    void read(const char* key, std::vector<std::string>& out);
    // Any JSON value, left for the caller to interpret (a pass's params inside a pipeline file).
    void readAny(const char* key, nlohmann::json& out);
    // The path of `key` inside this object, for messages the caller writes itself.
    std::string pathOf(const std::string& key) const { return m_path + "." + key; }
    // A nested object handed to `readNested` (for Params inside Params).
    template <class Fn> void nested(const char* key, Fn&& readNested) {
        if (const nlohmann::json* v = take(key, "an object", &nlohmann::json::is_object)) {
            ParamsReader inner(*v, m_path + "." + key);
            readNested(inner);
            if (auto s = inner.finish(); !s)
                fail(s.message());
        }
    }

    // The first error, or an error naming keys nobody read.
    Status finish();

private:
    const nlohmann::json* take(const char* key, const char* expected, bool (nlohmann::json::*is)() const noexcept);
    void fail(const std::string& message);

    const nlohmann::json& m_object;
    std::string m_path;
    std::set<std::string> m_read;
    std::string m_error;
};

// Range checks shared by every Params::validate; each returns an error naming `field` and the allowed values.
Status checkRange(const std::string& field, double value, double lo, double hi);
Status checkOneOf(const std::string& field, const std::string& value, const std::vector<std::string>& allowed);
Status checkOneOf(const std::string& field, int64_t value, const std::vector<int64_t>& allowed);

} // namespace autoglm
