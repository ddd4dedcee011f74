// Names of the runtime's error codes.
#include "kiln/runtime/Status.h"

namespace kiln::runtime {

const char *errorCodeName(ErrorCode code) {
  switch (code) {
  case ErrorCode::Ok: return "ok";
  case ErrorCode::InvalidArgument: return "invalid argument";
  case ErrorCode::IoError: return "I/O error";
  case ErrorCode::NotAnEngine: return "not a Kiln engine";
  case ErrorCode::Truncated: return "truncated engine";
  case ErrorCode::Corrupted: return "corrupted engine";
  case ErrorCode::VersionMismatch: return "version mismatch";
  case ErrorCode::InvalidEngine: return "invalid engine";
  case ErrorCode::Unsupported: return "unsupported";
  case ErrorCode::NoDevice: return "no GPU";
  case ErrorCode::CudaError: return "CUDA error";
  }
  return "unknown error";
}

bool isEngineError(ErrorCode code) {
  switch (code) {
  case ErrorCode::IoError:
  case ErrorCode::NotAnEngine:
  case ErrorCode::Truncated:
  case ErrorCode::Corrupted:
  case ErrorCode::VersionMismatch:
  case ErrorCode::InvalidEngine:
  case ErrorCode::Unsupported:
    return true;
  default:
    return false;
  }
}

} // namespace kiln::runtime
