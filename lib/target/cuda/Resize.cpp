//===- Resize.cpp - nn.resize by tables of taps --------------------------===//
//
// Where an output coordinate reads depends only on that coordinate, so the
// host computes every dimension's taps once, with the reference's own code
// (kiln/reference/ResizeTaps.h, in float as onnxruntime), and the kernel
// reads them from tables: one thread per output element. Dimensions that are
// not resized read their own coordinate. Nearest copies the stored element;
// linear and cubic sum weight × value in double in the reference's order,
// so the result is the reference's to the bit.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "kiln/reference/ResizeTaps.h"

#include "dialects/nn/NNDialect.h"

using namespace mlir;
using namespace kiln::nn;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

namespace {
/// One dimension's taps as the kernel reads them.
struct DimensionTables {
  bool identity = true;  // every coordinate reads itself with weight 1
  bool outside = false;  // some coordinate falls outside (tf_crop_and_resize)
  int64_t width = 1;     // taps per coordinate in the tables
  std::string count, index, weight; // table names (empty when identity)
};
} // namespace

static DimensionTables makeTables(KernelWriter &w, ResizeOp op, int64_t dim, int64_t inLength,
                                  int64_t outLength, bool nearest) {
  std::vector<kiln::reference::ResizeTaps> taps =
      kiln::reference::resizeTaps(op, dim, inLength, outLength);
  DimensionTables tables;
  for (auto [x, tap] : llvm::enumerate(taps)) {
    tables.outside |= tap.outside;
    tables.width = std::max<int64_t>(tables.width, tap.taps.size());
    if (tap.outside || tap.taps.size() != 1 || tap.taps[0].first != static_cast<int64_t>(x) ||
        tap.taps[0].second != 1.0)
      tables.identity = false;
  }
  if (tables.identity && inLength == outLength)
    return tables;
  tables.identity = false;
  SmallVector<std::string> counts, indices, weights;
  for (const kiln::reference::ResizeTaps &tap : taps) {
    // Nearest keeps one tap, its index -1 when outside; the others keep a
    // count, 0 when outside.
    counts.push_back(std::to_string(tap.outside ? 0 : tap.taps.size()));
    for (int64_t j = 0; j < tables.width; ++j) {
      bool used = j < static_cast<int64_t>(tap.taps.size());
      indices.push_back(std::to_string(
          nearest && tap.outside ? -1 : (used ? tap.taps[j].first : 0)));
      weights.push_back(floatLiteral(used ? tap.taps[j].second : 0.0, Compute::Float));
    }
  }
  tables.index = w.table("index", "int", indices);
  if (!nearest) {
    tables.count = w.table("count", "unsigned char", counts);
    tables.weight = w.table("weight", "float", weights);
  }
  return tables;
}

FailureOr<Launch> kiln::cuda::detail::emitResize(KernelWriter &w, OpKernel &kernel) {
  auto op = llvm::cast<ResizeOp>(kernel.op);
  const TensorView &input = kernel.operands[0], &output = *kernel.results[0];
  bool nearest = op.getMode() == ResizeMode::nearest;
  int64_t rank = input.rank();
  SmallVector<DimensionTables> tables;
  for (int64_t d = 0; d < rank; ++d)
    tables.push_back(
        makeTables(w, op, d, input.shape()[d], output.shape()[d], nearest));
  double extrapolation = op.getExtrapolationValue().convertToDouble();
  Type inType = input.element(), outType = output.element();
  int64_t inAxis = quantizedAxis(inType), outAxis = quantizedAxis(outType);

  return emitGather(w, output, input.extent(), [&](ArrayRef<std::string> o) -> std::string {
    std::string fill = storageOfReal(w, outType, output.shape(), extrapolation,
                                     outAxis >= 0 ? o[outAxis] : "");
    if (nearest) {
      SmallVector<std::string> sources;
      std::string inside;
      for (int64_t d = 0; d < rank; ++d) {
        if (tables[d].identity) {
          sources.push_back(o[d]);
          continue;
        }
        std::string p = "p" + std::to_string(d);
        w.line("const int " + p + " = " + tables[d].index + "[" + o[d] + "];");
        if (tables[d].outside)
          inside += (inside.empty() ? "" : " && ") + p + " >= 0";
        sources.push_back("(I)" + p);
      }
      std::string load = input.loadStorage(offsetExpr(sources, input.strides));
      return inside.empty() ? load : "(" + inside + " ? " + load + " : " + fill + ")";
    }

    // Linear and cubic: the sum over the product of every dimension's taps.
    w.line("double sum = 0.0;");
    std::string outside;
    for (int64_t d = 0; d < rank; ++d) {
      if (tables[d].identity)
        continue;
      std::string n = "n" + std::to_string(d);
      w.line("const int " + n + " = " + tables[d].count + "[" + o[d] + "];");
      if (tables[d].outside)
        outside += (outside.empty() ? "" : " || ") + n + " == 0";
    }
    SmallVector<std::string> sources;
    std::string weight;
    int64_t loops = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (tables[d].identity) {
        sources.push_back(o[d]);
        continue;
      }
      std::string j = "j" + std::to_string(d), p = "p" + std::to_string(d),
                  wd = "w" + std::to_string(d);
      std::string at = o[d] + " * " + std::to_string(tables[d].width) + " + " + j;
      w.open("for (int " + j + " = 0; " + j + " < n" + std::to_string(d) + "; ++" + j + ")");
      w.line("const int " + p + " = " + tables[d].index + "[" + at + "];");
      // The reference multiplies the weights in dimension order.
      w.line("const double " + wd + " = " +
             (weight.empty() ? "(double)" + tables[d].weight + "[" + at + "]"
                             : "__dmul_rn(" + weight + ", (double)" + tables[d].weight + "[" +
                                   at + "])") +
             ";");
      weight = wd;
      sources.push_back("(I)" + p);
      ++loops;
    }
    std::string channel = inAxis >= 0 ? (tables[inAxis].identity ? o[inAxis]
                                                                 : "p" + std::to_string(inAxis))
                                      : "";
    std::string x = realOf(w, inType, input.load(offsetExpr(sources, input.strides)),
                           Compute::Double, channel);
    w.line("sum = __dadd_rn(sum, " + (weight.empty() ? x : "__dmul_rn(" + weight + ", " + x + ")") +
           ");");
    for (int64_t i = 0; i < loops; ++i)
      w.close();
    std::string value = toStorage(
        outType, fromReal(w, outType, "sum", Compute::Double, outAxis >= 0 ? o[outAxis] : ""));
    return outside.empty() ? value : "(" + outside + " ? " + fill + " : " + value + ")";
  });
}
