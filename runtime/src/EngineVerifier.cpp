// The loader's checks on the metadata, each refusal naming what was expected
// and what was found: FlatBuffers structure, buffer ranges, kernels, tensor
// shapes and dtypes, GPU architectures, library versions. No GPU needed.
#include "kiln/runtime/EngineVerifier.h"

#include "KernelCode.h"
#include "kiln/runtime/DataType.h"
#include "kiln/runtime/engine_generated.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace kiln::runtime {

namespace fb = kiln::fb;

namespace {

/// a * b and a + b, or kUnboundedBytes when the result does not fit: a
/// corrupt shape must not wrap around into a size that passes the checks.
uint64_t mulBytes(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kUnboundedBytes : r;
}
uint64_t addBytes(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? kUnboundedBytes : r;
}

template <typename T> size_t count(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

std::string shapeString(const flatbuffers::Vector<int64_t> *shape) {
  std::string text = "[";
  for (size_t i = 0; i < count(shape); ++i)
    text += (i ? "," : "") + std::to_string(shape->Get(i));
  return text + "]";
}

const char *regionName(fb::Region region) {
  switch (region) {
  case fb::Region::Arena: return "arena";
  case fb::Region::Weights: return "weights";
  case fb::Region::Binding: return "binding";
  }
  return "?";
}

const char *activationName(fb::Activation activation) {
  auto value = static_cast<int>(activation);
  if (value < static_cast<int>(fb::Activation::MIN) ||
      value > static_cast<int>(fb::Activation::MAX))
    return "?";
  return fb::EnumNameActivation(activation);
}

DataType toDataType(fb::DType dtype) { return static_cast<DataType>(dtype); }

bool isFloatType(fb::DType dtype) {
  return dtype == fb::DType::F32 || dtype == fb::DType::F16 ||
         dtype == fb::DType::BF16;
}

// Checks of one engine, with the context its messages need.
class Checker {
public:
  Checker(const fb::Engine &engine, uint64_t weightsSize,
          std::vector<std::string> &warnings)
      : engine_(engine), weightsSize_(weightsSize), warnings_(warnings) {}

  Status run() {
    if (Status s = checkBindings(); !s.ok()) return s;
    if (engine_.weights_size() != weightsSize_)
      return invalid("the metadata says " + std::to_string(engine_.weights_size()) +
                     " bytes of weights, the file holds " +
                     std::to_string(weightsSize_));
    if (Status s = checkArchitectures(); !s.ok()) return s;
    if (Status s = checkArenaTensors(); !s.ok()) return s;
    if (Status s = checkKernels(); !s.ok()) return s;
    for (unsigned i = 0; i < count(engine_.steps()); ++i)
      if (Status s = checkStep(i); !s.ok()) return s;
    return Status::success();
  }

private:
  Status invalid(const std::string &message) const {
    return Status(ErrorCode::InvalidEngine, "invalid engine: " + context_ + message);
  }
  Status unsupported(const std::string &message) const {
    return Status(ErrorCode::Unsupported, "unsupported engine: " + context_ + message);
  }

  Status checkBindings() {
    std::set<std::string> names;
    for (unsigned i = 0; i < count(engine_.bindings()); ++i) {
      const fb::Binding *binding = engine_.bindings()->Get(i);
      std::string name = binding->name()->str();
      context_ = "binding " + std::to_string(i) + " '" + name + "': ";
      if (name.empty())
        return invalid("the name is empty");
      if (!names.insert(name).second)
        return invalid("the name is used by an earlier binding");
      if (!isValidDataType(static_cast<int>(binding->dtype())))
        return invalid("unknown dtype " + std::to_string(int(binding->dtype())));
      for (size_t d = 0; d < count(binding->shape()); ++d)
        if (binding->shape()->Get(d) < 0)
          return invalid("negative dimension in shape " +
                         shapeString(binding->shape()));
      uint64_t bytes = bindingBytes(*binding);
      if (bytes == kUnboundedBytes)
        return invalid("shape " + shapeString(binding->shape()) +
                       " holds more bytes than a 64-bit size counts");
      bindingBytes_.push_back(bytes);
    }
    context_.clear();
    return Status::success();
  }

  Status checkArchitectures() {
    const std::vector<unsigned> &known = knownArchitectures();
    unsigned newest = known.back();
    auto checkArch = [&](unsigned arch, const std::string &where) -> Status {
      if (std::find(known.begin(), known.end(), arch) != known.end())
        return Status::success();
      if (arch > newest)
        return Status(ErrorCode::VersionMismatch,
                      "engine built for sm_" + std::to_string(arch) + " (" + where +
                          "), newer than any GPU architecture this runtime knows "
                          "(newest: sm_" + std::to_string(newest) +
                          "); use a newer Kiln runtime");
      return Status(ErrorCode::VersionMismatch,
                    "engine built for sm_" + std::to_string(arch) + " (" + where +
                        "), not a GPU architecture this runtime knows");
    };
    for (size_t i = 0; i < count(engine_.archs()); ++i)
      if (Status s = checkArch(engine_.archs()->Get(i), "Engine.archs"); !s.ok())
        return s;
    std::set<unsigned> seen;
    for (size_t i = 0; i < count(engine_.code()); ++i) {
      const fb::CodeObject *code = engine_.code()->Get(i);
      std::string where = "code object " + std::to_string(i);
      if (Status s = checkArch(code->arch(), where); !s.ok())
        return s;
      if (!seen.insert(code->arch()).second)
        return invalid("two code objects for sm_" + std::to_string(code->arch()));
      if (count(code->cubin()) == 0)
        return invalid(where + " (sm_" + std::to_string(code->arch()) +
                       ") has no cubin");
      auto symbols = elfFunctionSymbols(code->cubin()->data(), code->cubin()->size());
      if (!symbols)
        return invalid(where + " (sm_" + std::to_string(code->arch()) +
                       "): expected a cubin (an ELF64 image), found something else");
      cubinSymbols_.push_back(std::move(*symbols));
      auto archs = engine_.archs();
      if (!archs || std::find(archs->begin(), archs->end(), code->arch()) == archs->end())
        warnings_.push_back(where + " is for sm_" + std::to_string(code->arch()) +
                            ", which Engine.archs does not list");
    }
    if (engine_.ptx())
      ptxEntries_ = ptxEntries(engine_.ptx()->str());
    return Status::success();
  }

  Status checkArenaTensors() {
    for (size_t i = 0; i < count(engine_.arena_tensors()); ++i) {
      const fb::ArenaTensor *tensor = engine_.arena_tensors()->Get(i);
      std::string name = tensor->name() ? tensor->name()->str() : "";
      context_ = "arena tensor " + std::to_string(i) + " '" + name + "': ";
      if (tensor->offset() > engine_.arena_size() ||
          tensor->size() > engine_.arena_size() - tensor->offset())
        return invalid("bytes [" + std::to_string(tensor->offset()) + ", " +
                       std::to_string(tensor->offset() + tensor->size()) +
                       ") lie outside the arena of " +
                       std::to_string(engine_.arena_size()) + " bytes");
      if (tensor->first_step() > tensor->last_step())
        return invalid("first step " + std::to_string(tensor->first_step()) +
                       " after last step " + std::to_string(tensor->last_step()));
      if (count(engine_.steps()) && tensor->last_step() >= count(engine_.steps()))
        return invalid("last step " + std::to_string(tensor->last_step()) +
                       " but the engine has " + std::to_string(count(engine_.steps())) +
                       " steps");
    }
    context_.clear();
    return Status::success();
  }

  // `bytes` of 0 (a kernel argument, whose extent only the kernel knows)
  // still asks for an address inside the region.
  Status checkRef(const fb::BufferRef *ref, uint64_t bytes, const std::string &what) {
    if (!ref)
      return invalid(what + ": missing buffer reference");
    int regionValue = static_cast<int>(ref->region());
    if (regionValue < 0 || regionValue > static_cast<int>(fb::Region::MAX))
      return invalid(what + ": unknown region " + std::to_string(regionValue));
    uint64_t regionSize = 0;
    std::string regionText = regionName(ref->region());
    switch (ref->region()) {
    case fb::Region::Arena:
      regionSize = engine_.arena_size();
      break;
    case fb::Region::Weights:
      regionSize = weightsSize_;
      break;
    case fb::Region::Binding:
      if (ref->binding() >= bindingBytes_.size())
        return invalid(what + ": binding index " + std::to_string(ref->binding()) +
                       " but the engine has " + std::to_string(bindingBytes_.size()) +
                       " bindings");
      regionSize = bindingBytes_[ref->binding()];
      regionText = "binding '" + engine_.bindings()->Get(ref->binding())->name()->str() + "'";
      break;
    }
    if (bytes == kUnboundedBytes)
      return invalid(what + ": its shape and strides span more bytes than a 64-bit size "
                            "counts");
    bool inside;
    if (bytes == 0)
      inside = ref->offset() < regionSize || (ref->offset() == 0 && regionSize == 0);
    else
      inside = ref->offset() <= regionSize && bytes <= regionSize - ref->offset();
    if (!inside)
      return invalid(what + ": bytes [" + std::to_string(ref->offset()) + ", " +
                     std::to_string(ref->offset() + bytes) + ") lie outside the " +
                     regionText + " (" + std::to_string(regionSize) + " bytes)");
    return Status::success();
  }

  Status checkTensor(const fb::TensorDesc *tensor, const std::string &what) {
    if (!isValidDataType(static_cast<int>(tensor->dtype())))
      return invalid(what + ": unknown dtype " + std::to_string(int(tensor->dtype())));
    if (count(tensor->strides()) && count(tensor->strides()) != count(tensor->shape()))
      return invalid(what + ": " + std::to_string(count(tensor->strides())) +
                     " strides for a shape of rank " +
                     std::to_string(count(tensor->shape())));
    for (size_t d = 0; d < count(tensor->shape()); ++d)
      if (tensor->shape()->Get(d) < 0)
        return invalid(what + ": negative dimension in " + shapeString(tensor->shape()));
    for (size_t d = 0; d < count(tensor->strides()); ++d)
      if (tensor->strides()->Get(d) < 0)
        return invalid(what + ": negative stride in " + shapeString(tensor->strides()));
    return checkRef(tensor->buffer(), tensorSpanBytes(*tensor), what);
  }

  // Engine.kernels: one entry per kernel name, with its launch bound.
  Status checkKernels() {
    for (unsigned i = 0; i < count(engine_.kernels()); ++i) {
      const fb::Kernel *kernel = engine_.kernels()->Get(i);
      std::string name = kernel->name()->str();
      context_ = "kernel " + std::to_string(i) + " '" + name + "': ";
      if (name.empty())
        return invalid("the name is empty");
      if (kernel->max_threads_per_block() > 1024)
        return invalid("max_threads_per_block is " +
                       std::to_string(kernel->max_threads_per_block()) +
                       ", more than the 1024 threads a block has");
      if (!launchBounds_.emplace(name, kernel->max_threads_per_block()).second)
        return invalid("a kernel of that name is listed before");
    }
    context_.clear();
    return Status::success();
  }

  Status checkStep(unsigned index) {
    const fb::Step *step = engine_.steps()->Get(index);
    context_ = "step " + std::to_string(index) + " '" + stepDisplayName(engine_, index) + "': ";
    if (Status s = checkDeps(*step, index); !s.ok())
      return s;
    switch (step->kind_type()) {
    case fb::StepKind::LaunchStep: return checkLaunch(*step->kind_as_LaunchStep());
    case fb::StepKind::ConvStep: return checkConv(*step->kind_as_ConvStep());
    case fb::StepKind::GemmStep: return checkGemm(*step->kind_as_GemmStep());
    case fb::StepKind::CopyStep: return checkCopy(*step->kind_as_CopyStep());
    case fb::StepKind::AttentionStep: return checkAttention(*step->kind_as_AttentionStep());
    default:
      return invalid("unknown step kind " + std::to_string(int(step->kind_type())));
    }
  }

  // Format 1.4: earlier steps only, ascending, so that running the steps in
  // order satisfies them and a schedule is a topological order.
  Status checkDeps(const fb::Step &step, unsigned index) {
    if (!step.deps())
      return Status::success();
    int64_t previous = -1;
    for (uint32_t dep : *step.deps()) {
      if (dep >= index)
        return invalid("deps: step " + std::to_string(dep) +
                       " is not an earlier step (a step waits only for steps before it)");
      if (static_cast<int64_t>(dep) <= previous)
        return invalid("deps: expected ascending step indices without repeats, found " +
                       std::to_string(dep) + " after " + std::to_string(previous));
      previous = dep;
    }
    return Status::success();
  }

  Status checkLaunch(const fb::LaunchStep &launch) {
    std::string kernel = launch.kernel()->str();
    if (!engine_.ptx() && count(engine_.code()) == 0)
      return invalid("launches kernel '" + kernel + "' but the engine has no code "
                     "(no cubin, no PTX)");
    if (count(engine_.archs()) == 0)
      return invalid("launches kernel '" + kernel + "' but Engine.archs is empty");
    if (engine_.ptx()) {
      auto entry = ptxEntries_.find(kernel);
      if (entry == ptxEntries_.end())
        return invalid("launches kernel '" + kernel + "', which the PTX does not "
                       "define (" + std::to_string(ptxEntries_.size()) + " entries)");
      if (entry->second != count(launch.args()))
        return invalid("launches kernel '" + kernel + "' with " +
                       std::to_string(count(launch.args())) +
                       " arguments; the PTX declares " +
                       std::to_string(entry->second) + " parameters");
    }
    for (size_t i = 0; i < cubinSymbols_.size(); ++i)
      if (!cubinSymbols_[i].count(kernel))
        return invalid("launches kernel '" + kernel + "', which the cubin for sm_" +
                       std::to_string(engine_.code()->Get(i)->arch()) +
                       " does not define");
    auto checkDims = [&](const flatbuffers::Vector<uint32_t> *dims,
                         const char *what) -> Status {
      if (count(dims) < 1 || count(dims) > 3)
        return invalid(std::string("expected 1 to 3 ") + what + " dimensions, found " +
                       std::to_string(count(dims)));
      for (uint32_t d : *dims)
        if (d == 0)
          return invalid(std::string(what) + " dimension of 0");
      return Status::success();
    };
    if (Status s = checkDims(launch.grid(), "grid"); !s.ok()) return s;
    if (Status s = checkDims(launch.block(), "block"); !s.ok()) return s;
    uint64_t threads = 1;
    for (uint32_t d : *launch.block())
      threads *= d;
    if (threads > 1024)
      return invalid("blocks of " + std::to_string(threads) +
                     " threads, more than the 1024 a GPU runs");
    if (auto bound = launchBounds_.find(kernel);
        bound != launchBounds_.end() && bound->second && threads > bound->second) {
      std::string block;
      for (uint32_t d : *launch.block())
        block += (block.empty() ? "" : "x") + std::to_string(d);
      return invalid("launches kernel '" + kernel + "' with a block of " + block + " = " +
                     std::to_string(threads) + " threads; the kernel's launch bound "
                     "(max_threads_per_block) is " + std::to_string(bound->second));
    }
    // The H100 allows 227 KiB per block; no GPU has more than 256 KiB.
    if (launch.shared_mem() > 256 * 1024)
      return invalid("asks for " + std::to_string(launch.shared_mem()) +
                     " bytes of dynamic shared memory, more than any GPU has (256 KiB)");
    for (size_t i = 1; i < count(launch.grid()); ++i)
      if (launch.grid()->Get(i) > 65535)
        return invalid("grid dimension " + std::to_string(i) + " is " +
                       std::to_string(launch.grid()->Get(i)) + ", above 65535");
    for (size_t i = 0; i < count(launch.args()); ++i)
      if (Status s = checkRef(launch.args()->Get(i), 0, "argument " + std::to_string(i));
          !s.ok())
        return s;
    return Status::success();
  }

  Status checkConv(const fb::ConvStep &conv) {
    if (Status s = checkTensor(conv.x(), "x"); !s.ok()) return s;
    if (Status s = checkTensor(conv.w(), "w"); !s.ok()) return s;
    if (Status s = checkTensor(conv.y(), "y"); !s.ok()) return s;
    size_t rank = count(conv.x()->shape());
    if (rank < 3 || rank > 5)
      return invalid("x has rank " + std::to_string(rank) +
                     "; a convolution takes rank 3 to 5 (N, C, spatial...)");
    if (count(conv.w()->shape()) != rank || count(conv.y()->shape()) != rank)
      return invalid("x " + shapeString(conv.x()->shape()) + ", w " +
                     shapeString(conv.w()->shape()) + " and y " +
                     shapeString(conv.y()->shape()) + " must have the same rank");
    fb::DType type = conv.x()->dtype();
    if (conv.post_scale() != 1.0f && (type != fb::DType::I8 || !conv.scale()))
      return invalid("post_scale " + std::to_string(conv.post_scale()) +
                     " belongs to a fused int8 convolution (i8 x with a scale), found on " +
                     (type == fb::DType::I8 ? "one without a scale"
                                            : std::string(dataTypeName(toDataType(type))) +
                                                  " data"));
    if (type == fb::DType::I8)
      return checkInt8Conv(conv);
    if (!isFloatType(type))
      return unsupported(std::string("convolutions on ") + dataTypeName(toDataType(type)) +
                         " tensors are not supported (f32, f16, bf16, i8)");
    return checkConvShapes(conv);
  }

  // An INT8 convolution, as cuDNN runs it: int8 NHWC data and KRSC weights,
  // int32 accumulation. Either the sums are written as f32 and the scales,
  // bias, residual and activation are a kernel of their own, or (format 1.2)
  // the step carries the fused epilogue: scale, bias, an int8 residual with
  // its z_scale, an activation cuDNN's pointwise runs, post_scale (format
  // 1.5), and an i8, f32 or f16 y.
  Status checkInt8Conv(const fb::ConvStep &conv) {
    auto name = [](fb::DType t) { return std::string(dataTypeName(toDataType(t))); };
    if (conv.scale())
      return checkFusedInt8Conv(conv);
    if (conv.w()->dtype() != fb::DType::I8 || conv.y()->dtype() != fb::DType::F32 ||
        conv.compute_type() != fb::DType::I32)
      return unsupported("an int8 convolution takes i8 x and w, i32 compute and an f32 y; "
                         "found w " + name(conv.w()->dtype()) + ", y " +
                         name(conv.y()->dtype()) + ", compute " + name(conv.compute_type()));
    if (conv.bias() || conv.z() || conv.activation() != fb::Activation::None ||
        conv.alpha() != 1.0f || conv.transposed() || conv.z_scale() != 1.0f)
      return unsupported("an int8 convolution without a scale carries no bias, residual, "
                         "activation, alpha, z_scale or transposition (its epilogue is a "
                         "generated kernel)");
    return checkInt8Layout(conv);
  }

  // The fused form: y = act(conv(x, w) * scale + bias + z * z_scale) *
  // post_scale.
  Status checkFusedInt8Conv(const fb::ConvStep &conv) {
    auto name = [](fb::DType t) { return std::string(dataTypeName(toDataType(t))); };
    fb::DType y = conv.y()->dtype();
    if (conv.w()->dtype() != fb::DType::I8 || conv.compute_type() != fb::DType::I32 ||
        (y != fb::DType::I8 && y != fb::DType::F32 && y != fb::DType::F16))
      return unsupported("a fused int8 convolution takes i8 x and w, i32 compute and an i8, "
                         "f32 or f16 y; found w " + name(conv.w()->dtype()) + ", y " +
                         name(y) + ", compute " + name(conv.compute_type()));
    if (conv.alpha() != 1.0f || conv.transposed())
      return unsupported("a fused int8 convolution has no alpha (the scale holds it) and "
                         "no transposition");
    if (Status s = checkTensor(conv.scale(), "scale"); !s.ok())
      return s;
    int64_t channels = conv.y()->shape()->Get(1);
    auto scale = conv.scale()->shape();
    size_t rank = count(conv.y()->shape());
    bool perChannel = count(scale) == 1 ? scale->Get(0) == channels : count(scale) == rank;
    for (size_t d = 0; perChannel && count(scale) == rank && d < rank; ++d)
      perChannel = scale->Get(d) == (d == 1 ? channels : 1);
    if (conv.scale()->dtype() != fb::DType::F32 || !perChannel)
      return invalid("the scale of a fused int8 convolution must be f32 of shape [" +
                     std::to_string(channels) + "] or [1," + std::to_string(channels) +
                     ",1...] (one value per output channel), found " +
                     name(conv.scale()->dtype()) + " " + shapeString(conv.scale()->shape()));
    if (!conv.bias() || conv.bias()->dtype() != fb::DType::F32)
      return invalid("a fused int8 convolution needs an f32 bias (zeros when the layer has "
                     "none, so that a format 1.1 runtime refuses the step), found " +
                     (conv.bias() ? name(conv.bias()->dtype()) : std::string("none")));
    if (conv.z() && conv.z()->dtype() != fb::DType::I8)
      return unsupported("the residual z of a fused int8 convolution must be i8, found " +
                         name(conv.z()->dtype()));
    if (!std::isfinite(conv.z_scale()))
      return invalid("z_scale is " + std::to_string(conv.z_scale()));
    if (Status s = checkFusedInt8Activation(conv); !s.ok())
      return s;
    if (Status s = checkInt8Layout(conv); !s.ok())
      return s;
    if (conv.z() && (count(conv.z()->strides()) != count(conv.z()->shape()) ||
                     conv.z()->strides()->Get(1) != 1))
      return unsupported("cuDNN's int8 convolutions run on channels-last (NHWC) tensors; "
                         "z has strides " + shapeString(conv.z()->strides()));
    return Status::success();
  }

  // The activation of a fused INT8 step and its post_scale: relu, clip or
  // none commute with the output's scale, which `scale` then holds, so they
  // take no post_scale; the others (format 1.5) run on real values and
  // post_scale, finite and positive, rescales after them. A 1.4 runtime
  // refuses those activations, so it never runs a step without its
  // post_scale.
  Status checkFusedInt8Activation(const fb::ConvStep &conv) {
    float post = conv.post_scale();
    if (!std::isfinite(post) || !(post > 0))
      return invalid("post_scale is " + std::to_string(post) +
                     "; it must be finite and positive (1 / the output's scale)");
    switch (conv.activation()) {
    case fb::Activation::None:
    case fb::Activation::Relu:
    case fb::Activation::Clip:
      if (post != 1.0f)
        return invalid(std::string("post_scale ") + std::to_string(post) + " with activation " +
                       activationName(conv.activation()) +
                       ": it commutes with the output's scale, which the scale holds (a "
                       "post_scale is for activations that do not)");
      return Status::success();
    case fb::Activation::LeakyRelu:
    case fb::Activation::Sigmoid:
    case fb::Activation::Tanh:
    case fb::Activation::Gelu:
    case fb::Activation::GeluTanh:
    case fb::Activation::Silu:
    case fb::Activation::Elu:
      return Status::success();
    default:
      return unsupported(std::string("activation ") + activationName(conv.activation()) +
                         " in a fused int8 convolution (cuDNN's int8 graph takes Relu, Clip, "
                         "LeakyRelu, Sigmoid, Tanh, Gelu, GeluTanh, Silu, Elu or none)");
    }
  }

  // What every int8 convolution needs: consistent shapes, a multiple of 4
  // input channels per group, channels-last x, w and y.
  Status checkInt8Layout(const fb::ConvStep &conv) {
    if (Status s = checkConvShapes(conv); !s.ok())
      return s;
    size_t rank = count(conv.x()->shape());
    int64_t perGroup = conv.x()->shape()->Get(1) / conv.groups();
    if (perGroup % 4 != 0)
      return unsupported("cuDNN's int8 convolutions need a multiple of 4 input channels per "
                         "group, found " + std::to_string(perGroup));
    for (const fb::TensorDesc *tensor : {conv.x(), conv.w(), conv.y()})
      if (rank > 2 && (count(tensor->strides()) != rank || tensor->strides()->Get(1) != 1))
        return unsupported("cuDNN's int8 convolutions run on channels-last (NHWC) tensors; "
                           "a tensor has strides " + shapeString(tensor->strides()));
    return Status::success();
  }

  Status checkConvShapes(const fb::ConvStep &conv) {
    fb::DType type = conv.x()->dtype();
    size_t rank = count(conv.x()->shape());
    if (type != fb::DType::I8 && (conv.w()->dtype() != type || conv.y()->dtype() != type))
      return invalid(std::string("expected x, w and y of one dtype, found ") +
                     dataTypeName(toDataType(type)) + ", " +
                     dataTypeName(toDataType(conv.w()->dtype())) + ", " +
                     dataTypeName(toDataType(conv.y()->dtype())));
    if (type != fb::DType::I8 && conv.compute_type() != fb::DType::F32 &&
        !(conv.compute_type() == fb::DType::F16 && type == fb::DType::F16))
      return unsupported(std::string("compute type ") +
                         dataTypeName(toDataType(conv.compute_type())) + " for " +
                         dataTypeName(toDataType(type)) + " tensors (f32 always, f16 for f16)");

    size_t spatial = rank - 2;
    auto paramOk = [&](const flatbuffers::Vector<int64_t> *values, const char *what,
                       int64_t minimum) -> Status {
      if (count(values) != 0 && count(values) != spatial)
        return invalid(std::string(what) + " has " + std::to_string(count(values)) +
                       " values for " + std::to_string(spatial) + " spatial dimensions");
      for (size_t i = 0; i < count(values); ++i)
        if (values->Get(i) < minimum)
          return invalid(std::string(what) + " " + shapeString(values) +
                         " has a value below " + std::to_string(minimum));
      return Status::success();
    };
    if (Status s = paramOk(conv.pads_begin(), "pads_begin", 0); !s.ok()) return s;
    if (Status s = paramOk(conv.pads_end(), "pads_end", 0); !s.ok()) return s;
    if (Status s = paramOk(conv.strides(), "strides", 1); !s.ok()) return s;
    if (Status s = paramOk(conv.dilations(), "dilations", 1); !s.ok()) return s;
    auto param = [&](const flatbuffers::Vector<int64_t> *values, size_t i,
                     int64_t fallback) {
      return count(values) ? values->Get(i) : fallback;
    };
    int64_t groups = conv.groups();
    if (groups < 1)
      return invalid("groups is " + std::to_string(groups));

    auto x = conv.x()->shape(), w = conv.w()->shape(), y = conv.y()->shape();
    // A transposed convolution is the data gradient of the convolution that
    // maps y to x: the checks below run on that forward convolution.
    auto in = conv.transposed() ? y : x;
    auto out = conv.transposed() ? x : y;
    std::string shapes = "x " + shapeString(x) + ", w " + shapeString(w) + ", y " +
                         shapeString(y) + ", groups " + std::to_string(groups) +
                         (conv.transposed() ? " (transposed)" : "");
    if (in->Get(0) != out->Get(0))
      return invalid("batch sizes differ: " + shapes);
    if (w->Get(0) % groups != 0 || in->Get(1) != w->Get(1) * groups ||
        out->Get(1) != w->Get(0))
      return invalid("channels do not match: " + shapes);
    for (size_t i = 0; i < spatial; ++i) {
      int64_t padded = in->Get(2 + i) + param(conv.pads_begin(), i, 0) +
                       param(conv.pads_end(), i, 0);
      int64_t window = param(conv.dilations(), i, 1) * (w->Get(2 + i) - 1) + 1;
      int64_t expected = padded < window ? 0 : (padded - window) / param(conv.strides(), i, 1) + 1;
      if (out->Get(2 + i) != expected)
        return invalid("spatial dimension " + std::to_string(i) + " of " +
                       (conv.transposed() ? "x" : "y") + " should be " +
                       std::to_string(expected) + ": " + shapes);
    }
    int64_t channels = y->Get(1);
    if (conv.bias()) {
      if (Status s = checkTensor(conv.bias(), "bias"); !s.ok()) return s;
      auto bias = conv.bias()->shape();
      bool ok = count(bias) == 1 ? bias->Get(0) == channels : count(bias) == rank;
      for (size_t d = 0; ok && count(bias) == rank && d < rank; ++d)
        ok = bias->Get(d) == (d == 1 ? channels : 1);
      if (!ok)
        return invalid("expected a bias of shape [" + std::to_string(channels) +
                       "] or [1," + std::to_string(channels) + ",1...], found " +
                       shapeString(bias));
      if (!isFloatType(conv.bias()->dtype()))
        return invalid("the bias must be f32, f16 or bf16");
    }
    if (conv.z()) {
      if (Status s = checkTensor(conv.z(), "z"); !s.ok()) return s;
      if (shapeString(conv.z()->shape()) != shapeString(y))
        return invalid("the residual z " + shapeString(conv.z()->shape()) +
                       " must have y's shape " + shapeString(y));
      if (!isFloatType(conv.z()->dtype()) && type != fb::DType::I8)
        return invalid("the residual z must be f32, f16 or bf16");
    }
    int activation = static_cast<int>(conv.activation());
    if (activation < static_cast<int>(fb::Activation::MIN) ||
        activation > static_cast<int>(fb::Activation::MAX))
      return invalid("unknown activation " + std::to_string(activation));
    if (conv.activation() == fb::Activation::HardSwish ||
        conv.activation() == fb::Activation::HardSigmoid)
      return unsupported(std::string("activation ") + activationName(conv.activation()) +
                         " cannot be fused into a cuDNN convolution graph (fusable: "
                         "Relu, Clip, LeakyRelu, Sigmoid, Tanh, Gelu, GeluTanh, Silu, "
                         "Elu); the compiler must emit it as a separate kernel");
    if (count(conv.knobs()) % 2)
      return invalid("knobs must be (type, value) pairs, found " +
                     std::to_string(count(conv.knobs())) + " numbers");
    return Status::success();
  }

  Status checkGemm(const fb::GemmStep &gemm) {
    if (gemm.m() < 1 || gemm.n() < 1 || gemm.k() < 1 || gemm.batch() < 1)
      return invalid("m, n, k and batch must be positive, found " +
                     std::to_string(gemm.m()) + ", " + std::to_string(gemm.n()) +
                     ", " + std::to_string(gemm.k()) + ", " + std::to_string(gemm.batch()));
    for (fb::DType t : {gemm.a_type(), gemm.b_type(), gemm.c_type(), gemm.d_type(),
                        gemm.bias_type(), gemm.compute_type()})
      if (!isValidDataType(static_cast<int>(t)))
        return invalid("unknown dtype " + std::to_string(int(t)));
    auto name = [](fb::DType t) { return std::string(dataTypeName(toDataType(t))); };
    std::string types = "a " + name(gemm.a_type()) + ", b " + name(gemm.b_type()) +
                        ", c " + name(gemm.c_type()) + ", d " + name(gemm.d_type()) +
                        ", compute " + name(gemm.compute_type());
    fb::DType in = gemm.a_type(), out = gemm.d_type(), compute = gemm.compute_type();
    bool supported =
        gemm.b_type() == in && gemm.c_type() == out &&
        ((in == fb::DType::F32 && out == fb::DType::F32 && compute == fb::DType::F32) ||
         (in == fb::DType::F16 && compute == fb::DType::F32 &&
          (out == fb::DType::F16 || out == fb::DType::F32)) ||
         (in == fb::DType::F16 && compute == fb::DType::F16 && out == fb::DType::F16) ||
         (in == fb::DType::BF16 && compute == fb::DType::F32 &&
          (out == fb::DType::BF16 || out == fb::DType::F32)));
    bool int8 = in == fb::DType::I8 && gemm.b_type() == in && out == fb::DType::I32 &&
                compute == fb::DType::I32 && (!gemm.has_c() || gemm.c_type() == out);
    if (!supported && !int8)
      return unsupported("GEMM types " + types + " (supported: f32; f16 in with f32 "
                         "or f16 compute; bf16 in with f32 compute; c and d alike; i8 in "
                         "with i32 compute and out)");
    if (int8) {
      // cuBLASLt's IMMA kernels on plain (column-major) layouts: its A
      // transposed and B not ("TN"), which in our row-major terms is A [M, K]
      // and B stored [N, K]; rows of 4-byte multiples; integer alpha 1.
      if (gemm.trans_a() || !gemm.trans_b())
        return unsupported("an int8 GEMM needs A [M, K] and B stored [N, K] (trans_b, not "
                           "trans_a): cuBLASLt's int8 kernels take the TN form");
      if (gemm.k() % 4 || gemm.lda() % 4 || gemm.ldb() % 4)
        return unsupported("an int8 GEMM needs K, lda and ldb multiples of 4, found " +
                           std::to_string(gemm.k()) + ", " + std::to_string(gemm.lda()) +
                           ", " + std::to_string(gemm.ldb()));
      if (gemm.has_bias() || gemm.epilogue() != fb::GemmEpilogue::None ||
          gemm.alpha() != 1.0f || gemm.has_c())
        return unsupported("an int8 GEMM carries no bias, c, epilogue or alpha (its "
                           "epilogue is a generated kernel)");
    }
    if (gemm.has_bias() && gemm.bias_type() != out && gemm.bias_type() != fb::DType::F32)
      return unsupported("a " + name(gemm.bias_type()) + " bias for a " + name(out) +
                         " result (the result's type or f32)");
    int epilogue = static_cast<int>(gemm.epilogue());
    if (epilogue < 0 || epilogue > static_cast<int>(fb::GemmEpilogue::MAX))
      return invalid("unknown epilogue " + std::to_string(epilogue));
    if (count(gemm.algo()) != 0 && count(gemm.algo()) != 8)
      return invalid("algo must be empty or 8 words, found " +
                     std::to_string(count(gemm.algo())));

    // Row-major operands: rows x cols with `ld` between rows, `stride`
    // between batches.
    auto operand = [&](const char *what, const fb::BufferRef *ref, fb::DType type,
                       int64_t rows, int64_t cols, int64_t ld, int64_t stride) -> Status {
      if (ld < cols)
        return invalid(std::string(what) + ": leading dimension " + std::to_string(ld) +
                       " below its " + std::to_string(cols) + " columns");
      if (stride < 0)
        return invalid(std::string(what) + ": negative batch stride");
      uint64_t elements =
          addBytes(addBytes(mulBytes(uint64_t(gemm.batch() - 1), uint64_t(stride)),
                            mulBytes(uint64_t(rows - 1), uint64_t(ld))),
                   uint64_t(cols));
      return checkRef(ref, mulBytes(elements, dataTypeSize(toDataType(type))), what);
    };
    int64_t m = gemm.m(), n = gemm.n(), k = gemm.k();
    if (Status s = operand("a", gemm.a(), gemm.a_type(), gemm.trans_a() ? k : m,
                           gemm.trans_a() ? m : k, gemm.lda(), gemm.stride_a());
        !s.ok())
      return s;
    if (Status s = operand("b", gemm.b(), gemm.b_type(), gemm.trans_b() ? n : k,
                           gemm.trans_b() ? k : n, gemm.ldb(), gemm.stride_b());
        !s.ok())
      return s;
    if (gemm.has_c())
      if (Status s = operand("c", gemm.c(), gemm.c_type(), m, n, gemm.ldc(), gemm.stride_c());
          !s.ok())
        return s;
    if (Status s = operand("d", gemm.d(), gemm.d_type(), m, n, gemm.ldd(), gemm.stride_d());
        !s.ok())
      return s;
    if (gemm.has_bias())
      if (Status s = checkRef(gemm.bias(), uint64_t(n) * dataTypeSize(toDataType(gemm.bias_type())),
                              "bias");
          !s.ok())
        return s;
    return Status::success();
  }

  // Fused attention (format 1.3): logical [B, H, S, D] tensors whose
  // strides cuDNN's SDPA kernels can load (16-byte vectors).
  Status checkAttention(const fb::AttentionStep &attention) {
    const std::pair<const char *, const fb::TensorDesc *> operands[] = {
        {"q", attention.q()}, {"k", attention.k()}, {"v", attention.v()},
        {"o", attention.o()}};
    for (auto [what, tensor] : operands) {
      if (Status s = checkTensor(tensor, what); !s.ok()) return s;
      if (count(tensor->shape()) != 4)
        return invalid(std::string(what) + " must be [B, H, S, D] (rank 4), found " +
                       shapeString(tensor->shape()));
    }
    fb::DType type = attention.q()->dtype();
    auto name = [](fb::DType t) { return std::string(dataTypeName(toDataType(t))); };
    if (type != fb::DType::F16 && type != fb::DType::BF16)
      return unsupported("attention runs on f16 or bf16, found q " + name(type));
    for (auto [what, tensor] : operands)
      if (tensor->dtype() != type)
        return invalid(std::string("q, k, v and o must have one dtype, found q ") +
                       name(type) + " and " + what + " " + name(tensor->dtype()));
    auto dim = [](const fb::TensorDesc *t, int d) { return t->shape()->Get(d); };
    int64_t batch = dim(attention.q(), 0), heads = dim(attention.q(), 1),
            sq = dim(attention.q(), 2), d = dim(attention.q(), 3),
            skv = dim(attention.k(), 2), dv = dim(attention.v(), 3);
    auto expect = [&](const char *what, const fb::TensorDesc *t,
                      std::vector<int64_t> shape) -> Status {
      for (int i = 0; i < 4; ++i)
        if (dim(t, i) != shape[i]) {
          std::string expected = "[";
          for (int j = 0; j < 4; ++j)
            expected += (j ? "," : "") + std::to_string(shape[j]);
          return invalid(std::string(what) + " must be " + expected + "], found " +
                         shapeString(t->shape()));
        }
      return Status::success();
    };
    if (Status s = expect("k", attention.k(), {batch, heads, skv, d}); !s.ok()) return s;
    if (Status s = expect("v", attention.v(), {batch, heads, skv, dv}); !s.ok()) return s;
    if (Status s = expect("o", attention.o(), {batch, heads, sq, dv}); !s.ok()) return s;
    if (batch < 1 || heads < 1 || sq < 1 || skv < 1 || d < 1 || dv < 1)
      return invalid("empty attention " + shapeString(attention.q()->shape()));
    if (d % 8 || dv % 8)
      return unsupported("cuDNN's attention needs head sizes that are multiples of 8, found " +
                         std::to_string(d) + " and " + std::to_string(dv));
    for (auto [what, tensor] : operands) {
      uint64_t elementSize = dataTypeSize(toDataType(type));
      if (tensor->buffer()->offset() % 16)
        return unsupported(std::string(what) + " starts at byte " +
                           std::to_string(tensor->buffer()->offset()) +
                           ", not a multiple of the 16 bytes cuDNN's attention loads");
      for (size_t i = 0; i < count(tensor->strides()); ++i) {
        int64_t stride = tensor->strides()->Get(i), size = dim(tensor, int(i));
        bool last = i == 3;
        if (size > 1 && (last ? stride != 1 : (stride * elementSize) % 16 != 0))
          return unsupported(std::string(what) + " strides " +
                             shapeString(tensor->strides()) +
                             ": cuDNN's attention needs unit stride in the head "
                             "dimension and the others multiples of 16 bytes");
      }
    }
    if (const fb::TensorDesc *bias = attention.bias()) {
      if (Status s = checkTensor(bias, "bias"); !s.ok()) return s;
      if (count(bias->shape()) != 4 || (dim(bias, 0) != 1 && dim(bias, 0) != batch) ||
          (dim(bias, 1) != 1 && dim(bias, 1) != heads) || dim(bias, 2) != sq ||
          dim(bias, 3) != skv)
        return invalid("bias must be [" + std::to_string(batch) + " or 1," +
                       std::to_string(heads) + " or 1," + std::to_string(sq) + "," +
                       std::to_string(skv) + "], found " + shapeString(bias->shape()));
      if (bias->dtype() != type)
        return invalid("bias must be " + name(type) + " like q, found " +
                       name(bias->dtype()));
    }
    if (!std::isfinite(attention.scale()))
      return invalid("scale is " + std::to_string(attention.scale()) + ", not finite");
    if (count(attention.knobs()) % 2)
      return invalid("knobs must be (type, value) pairs, found " +
                     std::to_string(count(attention.knobs())) + " numbers");
    return Status::success();
  }

  Status checkCopy(const fb::CopyStep &copy) {
    if (copy.size() == 0)
      return invalid("a copy of 0 bytes");
    if (Status s = checkRef(copy.src(), copy.size(), "src"); !s.ok()) return s;
    return checkRef(copy.dst(), copy.size(), "dst");
  }

  const fb::Engine &engine_;
  uint64_t weightsSize_;
  std::vector<std::string> &warnings_;
  std::string context_;
  std::vector<uint64_t> bindingBytes_;
  std::vector<std::set<std::string>> cubinSymbols_;
  std::map<std::string, unsigned> ptxEntries_;
  std::map<std::string, uint32_t> launchBounds_; ///< Engine.kernels
};

bool usesStep(const fb::Engine &engine, fb::StepKind kind) {
  for (size_t i = 0; i < count(engine.steps()); ++i)
    if (engine.steps()->Get(i)->kind_type() == kind)
      return true;
  return false;
}

Status checkLibrary(const char *library, int built, int found,
                    std::vector<std::string> &warnings) {
  if (built == 0)
    return Status::success(); // the engine does not say: nothing to compare
  if (found == 0)
    return Status(ErrorCode::VersionMismatch,
                  std::string("the engine needs ") + library + " " +
                      libraryVersionText(built) + ", which could not be loaded");
  int builtMajor = built / 10000, builtMinor = built / 100 % 100;
  int foundMajor = found / 10000, foundMinor = found / 100 % 100;
  if (builtMajor != foundMajor || foundMinor < builtMinor)
    return Status(ErrorCode::VersionMismatch,
                  std::string("library version mismatch: the engine was built with ") +
                      library + " " + libraryVersionText(built) + ", this process loaded " +
                      libraryVersionText(found) + " (needs " + std::to_string(builtMajor) +
                      "." + std::to_string(builtMinor) + " or a newer " +
                      std::to_string(builtMajor) + ".x)");
  if (found != built)
    warnings.push_back(std::string("the engine was built with ") + library + " " +
                       libraryVersionText(built) + ", running with " + libraryVersionText(found) +
                       ": tactics were timed on the other version");
  return Status::success();
}

} // namespace

Status verifyMetadataStructure(ByteSpan metadata) {
  if (metadata.size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine metadata: " + std::to_string(metadata.size) +
                      " bytes, more than a FlatBuffer can hold");
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 100u * 1000 * 1000;
  flatbuffers::Verifier verifier(metadata.data, metadata.size, options);
  if (!fb::EngineBufferHasIdentifier(metadata.data) && metadata.size >= 8)
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine metadata: expected the FlatBuffers identifier "
                  "\"KILN\" (an Engine), found \"" +
                      std::string(reinterpret_cast<const char *>(metadata.data) + 4, 4) +
                      "\"");
  if (!fb::VerifyEngineBuffer(verifier))
    return Status(ErrorCode::InvalidEngine,
                  "invalid engine metadata: the FlatBuffers verifier rejects the " +
                      std::to_string(metadata.size) +
                      " bytes of metadata (not a well-formed kiln.fb.Engine)");
  return Status::success();
}

Status verifyEngineConsistency(const fb::Engine &engine, uint64_t weightsSize,
                               std::vector<std::string> &warnings) {
  return Checker(engine, weightsSize, warnings).run();
}

const std::vector<unsigned> &knownArchitectures() {
  static const std::vector<unsigned> archs = {50, 52, 53, 60, 61, 62, 70, 72,
                                              75, 80, 86, 87, 88, 89, 90, 100,
                                              101, 103, 110, 120, 121};
  return archs;
}

Expected<CodeChoice> selectCode(const fb::Engine &engine, unsigned deviceArch,
                                std::vector<std::string> &warnings) {
  CodeChoice choice;
  if (!usesStep(engine, fb::StepKind::LaunchStep))
    return choice;
  for (size_t i = 0; i < count(engine.code()); ++i)
    if (engine.code()->Get(i)->arch() == deviceArch) {
      choice.kind = CodeChoice::Cubin;
      choice.codeIndex = static_cast<int>(i);
      return choice;
    }
  unsigned lowest = 0;
  std::string built;
  for (size_t i = 0; i < count(engine.archs()); ++i) {
    unsigned arch = engine.archs()->Get(i);
    lowest = lowest == 0 ? arch : std::min(lowest, arch);
    built += (i ? ", sm_" : "sm_") + std::to_string(arch);
  }
  std::string device = "sm_" + std::to_string(deviceArch);
  if (deviceArch < lowest)
    return Status(ErrorCode::VersionMismatch,
                  "GPU architecture mismatch: the engine was built for " + built +
                      "; this GPU is " + device + ", older than sm_" +
                      std::to_string(lowest) + ": rebuild the engine for " + device);
  if (!engine.ptx() || engine.ptx()->size() == 0)
    return Status(ErrorCode::VersionMismatch,
                  "GPU architecture mismatch: the engine has cubins for " + built +
                      " and no PTX; this GPU is " + device +
                      ": rebuild the engine for " + device);
  choice.kind = CodeChoice::Ptx;
  warnings.push_back("no cubin for " + device + " (the engine has " + built +
                     "): the PTX is JIT-compiled at load");
  return choice;
}

Status checkLibraryVersions(const fb::Engine &engine, const LibraryVersions &found,
                            bool usesPtx, std::vector<std::string> &warnings) {
  if (usesStep(engine, fb::StepKind::ConvStep) || usesStep(engine, fb::StepKind::AttentionStep))
    if (Status s = checkLibrary("cuDNN", engine.cudnn_version(), found.cudnn, warnings);
        !s.ok())
      return s;
  if (usesStep(engine, fb::StepKind::GemmStep))
    if (Status s = checkLibrary("cuBLASLt", engine.cublas_version(), found.cublas, warnings);
        !s.ok())
      return s;
  int cuda = engine.cuda_version();
  if (cuda != 0 && found.cudaDriver < cuda) {
    std::string message = "the engine was built with CUDA " + cudaVersionText(cuda) +
                          ", the driver supports CUDA " +
                          cudaVersionText(found.cudaDriver);
    if (usesPtx)
      return Status(ErrorCode::VersionMismatch,
                    message + ": too old to JIT-compile its PTX; update the driver");
    warnings.push_back(message + ": its cubins may fail to load");
  }
  return Status::success();
}

uint64_t bindingBytes(const fb::Binding &binding) {
  uint64_t elements = 1;
  for (size_t d = 0; d < count(binding.shape()); ++d)
    elements = mulBytes(elements,
                        static_cast<uint64_t>(std::max<int64_t>(0, binding.shape()->Get(d))));
  return mulBytes(elements, dataTypeSize(toDataType(binding.dtype())));
}

uint64_t tensorSpanBytes(const fb::TensorDesc &tensor) {
  size_t rank = count(tensor.shape());
  uint64_t elementSize = dataTypeSize(toDataType(tensor.dtype()));
  for (size_t d = 0; d < rank; ++d)
    if (tensor.shape()->Get(d) <= 0)
      return 0;
  if (count(tensor.strides()) == 0) {
    uint64_t elements = 1;
    for (size_t d = 0; d < rank; ++d)
      elements = mulBytes(elements, uint64_t(tensor.shape()->Get(d)));
    return mulBytes(elements, elementSize);
  }
  uint64_t last = 0;
  for (size_t d = 0; d < rank && d < count(tensor.strides()); ++d)
    last = addBytes(last, mulBytes(uint64_t(tensor.shape()->Get(d) - 1),
                                   uint64_t(std::max<int64_t>(0, tensor.strides()->Get(d)))));
  return mulBytes(addBytes(last, 1), elementSize);
}

std::string libraryVersionText(int version) {
  return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
         std::to_string(version % 100);
}

std::string cudaVersionText(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

const char *stepKindName(int kind) {
  switch (static_cast<fb::StepKind>(kind)) {
  case fb::StepKind::LaunchStep: return "launch";
  case fb::StepKind::ConvStep: return "conv";
  case fb::StepKind::GemmStep: return "gemm";
  case fb::StepKind::CopyStep: return "copy";
  case fb::StepKind::AttentionStep: return "attention";
  default: return "unknown";
  }
}

std::string stepDisplayName(const fb::Engine &engine, unsigned index) {
  const fb::Step *step = engine.steps()->Get(index);
  if (step->name() && step->name()->size())
    return step->name()->str();
  if (count(step->layers())) {
    std::string joined;
    for (size_t i = 0; i < step->layers()->size(); ++i)
      joined += (i ? " + " : "") + step->layers()->Get(i)->str();
    return joined;
  }
  return "step " + std::to_string(index) + " (" +
         stepKindName(static_cast<int>(step->kind_type())) + ")";
}

} // namespace kiln::runtime
