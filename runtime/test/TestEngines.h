// Engines for the runtime's tests, built with the FlatBuffers builder (the
// compiler's writer is developed in parallel): bindings, weights, steps, code.
#ifndef KILN_RUNTIME_TEST_TESTENGINES_H
#define KILN_RUNTIME_TEST_TESTENGINES_H

#include "kiln/runtime/engine_generated.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::runtime::test {

namespace fb = kiln::fb;

struct TensorSpec {
  fb::DType dtype = fb::DType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides; ///< empty: row-major
  fb::BufferRef ref;
};

struct ConvSpec {
  TensorSpec x, w, y;
  bool hasBias = false, hasZ = false;
  TensorSpec bias, z;
  std::vector<int64_t> padsBegin, padsEnd, strides, dilations;
  int64_t groups = 1;
  bool transposed = false;
  fb::DType compute = fb::DType::F32;
  fb::Activation activation = fb::Activation::None;
  float actAlpha = 0, actBeta = 0, alpha = 1;
  int64_t engineId = -1;
  std::vector<int64_t> knobs;
  /// The fused INT8 epilogue (format 1.2): per-channel scale, z's scale.
  bool hasScale = false;
  TensorSpec scale;
  float zScale = 1;
  /// After the activation (format 1.5): 1 / the output's scale.
  float postScale = 1;
};

struct GemmSpec {
  fb::BufferRef a, b, c, d, bias;
  bool hasC = false, hasBias = false;
  fb::DType aType = fb::DType::F32, bType = fb::DType::F32, cType = fb::DType::F32,
            dType = fb::DType::F32, biasType = fb::DType::F32, compute = fb::DType::F32;
  bool transA = false, transB = false;
  int64_t m = 1, n = 1, k = 1, batch = 1;
  int64_t lda = 0, ldb = 0, ldc = 0, ldd = 0;
  int64_t strideA = 0, strideB = 0, strideC = 0, strideD = 0;
  float alpha = 1, beta = 0;
  fb::GemmEpilogue epilogue = fb::GemmEpilogue::None;
  std::vector<uint64_t> algo;
};

/// Fused attention (format 1.3): logical [B, H, S, D] tensors with strides.
struct AttentionSpec {
  TensorSpec q, k, v, o;
  bool hasBias = false;
  TensorSpec bias;
  float scale = 1;
  int64_t engineId = -1;
  std::vector<int64_t> knobs;
};

class EngineBuilder {
public:
  uint32_t addBinding(const std::string &name, fb::DType dtype,
                      const std::vector<int64_t> &shape, bool isInput,
                      const std::string &layout = "");
  /// Appends to the weights section (aligned), returns the offset.
  uint64_t addWeights(const void *data, size_t bytes, size_t alignment = 256);
  /// Reserves arena bytes (aligned), returns the offset.
  uint64_t allocateArena(uint64_t bytes, uint64_t alignment = 256);

  static fb::BufferRef arena(uint64_t offset) { return fb::BufferRef(offset, 0, fb::Region::Arena); }
  static fb::BufferRef weights(uint64_t offset) {
    return fb::BufferRef(offset, 0, fb::Region::Weights);
  }
  static fb::BufferRef binding(uint32_t index, uint64_t offset = 0) {
    return fb::BufferRef(offset, index, fb::Region::Binding);
  }

  void addLaunch(const std::string &name, const std::string &kernel,
                 std::vector<uint32_t> grid, std::vector<uint32_t> block,
                 const std::vector<fb::BufferRef> &args, uint32_t sharedMem = 0);
  void addConv(const std::string &name, const ConvSpec &conv,
               const std::string &precision = "");
  void addGemm(const std::string &name, const GemmSpec &gemm,
               const std::string &precision = "");
  void addCopy(const std::string &name, fb::BufferRef src, fb::BufferRef dst, uint64_t size);
  void addAttention(const std::string &name, const AttentionSpec &attention,
                    const std::string &precision = "");
  /// A step tagged with `kind` (one this runtime may not know) holding an
  /// empty table: what an older runtime sees of a newer step.
  void addStepOfUnknownKind(const std::string &name, fb::StepKind kind);
  void addCode(uint32_t arch, const std::vector<uint8_t> &cubin);
  /// An Engine.kernels entry: the kernel's launch bound.
  void addKernel(const std::string &name, uint32_t maxThreadsPerBlock);
  void addArenaTensor(const std::string &name, uint64_t offset, uint64_t size,
                      uint32_t firstStep, uint32_t lastStep);

  std::vector<uint32_t> archs = {90};
  std::string ptx;
  int cudaVersion = 13000, cudnnVersion = 91900, cublasVersion = 130100;
  uint64_t arenaSize = 0;
  /// The metadata's weights_size; -1 takes the weights' real size.
  int64_t declaredWeightsSize = -1;
  /// Layers of the next step (joined into its name when the name is empty).
  std::vector<std::string> nextLayers;
  /// Step.deps of the next step (format 1.4); unset writes none.
  std::optional<std::vector<uint32_t>> nextDeps;

  /// The FlatBuffer (finishes the builder: call once).
  std::vector<uint8_t> metadata();
  /// A whole .kiln file (calls metadata()).
  std::vector<uint8_t> file();
  const std::vector<uint8_t> &weightBytes() const { return weights_; }

private:
  flatbuffers::Offset<fb::TensorDesc> tensor(const TensorSpec &spec);
  void addStep(const std::string &name, fb::StepKind kind, flatbuffers::Offset<void> step,
               const std::string &precision);

  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<uint8_t> weights_;
  std::vector<flatbuffers::Offset<fb::Binding>> bindings_;
  std::vector<flatbuffers::Offset<fb::Step>> steps_;
  std::vector<flatbuffers::Offset<fb::CodeObject>> code_;
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels_;
  std::vector<flatbuffers::Offset<fb::ArenaTensor>> arenaTensors_;
  uint32_t bindingCount_ = 0;
};

/// Real code for the sample engine's kernel (see Nvrtc.h).
struct SampleCode {
  unsigned arch = 90;
  std::string ptx;
  std::vector<uint8_t> cubin;
};

/// A small valid engine: input [1,8,4,4] -> conv 3x3 + bias + relu (layers
/// conv1, bn1, relu1) -> global average pool (a kernel) -> fc (GEMM) ->
/// output [1,16] (a copy). Without `code` its kernel is PTX with an empty
/// body, which suffices to inspect and verify it.
std::vector<uint8_t> makeSampleEngine(const SampleCode *code = nullptr);

/// PTX text declaring `.entry name(params...)` for each kernel, for loader
/// tests that need no real code.
std::string fakePtx(const std::vector<std::pair<std::string, unsigned>> &kernels);

} // namespace kiln::runtime::test

#endif // KILN_RUNTIME_TEST_TESTENGINES_H
