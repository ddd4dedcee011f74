// Errors across the runtime's API: a Status (code + message) and Expected<T>,
// a value or the Status that explains why there is none. No exceptions cross
// the API.
#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include <cassert>
#include <new>
#include <string>
#include <utility>

namespace kiln::runtime {

enum class ErrorCode {
  Ok = 0,
  InvalidArgument, ///< a caller's mistake: unknown binding, unset binding...
  IoError,         ///< the file cannot be read or written
  NotAnEngine,     ///< wrong magic: not a .kiln file at all
  Truncated,       ///< the sizes in the header exceed the file
  Corrupted,       ///< checksum mismatch
  VersionMismatch, ///< file format, GPU architecture or library version
  InvalidEngine,   ///< metadata that fails the verifier or a consistency check
  Unsupported,     ///< valid, but this runtime cannot execute it
  NoDevice,        ///< no CUDA driver or no GPU
  CudaError,       ///< a CUDA, cuDNN or cuBLASLt call failed
};

/// The name of an error code ("invalid engine"...).
const char *errorCodeName(ErrorCode code);

/// True for the codes that mean "this engine file cannot be used" (as opposed
/// to a missing GPU or a failure while running).
bool isEngineError(ErrorCode code);

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status success() { return Status(); }

  bool ok() const { return code_ == ErrorCode::Ok; }
  explicit operator bool() const { return ok(); }
  ErrorCode code() const { return code_; }
  const std::string &message() const { return message_; }

  /// Prefixes the message with context: "loading 'a.kiln': " + message.
  Status &prepend(const std::string &context) {
    message_ = context + message_;
    return *this;
  }

private:
  ErrorCode code_ = ErrorCode::Ok;
  std::string message_;
};

/// A value of type T, or the Status that says why there is none.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : hasValue_(true) { new (&storage_.value) T(std::move(value)); }
  Expected(Status status) : hasValue_(false) {
    assert(!status.ok() && "an Expected without a value needs an error");
    new (&storage_.status) Status(std::move(status));
  }
  Expected(Expected &&other) noexcept : hasValue_(other.hasValue_) {
    if (hasValue_)
      new (&storage_.value) T(std::move(other.storage_.value));
    else
      new (&storage_.status) Status(std::move(other.storage_.status));
  }
  Expected(const Expected &) = delete;
  Expected &operator=(const Expected &) = delete;
  Expected &operator=(Expected &&other) noexcept {
    if (this != &other) {
      destroy();
      hasValue_ = other.hasValue_;
      if (hasValue_)
        new (&storage_.value) T(std::move(other.storage_.value));
      else
        new (&storage_.status) Status(std::move(other.storage_.status));
    }
    return *this;
  }
  ~Expected() { destroy(); }

  bool ok() const { return hasValue_; }
  explicit operator bool() const { return hasValue_; }

  T &value() & {
    assert(hasValue_);
    return storage_.value;
  }
  const T &value() const & {
    assert(hasValue_);
    return storage_.value;
  }
  T &&value() && {
    assert(hasValue_);
    return std::move(storage_.value);
  }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() { return value(); }
  const T &operator*() const { return value(); }

  /// The error; success when there is a value.
  Status status() const { return hasValue_ ? Status() : storage_.status; }
  Status takeStatus() { return hasValue_ ? Status() : std::move(storage_.status); }

private:
  void destroy() {
    if (hasValue_)
      storage_.value.~T();
    else
      storage_.status.~Status();
  }
  union Storage {
    Storage() {}
    ~Storage() {}
    T value;
    Status status;
  } storage_;
  bool hasValue_;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_STATUS_H
