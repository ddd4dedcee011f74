//===- TestPasses.cpp - kiln-test-emit-cuda: kernels of functions ---------===//
//
// A test pass in MLIR's `-test-*` spirit: each func.func body is one group
// (arguments = inputs, returned values = outputs). It prints every kernel
// after a marker line and, with `compile=true`, compiles the prelude and all
// kernels with NVRTC, reporting NVRTC's log as an error on failure. Strided
// layouts come from `kiln.strides` argument and result attributes.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/cuda/TestPasses.h"

#include "kiln/target/cuda/KernelEmitter.h"
#include "kiln/target/cuda/Nvrtc.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace kiln::cuda;

namespace {
struct TestEmitCudaPass : public PassWrapper<TestEmitCudaPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestEmitCudaPass)

  TestEmitCudaPass() = default;
  TestEmitCudaPass(const TestEmitCudaPass &pass) : PassWrapper(pass) {}

  StringRef getArgument() const final { return "kiln-test-emit-cuda"; }
  StringRef getDescription() const final {
    return "Print the CUDA kernel of each function body (a group), and compile them";
  }

  Option<bool> compile{*this, "compile",
                       llvm::cl::desc("Compile the prelude and all kernels with NVRTC"),
                       llvm::cl::init(false)};
  ListOption<unsigned> archs{*this, "archs",
                             llvm::cl::desc("GPU architectures to compile for (default 90)")};
  Option<bool> printPrelude{*this, "print-prelude",
                            llvm::cl::desc("Print the prelude before the kernels"),
                            llvm::cl::init(false)};

  /// The `kiln.strides` layouts of a function's arguments or results.
  static SmallVector<BufferLayout> layouts(func::FuncOp function, bool results) {
    unsigned count = results ? function.getNumResults() : function.getNumArguments();
    SmallVector<BufferLayout> layouts(count);
    for (unsigned i = 0; i < count; ++i) {
      auto strides = results ? function.getResultAttrOfType<DenseI64ArrayAttr>(i, "kiln.strides")
                             : function.getArgAttrOfType<DenseI64ArrayAttr>(i, "kiln.strides");
      if (strides)
        layouts[i].strides.assign(strides.asArrayRef().begin(), strides.asArrayRef().end());
    }
    return layouts;
  }

  void runOnOperation() override {
    std::string unit = prelude().str();
    if (printPrelude)
      llvm::outs() << unit;
    bool ok = true;
    unsigned count = 0;
    for (func::FuncOp function : getOperation().getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      FailureOr<KernelSource> kernel =
          emitKernel(function.getBody().front(), function.getSymName(),
                     layouts(function, false), layouts(function, true));
      if (failed(kernel)) {
        ok = false;
        continue;
      }
      llvm::outs() << "// ----- kernel " << kernel->entry << " grid [" << kernel->grid[0]
                   << ", " << kernel->grid[1] << ", " << kernel->grid[2] << "] block ["
                   << kernel->block[0] << ", " << kernel->block[1] << ", "
                   << kernel->block[2] << "] shared " << kernel->sharedMemBytes;
      auto dims = [](const std::array<uint32_t, 3> &d) {
        return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" +
               std::to_string(d[2]);
      };
      for (auto [i, shape] : llvm::enumerate(kernel->variants))
        llvm::outs() << (i ? "; " : " variants ") << "block " << dims(shape.block)
                     << " grid " << dims(shape.grid);
      llvm::outs() << "\n" << kernel->source;
      unit += kernel->source;
      ++count;
    }
    if (!ok)
      return signalPassFailure();
    if (!compile)
      return;
    SmallVector<unsigned> targets(archs.begin(), archs.end());
    if (targets.empty())
      targets.push_back(90);
    llvm::Expected<CompiledCuda> compiled = compileCuda(unit, targets);
    if (!compiled) {
      getOperation().emitError() << llvm::toString(compiled.takeError());
      return signalPassFailure();
    }
    llvm::outs() << "// ----- nvrtc " << nvrtcVersionString() << ": " << count
                 << " kernels compiled";
    for (const CompiledCuda::Cubin &cubin : compiled->cubins)
      llvm::outs() << ", sm_" << cubin.arch << " cubin";
    llvm::outs() << ", ptx for compute_" << compiled->ptxArch << "\n";
    if (!compiled->log.empty())
      llvm::outs() << "// nvrtc log:\n" << compiled->log << "\n";
  }
};
} // namespace

void kiln::cuda::registerTestPasses() { PassRegistration<TestEmitCudaPass>(); }
