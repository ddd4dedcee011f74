//===- kiln-emulate-cuda.cpp - generated kernels against the reference ----===//
//
//   kiln-emulate-cuda MODULE.mlir [--filter REGEX] [--seed N] [--keep DIR]
//                                 [--device=cpu|gpu] [--arch 90] [--variants]
//                                 [--misalign]
//
// A test tool. Each function of the module is a group: its kernel is
// emitted, all kernels are compiled and run on random inputs (with NaN,
// infinities, signed zeros and rounding ties mixed in), and each output is
// compared with the reference interpreter's. By default kernels run on the
// CPU, compiled for the host with the CUDA emulation of shim/ (threads as
// cooperative contexts, so barriers and warp shuffles behave as on a GPU);
// --device=gpu compiles them with NVRTC and runs them through the CUDA
// driver instead. One line per function:
//
//   NAME: exact                   every element has the reference's bits
//   NAME: N ulp                   within N units in the last place
//   NAME: MISMATCH ...            not bit-exact, or beyond --max-ulps for the
//                                 functions --inexact names (exit status 1)
//
// With --variants, every launch variant of a kernel (KernelSource::variants)
// runs too, on the same inputs, under its own name and launch bound, one
// line each: `NAME [block 64x4x1]: exact`. With --misalign (CPU only) every
// buffer starts one byte past an aligned address, so kernels that load
// whole vectors when their pointers allow take their element-by-element
// paths.
//
// Quantized outputs of --inexact functions may differ by 1 where float
// rounding moved a tie. On the emulation transcendental functions are the
// host's, so ulps there say little about CUDA's; index math, layouts,
// reductions, NaN rules and conversions are what it checks.
//
//===----------------------------------------------------------------------===//

#include "Runner.h"

#include "dialects/nn/NNDialect.h"
#include "kiln/reference/Interpreter.h"
#include "kiln/target/cuda/KernelEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace kiln::reference;
namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<module.mlir>"),
                                      cl::Required);
static cl::opt<std::string> filter("filter", cl::desc("Only functions matching this regex"),
                                   cl::init(""));
static cl::opt<unsigned> seed("seed", cl::desc("Random seed"), cl::init(1));
static cl::opt<unsigned> maxUlps("max-ulps",
                                 cl::desc("Float outputs may differ by this many ulps"),
                                 cl::init(64));
static cl::opt<std::string> inexact(
    "inexact",
    cl::desc("Functions matching this regex may differ by --max-ulps; the others must "
             "match the reference to the bit"),
    cl::init(""));
static cl::opt<std::string> keep("keep", cl::desc("Keep the generated sources in this folder"),
                                 cl::init(""));
static cl::opt<std::string> compiler("cxx", cl::desc("Host C++ compiler"),
                                     cl::init(KILN_EMULATOR_CXX));
static cl::opt<std::string> device("device",
                                   cl::desc("Where kernels run: cpu (the emulation) or gpu "
                                            "(NVRTC and the CUDA driver)"),
                                   cl::init("cpu"));
static cl::opt<bool> variants("variants",
                              cl::desc("Also run every launch variant of each kernel"),
                              cl::init(false));
static cl::opt<bool> misalign("misalign",
                              cl::desc("Pass every buffer one byte past an aligned address "
                                       "(CPU only)"),
                              cl::init(false));
static cl::opt<unsigned> arch("arch", cl::desc("GPU architecture for --device=gpu"),
                              cl::init(90));

//===----------------------------------------------------------------------===//
// Elements in memory
//===----------------------------------------------------------------------===//

static Type storageOf(Type type) {
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(type))
    return quantized.getStorageType();
  return type;
}

static size_t bytesOf(Type type) {
  unsigned width = storageOf(type).getIntOrFloatBitWidth();
  return width == 1 ? 1 : width / 8;
}

/// Writes element `index` of `tensor` (its storage form) to `out`.
static void storeElement(const Tensor &tensor, int64_t index, char *out) {
  Type type = storageOf(tensor.getElementType());
  size_t bytes = bytesOf(type);
  uint64_t bits;
  if (tensor.holdsFloats()) {
    llvm::APFloat value(tensor.getFloats()[index]);
    bool losesInfo;
    value.convert(llvm::cast<FloatType>(type).getFloatSemantics(),
                  llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    bits = value.bitcastToAPInt().getZExtValue();
  } else {
    bits = static_cast<uint64_t>(tensor.getInts()[index]);
  }
  std::memcpy(out, &bits, bytes); // little-endian hosts
}

/// The element at `in` as the reference holds it (a double or an int64).
static void loadElement(Type elementType, const char *in, double &real, int64_t &integer) {
  Type type = storageOf(elementType);
  size_t bytes = bytesOf(type);
  uint64_t bits = 0;
  std::memcpy(&bits, in, bytes);
  if (auto floatType = llvm::dyn_cast<FloatType>(type)) {
    llvm::APFloat value(floatType.getFloatSemantics(),
                        llvm::APInt(floatType.getWidth(), bits));
    real = value.convertToDouble();
    return;
  }
  unsigned width = type.getIntOrFloatBitWidth();
  bool isUnsigned = type.isUnsignedInteger();
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(elementType))
    isUnsigned = !quantized.isSigned();
  if (width == 1)
    integer = bits != 0;
  else if (isUnsigned || width == 64)
    integer = static_cast<int64_t>(bits);
  else
    integer = llvm::APInt(width, bits).getSExtValue();
}

/// Offsets of a tensor's elements (row-major order) under `strides`.
static std::vector<int64_t> offsetsOf(ArrayRef<int64_t> shape, ArrayRef<int64_t> strides) {
  std::vector<int64_t> offsets(1, 0);
  for (auto [size, stride] : llvm::zip(shape, strides)) {
    std::vector<int64_t> next;
    for (int64_t base : offsets)
      for (int64_t i = 0; i < size; ++i)
        next.push_back(base + i * stride);
    offsets = std::move(next);
  }
  return offsets;
}

static SmallVector<int64_t> stridesOf(func::FuncOp function, unsigned index, bool result,
                                      ArrayRef<int64_t> shape) {
  auto attr = result ? function.getResultAttrOfType<DenseI64ArrayAttr>(index, "kiln.strides")
                     : function.getArgAttrOfType<DenseI64ArrayAttr>(index, "kiln.strides");
  if (attr)
    return SmallVector<int64_t>(attr.asArrayRef());
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

static int64_t extentOf(ArrayRef<int64_t> shape, ArrayRef<int64_t> strides) {
  int64_t last = 0;
  for (auto [size, stride] : llvm::zip(shape, strides)) {
    if (size == 0)
      return 0;
    last += (size - 1) * stride;
  }
  return last + 1;
}

//===----------------------------------------------------------------------===//
// Random inputs
//===----------------------------------------------------------------------===//

/// The size of the dimension argument `index` of `function` indexes, when it
/// is the indices of a gather (else 0).
static int64_t indexedSize(func::FuncOp function, unsigned index) {
  for (OpOperand &use : function.getArgument(index).getUses()) {
    Operation *owner = use.getOwner();
    if (use.getOperandNumber() != 1)
      continue;
    if (auto gather = llvm::dyn_cast<kiln::nn::GatherOp>(owner))
      return gather.getData().getType().getDimSize(gather.getAxis());
    if (auto gather = llvm::dyn_cast<kiln::nn::GatherElementsOp>(owner))
      return gather.getData().getType().getDimSize(gather.getAxis());
  }
  return 0;
}

static Tensor randomTensor(RankedTensorType type, std::mt19937_64 &rng, int64_t indexed,
                           bool avoidZero, bool withNaN) {
  Type element = type.getElementType();
  int64_t count = type.getNumElements();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (llvm::isa<FloatType>(element)) {
    static const double specials[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 0.5, -1.5, 2.5};
    std::normal_distribution<double> normal(0.0, 2.0);
    std::vector<double> values(count);
    for (double &v : values) {
      v = unit(rng) < 0.04 ? specials[rng() % 8] : normal(rng);
      if (std::isnan(v) && !withNaN)
        v = 1.0;
    }
    return Tensor::fromReals(element, type.getShape(), values);
  }
  std::vector<int64_t> values(count);
  if (auto quantized = llvm::dyn_cast<quant::QuantizedType>(element)) {
    int64_t low = quantized.getStorageTypeMin(), high = quantized.getStorageTypeMax();
    if (high - low > 255) { // i32 storage: stay small
      low = -1000;
      high = 1000;
    }
    for (int64_t &v : values)
      v = low + static_cast<int64_t>(rng() % static_cast<uint64_t>(high - low + 1));
    return Tensor(element, type.getShape(), values);
  }
  auto integer = llvm::cast<IntegerType>(element);
  for (int64_t &v : values) {
    if (integer.getWidth() == 1)
      v = rng() % 2;
    else if (indexed > 0)
      v = static_cast<int64_t>(rng() % (2 * indexed)) - indexed;
    else if (integer.isUnsigned())
      v = static_cast<int64_t>(rng() % 100) + (avoidZero ? 1 : 0);
    else
      v = static_cast<int64_t>(rng() % 100) - 50;
    if (avoidZero && v == 0 && integer.getWidth() > 1)
      v = 7;
  }
  return Tensor(element, type.getShape(), values);
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

/// Distance in units in the last place of `type` between two of its values.
static uint64_t ulpDistance(FloatType type, double a, double b) {
  auto ordered = [&](double v) {
    llvm::APFloat value(v);
    bool losesInfo;
    value.convert(type.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    uint64_t bits = value.bitcastToAPInt().getZExtValue();
    uint64_t sign = uint64_t{1} << (type.getWidth() - 1);
    // Map to integers that order like the values (-0 and +0 adjacent).
    return (bits & sign) ? static_cast<int64_t>(sign - (bits & ~sign)) - 1
                         : static_cast<int64_t>(bits + sign);
  };
  int64_t x = ordered(a), y = ordered(b);
  return static_cast<uint64_t>(x > y ? x - y : y - x);
}

namespace {
struct Verdict {
  bool exact = true, ok = true;
  uint64_t ulps = 0;
  std::string detail, firstDifference;
};
} // namespace

static void compareOutput(const Tensor &expected, const char *buffer,
                          ArrayRef<int64_t> offsets, StringRef what, Verdict &verdict) {
  Type type = expected.getElementType();
  size_t bytes = bytesOf(type);
  double scale = 0.0;
  if (expected.holdsFloats())
    for (double v : expected.getFloats())
      if (std::isfinite(v))
        scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < offsets.size(); ++i) {
    double real = 0.0;
    int64_t integer = 0;
    loadElement(type, buffer + offsets[i] * bytes, real, integer);
    std::string mismatch;
    llvm::raw_string_ostream os(mismatch);
    if (expected.holdsFloats()) {
      double want = expected.getFloats()[i];
      if (std::isnan(want) && std::isnan(real))
        continue;
      if (llvm::bit_cast<uint64_t>(want) == llvm::bit_cast<uint64_t>(real))
        continue;
      if (verdict.exact)
        llvm::raw_string_ostream(verdict.firstDifference)
            << what << " element " << i << ": got " << llvm::format("%.9g", real)
            << ", expected " << llvm::format("%.9g", want);
      verdict.exact = false;
      uint64_t ulps = std::isnan(want) || std::isnan(real)
                          ? UINT64_MAX
                          : ulpDistance(llvm::cast<FloatType>(type), real, want);
      // Sums that cancel lose relative precision; the absolute error is
      // what to bound there.
      bool close = ulps <= maxUlps || std::fabs(real - want) <= 1e-5 * (1.0 + scale);
      if (ulps != UINT64_MAX)
        verdict.ulps = std::max(verdict.ulps, ulps);
      if (close)
        continue;
      os << what << " element " << i << ": got " << real << ", expected " << want;
    } else {
      int64_t want = expected.getInts()[i];
      if (want == integer)
        continue;
      verdict.exact = false;
      if (expected.isQuantized() && std::abs(want - integer) <= 1) {
        verdict.ulps = std::max<uint64_t>(verdict.ulps, 1);
        continue;
      }
      os << what << " element " << i << ": got " << integer << ", expected " << want;
    }
    if (verdict.ok)
      verdict.detail = mismatch;
    verdict.ok = false;
  }
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// `source` launched with `shape`: its body for that block alone, its launch
/// bound that block, and its entry (and the tables named after it) renamed
/// so that it joins the others in one translation unit.
static Kernel variantKernel(func::FuncOp function, const kiln::cuda::KernelSource &source,
                            const kiln::cuda::LaunchShape &shape) {
  const std::array<uint32_t, 3> &b = shape.block;
  std::string dims =
      std::to_string(b[0]) + "x" + std::to_string(b[1]) + "x" + std::to_string(b[2]);
  Kernel kernel{function, source,
                (function.getSymName() + " [block " + dims + "]").str()};
  kernel.source.grid = shape.grid;
  kernel.source.block = shape.block;
  kernel.source.variants.clear();
  kernel.source.entry = source.entry + "_v" + dims;
  std::string text = *kiln::cuda::withLaunchBound(
      *kiln::cuda::withLaunchVariant(source.source, shape.block), b[0] * b[1] * b[2]);
  std::string renamed;
  for (size_t at = 0;;) {
    size_t next = text.find(source.entry, at);
    renamed += text.substr(at, next - at);
    if (next == std::string::npos)
      break;
    renamed += kernel.source.entry;
    at = next + source.entry.size();
  }
  kernel.source.source = std::move(renamed);
  return kernel;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Run generated kernels on the CPU\n");

  MLIRContext context;
  context.loadDialect<kiln::nn::NNDialect, func::FuncDialect, quant::QuantDialect>();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(inputPath, sourceMgr, &context);
  if (!module)
    return 1;

  llvm::Regex only(filter);
  std::vector<Kernel> kernels;
  for (func::FuncOp function : module->getOps<func::FuncOp>()) {
    if (function.isExternal() || (!filter.empty() && !only.match(function.getSymName())))
      continue;
    // Layouts from kiln.strides, as kiln-test-emit-cuda reads them.
    SmallVector<kiln::cuda::BufferLayout> inputs, outputs;
    for (unsigned i = 0; i < function.getNumArguments(); ++i)
      inputs.push_back({stridesOf(
          function, i, false,
          llvm::cast<RankedTensorType>(function.getArgumentTypes()[i]).getShape())});
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      outputs.push_back({stridesOf(
          function, i, true,
          llvm::cast<RankedTensorType>(function.getResultTypes()[i]).getShape())});
    FailureOr<kiln::cuda::KernelSource> source = kiln::cuda::emitKernel(
        function.getBody().front(), function.getSymName(), inputs, outputs);
    if (failed(source))
      return 1;
    if (variants)
      for (const kiln::cuda::LaunchShape &shape : source->variants)
        kernels.push_back(variantKernel(function, *source, shape));
    kernels.push_back({function, std::move(*source), ""});
  }

  if (misalign && device == "gpu") {
    llvm::errs() << "--misalign runs on the CPU only (expected --device=cpu, found gpu)\n";
    return 1;
  }
  std::unique_ptr<Runner> runner =
      device == "gpu" ? makeGpuRunner(arch) : makeCpuRunner(compiler, keep, misalign);
  if (!runner || !runner->prepare(kernels))
    return 1;

  bool allOk = true;
  for (Kernel &kernel : kernels) {
    func::FuncOp function = kernel.function;
    StringRef name =
        kernel.label.empty() ? function.getSymName() : StringRef(kernel.label);
    // Inputs the reference accepts (integer division by zero, indices out
    // of range are errors there): a second try avoids zeros.
    std::mt19937_64 rng(seed * 7919 +
                        std::hash<std::string>()(function.getSymName().str()));
    SmallVector<Tensor> inputs;
    FailureOr<SmallVector<Tensor>> expected = failure();
    for (int attempt = 0; attempt < 2 && failed(expected); ++attempt) {
      inputs.clear();
      // top_k's order of NaN is the reference's sort's accident; leave NaN out.
      bool withNaN = function.getBody().getOps<kiln::nn::TopKOp>().empty();
      for (auto [i, type] : llvm::enumerate(function.getArgumentTypes()))
        inputs.push_back(randomTensor(llvm::cast<RankedTensorType>(type), rng,
                                      indexedSize(function, i), attempt > 0, withNaN));
      ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
      expected = runFunction(function, inputs);
    }
    if (failed(expected)) {
      llvm::outs() << name << ": skipped (the reference rejects its random inputs)\n";
      continue;
    }

    std::vector<std::vector<char>> buffers;
    SmallVector<std::vector<int64_t>> outputOffsets;
    for (auto [i, input] : llvm::enumerate(inputs)) {
      SmallVector<int64_t> strides = stridesOf(function, i, false, input.getShape());
      std::vector<int64_t> offsets = offsetsOf(input.getShape(), strides);
      size_t bytes = bytesOf(input.getElementType());
      buffers.emplace_back(std::max<int64_t>(1, extentOf(input.getShape(), strides)) * bytes,
                           char(0x5a));
      for (size_t e = 0; e < offsets.size(); ++e)
        storeElement(input, e, buffers.back().data() + offsets[e] * bytes);
    }
    for (auto [i, output] : llvm::enumerate(*expected)) {
      SmallVector<int64_t> strides = stridesOf(function, i, true, output.getShape());
      outputOffsets.push_back(offsetsOf(output.getShape(), strides));
      buffers.emplace_back(std::max<int64_t>(1, extentOf(output.getShape(), strides)) *
                               bytesOf(output.getElementType()),
                           char(0xa5));
    }
    std::string error;
    if (!runner->run(kernel, buffers, error)) {
      llvm::outs() << name << ": MISMATCH the kernel did not run: " << error << "\n";
      allOk = false;
      continue;
    }

    Verdict verdict;
    for (auto [i, output] : llvm::enumerate(*expected))
      compareOutput(output, buffers[inputs.size() + i].data(), outputOffsets[i],
                    "output " + std::to_string(i), verdict);
    if (verdict.ok && !verdict.exact &&
        (inexact.empty() || !llvm::Regex(inexact).match(name))) {
      verdict.ok = false;
      verdict.detail = "not bit-exact (" + std::to_string(verdict.ulps) + " ulp; " +
                       verdict.firstDifference + ")";
    }
    llvm::outs() << name << ": ";
    if (!verdict.ok)
      llvm::outs() << "MISMATCH " << verdict.detail << "\n";
    else if (verdict.exact)
      llvm::outs() << "exact\n";
    else
      llvm::outs() << verdict.ulps << " ulp\n";
    allOk &= verdict.ok;
  }
  return allOk ? 0 : 1;
}
