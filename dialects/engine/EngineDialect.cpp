//===- EngineDialect.cpp - the engine dialect and its buffer helpers ------===//

#include "dialects/engine/EngineDialect.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace kiln::engine;

#include "dialects/engine/EngineDialect.cpp.inc"

void EngineDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/engine/EngineOps.cpp.inc"
      >();
}

std::string kiln::engine::getStepName(Operation *step) {
  auto layers = step->getAttrOfType<ArrayAttr>("layers");
  if (!layers || layers.empty())
    return step->getName().getStringRef().str();
  return llvm::join(llvm::map_range(layers.getAsValueRange<StringAttr>(),
                                    [](StringRef name) { return name.str(); }),
                    " + ");
}

bool kiln::engine::isGemmEpilogueActivation(kiln::nn::ActivationKind kind) {
  return kind == kiln::nn::ActivationKind::relu || kind == kiln::nn::ActivationKind::gelu_tanh;
}

bool kiln::engine::isStep(Operation *op) {
  return !llvm::isa<WeightOp, AllocOp, ViewOp>(op) && !op->hasTrait<OpTrait::IsTerminator>();
}

int64_t kiln::engine::getElementSize(Type type) {
  unsigned bits = type.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

SmallVector<int64_t> kiln::engine::getElementStrides(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (succeeded(type.getStridesAndOffset(strides, offset)))
    return strides;
  return {};
}

int64_t kiln::engine::getExtentInBytes(MemRefType type) {
  if (type.getNumElements() == 0)
    return 0;
  SmallVector<int64_t> strides = getElementStrides(type);
  int64_t last = 0;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides))
    last += (size - 1) * stride;
  return (last + 1) * getElementSize(type.getElementType());
}
