// The checks a loader makes on an engine's metadata: structure (FlatBuffers
// verifier), internal consistency, and compatibility with a GPU and the
// libraries found at run time. Every function here is GPU-free, so the tests
// exercise each refusal without a GPU.
#ifndef KILN_RUNTIME_ENGINEVERIFIER_H
#define KILN_RUNTIME_ENGINEVERIFIER_H

#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/Status.h"

#include <string>
#include <vector>

namespace kiln::fb {
struct Engine;
struct BufferRef;
struct TensorDesc;
struct Binding;
} // namespace kiln::fb

namespace kiln::runtime {

/// Runs the FlatBuffers verifier over `metadata` (identifier "KILN").
Status verifyMetadataStructure(ByteSpan metadata);

/// Internal consistency: every BufferRef inside the arena, weights or binding
/// it names; every launch names a kernel present in the code; step tensors'
/// shapes and dtypes agree; activations cuDNN can fuse; known GPU
/// architectures. `weightsSize` is the header's.
Status verifyEngineConsistency(const kiln::fb::Engine &engine,
                               uint64_t weightsSize,
                               std::vector<std::string> &warnings);

/// Compute capabilities this runtime knows (90 = sm_90), oldest first.
const std::vector<unsigned> &knownArchitectures();

/// How the generated kernels will be loaded on a given GPU.
struct CodeChoice {
  enum Kind { None, Cubin, Ptx } kind = None;
  int codeIndex = -1; ///< into Engine.code when kind == Cubin
};

/// Picks the cubin for `deviceArch` (e.g. 90), else the PTX when the device is
/// newer than the engine's lowest architecture; refuses an older GPU.
Expected<CodeChoice> selectCode(const kiln::fb::Engine &engine,
                                unsigned deviceArch,
                                std::vector<std::string> &warnings);

/// Library versions as their headers spell them: CUDNN_VERSION (9.19.0 =
/// 91900), CUBLAS_VERSION (13.1.0 = 130100), CUDA_VERSION / driver (13.0 =
/// 13000). Zero means "not available".
struct LibraryVersions {
  int cudaDriver = 0;
  int cudnn = 0;
  int cublas = 0;
};

/// Same major and a newer-or-equal minor is accepted (with a warning when the
/// versions differ); anything else is refused. Only the libraries the engine's
/// steps use are checked. `usesPtx` asks for a driver at least as new as the
/// CUDA the PTX was made with.
Status checkLibraryVersions(const kiln::fb::Engine &engine,
                            const LibraryVersions &found, bool usesPtx,
                            std::vector<std::string> &warnings);

/// Bytes of a binding (product of its shape times the element size).
uint64_t bindingBytes(const kiln::fb::Binding &binding);

/// What bindingBytes and tensorSpanBytes return for a shape whose size does
/// not fit 64 bits (the verifier refuses such a binding, and no region holds
/// that many bytes).
constexpr uint64_t kUnboundedBytes = ~uint64_t(0);

/// Bytes a tensor spans from its first element: shape and strides (row-major
/// when empty) times the element size. Zero for an empty tensor.
uint64_t tensorSpanBytes(const kiln::fb::TensorDesc &tensor);

/// A step's display name: Step.name, else its layers joined with " + ", else
/// "step N (kind)".
std::string stepDisplayName(const kiln::fb::Engine &engine, unsigned index);

/// The name of a StepKind ("launch", "conv", "gemm", "copy").
const char *stepKindName(int kind);

/// "9.19.0" for 91900: a version as CUDNN_VERSION and CUBLAS_VERSION spell it.
std::string libraryVersionText(int version);
/// "13.0" for 13000: a version as CUDA_VERSION and the driver spell it.
std::string cudaVersionText(int version);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_ENGINEVERIFIER_H
