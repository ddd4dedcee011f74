//===- Conv.cpp - direct convolutions with their fused epilogue -----------===//
//
// nn.conv in a generated kernel, for what cuDNN cannot run and for depthwise
// convolutions, where cuDNN's heuristic choice is poor. Products accumulate
// in float (double for f64) with fused multiply-adds, in the reference's
// order (taps, then the group's channels); the epilogue adds the bias and
// the residual, applies the activation and rounds once to the result's type.
// The reference sums in double, so results are within a few ulps of it.
//
// Two strategies (the first in DepthwiseConv.cpp):
// - depthwise channels-last (groups = C = M, dense N × D… × C tensors): each
//   thread owns V adjacent channels (one 16-byte vector of f32, f16 or bf16,
//   or of int8, when C allows) and walks output tiles of T pixels along the
//   row (T = 1, 2 or 4: launch variants), loading V input channels per input
//   column as one vector, once for all the tile's outputs; the block's
//   weights are staged once in shared memory (as floats, tap-major), the
//   bias in registers. INT8 (int8 x, int8 w symmetric per tensor or per
//   channel): the products are summed in int32 (weights staged as ints;
//   launch variants of 16, 8 and 4 channels a thread too, every tap loaded
//   branch-free, zero outside the input, so a tile's loads are in flight
//   together), converted to f32 once, exactly below 2^24 (fewer than 1024
//   taps), then
//   the INT8 epilogue the lowering's
//   epilogue kernel applies: times input scale × weight scale (an f32 per
//   channel), plus the dequantized bias and residual, the activation, and
//   the requantization (round half to even, saturated) or the float result;
// - anything else (any layout, groups, rank, strides, pads, dilations): one
//   thread per output element.
//
//===----------------------------------------------------------------------===//

#include "Conv.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;


static ConvShape convShape(ConvOp op, OpKernel &kernel) {
  ConvShape s{op, &kernel.operands[0], &kernel.operands[1]};
  size_t next = 2;
  if (op.getBias())
    s.bias = &kernel.operands[next++];
  if (op.getResidual())
    s.residual = &kernel.operands[next++];
  s.output = &*kernel.results[0];
  int64_t rank = s.input->rank();
  s.channelsLast = op.getLayout() == Layout::channels_last;
  s.channelDim = s.channelsLast ? rank - 1 : 1;
  s.filterChannelDim = s.channelsLast ? rank - 1 : 1;
  for (int64_t d = s.channelsLast ? 1 : 2; d < (s.channelsLast ? rank - 1 : rank); ++d) {
    s.spatial.push_back(d);
    s.filterSpatial.push_back(d);
  }
  s.inChannels = s.input->shape()[s.channelDim];
  s.outChannels = s.output->shape()[s.channelDim];
  s.groups = op.getGroups();
  s.cPerGroup = s.inChannels / s.groups;
  s.mPerGroup = s.outChannels / s.groups;
  // Quantized operands are dequantized in double, as the reference does.
  SmallVector<Type> types{s.input->element(), s.filter->element(), s.output->element()};
  for (const TensorView *view : {s.bias, s.residual})
    if (view)
      types.push_back(view->element());
  s.compute = computeFor(types);
  return s;
}

/// The epilogue's activation applied to `x` (a variable of `compute`), as
/// ActivationAttr::apply defines it.
std::string kiln::cuda::detail::activate(ActivationAttr activation, StringRef x,
                                         Compute compute) {
  if (!activation)
    return x.str();
  auto lit = [&](const APFloat &value) {
    return floatLiteral(value.convertToDouble(), compute);
  };
  std::string zero = floatLiteral(0.0, compute), v = x.str();
  auto asDouble = [&](const std::string &call) {
    return compute == Compute::Double ? call : "(float)" + call;
  };
  switch (activation.getKind()) {
  case ActivationKind::relu:
    return "(" + v + " > " + zero + " ? " + v + " : " + zero + ")";
  case ActivationKind::clip:
    // std::min(std::max(x, lo), hi); an infinite bound is no bound.
    return "kiln_min(kiln_max(" + v + ", " + lit(activation.getAlpha()) + "), " +
           lit(activation.getBeta()) + ")";
  case ActivationKind::leaky_relu:
    return "(" + v + " < " + zero + " ? " + lit(activation.getAlpha()) + " * " + v + " : " +
           v + ")";
  case ActivationKind::elu:
    return "kiln_elu(" + v + ", " + lit(activation.getAlpha()) + ")";
  case ActivationKind::sigmoid:
    return "kiln_sigmoid(" + v + ")";
  case ActivationKind::tanh:
    return "tanh(" + v + ")";
  case ActivationKind::gelu:
    return "kiln_gelu(" + v + ")";
  case ActivationKind::gelu_tanh:
    return "kiln_gelu_tanh(" + v + ")";
  case ActivationKind::silu:
    return "(" + v + " * kiln_sigmoid(" + v + "))";
  case ActivationKind::hard_sigmoid:
    return asDouble("kiln_hard_sigmoid((double)" + v + ", " +
                    floatLiteral(activation.getAlpha().convertToDouble(), Compute::Double) +
                    ", " +
                    floatLiteral(activation.getBeta().convertToDouble(), Compute::Double) +
                    ")");
  case ActivationKind::hard_swish:
    return asDouble("kiln_hard_swish((double)" + v + ")");
  }
  llvm_unreachable("unknown activation kind");
}

static std::string fmaName(Compute compute) { return compute == Compute::Double ? "fma" : "fmaf"; }

//===----------------------------------------------------------------------===//
// Any convolution: one thread per output element
//===----------------------------------------------------------------------===//

static Launch emitDirectConv(KernelWriter &w, const ConvShape &s) {
  ConvOp op = s.op;
  const TensorView &in = *s.input, &filter = *s.filter, &out = *s.output;
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  StringRef F = computeType(s.compute);
  int64_t count = out.numElements();
  int64_t bound = std::max({in.extent(), filter.extent(), out.extent(),
                            s.residual ? s.residual->extent() : 0});
  emitIndexTypes(w, std::max(bound, count) + gridStrideThreads(count));
  w.open("for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < " + std::to_string(count) +
         "; i += gridDim.x * blockDim.x)");
  SmallVector<std::string> o = emitCoordinates(w, "i", out.shape(), "o");
  std::string m = o[s.channelDim];
  std::string channelBase = "0";
  if (s.groups > 1) {
    w.line("const I g = " + m + " / " + std::to_string(s.mPerGroup) + ";");
    channelBase = "g * " + std::to_string(s.cPerGroup);
  }
  // The input's offset without its spatial and channel terms, the filter's
  // without its tap and channel terms.
  std::string inBase = offsetExpr({o[0]}, {in.strides[0]});
  std::string filterBase = offsetExpr({m}, {filter.strides[0]});
  w.line(F + " acc = " + floatLiteral(0.0, s.compute) + ";");
  std::string inOffset = inBase, filterOffset = filterBase;
  for (size_t d = 0; d < s.spatial.size(); ++d) {
    int64_t dim = s.spatial[d];
    int64_t kernelSize = filter.shape()[s.filterSpatial[d]];
    std::string t = "t" + std::to_string(d), x = "x" + std::to_string(d);
    if (kernelSize <= 8)
      w.line("#pragma unroll");
    w.open("for (int " + t + " = 0; " + t + " < " + std::to_string(kernelSize) + "; ++" +
           t + ")");
    w.line("const S " + x + " = (S)" + o[dim] + " * " + std::to_string(strides[d]) + " - " +
           std::to_string(pads[d]) + " + " + t + " * " + std::to_string(dilations[d]) + ";");
    w.line("if (" + x + " < 0 || " + x + " >= " + std::to_string(in.shape()[dim]) +
           ") continue;");
    inOffset += " + (I)" + x + " * " + std::to_string(in.strides[dim]);
    filterOffset += " + (I)" + t + " * " + std::to_string(filter.strides[s.filterSpatial[d]]);
  }
  w.open("for (I c = 0; c < " + std::to_string(s.cPerGroup) + "; ++c)");
  std::string x = realOf(w, in.element(),
                         in.load(inOffset + " + (" + channelBase + " + c) * " +
                                 std::to_string(in.strides[s.channelDim])),
                         s.compute);
  std::string wv = realOf(w, filter.element(),
                          filter.load(filterOffset + " + c * " +
                                      std::to_string(filter.strides[s.filterChannelDim])),
                          s.compute, m);
  w.line("acc = " + fmaName(s.compute) + "(" + x + ", " + wv + ", acc);");
  w.close();
  for (size_t d = 0; d < s.spatial.size(); ++d)
    w.close();
  if (s.bias)
    w.line("acc += " +
           realOf(w, s.bias->element(), s.bias->load(offsetExpr({m}, {s.bias->strides.back()})),
                  s.compute, m) +
           ";");
  if (s.residual)
    w.line("acc += " +
           realOf(w, s.residual->element(),
                  s.residual->load(offsetExpr(o, s.residual->strides)), s.compute, m) +
           ";");
  std::string result = activate(op.getActivationAttr(), "acc", s.compute);
  w.line(out.store(offsetExpr(o, out.strides), fromReal(w, out.element(), result, s.compute, m)));
  w.close();
  return gridStrideLaunch(count);
}

FailureOr<Launch> kiln::cuda::detail::emitConv(KernelWriter &w, OpKernel &kernel) {
  auto op = llvm::cast<ConvOp>(kernel.op);
  ConvShape s = convShape(op, kernel);
  if (s.inChannels != s.cPerGroup * s.groups || s.outChannels % s.groups != 0 ||
      s.filter->shape()[s.filterChannelDim] != s.cPerGroup)
    return op.emitError() << "'nn.conv' has " << s.inChannels << " input channels, "
                          << s.outChannels << " output channels and " << s.groups
                          << " groups, which its filter " << s.filter->type
                          << " does not fit";
  if (int64_t width = depthwiseWidth(s))
    return emitDepthwiseConv(w, s, width);
  return emitDirectConv(w, s);
}
