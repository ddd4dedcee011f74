//===- AttentionLowering.cpp - nn.attention to cuDNN's fused attention ----===//

#include "passes/lowering/AttentionLowering.h"

#include "dialects/engine/EngineDialect.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace kiln;

std::string kiln::whyNotFusedAttention(nn::AttentionOp op) {
  auto q = llvm::cast<RankedTensorType>(op.getQ().getType());
  auto v = llvm::cast<RankedTensorType>(op.getV().getType());
  Type element = q.getElementType();
  if (!element.isF16() && !element.isBF16()) {
    std::string found;
    llvm::raw_string_ostream os(found);
    os << element;
    return "cuDNN's fused attention runs in f16 or bf16, not " + found +
           " (compile with precision fp16 or bf16, or leave the attention unfused)";
  }
  int64_t d = q.getShape().back(), dv = v.getShape().back();
  if (d % 8 || dv % 8)
    return "cuDNN's fused attention needs head sizes that are multiples of 8, found " +
           std::to_string(d) + " and " + std::to_string(dv);
  if (Value bias = op.getBias()) {
    auto type = llvm::cast<RankedTensorType>(bias.getType());
    if (type.getRank() != 4 || type.getElementType() != element)
      return "the bias must be rank 4 with the inputs' element type";
  }
  return "";
}

/// A view of `buffer`'s bytes with `shape` and element `strides`, made from
/// the contiguous buffer at its root, so a view of a view never arises.
static Value rootView(OpBuilder &builder, Value buffer, ArrayRef<int64_t> shape,
                      ArrayRef<int64_t> strides) {
  auto type = llvm::cast<MemRefType>(buffer.getType());
  Value root = buffer;
  int64_t byteOffset = 0;
  if (auto view = buffer.getDefiningOp<engine::ViewOp>()) {
    root = view.getSource();
    byteOffset = view.getByteOffset();
  }
  auto viewType = MemRefType::get(shape, type.getElementType(),
                                  StridedLayoutAttr::get(builder.getContext(), 0, strides));
  return engine::ViewOp::create(builder, buffer.getLoc(), viewType, root, byteOffset);
}

/// The [B, H, S, D] window of `buffer`, whose shape is in `layout` order:
/// bshd swaps the sequence and head dimensions' sizes and strides.
static Value headMajorView(OpBuilder &builder, Value buffer, nn::AttentionLayout layout) {
  if (layout == nn::AttentionLayout::bhsd)
    return buffer;
  auto type = llvm::cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides = engine::getElementStrides(type);
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[1], shape[2]);
  std::swap(strides[1], strides[2]);
  return rootView(builder, buffer, shape, strides);
}

/// The bias as [B or 1, H or 1, Sq, Skv]: a sequence dimension of size 1
/// (a key padding mask [B, 1, 1, Skv]) is broadcast by a zero stride.
static Value broadcastBias(OpBuilder &builder, Value bias, int64_t sq, int64_t skv) {
  auto type = llvm::cast<MemRefType>(bias.getType());
  if (type.getDimSize(2) == sq && type.getDimSize(3) == skv)
    return bias;
  SmallVector<int64_t> strides = engine::getElementStrides(type);
  SmallVector<int64_t> shape(type.getShape());
  for (auto [dim, size] : {std::pair<int, int64_t>{2, sq}, {3, skv}})
    if (shape[dim] == 1 && size != 1) {
      shape[dim] = size;
      strides[dim] = 0;
    }
  return rootView(builder, bias, shape, strides);
}

void kiln::buildAttention(OpBuilder &builder, nn::AttentionOp op, Value q, Value k, Value v,
                          Value bias, Value o, ArrayAttr layers, StringAttr precision) {
  nn::AttentionLayout layout = op.getLayout();
  Value qh = headMajorView(builder, q, layout), kh = headMajorView(builder, k, layout),
        vh = headMajorView(builder, v, layout), oh = headMajorView(builder, o, layout);
  auto qType = llvm::cast<MemRefType>(qh.getType());
  auto kType = llvm::cast<MemRefType>(kh.getType());
  if (bias)
    bias = broadcastBias(builder, bias, qType.getDimSize(2), kType.getDimSize(2));
  engine::AttentionOp::create(builder, op.getLoc(), qh, kh, vh, bias, oh, op.getScale(),
                              /*engine_id=*/-1, DenseI64ArrayAttr(), /*workspace=*/0, layers,
                              precision, StringAttr());
}
