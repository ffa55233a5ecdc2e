#pragma once
// Errors a user can cause are values: Result<T> holds either a T or an Error whose message names the file,
// node or field and says what was expected. Exceptions only travel inside one module and are converted at
// its public boundary.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace autoglm {

struct Error {
    std::string message;
    // True when the input is valid but uses something we do not support (an op, a dtype, control flow).
    bool unsupported = false;
};

template <class T> class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_state); }
    const T& value() const& { return std::get<T>(m_state); }
    T&& value() && { return std::get<T>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<Error>(m_state); }
    const std::string& message() const { return error().message; }

private:
    std::variant<T, Error> m_state;
};

struct Ok {};
using Status = Result<Ok>;

// Thrown inside a module when the input is wrong; caught at the module's public boundary.
class AutoglmError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Thrown when the input is valid ONNX but uses something we do not run (an op, a dtype, an attribute value).
class UnsupportedError : public AutoglmError {
public:
    using AutoglmError::AutoglmError;
};

} // namespace autoglm
