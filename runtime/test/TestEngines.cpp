// Building engines for the tests with the FlatBuffers builder.
#include "TestEngines.h"

#include "kiln/runtime/EngineFile.h"

#include <cstring>

namespace kiln::runtime::test {

uint32_t EngineBuilder::addBinding(const std::string &name, fb::DType dtype,
                                   const std::vector<int64_t> &shape, bool isInput,
                                   const std::string &layout) {
  bindings_.push_back(fb::CreateBindingDirect(fbb_, name.c_str(), dtype, &shape, isInput,
                                              layout.c_str()));
  return bindingCount_++;
}

uint64_t EngineBuilder::addWeights(const void *data, size_t bytes, size_t alignment) {
  size_t offset = (weights_.size() + alignment - 1) / alignment * alignment;
  weights_.resize(offset + bytes, 0);
  if (bytes)
    std::memcpy(weights_.data() + offset, data, bytes);
  return offset;
}

uint64_t EngineBuilder::allocateArena(uint64_t bytes, uint64_t alignment) {
  uint64_t offset = (arenaSize + alignment - 1) / alignment * alignment;
  arenaSize = offset + bytes;
  return offset;
}

flatbuffers::Offset<fb::TensorDesc> EngineBuilder::tensor(const TensorSpec &spec) {
  return fb::CreateTensorDescDirect(fbb_, spec.dtype, &spec.shape,
                                    spec.strides.empty() ? nullptr : &spec.strides, &spec.ref);
}

void EngineBuilder::addStep(const std::string &name, fb::StepKind kind,
                            flatbuffers::Offset<void> step, const std::string &precision) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> layers;
  for (const std::string &layer : nextLayers)
    layers.push_back(fbb_.CreateString(layer));
  nextLayers.clear();
  steps_.push_back(fb::CreateStepDirect(fbb_, kind, step, name.empty() ? nullptr : name.c_str(),
                                        layers.empty() ? nullptr : &layers,
                                        precision.c_str(), "", fb::TacticSource::Heuristic,
                                        nextDeps ? &*nextDeps : nullptr));
  nextDeps.reset();
}

void EngineBuilder::addLaunch(const std::string &name, const std::string &kernel,
                              std::vector<uint32_t> grid, std::vector<uint32_t> block,
                              const std::vector<fb::BufferRef> &args, uint32_t sharedMem) {
  auto launch = fb::CreateLaunchStepDirect(fbb_, kernel.c_str(), &grid, &block, sharedMem, &args);
  addStep(name, fb::StepKind::LaunchStep, launch.Union(), "");
}

void EngineBuilder::addConv(const std::string &name, const ConvSpec &c,
                            const std::string &precision) {
  auto x = tensor(c.x), w = tensor(c.w), y = tensor(c.y);
  flatbuffers::Offset<fb::TensorDesc> bias = 0, z = 0, scale = 0;
  if (c.hasScale)
    scale = tensor(c.scale);
  if (c.hasBias)
    bias = tensor(c.bias);
  if (c.hasZ)
    z = tensor(c.z);
  auto vec = [&](const std::vector<int64_t> &v) {
    return v.empty() ? flatbuffers::Offset<flatbuffers::Vector<int64_t>>(0) : fbb_.CreateVector(v);
  };
  auto padsBegin = vec(c.padsBegin), padsEnd = vec(c.padsEnd), strides = vec(c.strides),
       dilations = vec(c.dilations), knobs = vec(c.knobs);
  auto conv = fb::CreateConvStep(fbb_, x, w, bias, z, y, padsBegin, padsEnd, strides, dilations,
                                 c.groups, c.transposed, c.compute, c.activation, c.actAlpha,
                                 c.actBeta, c.engineId, knobs, 0, c.alpha, scale, c.zScale,
                                 c.postScale);
  addStep(name, fb::StepKind::ConvStep, conv.Union(), precision);
}

void EngineBuilder::addGemm(const std::string &name, const GemmSpec &g,
                            const std::string &precision) {
  auto gemm = fb::CreateGemmStepDirect(
      fbb_, &g.a, &g.b, &g.c, &g.d, &g.bias, g.hasC, g.hasBias, g.aType, g.bType, g.cType,
      g.dType, g.biasType, g.compute, g.transA, g.transB, g.m, g.n, g.k, g.batch, g.lda, g.ldb,
      g.ldc, g.ldd, g.strideA, g.strideB, g.strideC, g.strideD, g.alpha, g.beta, g.epilogue,
      g.algo.empty() ? nullptr : &g.algo, 0);
  addStep(name, fb::StepKind::GemmStep, gemm.Union(), precision);
}

void EngineBuilder::addCopy(const std::string &name, fb::BufferRef src, fb::BufferRef dst,
                            uint64_t size) {
  auto copy = fb::CreateCopyStep(fbb_, &src, &dst, size);
  addStep(name, fb::StepKind::CopyStep, copy.Union(), "");
}

void EngineBuilder::addAttention(const std::string &name, const AttentionSpec &a,
                                 const std::string &precision) {
  auto q = tensor(a.q), k = tensor(a.k), v = tensor(a.v), o = tensor(a.o);
  flatbuffers::Offset<fb::TensorDesc> bias = a.hasBias ? tensor(a.bias) : 0;
  auto step = fb::CreateAttentionStepDirect(fbb_, q, k, v, bias, o, a.scale, a.engineId,
                                            a.knobs.empty() ? nullptr : &a.knobs, 0);
  addStep(name, fb::StepKind::AttentionStep, step.Union(), precision);
}

void EngineBuilder::addStepOfUnknownKind(const std::string &name, fb::StepKind kind) {
  flatbuffers::uoffset_t start = fbb_.StartTable();
  addStep(name, kind, flatbuffers::Offset<void>(fbb_.EndTable(start)), "");
}

void EngineBuilder::addCode(uint32_t arch, const std::vector<uint8_t> &cubin) {
  code_.push_back(fb::CreateCodeObjectDirect(fbb_, arch, &cubin));
}

void EngineBuilder::addKernel(const std::string &name, uint32_t maxThreadsPerBlock) {
  kernels_.push_back(fb::CreateKernelDirect(fbb_, name.c_str(), maxThreadsPerBlock));
}

void EngineBuilder::addArenaTensor(const std::string &name, uint64_t offset, uint64_t size,
                                   uint32_t firstStep, uint32_t lastStep) {
  arenaTensors_.push_back(
      fb::CreateArenaTensorDirect(fbb_, name.c_str(), offset, size, firstStep, lastStep));
}

std::vector<uint8_t> EngineBuilder::metadata() {
  uint64_t weightsSize =
      declaredWeightsSize >= 0 ? uint64_t(declaredWeightsSize) : uint64_t(weights_.size());
  auto engine = fb::CreateEngineDirect(
      fbb_, "0.1.0-test", "test engine", &archs, cudaVersion, cudnnVersion, cublasVersion,
      &bindings_, arenaSize, &arenaTensors_, weightsSize, &code_, ptx.empty() ? nullptr : ptx.c_str(),
      &steps_, nullptr, kernels_.empty() ? nullptr : &kernels_);
  fb::FinishEngineBuffer(fbb_, engine);
  return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
}

std::vector<uint8_t> EngineBuilder::file() {
  std::vector<uint8_t> meta = metadata();
  return encodeEngineFile(meta, weights_);
}

std::string fakePtx(const std::vector<std::pair<std::string, unsigned>> &kernels) {
  std::string ptx = "//\n// Generated for the tests\n//\n.version 8.0\n.target sm_90\n"
                    ".address_size 64\n\n";
  for (const auto &[name, params] : kernels) {
    ptx += ".visible .entry " + name + "(\n";
    for (unsigned i = 0; i < params; ++i)
      ptx += "\t.param .u64 " + name + "_param_" + std::to_string(i) +
             (i + 1 < params ? ",\n" : "\n");
    ptx += ")\n{\n\tret;\n}\n\n";
  }
  return ptx;
}

std::vector<uint8_t> makeSampleEngine(const SampleCode *code) {
  EngineBuilder builder;
  uint32_t input = builder.addBinding("input", fb::DType::F32, {1, 8, 4, 4}, true, "NCHW");
  uint32_t output = builder.addBinding("output", fb::DType::F32, {1, 16}, false);
  std::vector<float> weights(16 * 8 * 3 * 3);
  for (size_t i = 0; i < weights.size(); ++i) // deterministic, varied
    weights[i] = static_cast<float>(static_cast<int>(i * 37 % 101) - 50) / 500.f;
  uint64_t convWeights = builder.addWeights(weights.data(), 16 * 8 * 9 * 4);
  uint64_t convBias = builder.addWeights(weights.data(), 16 * 4);
  uint64_t fcWeights = builder.addWeights(weights.data(), 16 * 16 * 4);
  uint64_t convOut = builder.allocateArena(16 * 4 * 4 * 4);
  uint64_t pooled = builder.allocateArena(16 * 4);
  uint64_t fcOut = builder.allocateArena(16 * 4);
  builder.addArenaTensor("relu1", convOut, 16 * 4 * 4 * 4, 0, 1);
  builder.addArenaTensor("pool", pooled, 16 * 4, 1, 2);
  builder.addArenaTensor("fc", fcOut, 16 * 4, 2, 3);

  ConvSpec conv;
  conv.x = {fb::DType::F32, {1, 8, 4, 4}, {}, EngineBuilder::binding(input)};
  conv.w = {fb::DType::F32, {16, 8, 3, 3}, {}, EngineBuilder::weights(convWeights)};
  conv.y = {fb::DType::F32, {1, 16, 4, 4}, {}, EngineBuilder::arena(convOut)};
  conv.hasBias = true;
  conv.bias = {fb::DType::F32, {1, 16, 1, 1}, {}, EngineBuilder::weights(convBias)};
  conv.padsBegin = conv.padsEnd = {1, 1};
  conv.strides = conv.dilations = {1, 1};
  conv.activation = fb::Activation::Relu;
  builder.nextLayers = {"conv1", "bn1", "relu1"};
  builder.addConv("", conv, "fp32");

  if (code) {
    builder.archs = {code->arch};
    builder.ptx = code->ptx;
    if (!code->cubin.empty())
      builder.addCode(code->arch, code->cubin);
  } else {
    builder.ptx = fakePtx({{"kiln_global_avg_pool", 2}});
  }
  builder.addKernel("kiln_global_avg_pool", 16);
  builder.nextLayers = {"pool"};
  builder.addLaunch("", "kiln_global_avg_pool", {1}, {16},
                    {EngineBuilder::arena(convOut), EngineBuilder::arena(pooled)});

  GemmSpec gemm;
  gemm.a = EngineBuilder::arena(pooled);
  gemm.b = EngineBuilder::weights(fcWeights);
  gemm.d = EngineBuilder::arena(fcOut);
  gemm.m = 1, gemm.n = 16, gemm.k = 16;
  gemm.lda = 16, gemm.ldb = 16, gemm.ldd = 16;
  gemm.transB = true;
  builder.nextLayers = {"fc"};
  builder.addGemm("", gemm, "fp32");
  builder.addCopy("output copy", EngineBuilder::arena(fcOut), EngineBuilder::binding(output),
                  16 * 4);
  return builder.file();
}

} // namespace kiln::runtime::test
