#include "pipeline/passes/ParamsJson.h"

namespace autoglm {

ParamsReader::ParamsReader(const nlohmann::json& object, std::string path) : m_object(object), m_path(std::move(path)) {
    if (!m_object.is_object())
        fail(m_path + ": expected an object, got " + m_object.dump());
}

void ParamsReader::fail(const std::string& message) {
    if (m_error.empty())
        m_error = message;
}

const nlohmann::json* ParamsReader::take(const char* key, const char* expected,
                                         bool (nlohmann::json::*is)() const noexcept) {
    m_read.insert(key);
    if (!m_object.is_object())
        return nullptr;
    auto it = m_object.find(key);
    if (it == m_object.end())
        return nullptr;
    if (!((*it).*is)()) {
        fail(m_path + "." + key + ": expected " + expected + ", got " + it->dump());
        return nullptr;
    }
    return &*it;
}

void ParamsReader::read(const char* key, bool& out) {
    if (auto* v = take(key, "true or false", &nlohmann::json::is_boolean))
        out = v->get<bool>();
}

void ParamsReader::read(const char* key, int64_t& out) {
    if (auto* v = take(key, "an integer", &nlohmann::json::is_number_integer))
        out = v->get<int64_t>();
}

void ParamsReader::read(const char* key, double& out) {
    if (auto* v = take(key, "a number", &nlohmann::json::is_number))
        out = v->get<double>();
}

void ParamsReader::read(const char* key, std::string& out) {
    if (auto* v = take(key, "a string", &nlohmann::json::is_string))
        out = v->get<std::string>();
}

void ParamsReader::read(const char* key, std::vector<std::string>& out) {
    auto* v = take(key, "a list of strings", &nlohmann::json::is_array);
    if (!v)
        return;
    std::vector<std::string> values;
    for (const auto& item : *v) {
        if (!item.is_string()) {
            fail(m_path + "." + key + ": expected a list of strings, got the item " + item.dump());
            return;
        }
        values.push_back(item.get<std::string>());
    }
    out = std::move(values);
}

void ParamsReader::readAny(const char* key, nlohmann::json& out) {
    m_read.insert(key);
    if (!m_object.is_object())
        return;
    if (auto it = m_object.find(key); it != m_object.end())
        out = *it;
}

Status ParamsReader::finish() {
    if (m_error.empty() && m_object.is_object())
        for (const auto& [key, value] : m_object.items())
            if (!m_read.count(key)) {
                std::string known;
                for (const auto& k : m_read)
                    known += (known.empty() ? "" : ", ") + k;
                fail(m_path + "." + key + ": unknown field (known: " + known + ")");
                break;
            }
    if (!m_error.empty())
        return Error{m_error};
    return Ok{};
}

Status checkRange(const std::string& field, double value, double lo, double hi) {
    if (value >= lo && value <= hi)
        return Ok{};
    auto number = [](double v) {
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (!s.empty() && s.back() == '.')
            s.pop_back();
        return s;
    };
    return Error{field + " is " + number(value) + " but must be between " + number(lo) + " and " + number(hi)};
}

Status checkOneOf(const std::string& field, const std::string& value, const std::vector<std::string>& allowed) {
    std::string list;
    for (const auto& a : allowed) {
        if (a == value)
            return Ok{};
        list += (list.empty() ? "" : ", ") + a;
    }
    return Error{field + " is '" + value + "' but must be one of: " + list};
}

Status checkOneOf(const std::string& field, int64_t value, const std::vector<int64_t>& allowed) {
    std::string list;
    for (int64_t a : allowed) {
        if (a == value)
            return Ok{};
        list += (list.empty() ? "" : ", ") + std::to_string(a);
    }
    return Error{field + " is " + std::to_string(value) + " but must be one of: " + list};
}

} // namespace autoglm
