//===- EinsumHandlers.cpp - Einsum as transposes, matmuls and reductions ---===//
//
// Einsum is decomposed (docs/nn-dialect.md): labels that only one operand
// has and the output lacks are summed away first (nn.reduce sum); then the
// operands are combined left to right, each pair as one batched nn.matmul
// after transposing and reshaping both into [batch..., M, K] x [batch..., K, N]
// (batch: labels both have and something later needs; K: labels both have
// and nothing later needs); finally a transpose orders the output labels.
// Ellipses broadcast as in numpy. A label repeated within one operand takes
// the diagonal first (`ii->i`): the two dimensions are moved last, merged,
// and every (n + 1)-th element gathered; a trace is that diagonal summed.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;

namespace kiln::onnx_import {
namespace {

/// Labels are letters; ellipsis dimensions get labels from kEllipsis up,
/// numbered from the left of the broadcast ellipsis.
constexpr int kEllipsis = 1000;

using Labels = SmallVector<int, 8>;

/// One operand during the decomposition: its value and the label of each
/// dimension.
struct Term {
  Value value;
  Labels labels;
  ArrayRef<int64_t> shape() const {
    return llvm::cast<RankedTensorType>(value.getType()).getShape();
  }
};

/// Parses one side of the equation into labels; `ellipsis` is where "..."
/// stood (-1 when absent).
LogicalResult parseTerm(NodeImporter &node, StringRef text, Labels &labels,
                        int &ellipsis) {
  ellipsis = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with("...")) {
      if (ellipsis >= 0)
        return node.error("a term of the equation has two ellipses");
      ellipsis = labels.size();
      i += 2;
    } else if (llvm::isAlpha(text[i])) {
      labels.push_back(text[i]);
    } else {
      return node.error("unexpected character '" + Twine(text[i]) + "' in the equation");
    }
  }
  return success();
}

/// Expands an ellipsis standing at `at` into `count` labels, the rightmost of
/// the `total` broadcast ellipsis dimensions.
void expandEllipsis(Labels &labels, int at, int count, int total) {
  if (at < 0)
    return;
  Labels dims;
  for (int j = 0; j < count; ++j)
    dims.push_back(kEllipsis + total - count + j);
  labels.insert(labels.begin() + at, dims.begin(), dims.end());
}

FailureOr<Value> transposeTo(NodeImporter &node, Term &term, ArrayRef<int> order) {
  SmallVector<int64_t> permutation;
  for (int label : order)
    permutation.push_back(llvm::find(term.labels, label) - term.labels.begin());
  if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
    return term.value;
  FailureOr<nn::TransposeOp> op = node.create<nn::TransposeOp>(term.value, permutation);
  if (failed(op))
    return failure();
  return op->getResult();
}

/// Replaces each label repeated within `term` by its diagonal: the two
/// dimensions move last, merge into one of n·n, and a gather keeps the
/// elements 0, n + 1, 2(n + 1)... (a label three times takes two steps).
LogicalResult takeDiagonals(NodeImporter &node, Term &term) {
  while (true) {
    std::optional<std::pair<size_t, size_t>> repeat;
    for (size_t i = 0; i < term.labels.size() && !repeat; ++i)
      for (size_t j = i + 1; j < term.labels.size() && !repeat; ++j)
        if (term.labels[i] == term.labels[j])
          repeat = {i, j};
    if (!repeat)
      return success();
    auto [first, second] = *repeat;
    int64_t size = term.shape()[first];
    if (term.shape()[second] != size) {
      node.emitError() << "a repeated label stands for dimensions of different sizes ("
                       << size << " and " << term.shape()[second] << ")";
      return failure();
    }
    Labels order, rest;
    SmallVector<int64_t> shape;
    for (auto [i, label] : llvm::enumerate(term.labels))
      if (i != first && i != second) {
        rest.push_back(label);
        shape.push_back(term.shape()[i]);
      }
    int label = term.labels[first];
    // transposeTo finds labels by value: move the pair with its own permutation.
    SmallVector<int64_t> permutation;
    for (size_t i = 0; i < term.labels.size(); ++i)
      if (i != first && i != second)
        permutation.push_back(i);
    permutation.append({static_cast<int64_t>(first), static_cast<int64_t>(second)});
    Value moved = term.value;
    if (!llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size()))) {
      FailureOr<nn::TransposeOp> op = node.create<nn::TransposeOp>(term.value, permutation);
      if (failed(op))
        return failure();
      moved = *op;
    }
    shape.push_back(size * size);
    FailureOr<Value> merged = node.reshape(moved, shape);
    if (failed(merged))
      return failure();
    SmallVector<int64_t> picks;
    for (int64_t i = 0; i < size; ++i)
      picks.push_back(i * (size + 1));
    auto picksType = RankedTensorType::get({size}, node.getBuilder().getI64Type());
    Value indices = node.createConstant(DenseElementsAttr::get(picksType, ArrayRef(picks)));
    FailureOr<nn::GatherOp> diagonal =
        node.create<nn::GatherOp>(*merged, indices, shape.size() - 1);
    if (failed(diagonal))
      return failure();
    rest.push_back(label);
    term = {*diagonal, rest};
  }
}

/// Sums away the dimensions of `term` whose labels are not in `keep`.
LogicalResult sumAway(NodeImporter &node, Term &term, const llvm::SmallSetVector<int, 16> &keep) {
  SmallVector<int64_t> axes;
  Labels kept;
  for (auto [i, label] : llvm::enumerate(term.labels)) {
    if (keep.contains(label))
      kept.push_back(label);
    else
      axes.push_back(i);
  }
  if (axes.empty())
    return success();
  FailureOr<nn::ReduceOp> op = node.create<nn::ReduceOp>(term.value, nn::ReduceKind::sum,
                                                          axes, /*keep_dims=*/false);
  if (failed(op))
    return failure();
  term = {*op, kept};
  return success();
}

int64_t product(ArrayRef<int64_t> sizes) {
  int64_t result = 1;
  for (int64_t s : sizes)
    result *= s;
  return result;
}

/// One batched matmul of `a` and `b`, keeping the labels in `needed`.
FailureOr<Term> contract(NodeImporter &node, Term &a, Term &b,
                         const llvm::SmallSetVector<int, 16> &needed) {
  Labels batch, aOnly, shared, bOnly;
  for (int label : a.labels) {
    bool inB = llvm::is_contained(b.labels, label);
    (inB ? (needed.contains(label) ? batch : shared) : aOnly).push_back(label);
  }
  for (int label : b.labels)
    if (!llvm::is_contained(a.labels, label))
      bOnly.push_back(label);

  auto sizesOf = [](Term &t, ArrayRef<int> labels) {
    SmallVector<int64_t> sizes;
    for (int label : labels)
      sizes.push_back(t.shape()[llvm::find(t.labels, label) - t.labels.begin()]);
    return sizes;
  };
  SmallVector<int64_t> aBatch = sizesOf(a, batch), bBatch = sizesOf(b, batch);
  SmallVector<int64_t> aShared = sizesOf(a, shared), bShared = sizesOf(b, shared);
  if (aShared != bShared) {
    node.emitError() << "summed labels have different sizes in the two operands";
    return failure();
  }
  SmallVector<int64_t> aFree = sizesOf(a, aOnly), bFree = sizesOf(b, bOnly);

  Labels aOrder = batch, bOrder = batch;
  aOrder.append(aOnly);
  aOrder.append(shared);
  bOrder.append(shared);
  bOrder.append(bOnly);
  FailureOr<Value> lhs = transposeTo(node, a, aOrder);
  FailureOr<Value> rhs = transposeTo(node, b, bOrder);
  if (failed(lhs) || failed(rhs))
    return failure();
  int64_t m = product(aFree), k = product(aShared), n = product(bFree);
  SmallVector<int64_t> lhsShape = aBatch, rhsShape = bBatch;
  lhsShape.append({m, k});
  rhsShape.append({k, n});
  lhs = node.reshape(*lhs, lhsShape);
  rhs = node.reshape(*rhs, rhsShape);
  if (failed(lhs) || failed(rhs))
    return failure();
  FailureOr<nn::MatmulOp> product =
      node.create<nn::MatmulOp>(*lhs, *rhs, Value(), Value(), nn::ActivationAttr());
  if (failed(product))
    return failure();
  // Batch sizes broadcast (a 1 against n).
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(aBatch, bBatch))
    shape.push_back(x == 1 ? y : x);
  shape.append(aFree);
  shape.append(bFree);
  FailureOr<Value> result = node.reshape(*product, shape);
  if (failed(result))
    return failure();
  Labels labels = batch;
  labels.append(aOnly);
  labels.append(bOnly);
  return Term{*result, labels};
}

LogicalResult importEinsum(NodeImporter &node) {
  std::string equation = node.getStringAttr("equation", "");
  llvm::erase(equation, ' ');
  if (equation.empty())
    return node.error("attribute 'equation' is required");
  auto [lhs, rhs] = StringRef(equation).split("->");
  bool explicitOutput = StringRef(equation).contains("->");

  SmallVector<StringRef> texts;
  lhs.split(texts, ',');
  if (texts.size() != node.getNumInputs())
    return node.error("the equation has " + Twine(texts.size()) + " operands but the node " +
                      Twine(node.getNumInputs()) + " inputs");
  SmallVector<Term> terms;
  SmallVector<int> ellipsisAt;
  int ellipsisDims = 0;
  for (auto [i, text] : llvm::enumerate(texts)) {
    FailureOr<Value> value = node.getInput(i);
    if (failed(value))
      return failure();
    Term term{*value, {}};
    int at;
    if (failed(parseTerm(node, text, term.labels, at)))
      return failure();
    int64_t rank = term.shape().size();
    int64_t extra = rank - static_cast<int64_t>(term.labels.size());
    if (extra < 0 || (at < 0 && extra != 0))
      return node.error("operand " + Twine(i) + " has rank " + Twine(rank) +
                        " but its term '" + text + "' has " +
                        Twine(term.labels.size()) + " labels");
    ellipsisDims = std::max<int>(ellipsisDims, extra);
    terms.push_back(term);
    ellipsisAt.push_back(at);
  }
  for (auto [term, at] : llvm::zip(terms, ellipsisAt))
    expandEllipsis(term.labels, at, term.shape().size() - term.labels.size(), ellipsisDims);
  // Counted before the diagonals: in implicit mode a label repeated within
  // one operand is not an output label (`ii` is the trace, as in numpy).
  std::map<int, int> counts;
  for (Term &term : terms)
    for (int label : term.labels)
      ++counts[label];
  for (Term &term : terms)
    if (failed(takeDiagonals(node, term)))
      return failure();

  Labels output;
  if (explicitOutput) {
    int at;
    if (failed(parseTerm(node, rhs, output, at)))
      return failure();
    expandEllipsis(output, at, ellipsisDims, ellipsisDims);
  } else {
    // Implicit output: the ellipsis, then the labels used once, sorted.
    expandEllipsis(output, 0, ellipsisDims, ellipsisDims);
    for (auto [label, count] : counts)
      if (count == 1 && label < kEllipsis)
        output.push_back(label);
  }
  for (int label : output)
    if (llvm::none_of(terms, [&](Term &t) { return llvm::is_contained(t.labels, label); }))
      return node.error("an output label appears in no operand");

  // Labels needed by the output or by operands from `from` on.
  auto neededFrom = [&](size_t from) {
    llvm::SmallSetVector<int, 16> needed(output.begin(), output.end());
    for (size_t i = from; i < terms.size(); ++i)
      needed.insert(terms[i].labels.begin(), terms[i].labels.end());
    return needed;
  };
  // Sum away each operand's private labels, then combine left to right.
  for (size_t i = 0; i < terms.size(); ++i) {
    llvm::SmallSetVector<int, 16> keep(output.begin(), output.end());
    for (size_t j = 0; j < terms.size(); ++j)
      if (j != i)
        keep.insert(terms[j].labels.begin(), terms[j].labels.end());
    if (failed(sumAway(node, terms[i], keep)))
      return failure();
  }
  Term result = terms.front();
  for (size_t i = 1; i < terms.size(); ++i) {
    llvm::SmallSetVector<int, 16> needed = neededFrom(i + 1);
    FailureOr<Term> combined = contract(node, result, terms[i], needed);
    if (failed(combined))
      return failure();
    result = *combined;
  }
  llvm::SmallSetVector<int, 16> keep(output.begin(), output.end());
  if (failed(sumAway(node, result, keep)))
    return failure();
  FailureOr<Value> ordered = transposeTo(node, result, output);
  if (failed(ordered))
    return failure();
  return node.setResult(0, *ordered);
}

} // namespace

void addEinsumHandlers(HandlerTable &table) {
  table.add("Einsum", 12, kMaxOpset, importEinsum);
}

} // namespace kiln::onnx_import
