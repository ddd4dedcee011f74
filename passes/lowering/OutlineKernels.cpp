//===- OutlineKernels.cpp - each dispatch group becomes a generated kernel ===//
//
// kiln-outline-kernels: every engine.dispatch becomes an engine.kernel (the
// CUDA C++ the kernel generator writes for its group) and an engine.launch.
// Groups whose kernels come out identical share one kernel.
//
//===----------------------------------------------------------------------===//

#include "dialects/engine/EngineDialect.h"
#include "kiln/target/cuda/KernelEmitter.h"
#include "passes/PassStatistics.h"
#include "passes/PassUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

namespace kiln {
#define GEN_PASS_DEF_OUTLINEKERNELSPASS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::engine;

namespace {

/// Whether all a dispatch computes is a change of element type: quantize,
/// dequantize and cast only.
bool isConversion(DispatchOp dispatch) {
  Block &body = dispatch.getBody().front();
  return !body.without_terminator().empty() &&
         llvm::all_of(body.without_terminator(),
                      [](Operation &op) { return isTypeConversion(&op); });
}

/// The memory layout the kernel must honour for each buffer of `buffers`:
/// strides for a strided view, nothing for contiguous data.
SmallVector<cuda::BufferLayout> getLayouts(ValueRange buffers) {
  SmallVector<cuda::BufferLayout> layouts;
  for (Value buffer : buffers) {
    auto type = llvm::cast<MemRefType>(buffer.getType());
    cuda::BufferLayout layout;
    if (!type.getLayout().isIdentity())
      layout.strides = llvm::to_vector(getElementStrides(type));
    layouts.push_back(std::move(layout));
  }
  return layouts;
}

/// A C identifier for the kernel of `dispatch`: its index and first layer.
std::string getKernelName(DispatchOp dispatch, unsigned index) {
  std::string name = "k" + std::to_string(index);
  if (auto layers = dispatch.getLayersAttr(); layers && !layers.empty()) {
    name += '_';
    for (char c : llvm::cast<StringAttr>(layers[0]).getValue().take_front(40))
      name += llvm::isAlnum(c) ? c : '_';
  }
  return name;
}

struct OutlineKernelsPass : public kiln::impl::OutlineKernelsPassBase<OutlineKernelsPass> {
  OutlineKernelsPass() = default;
  OutlineKernelsPass(const OutlineKernelsPass &other) : OutlineKernelsPassBase(other) {}

  kiln::PassStatistic numLaunches{this, "launches", "Dispatch groups outlined"};
  kiln::PassStatistic numKernels{this, "kernels", "Distinct kernels generated"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(module.getContext());
    // Each group is emitted once, under a placeholder entry name, so that
    // identical kernels compare equal; a new one then takes its real name.
    // Kernels already emitted, keyed by that source and their launch shape.
    constexpr llvm::StringLiteral placeholder = "kiln_outlined_entry";
    llvm::StringMap<KernelOp> emitted;
    unsigned index = 0;
    WalkResult result = module.walk([&](DispatchOp dispatch) -> WalkResult {
      SmallVector<cuda::BufferLayout> inputs = getLayouts(dispatch.getInputs());
      SmallVector<cuda::BufferLayout> outputs = getLayouts(dispatch.getOutputs());
      Block &group = dispatch.getBody().front();
      FailureOr<cuda::KernelSource> probe =
          cuda::emitKernel(group, placeholder, inputs, outputs);
      if (failed(probe)) {
        dispatch.emitError("cannot generate a kernel for layer(s) ")
            << getStepName(dispatch);
        return WalkResult::interrupt();
      }
      std::string key = probe->source;
      for (uint32_t size : llvm::concat<const uint32_t>(probe->grid, probe->block))
        key += "|" + std::to_string(size);
      key += "|" + std::to_string(probe->sharedMemBytes);

      KernelOp kernel = emitted.lookup(key);
      if (!kernel) {
        std::string name = getKernelName(dispatch, index++);
        std::string source = llvm::join(llvm::split(probe->source, placeholder), name);
        builder.setInsertionPointToEnd(module.getBody());
        // The emitter declared the launch's block size as the kernel's bound.
        uint32_t threads = probe->block[0] * probe->block[1] * probe->block[2];
        kernel = KernelOp::create(builder, dispatch.getLoc(), name,
                                  builder.getI32IntegerAttr(threads), source);
        emitted[key] = kernel;
        ++numKernels;
      }

      builder.setInsertionPoint(dispatch);
      SmallVector<Value> args(dispatch.getInputs());
      llvm::append_range(args, dispatch.getOutputs());
      auto toDim3 = [](const std::array<uint32_t, 3> &dims) {
        return SmallVector<int32_t>{int32_t(dims[0]), int32_t(dims[1]), int32_t(dims[2])};
      };
      // Shapes tactic timing may choose from; one alone is no choice.
      DenseI32ArrayAttr variants;
      if (probe->variants.size() > 1) {
        SmallVector<int32_t> sizes;
        for (const cuda::LaunchShape &shape : probe->variants) {
          llvm::append_range(sizes, toDim3(shape.grid));
          llvm::append_range(sizes, toDim3(shape.block));
        }
        variants = builder.getDenseI32ArrayAttr(sizes);
      }
      auto launch = LaunchOp::create(
          builder, dispatch.getLoc(), kernel.getSymName(), args, toDim3(probe->grid),
          toDim3(probe->block), probe->sharedMemBytes, dispatch.getOutputs().size(),
          dispatch.getLayersAttr(), dispatch.getPrecisionAttr(), dispatch.getTacticAttr(),
          variants);
      if (isConversion(dispatch))
        launch->setAttr(kConversionAttr, builder.getUnitAttr());
      ++numLaunches;
      dispatch.erase();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
