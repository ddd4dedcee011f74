//===- ConvGemm.cpp - pointwise convolutions as cuBLASLt GEMMs -----------===//

#include "ConvGemm.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::engine;

namespace {

/// The row stride of a channels-last `N, H, W, C` buffer seen as an
/// `N*H*W x C` matrix, or nullopt when its batch and spatial dimensions do
/// not collapse into one stride or its channels are not contiguous (a
/// concat's slice collapses: its rows are the concat's channels apart).
std::optional<int64_t> getRowStride(MemRefType type) {
  SmallVector<int64_t> strides = getElementStrides(type);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();
  if (strides.size() != size_t(rank) || (shape.back() != 1 && strides.back() != 1))
    return std::nullopt;
  int64_t row = strides[rank - 2];
  if (shape[rank - 2] == 1)
    row = shape.back();
  if (row < shape.back())
    return std::nullopt;
  int64_t expected = row;
  for (int64_t d = rank - 2; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != expected)
      return std::nullopt;
    expected *= shape[d];
  }
  return row;
}

/// `buffer` (`N, H, W, C`) as an `N*H*W x C` matrix: a view of the same
/// bytes, through the root of `buffer`'s own view when it is strided.
Value viewAsMatrix(OpBuilder &builder, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  int64_t rowStride = *getRowStride(type);
  int64_t columns = type.getShape().back();
  int64_t rows = type.getNumElements() / std::max<int64_t>(columns, 1);
  MemRefLayoutAttrInterface layout;
  if (rowStride != columns)
    layout = StridedLayoutAttr::get(builder.getContext(), 0, {rowStride, 1});
  auto matrix = MemRefType::get({rows, columns}, type.getElementType(), layout,
                                type.getMemorySpace());
  Value source = buffer;
  int64_t byteOffset = 0;
  if (!type.getLayout().isIdentity()) {
    auto view = buffer.getDefiningOp<ViewOp>();
    source = view.getSource();
    byteOffset = view.getByteOffset();
  }
  return ViewOp::create(builder, loc, matrix, source, byteOffset);
}

} // namespace

bool kiln::hasGemmForm(ConvOp conv) {
  MemRefType x = conv.getX().getType(), w = conv.getW().getType(), y = conv.getY().getType();
  Type element = x.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return false; // not a float convolution
  if (w.getElementType() != element || y.getElementType() != element ||
      (conv.getBias() && conv.getBias().getType().getElementType() != element) ||
      (conv.getResidual() && conv.getResidual().getType().getElementType() != element))
    return false; // mixed element types
  if (conv.getScale() || conv.getResidualScale().convertToFloat() != 1.0f ||
      conv.getPostScale().convertToFloat() != 1.0f)
    return false; // INT8 scales
  if (conv.getLayout() != nn::Layout::channels_last || conv.getTransposed() ||
      conv.getGroups() != 1 || x.getRank() != 4)
    return false; // not a 2-D channels-last ungrouped forward convolution
  if (w.getDimSize(1) != 1 || w.getDimSize(2) != 1 ||
      llvm::any_of(conv.getStrides(), [](int64_t s) { return s != 1; }) ||
      llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
    return false; // not a 1x1 filter with unit strides and no padding
  if (auto activation = conv.getActivationAttr();
      activation && activation.getKind() != nn::ActivationKind::relu &&
      activation.getKind() != nn::ActivationKind::gelu_tanh)
    return false; // an activation cuBLASLt does not fuse
  if (!w.getLayout().isIdentity())
    return false; // a strided filter
  for (Value buffer : {conv.getX(), conv.getY(), conv.getResidual()}) {
    if (!buffer)
      continue;
    auto type = cast<MemRefType>(buffer.getType());
    if (!getRowStride(type) || (!type.getLayout().isIdentity() && !buffer.getDefiningOp<ViewOp>()))
      return false; // a buffer whose rows are not evenly spaced
  }
  return true;
}

GemmOp kiln::buildConvGemm(OpBuilder &builder, ConvOp conv) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(conv);
  Location loc = conv.getLoc();
  MemRefType w = conv.getW().getType();
  int64_t outChannels = w.getDimSize(0), inChannels = w.getDimSize(3);
  Value filter = ViewOp::create(
      builder, loc, MemRefType::get({outChannels, inChannels}, w.getElementType()),
      conv.getW(), 0);
  Value a = viewAsMatrix(builder, loc, conv.getX());
  Value c = conv.getResidual() ? viewAsMatrix(builder, loc, conv.getResidual()) : Value();
  Value d = viewAsMatrix(builder, loc, conv.getY());
  return GemmOp::create(builder, loc, a, filter, conv.getBias(), c, d,
                        /*trans_a=*/false, /*trans_b=*/true, conv.getAlpha(),
                        llvm::APFloat(1.0f), conv.getActivationAttr(), conv.getAllowTf32(),
                        /*algo=*/nullptr, /*workspace=*/0, conv.getLayersAttr(),
                        conv.getPrecisionAttr(), /*tactic=*/nullptr);
}

void kiln::eraseWithOwnViews(Operation *step) {
  llvm::SmallSetVector<Operation *, 4> views;
  for (Value operand : step->getOperands())
    if (auto view = operand.getDefiningOp<ViewOp>())
      views.insert(view);
  step->erase();
  for (Operation *view : views)
    if (view->use_empty())
      view->erase();
}
