//===- DepthwiseConv.cpp - depthwise channels-last convolutions -----------===//
//
// The depthwise strategy of Conv.cpp's header: dense channels-last tensors,
// groups = C = M. Each thread owns V adjacent channels and walks output
// tiles of T pixels along the row (launch variants); weights are staged in
// shared memory; INT8 sums in int32 and applies the INT8 epilogue.
//
//===----------------------------------------------------------------------===//

#include "Conv.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include "llvm/Support/MathExtras.h"

#include <numeric>
#include <optional>

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

//===----------------------------------------------------------------------===//
// Depthwise channels-last: V channels per thread, weights in shared memory
//===----------------------------------------------------------------------===//

/// Bytes of shared memory a depthwise block may hold its weights in.
constexpr int64_t kWeightBytes = 32 * 1024;

/// The most weights an INT8 depthwise thread keeps in registers across its
/// output tiles (V channels × taps); above, it reads them from shared memory
/// each tile.
constexpr int64_t kWeightRegisters = 48;

/// The most int32 sums an INT8 depthwise thread holds (V channels × T
/// outputs): 16 channels of 4 outputs take 168 registers and spill.
constexpr int64_t kMaxSums = 32;

/// Whether `type` is signed 8-bit storage quantized per tensor with zero
/// point 0 (or, with `perChannel`, per channel along dimension 0 with zero
/// points 0): what the INT8 depthwise path multiplies.
static bool isSymmetricInt8(Type type, bool perChannel = false) {
  auto quantized = llvm::dyn_cast<quant::QuantizedType>(type);
  if (!quantized || !quantized.isSigned() || quantized.getStorageTypeIntegralWidth() != 8)
    return false;
  if (auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(type))
    return uniform.getZeroPoint() == 0;
  auto perAxis = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  return perChannel && perAxis && perAxis.getQuantizedDimension() == 0 &&
         llvm::all_of(perAxis.getZeroPoints(), [](int64_t z) { return z == 0; });
}

/// Whether a value of `type` can be read or written per tensor by the INT8
/// depthwise path's epilogue: a float vector type, or 8-bit storage
/// quantized per tensor (any zero point).
static bool isInt8EpilogueElement(Type type) {
  if (type.isF32() || type.isF16() || type.isBF16())
    return true;
  auto uniform = llvm::dyn_cast<quant::UniformQuantizedType>(type);
  return uniform && uniform.getStorageTypeIntegralWidth() == 8;
}

/// Whether `s` (depthwise) is INT8: int8 data and weights, symmetric, whose
/// sums stay exact in f32 (fewer than 1024 taps: |sum| < 2^24).
static bool isInt8Depthwise(const ConvShape &s) {
  if (!isSymmetricInt8(s.input->element()) ||
      !isSymmetricInt8(s.filter->element(), /*perChannel=*/true))
    return false;
  if (s.filter->numElements() / s.outChannels >= 1024)
    return false;
  return isInt8EpilogueElement(s.output->element()) &&
         (!s.residual || isInt8EpilogueElement(s.residual->element()));
}

/// The vector width of the depthwise path for `s`, or 0 when it does not
/// apply.
int64_t kiln::cuda::detail::depthwiseWidth(const ConvShape &s) {
  if (!s.channelsLast || s.groups != s.inChannels || s.groups != s.outChannels)
    return 0;
  // Splat constants have no pointer to load vectors from.
  if (!s.input->splat.empty() || (s.residual && !s.residual->splat.empty()))
    return 0;
  Type type = s.input->element();
  bool int8 = isInt8Depthwise(s);
  if (!int8 &&
      (!(type.isF32() || type.isF16() || type.isBF16()) || s.output->element() != type ||
       (s.residual && s.residual->element() != type)))
    return 0;
  auto dense = [](const TensorView &view) {
    return view.strides == rowMajorStrides(view.shape());
  };
  if (!dense(*s.input) || !dense(*s.output) || (s.residual && !dense(*s.residual)))
    return 0;
  int64_t width = 16 / storageBytes(type); // 16 int8 channels a load
  while (width > 1 && s.inChannels % width != 0)
    width /= 2;
  return width;
}

Launch kiln::cuda::detail::emitDepthwiseConv(KernelWriter &w, const ConvShape &s,
                                              int64_t maxWidth) {
  ConvOp op = s.op;
  const TensorView &in = *s.input, &filter = *s.filter, &out = *s.output;
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  Type type = in.element();
  bool int8 = isInt8Depthwise(s);
  auto vectorOf = [&](Type element, int64_t width) {
    return "kiln_vec<" + storageType(element) + ", " + std::to_string(width) + ">";
  };
  // INT8 accumulates int8 products in int32 (sign extension and an integer
  // multiply-add a tap: a conversion to float per tap and channel runs at a
  // quarter of the multiply-add rate and made the INT8 kernel slower than
  // FP16's), the others in float.
  std::string acc = int8 ? "int" : "float";
  int64_t channels = s.inChannels;
  SmallVector<int64_t> kernelSizes, pixelShape{out.shape()[0]};
  int64_t taps = 1;
  for (size_t d = 0; d < s.spatial.size(); ++d) {
    kernelSizes.push_back(filter.shape()[s.filterSpatial[d]]);
    taps *= kernelSizes.back();
    pixelShape.push_back(out.shape()[s.spatial[d]]);
  }
  int64_t pixels = 1;
  for (int64_t size : pixelShape)
    pixels *= size;

  // Threads along x take channel vectors (all of them when they fit in a
  // block and its weights in shared memory, so no thread idles), along y
  // output tiles: whole warps, about kBlockSize threads.
  struct Layout {
    int64_t blockX, blockY, gridX;
  };
  auto layoutOf = [&](int64_t width) {
    int64_t vectors = channels / width;
    int64_t maxVectors = std::max<int64_t>(1, kWeightBytes / (4 * taps * width));
    Layout l;
    int64_t step = 32 / std::gcd<int64_t>(vectors, 32); // rows that make whole warps
    if (vectors <= maxVectors && vectors * step <= 2 * kBlockSize) {
      l.blockX = vectors;
      l.blockY = std::max<int64_t>(step, kBlockSize / vectors / step * step);
    } else {
      l.blockX = std::min(
          {nextPowerOf2(vectors), kBlockSize, int64_t{1} << llvm::Log2_64(maxVectors)});
      l.blockY = kBlockSize / l.blockX;
    }
    l.gridX = (vectors + l.blockX - 1) / l.blockX;
    return l;
  };

  // The launch variants: T outputs along the innermost spatial dimension per
  // thread (an output tile: a kernel row's input columns are loaded once
  // for all T, (T - 1) * stride + (K - 1) * dilation + 1 loads instead of
  // T * K), and the block's rows. Variants are told apart by their block
  // (KernelWriter::openVariant), so each block shape has one tile.
  //
  // INT8 also varies the channels a thread (V = 16, 8 and 4: 16-, 8- and
  // 4-byte loads; fewer channels a thread give more threads a pixel, fewer
  // registers for scales and sums, so more loads in flight), and keeps the
  // block's threads for every tile: T tiles a row of the block are told
  // apart by blockDim.z = T (blockX × rows/T × T), since rows/T would often
  // not make whole warps (9 vectors of 16 of MobileNetV2's 144 channels need
  // rows in multiples of 32).
  int64_t last = static_cast<int64_t>(s.spatial.size()) - 1;
  int64_t outWidth = pixelShape.back();
  struct Shape {
    int64_t width, tile, rows, depth;
  };
  auto blockOf = [&](const Shape &shape) {
    return std::array<uint32_t, 3>{static_cast<uint32_t>(layoutOf(shape.width).blockX),
                                   static_cast<uint32_t>(shape.rows),
                                   static_cast<uint32_t>(shape.depth)};
  };
  SmallVector<Shape> shapes;
  auto offer = [&](Shape shape) {
    int64_t threads = layoutOf(shape.width).blockX * shape.rows * shape.depth;
    bool fits = shape.rows >= 1 && threads <= 1024 && threads % 32 == 0 &&
                (shape.tile == 1 || shape.tile <= outWidth);
    bool taken = llvm::any_of(
        shapes, [&](const Shape &o) { return blockOf(o) == blockOf(shape); });
    if (fits && !taken)
      shapes.push_back(shape);
  };
  if (!int8) {
    int64_t blockY = layoutOf(maxWidth).blockY;
    for (Shape shape : {Shape{maxWidth, 1, blockY, 1}, Shape{maxWidth, 2, blockY / 2, 1},
                        Shape{maxWidth, 4, blockY / 4, 1}, Shape{maxWidth, 1, blockY * 2, 1}})
      offer(shape);
  } else {
    for (int64_t width = maxWidth; width == maxWidth || width >= 4; width /= 2) {
      int64_t blockY = layoutOf(width).blockY;
      offer(Shape{width, 1, blockY, 1});
      for (int64_t tile : {2, 4})
        if (blockY % tile == 0 && width * tile <= kMaxSums)
          offer(Shape{width, tile, blockY / tile, tile});
      if (width == maxWidth)
        offer(Shape{width, 1, blockY * 2, 1});
    }
  }
  auto tilesOf = [&](int64_t tile) {
    return pixels / outWidth * ((outWidth + tile - 1) / tile);
  };
  auto launchOf = [&](const Shape &shape) {
    Layout l = layoutOf(shape.width);
    int64_t blockRows = shape.rows * shape.depth;
    int64_t maxBlocks = kNumSMs * kThreadsPerSM / (l.blockX * blockRows);
    int64_t gridY = std::max<int64_t>(
        1, std::min<int64_t>((tilesOf(shape.tile) + blockRows - 1) / blockRows,
                             std::max<int64_t>(1, maxBlocks / l.gridX)));
    LaunchShape launch;
    launch.grid = {static_cast<uint32_t>(l.gridX), static_cast<uint32_t>(gridY), 1};
    launch.block = blockOf(shape);
    return launch;
  };
  int64_t indexBound = std::max({in.extent(), filter.extent(), out.extent(), pixels});
  for (const Shape &shape : shapes) {
    LaunchShape launch = launchOf(shape);
    indexBound = std::max<int64_t>(indexBound, tilesOf(shape.tile) + int64_t{launch.grid[1]} *
                                                                         shape.rows * shape.depth);
  }
  emitIndexTypes(w, indexBound);

  // The block's weights, as floats (INT8: the stored integers), tap-major: each thread reads its V
  // channels of a tap as one vector. The filter is M × K… × 1: channel c's
  // tap t is at c * s0 + Σ k_d s_d. Declared once for all variants (they
  // share blockX; INT8's widths alias one array as vectors of their V).
  if (!int8) {
    w.line("__shared__ kiln_vec<float, " + std::to_string(maxWidth) + "> wsh[" +
           std::to_string(taps * layoutOf(maxWidth).blockX) + "];");
  } else {
    int64_t ints = 0;
    for (const Shape &shape : shapes)
      ints = std::max(ints, taps * layoutOf(shape.width).blockX * shape.width);
    w.line("__shared__ kiln_vec<int, " + std::to_string(maxWidth) + "> wshared[" +
           std::to_string((ints + maxWidth - 1) / maxWidth) + "];");
  }
  std::string tapOffset;
  int64_t inner = 1;
  for (int64_t d = static_cast<int64_t>(kernelSizes.size()) - 1; d >= 0; --d) {
    tapOffset += " + (t / " + std::to_string(inner) + " % " + std::to_string(kernelSizes[d]) +
                 ") * " + std::to_string(filter.strides[s.filterSpatial[d]]);
    inner *= kernelSizes[d];
  }

  auto body = [&](const Shape &shape) {
    int64_t width = shape.width, blockX = layoutOf(width).blockX;
    int64_t vectors = channels / width;
    int64_t threads = blockX * shape.rows * shape.depth, T = shape.tile;
    std::string V = std::to_string(width), bx = std::to_string(blockX);
    std::string vec = vectorOf(type, width), outVec = vectorOf(out.element(), width);
    std::string residualVec = s.residual ? vectorOf(s.residual->element(), width) : vec;
    std::string floats = "kiln_vec<" + acc + ", " + V + ">";
    std::string perTap = std::to_string(blockX * width);
    std::string blockRows = std::to_string(shape.rows * shape.depth);
    std::string row = shape.depth == 1
                          ? "threadIdx.y"
                          : "(threadIdx.z * " + std::to_string(shape.rows) + " + threadIdx.y)";
    if (int8)
      w.line(floats + " *const wsh = reinterpret_cast<" + floats + " *>(wshared);");
    w.open("for (int e = " + row + " * " + bx + " + threadIdx.x; e < " +
           std::to_string(taps * blockX * width) + "; e += " + std::to_string(threads) + ")");
    w.line("const int t = e / " + perTap + ";");
    w.line("const I c = blockIdx.x * " + perTap + " + e % " + perTap + ";");
    // INT8: the stored integers (the scales come in the epilogue).
    std::string tapLoad = filter.load("c * " + std::to_string(filter.strides[0]) + tapOffset);
    std::string weight = int8 ? "(int)(" + tapLoad + ")"
                              : realOf(w, filter.element(), tapLoad, Compute::Float);
    w.line("reinterpret_cast<" + acc + " *>(wsh)[e] = c < " + std::to_string(channels) +
           " ? " + weight + " : " + (int8 ? "0" : "0.0f") + ";");
    w.close();
    w.line("__syncthreads();");

    w.line("const I cv = blockIdx.x * " + bx + " + threadIdx.x;");
    if (vectors % blockX != 0)
      w.line("if (cv >= " + std::to_string(vectors) + ") return;");
    w.line("const I c0 = cv * " + V + ";");
    // Whole vectors when every pointer is aligned to one (offsets are
    // multiples of V); element by element otherwise.
    std::string aligned;
    if (outVec == vec && residualVec == vec) {
      aligned = "((unsigned long long)" + in.pointer + " | (unsigned long long)" + out.pointer;
      if (s.residual)
        aligned += " | (unsigned long long)" + s.residual->pointer;
      aligned += ") % sizeof(" + vec + ") == 0";
    } else { // vectors of V elements of different sizes
      aligned = "((unsigned long long)" + in.pointer + " % sizeof(" + vec +
                ") | (unsigned long long)" + out.pointer + " % sizeof(" + outVec + ")";
      if (s.residual)
        aligned += " | (unsigned long long)" + s.residual->pointer + " % sizeof(" +
                   residualVec + ")";
      aligned += ") == 0";
    }
    w.line("const bool whole = " + aligned + ";");
    if (s.bias) {
      w.line("float bk[" + V + "];");
      w.line("#pragma unroll");
      w.open("for (int j = 0; j < " + V + "; ++j)");
      w.line("bk[j] = " +
             realOf(w, s.bias->element(),
                    s.bias->load("(c0 + j) * " + std::to_string(s.bias->strides.back())),
                    Compute::Float, "(c0 + j)") +
             ";");
      w.close();
    }
    // INT8: one unit of channel k's sums is worth input scale × weight
    // scale[k], rounded to f32 as the lowering's epilogue kernel has it.
    std::string scales;
    // An int8 output whose activation commutes with a positive scale (none,
    // relu, clip) and whose residual, if any, is symmetric int8: the whole
    // epilogue in units of the output's step (scales, bias, residual scale
    // and clip bounds divided by the output scale at build time, as the
    // fused cuDNN graph has it), then one rounding conversion and the
    // saturation, instead of a division and a double per element (which
    // took as long as the taps). Within one step of the reference.
    auto outQuant = llvm::dyn_cast<quant::UniformQuantizedType>(out.element());
    ActivationAttr activation = op.getActivationAttr();
    bool fold = int8 && outQuant && (!activation || activation.inUnitsOf(1.0)) &&
                (!s.residual || isSymmetricInt8(s.residual->element()));
    double outScale = fold ? outQuant.getScale() : 1.0;
    if (int8) {
      double inputScale = llvm::cast<quant::UniformQuantizedType>(type).getScale();
      SmallVector<std::string> values;
      for (int64_t k = 0; k < channels; ++k) {
        double weightScale = 0;
        if (auto perAxis =
                llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(filter.element()))
          weightScale = perAxis.getScales()[k];
        else
          weightScale = llvm::cast<quant::UniformQuantizedType>(filter.element()).getScale();
        values.push_back(floatLiteral(
            static_cast<double>(static_cast<float>(inputScale * weightScale / outScale)),
            Compute::Float));
      }
      std::string table = w.table("acc_scale", "float", values);
      w.line("float sk[" + V + "];");
      w.line("#pragma unroll");
      w.line("for (int j = 0; j < " + V + "; ++j) sk[j] = " + table + "[c0 + j];");
      scales = "sk[j]";
      if (fold && s.bias)
        w.line("for (int j = 0; j < " + V + "; ++j) bk[j] = __fdiv_rn(bk[j], " +
               floatLiteral(outScale, Compute::Float) + ");");
    }

    // `whole` (one vector access) or `parts` (element by element), as
    // `vectors` says or, unset, as the pointers' alignment (`whole`) says at
    // run time; a load of V elements at `at` of `pointer` into `target`.
    auto either = [&](std::optional<bool> vectors, const std::string &whole,
                      const std::string &parts) {
      if (!vectors) {
        w.line("if (whole) " + whole);
        w.line("else");
        w.line("  " + parts);
      } else {
        w.line(*vectors ? whole : parts);
      }
    };
    auto load = [&](std::optional<bool> vectors, const std::string &target,
                    const std::string &vecType, const std::string &pointer,
                    const std::string &at) {
      either(vectors,
             target + " = *reinterpret_cast<const " + vecType + " *>(" + pointer + " + " + at +
                 ");",
             "for (int j = 0; j < " + V + "; ++j) " + target + ".v[j] = " + pointer + "[" + at +
                 " + j];");
    };

    // Output tiles: the pixel shape with its innermost dimension in tiles.
    SmallVector<int64_t> tileShape(pixelShape);
    tileShape.back() = (outWidth + T - 1) / T;
    int64_t tiles = tilesOf(T);
    // The loop over the thread's output tiles. INT8 has one loop for whole
    // vectors and one element by element (the test of `whole` out of the
    // loop); the first loads every tap, zero outside the input (a zero adds
    // nothing to an integer sum): no branch between a tile's loads, so they
    // are all in flight at once rather than one tap's latency after
    // another's. The others (and INT8 element by element, which would hold
    // every byte of the tile in a register of its own) skip taps outside the
    // input, as the reference does.
    auto tileLoop = [&](std::optional<bool> vectors) {
      bool zeroFill = int8 && vectors.value_or(false);
      w.open("for (I p = blockIdx.y * " + blockRows + " + " + row + "; p < " +
             std::to_string(tiles) + "; p += gridDim.y * " + blockRows + ")");
      SmallVector<std::string> q = emitCoordinates(w, "p", tileShape, "q");
      std::string ow0 = T == 1 ? q.back() : "(" + q.back() + ") * " + std::to_string(T);
      w.line("const I ow0 = " + ow0 + ";");
      // A thread's weights are the same for all its tiles, so the compiler
      // keeps them in registers across the loop: right for INT8's few (4
      // channels of a 3 × 3 filter, 36 registers), but 16 channels' 144 spill.
      // Above kWeightRegisters an index the compiler cannot see through (a
      // zero from an empty asm) makes it read them again each tile.
      std::string reread;
      if (int8 && width * taps > kWeightRegisters) {
        w.line("int reread = 0;");
        w.line("asm volatile(\"\" : \"+r\"(reread));");
        reread = " + reread";
      }
      w.line(acc + " acc[" + std::to_string(T) + "][" + V + "];");
      w.line("#pragma unroll");
      w.line("for (int o = 0; o < " + std::to_string(T) + "; ++o)");
      w.line("  for (int j = 0; j < " + V + "; ++j) acc[o][j] = " + (int8 ? "0" : "0.0f") +
             ";");
      std::string inOffset = offsetExpr({q[0]}, {in.strides[0]});
      std::string tap = "0", inside = "true";
      for (int64_t d = 0; d < last; ++d) {
        std::string k = "k" + std::to_string(d), x = "x" + std::to_string(d);
        w.line("#pragma unroll");
        w.open("for (int " + k + " = 0; " + k + " < " + std::to_string(kernelSizes[d]) +
               "; ++" + k + ")");
        w.line("const S " + x + " = (S)" + q[d + 1] + " * " + std::to_string(strides[d]) +
               " - " + std::to_string(pads[d]) + " + " + k + " * " +
               std::to_string(dilations[d]) + ";");
        std::string within =
            x + " >= 0 && " + x + " < " + std::to_string(in.shape()[s.spatial[d]]);
        if (zeroFill) {
          std::string next = "r" + std::to_string(d);
          w.line("const bool " + next + " = " + (d == 0 ? "" : inside + " && ") + within +
                 ";");
          inside = next;
        } else {
          w.line("if (" + x + " < 0 || " + x + " >= " +
                 std::to_string(in.shape()[s.spatial[d]]) + ") continue;");
        }
        inOffset += " + (I)" + x + " * " + std::to_string(in.strides[s.spatial[d]]);
        tap = "(" + tap + ") * " + std::to_string(kernelSizes[d]) + " + " + k;
      }
      // The innermost dimension, unrolled here: input column i of the tile's
      // span feeds output o through tap (i - o * stride) / dilation; each
      // output still sums its taps in order.
      int64_t K = kernelSizes.back(), stride = strides[last], dilation = dilations[last];
      int64_t span = (T - 1) * stride + (K - 1) * dilation + 1;
      std::string rowTap = "(" + tap + ") * " + std::to_string(K);
      for (int64_t i = 0; i < span; ++i) {
        SmallVector<std::pair<int64_t, int64_t>> uses; // (output, tap)
        for (int64_t o = 0; o < T; ++o) {
          int64_t r = i - o * stride;
          if (r >= 0 && r % dilation == 0 && r / dilation < K)
            uses.push_back({o, r / dilation});
        }
        if (uses.empty())
          continue;
        w.open("");
        w.line("const S xi = (S)ow0 * " + std::to_string(stride) + " - " +
               std::to_string(pads[last]) + " + " + std::to_string(i) + ";");
        std::string within =
            "xi >= 0 && xi < " + std::to_string(in.shape()[s.spatial[last]]);
        std::string at = inOffset + " + (I)xi * " +
                         std::to_string(in.strides[s.spatial[last]]) + " + c0";
        // INT8 with whole vectors holds the bytes as 32-bit words (a zero
        // byte by byte costs a select per byte) and sign-extends each byte
        // where it is multiplied.
        std::string x = int8 ? "(int)xv.v[j]" : fromStorage(type, "xv.v[j]");
        if (zeroFill && width % 4 == 0) {
          std::string words = "kiln_vec<int, " + std::to_string(width / 4) + ">";
          w.line(words + " xv = {};");
          w.open("if (" + (inside == "true" ? "" : inside + " && ") + within + ")");
          load(vectors, "xv", words, in.pointer, at);
          w.close();
          x = "(int)(signed char)(xv.v[j / 4] >> 8 * (j % 4))";
        } else if (zeroFill) {
          w.line(vec + " xv = {};");
          w.open("if (" + (inside == "true" ? "" : inside + " && ") + within + ")");
          load(vectors, "xv", vec, in.pointer, at);
          w.close();
        } else {
          w.open("if (" + within + ")");
          w.line("const I at = " + at + ";");
          w.line(vec + " xv;");
          load(vectors, "xv", vec, in.pointer, "at");
        }
        for (auto [o, k] : uses) {
          std::string wv = "wsh[(" + rowTap + " + " + std::to_string(k) + ") * " + bx +
                           " + threadIdx.x" + reread + "]";
          w.line("#pragma unroll");
          std::string a = "acc[" + std::to_string(o) + "][j]";
          w.line("for (int j = 0; j < " + V + "; ++j) " + a +
                 (int8 ? " += " + x + " * " + wv + ".v[j];"
                       : " = fmaf(" + x + ", " + wv + ".v[j], " + a + ");"));
        }
        if (!zeroFill)
          w.close();
        w.close();
      }
      for (int64_t d = 0; d < last; ++d)
        w.close();

      // The tile's outputs (those inside the row).
      w.line("#pragma unroll");
      w.open("for (int o = 0; o < " + std::to_string(T) + "; ++o)");
      if (outWidth % T != 0)
        w.line("if (ow0 + o >= " + std::to_string(outWidth) + ") break;");
      w.line("const I to = ((p - " + q.back() + ") / " + std::to_string(tileShape.back()) +
             " * " + std::to_string(outWidth) + " + ow0 + o) * " + std::to_string(channels) +
             " + c0;");
      if (s.residual) {
        w.line(residualVec + " rv;");
        load(vectors, "rv", residualVec, s.residual->pointer, "to");
      }
      w.line(outVec + " yv;");
      w.line("#pragma unroll");
      w.open("for (int j = 0; j < " + V + "; ++j)");
      // INT8: exact integer sums times their f32 scale, then the epilogue in
      // f32 as the lowering's epilogue kernel computes it.
      w.line(int8 ? "float v = (float)acc[o][j] * " + scales + ";" : "float v = acc[o][j];");
      if (s.bias)
        w.line("v += bk[j];");
      if (s.residual && fold) {
        double residualScale =
            llvm::cast<quant::UniformQuantizedType>(s.residual->element()).getScale();
        w.line("v = fmaf((float)rv.v[j], " +
               floatLiteral(static_cast<double>(static_cast<float>(residualScale / outScale)),
                            Compute::Float) +
               ", v);");
      } else if (s.residual) {
        w.line("v += " +
               (int8 ? realOf(w, s.residual->element(),
                              fromStorage(s.residual->element(), "rv.v[j]"), Compute::Float)
                     : fromStorage(type, "rv.v[j]")) +
               ";");
      }
      if (fold) {
        ActivationAttr scaled = activation ? activation.inUnitsOf(outScale) : activation;
        w.line("const int q = __float2int_rn(" + activate(scaled, "v", Compute::Float) +
               ") + " + std::to_string(outQuant.getZeroPoint()) + ";");
        w.line("yv.v[j] = (" + storageType(out.element()) + ")(q < " +
               std::to_string(outQuant.getStorageTypeMin()) + " ? " +
               std::to_string(outQuant.getStorageTypeMin()) + " : (q > " +
               std::to_string(outQuant.getStorageTypeMax()) + " ? " +
               std::to_string(outQuant.getStorageTypeMax()) + " : q));");
      } else {
        std::string result = activate(activation, "v", Compute::Float);
        if (int8)
          result = fromReal(w, out.element(), result, Compute::Float);
        w.line("yv.v[j] = " + toStorage(out.element(), result) + ";");
      }
      w.close();
      either(vectors, "*reinterpret_cast<" + outVec + " *>(" + out.pointer + " + to) = yv;",
             "for (int j = 0; j < " + V + "; ++j) " + out.pointer + "[to + j] = yv.v[j];");
      w.close();
      w.close();
    };
    if (!int8) {
      tileLoop(std::nullopt);
      return;
    }
    w.open("if (whole)");
    tileLoop(true);
    w.close();
    w.open("else");
    tileLoop(false);
    w.close();
  };

  Launch launch;
  LaunchShape chosen = launchOf(shapes.front());
  launch.grid = chosen.grid;
  launch.block = chosen.block;
  if (shapes.size() == 1) {
    body(shapes.front());
    return launch;
  }
  for (const Shape &shape : shapes) {
    LaunchShape variant = launchOf(shape);
    w.openVariant(variant.block);
    body(shape);
    w.line("return;");
    w.closeVariant(variant.block);
    launch.variants.push_back(variant);
  }
  return launch;
}
