//===- LinearOps.cpp - reference kernels of convolutions and products ------===//
//
// conv, conv_transpose, matmul and gemm, each followed by the fused epilogue
// `activation(op(x) + bias + residual)`. Quantized operands are dequantized,
// the layer computes in double, and the result is rounded to its float type
// or quantized to its quantized type (as ONNX's DequantizeLinear → layer →
// QuantizeLinear would compute it). Convolutions compute channels-first and
// transpose channels-last operands around that. Attention computes in the
// bhsd order and rounds once, at its result.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "dialects/nn/NNShapes.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::reference;
using namespace kiln::reference::detail;

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

namespace {
/// The optional parts of a linear layer's epilogue, as operand tensors.
struct Epilogue {
  const Tensor *bias = nullptr;
  const Tensor *residual = nullptr;
  ActivationAttr activation;
};
} // namespace

/// The epilogue operands of an op whose operands are (x, w, bias?, residual?).
template <typename OpT> static Epilogue getEpilogue(OpT op, ArrayRef<Tensor> operands) {
  Epilogue epilogue;
  size_t next = 2;
  if (op.getBias())
    epilogue.bias = &operands[next++];
  if (op.getResidual())
    epilogue.residual = &operands[next++];
  epilogue.activation = op.getActivationAttr();
  return epilogue;
}

/// Adds `biasScale · bias` (broadcast from `biasShape`, which holds its
/// elements) and the residual to `values` of `shape`, applies the
/// activation, and produces the result of `op`.
static FailureOr<Tensor> finishLinear(Operation *op, ArrayRef<int64_t> shape,
                                      std::vector<double> values,
                                      const Epilogue &epilogue,
                                      ArrayRef<int64_t> biasShape = {},
                                      double biasScale = 1.0) {
  // Verified IR guarantees these unless sizes were dynamic.
  if (epilogue.bias && (numElementsOf(biasShape) != epilogue.bias->getNumElements() ||
                        !broadcastsTo(biasShape, shape)))
    return op->emitOpError("bias ")
           << epilogue.bias->getType() << " does not fit the result's shape";
  if (epilogue.residual && epilogue.residual->getShape() != shape)
    return op->emitOpError("residual ")
           << epilogue.residual->getType() << " does not have the result's shape";
  if (epilogue.bias) {
    std::vector<double> bias = epilogue.bias->toReals();
    std::vector<int64_t> map = broadcastIndexMap(biasShape, shape);
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += biasScale * bias[map[i]];
  }
  if (epilogue.residual) {
    std::vector<double> residual = epilogue.residual->toReals();
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += residual[i];
  }
  if (epilogue.activation)
    for (double &v : values)
      v = epilogue.activation.apply(v);
  return Tensor::fromReals(resultElementType(op), shape, values);
}

/// Shape of a per-channel bias broadcast along `axis` of a rank-`rank` result.
static SmallVector<int64_t, 6> channelBiasShape(int64_t rank, int64_t axis,
                                                int64_t channels) {
  SmallVector<int64_t, 6> shape(rank, 1);
  shape[axis] = channels;
  return shape;
}

//===----------------------------------------------------------------------===//
// Convolutions
//===----------------------------------------------------------------------===//

namespace {
/// Spatial geometry shared by conv and conv_transpose, channels-first.
struct ConvGeometry {
  int64_t batch, inChannels, outChannels, groups;
  SmallVector<int64_t, 4> inSpatial, outSpatial, kernel, strides, padBegin, dilations;
  int64_t inSize() const { return numElementsOf(inSpatial); }
  int64_t outSize() const { return numElementsOf(outSpatial); }
  int64_t kernelSize() const { return numElementsOf(kernel); }
};
} // namespace

/// Kernel offsets (k · dilation per dimension) of every kernel position.
static std::vector<SmallVector<int64_t, 4>> kernelOffsets(const ConvGeometry &g) {
  std::vector<SmallVector<int64_t, 4>> offsets;
  forEachPosition(g.kernel, [&](int64_t, ArrayRef<int64_t> k) {
    SmallVector<int64_t, 4> &offset = offsets.emplace_back();
    for (size_t d = 0; d < k.size(); ++d)
      offset.push_back(k[d] * g.dilations[d]);
  });
  return offsets;
}

/// Linear index in `sizes` of base + offset, or -1 when outside.
static int64_t spatialIndex(ArrayRef<int64_t> base, ArrayRef<int64_t> offset,
                            ArrayRef<int64_t> sizes) {
  int64_t index = 0;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t c = base[d] + offset[d];
    if (c < 0 || c >= sizes[d])
      return -1;
    index = index * sizes[d] + c;
  }
  return index;
}

/// Direct convolution: x is N×C×D…, w is M×C/g×K…, both real, channels-first.
static std::vector<double> convolve(const ConvGeometry &g, ArrayRef<double> x,
                                    ArrayRef<double> w) {
  int64_t inSize = g.inSize(), outSize = g.outSize(), kernelSize = g.kernelSize();
  int64_t cPerGroup = g.inChannels / g.groups, mPerGroup = g.outChannels / g.groups;
  std::vector<SmallVector<int64_t, 4>> offsets = kernelOffsets(g);
  std::vector<double> out(g.batch * g.outChannels * outSize, 0.0);
  // The taps of one output position that fall inside the input: (kernel
  // position, input position), shared by every channel.
  std::vector<std::pair<int64_t, int64_t>> taps;
  SmallVector<int64_t, 4> base(g.outSpatial.size());
  forEachPosition(g.outSpatial, [&](int64_t p, ArrayRef<int64_t> o) {
    for (size_t d = 0; d < o.size(); ++d)
      base[d] = o[d] * g.strides[d] - g.padBegin[d];
    taps.clear();
    for (int64_t k = 0; k < kernelSize; ++k)
      if (int64_t i = spatialIndex(base, offsets[k], g.inSpatial); i >= 0)
        taps.emplace_back(k, i);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t m = 0; m < g.outChannels; ++m) {
        int64_t group = m / mPerGroup;
        const double *xg = x.data() + (n * g.inChannels + group * cPerGroup) * inSize;
        const double *wm = w.data() + m * cPerGroup * kernelSize;
        double acc = 0.0;
        for (auto [k, i] : taps)
          for (int64_t c = 0; c < cPerGroup; ++c)
            acc += xg[c * inSize + i] * wm[c * kernelSize + k];
        out[(n * g.outChannels + m) * outSize + p] = acc;
      }
  });
  return out;
}

/// Transposed convolution: x is N×C×D…, w is C×M/g×K…; every input element
/// scatters into the outputs its kernel reaches.
static std::vector<double> convolveTransposed(const ConvGeometry &g, ArrayRef<double> x,
                                              ArrayRef<double> w) {
  int64_t inSize = g.inSize(), outSize = g.outSize(), kernelSize = g.kernelSize();
  int64_t cPerGroup = g.inChannels / g.groups, mPerGroup = g.outChannels / g.groups;
  std::vector<SmallVector<int64_t, 4>> offsets = kernelOffsets(g);
  std::vector<double> out(g.batch * g.outChannels * outSize, 0.0);
  std::vector<std::pair<int64_t, int64_t>> taps;
  SmallVector<int64_t, 4> base(g.inSpatial.size());
  forEachPosition(g.inSpatial, [&](int64_t p, ArrayRef<int64_t> i) {
    for (size_t d = 0; d < i.size(); ++d)
      base[d] = i[d] * g.strides[d] - g.padBegin[d];
    taps.clear();
    for (int64_t k = 0; k < kernelSize; ++k)
      if (int64_t o = spatialIndex(base, offsets[k], g.outSpatial); o >= 0)
        taps.emplace_back(k, o);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t c = 0; c < g.inChannels; ++c) {
        int64_t group = c / cPerGroup;
        double xv = x[(n * g.inChannels + c) * inSize + p];
        const double *wc = w.data() + c * mPerGroup * kernelSize;
        double *og = out.data() + (n * g.outChannels + group * mPerGroup) * outSize;
        for (auto [k, o] : taps)
          for (int64_t m = 0; m < mPerGroup; ++m)
            og[m * outSize + o] += xv * wc[m * kernelSize + k];
      }
  });
  return out;
}

/// The geometry of a convolution of channels-first `x` and `w`, with the
/// output sizes left to the caller.
template <typename OpT>
static ConvGeometry convGeometry(OpT op, const Tensor &x, const Tensor &w) {
  ConvGeometry g;
  g.batch = x.getShape()[0];
  g.inChannels = x.getShape()[1];
  g.groups = op.getGroups();
  llvm::append_range(g.inSpatial, x.getShape().drop_front(2));
  llvm::append_range(g.kernel, w.getShape().drop_front(2));
  llvm::append_range(g.strides, op.getStrides());
  llvm::append_range(g.dilations, op.getDilations());
  llvm::append_range(g.padBegin, op.getPads().take_front(g.inSpatial.size()));
  return g;
}

/// The result of a convolution computed channels-first, in `layout` and
/// with the epilogue applied.
template <typename OpT>
static FailureOr<Tensor> finishConvolution(OpT op, const ConvGeometry &g,
                                           std::vector<double> out,
                                           ArrayRef<Tensor> operands) {
  SmallVector<int64_t, 6> shape{g.batch, g.outChannels};
  llvm::append_range(shape, g.outSpatial);
  Tensor result(Float64Type::get(op.getContext()), shape, std::move(out));
  result = fromChannelsFirst(result, op.getLayout());
  int64_t rank = result.getRank();
  int64_t channelAxis = op.getLayout() == Layout::channels_last ? rank - 1 : 1;
  return finishLinear(
      op, result.getShape(),
      std::vector<double>(result.getFloats().begin(), result.getFloats().end()),
      getEpilogue(op, operands), channelBiasShape(rank, channelAxis, g.outChannels));
}

static FailureOr<Tensor> evalConv(ConvOp op, ArrayRef<Tensor> operands) {
  // Filters are M × K… × C/g channels-last: the same permutation as inputs.
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  Tensor w = toChannelsFirst(asReals(operands[1]), op.getLayout());
  ConvGeometry g = convGeometry(op, x, w);
  g.outChannels = w.getShape()[0];
  if (x.getShape()[1] != w.getShape()[1] * g.groups || g.outChannels % g.groups)
    return op.emitOpError("channels do not match the filter and groups");
  Window window{g.kernel, g.strides, op.getPads(), g.dilations};
  FailureOr<Shape> spatial = windowOutputShape(op.getLoc(), g.inSpatial, window);
  if (failed(spatial))
    return failure();
  g.outSpatial.assign(spatial->begin(), spatial->end());
  return finishConvolution(op, g, convolve(g, x.getFloats(), w.getFloats()), operands);
}

static FailureOr<Tensor> evalConvTranspose(ConvTransposeOp op,
                                           ArrayRef<Tensor> operands) {
  // Filters are C × K… × M/g channels-last: the same permutation as inputs.
  Tensor x = toChannelsFirst(asReals(operands[0]), op.getLayout());
  Tensor w = toChannelsFirst(asReals(operands[1]), op.getLayout());
  ConvGeometry g = convGeometry(op, x, w);
  g.outChannels = w.getShape()[1] * g.groups;
  if (x.getShape()[1] != w.getShape()[0] || g.inChannels % g.groups)
    return op.emitOpError("channels do not match the filter and groups");
  size_t rank = g.inSpatial.size();
  std::optional<ArrayRef<int64_t>> outputPadding = op.getOutputPadding();
  for (size_t d = 0; d < rank; ++d) {
    int64_t extra = outputPadding ? (*outputPadding)[d] : 0;
    int64_t size = g.strides[d] * (g.inSpatial[d] - 1) + extra +
                   (g.kernel[d] - 1) * g.dilations[d] + 1 - op.getPads()[d] -
                   op.getPads()[rank + d];
    if (size <= 0)
      return op.emitOpError("output spatial dimension ") << d << " would be " << size;
    g.outSpatial.push_back(size);
  }
  return finishConvolution(op, g, convolveTransposed(g, x.getFloats(), w.getFloats()),
                           operands);
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

static FailureOr<Tensor> evalMatmul(MatmulOp op, ArrayRef<Tensor> operands) {
  const Tensor &lhs = operands[0], &rhs = operands[1];
  // numpy: a vector operand becomes a matrix, and its unit dimension is
  // dropped from the result.
  SmallVector<int64_t, 6> a(lhs.getShape()), b(rhs.getShape());
  if (lhs.getRank() == 1)
    a.insert(a.begin(), 1);
  if (rhs.getRank() == 1)
    b.push_back(1);
  int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  if (b[b.size() - 2] != k)
    return op.emitOpError("contracting dimensions differ: ")
           << k << " vs " << b[b.size() - 2];
  ArrayRef<int64_t> aBatch = ArrayRef<int64_t>(a).drop_back(2);
  ArrayRef<int64_t> bBatch = ArrayRef<int64_t>(b).drop_back(2);
  FailureOr<Shape> batch = broadcastShapes(op.getLoc(), {aBatch, bBatch});
  if (failed(batch))
    return failure();
  std::vector<int64_t> aMap = broadcastIndexMap(aBatch, *batch);
  std::vector<int64_t> bMap = broadcastIndexMap(bBatch, *batch);
  std::vector<double> x = lhs.toReals(), y = rhs.toReals();
  std::vector<double> out(aMap.size() * m * n, 0.0);
  for (size_t bi = 0; bi < aMap.size(); ++bi) {
    const double *am = x.data() + aMap[bi] * m * k;
    const double *bm = y.data() + bMap[bi] * k * n;
    double *om = out.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) {
        double av = am[i * k + p];
        for (int64_t j = 0; j < n; ++j)
          om[i * n + j] += av * bm[p * n + j];
      }
  }
  Shape shape = *batch;
  if (lhs.getRank() > 1)
    shape.push_back(m);
  if (rhs.getRank() > 1)
    shape.push_back(n);
  Epilogue epilogue = getEpilogue(op, operands);
  SmallVector<int64_t, 1> biasShape;
  if (epilogue.bias)
    llvm::append_range(biasShape, epilogue.bias->getShape());
  return finishLinear(op, shape, std::move(out), epilogue, biasShape);
}

static FailureOr<Tensor> evalGemm(GemmOp op, ArrayRef<Tensor> operands) {
  const Tensor &a = operands[0], &b = operands[1];
  bool transA = op.getTransA(), transB = op.getTransB();
  int64_t m = a.getShape()[transA ? 1 : 0], k = a.getShape()[transA ? 0 : 1];
  int64_t kb = b.getShape()[transB ? 1 : 0], n = b.getShape()[transB ? 0 : 1];
  if (k != kb)
    return op.emitOpError("contracting dimensions differ: ") << k << " vs " << kb;
  std::vector<double> x = a.toReals(), y = b.toReals();
  double alpha = op.getAlpha().convertToDouble();
  std::vector<double> out(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < k; ++p)
        acc += x[transA ? p * m + i : i * k + p] * y[transB ? j * k + p : p * n + j];
      out[i * n + j] = alpha * acc;
    }
  Epilogue epilogue = getEpilogue(op, operands);
  SmallVector<int64_t, 2> biasShape;
  if (epilogue.bias)
    llvm::append_range(biasShape, epilogue.bias->getShape());
  return finishLinear(op, {m, n}, std::move(out), epilogue, biasShape,
                      op.getBeta().convertToDouble());
}

/// softmax(scale · q · kᵀ + bias) · v per batch and head, computed in bhsd
/// order; a row whose scores are all −inf gives a zero output row.
static FailureOr<Tensor> evalAttention(AttentionOp op, ArrayRef<Tensor> operands) {
  bool bshd = op.getLayout() == AttentionLayout::bshd;
  const int64_t swapSH[] = {0, 2, 1, 3};
  auto toBhsd = [&](const Tensor &t) { return bshd ? transposeTensor(t, swapSH) : t; };
  Tensor qt = toBhsd(operands[0]), kt = toBhsd(operands[1]), vt = toBhsd(operands[2]);
  ArrayRef<int64_t> qs = qt.getShape(), ks = kt.getShape(), vs = vt.getShape();
  int64_t batch = qs[0], heads = qs[1], sq = qs[2], d = qs[3], skv = ks[2], dv = vs[3];
  if (ks[3] != d || vs[2] != skv)
    return op.emitOpError("q, k and v sizes do not agree");
  std::vector<double> q = qt.toReals(), k = kt.toReals(), v = vt.toReals(), bias;
  // Strides of the bias over the scores' dimensions: 0 where it broadcasts.
  int64_t biasStride[4] = {0, 0, 0, 0};
  if (op.getBias()) {
    const Tensor &b = operands[3];
    bias = b.toReals();
    int64_t stride = 1;
    for (int64_t dim = 3; dim >= 0; --dim) {
      int64_t size = b.getShape()[dim];
      biasStride[dim] = size == 1 ? 0 : stride;
      stride *= size;
    }
  }
  double scale = op.getScale().convertToDouble();
  std::vector<double> out(batch * heads * sq * dv, 0.0), scores(skv);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t head = n * heads + h;
      const double *qh = q.data() + head * sq * d, *kh = k.data() + head * skv * d,
                   *vh = v.data() + head * skv * dv;
      for (int64_t i = 0; i < sq; ++i) {
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < skv; ++j) {
          double dot = 0.0;
          for (int64_t p = 0; p < d; ++p)
            dot += qh[i * d + p] * kh[j * d + p];
          scores[j] = scale * dot;
          if (!bias.empty())
            scores[j] += bias[n * biasStride[0] + h * biasStride[1] + i * biasStride[2] +
                              j * biasStride[3]];
          max = std::max(max, scores[j]);
        }
        double *o = out.data() + (head * sq + i) * dv;
        if (max == -std::numeric_limits<double>::infinity())
          continue; // Every key is masked: the row stays 0.
        double sum = 0.0;
        for (int64_t j = 0; j < skv; ++j)
          sum += scores[j] = std::exp(scores[j] - max);
        for (int64_t j = 0; j < skv; ++j)
          for (int64_t c = 0; c < dv; ++c)
            o[c] += scores[j] / sum * vh[j * dv + c];
      }
    }
  Tensor result = Tensor::fromReals(resultElementType(op), {batch, heads, sq, dv}, out);
  return bshd ? transposeTensor(result, swapSH) : result;
}

void kiln::reference::detail::registerLinearKernels(KernelTable &table) {
  table.add<ConvOp>(evalConv);
  table.add<ConvTransposeOp>(evalConvTranspose);
  table.add<MatmulOp>(evalMatmul);
  table.add<GemmOp>(evalGemm);
  table.add<AttentionOp>(evalAttention);
}
