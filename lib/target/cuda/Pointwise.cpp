//===- Pointwise.cpp - the pointwise engine: one pass, vectorized ---------===//
//
// A phase is a loop over an iteration shape that reads each leaf through its
// strides (0 where it broadcasts), computes the element ops and writes each
// output: pointwise chains, batch_norm, and the copies of reshape, expand,
// concat and split. Dimensions that every tensor walks contiguously are
// merged first, so index math stays a few divisions by constants.
//
// The loop is vectorized when the innermost merged dimension is a multiple of
// the vector width and every leaf either walks it contiguously (one 16-byte
// load per vector) or broadcasts along it (one scalar load per vector), and
// every output walks it contiguously; the pointers' alignment is checked at
// run time, with a scalar loop as the fallback.
//
//===----------------------------------------------------------------------===//

#include "Families.h"

#include "dialects/nn/NNDialect.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace kiln::cuda;
using namespace kiln::cuda::detail;

namespace {
/// How one phase's loop is laid out.
struct PhasePlan {
  CollapsedSpace space;
  int64_t count = 0;
  int64_t vector = 1;
};
} // namespace

static Type elementOf(Value value) { return getElementTypeOrSelf(value.getType()); }

static int64_t rankOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getRank();
}

static PhasePlan planPhase(const PointwisePhase &phase) {
  PhasePlan plan;
  plan.count = 1;
  for (int64_t size : phase.shape)
    plan.count *= size;
  int64_t rank = static_cast<int64_t>(phase.shape.size());

  // A per-axis quantized value needs its channel coordinate, so its axis is
  // kept as a dimension of its own.
  SmallVector<bool> alone(rank, false);
  auto markAxis = [&](Value value) {
    int64_t axis = quantizedAxis(elementOf(value));
    if (axis >= 0)
      alone[axis + rank - rankOf(value)] = true;
  };
  // (Copies compute nothing, so no channel.)
  if (!phase.ops.empty()) {
    for (const PointwiseLeaf &leaf : phase.leaves)
      markAxis(leaf.value);
    for (Operation *op : phase.ops)
      for (Value result : op->getResults())
        markAxis(result);
  }

  SmallVector<SmallVector<int64_t>> strides;
  for (const PointwiseLeaf &leaf : phase.leaves)
    strides.push_back(leaf.strides);
  for (const PointwiseOutput &output : phase.outputs)
    strides.push_back(output.strides);
  plan.space = collapse(phase.shape, strides, alone);
  if (plan.space.shape.empty())
    return plan;

  int64_t widest = 1;
  for (const PointwiseLeaf &leaf : phase.leaves)
    if (leaf.view.splat.empty())
      widest = std::max(widest, storageBytes(leaf.view.element()));
  for (const PointwiseOutput &output : phase.outputs)
    widest = std::max(widest, storageBytes(output.view.element()));
  int64_t vector = 16 / widest;
  int64_t inner = plan.space.shape.back();
  while (vector > 1 && inner % vector != 0)
    vector /= 2;
  // Every tensor must walk the innermost dimension contiguously (or, for a
  // leaf, not at all), and every vector must start aligned.
  size_t numLeaves = phase.leaves.size();
  for (auto [t, tensorStrides] : llvm::enumerate(plan.space.strides)) {
    bool isLeaf = t < numLeaves;
    if (isLeaf && !phase.leaves[t].view.splat.empty())
      continue;
    int64_t innermost = tensorStrides.back();
    if (isLeaf && innermost == 0)
      continue; // one scalar load per vector
    if (innermost != 1)
      vector = 1;
    for (int64_t stride : ArrayRef<int64_t>(tensorStrides).drop_back())
      if (stride % vector != 0)
        vector = 1;
  }
  plan.vector = vector;
  return plan;
}

/// A phase that computes nothing moves stored elements as they are.
static bool isCopy(const PointwisePhase &phase) { return phase.ops.empty(); }

/// How a leaf's element enters the body: its value, or for copies its
/// storage.
static std::string leafElement(const PointwisePhase &phase, const TensorView &view,
                               const std::string &storage) {
  return isCopy(phase) ? storage : fromStorage(view.element(), storage);
}

/// The C type of a leaf's element in the body.
static std::string leafType(const PointwisePhase &phase, const TensorView &view) {
  return isCopy(phase) ? storageType(view.element()) : valueType(view.element());
}

/// A splat leaf's element in the body.
static std::string leafSplat(const PointwisePhase &phase, const TensorView &view) {
  return isCopy(phase) ? toStorage(view.element(), view.splat) : view.splat;
}

/// How an output stores an element of the body.
static std::string outputElement(const PointwisePhase &phase, const TensorView &view,
                                 StringRef value) {
  return isCopy(phase) ? value.str() : toStorage(view.element(), value);
}

/// Emits the element ops of `phase` for one element whose leaves are in
/// `vars`; `coordinate(d)` is the iteration coordinate of collapsed
/// dimension d.
static void emitBody(KernelWriter &w, const PointwisePhase &phase, const PhasePlan &plan,
                     DenseMap<Value, std::string> vars,
                     function_ref<std::string(int64_t)> coordinate,
                     function_ref<void(const PointwiseOutput &, StringRef)> store) {
  int64_t rank = static_cast<int64_t>(phase.shape.size());
  ElementScope scope{w, std::move(vars), [&](Value value, int64_t dim) -> std::string {
                       auto type = llvm::cast<RankedTensorType>(value.getType());
                       if (type.getDimSize(dim) == 1)
                         return "0";
                       int64_t collapsed = plan.space.dimOf[dim + rank - type.getRank()];
                       return collapsed < 0 ? "0" : coordinate(collapsed);
                     }};
  for (Operation *op : phase.ops) {
    LogicalResult emitted = emitElementOp(scope, op);
    assert(succeeded(emitted) && "the group checked its ops");
    (void)emitted;
  }
  for (const PointwiseOutput &output : phase.outputs)
    store(output, scope.vars.lookup(output.value));
}

/// The loop of `phase` with `plan.vector` elements per iteration.
static void emitVectorLoop(KernelWriter &w, const PointwisePhase &phase,
                           const PhasePlan &plan) {
  int64_t vector = plan.vector;
  size_t numLeaves = phase.leaves.size();
  auto vecType = [&](const TensorView &view) {
    return "kiln_vec<" + storageType(view.element()) + ", " + std::to_string(vector) + ">";
  };
  // Vector accesses need aligned pointers.
  std::string aligned;
  auto requireAligned = [&](const TensorView &view) {
    int64_t bytes = storageBytes(view.element()) * vector;
    aligned += (aligned.empty() ? "" : " && ") + ("(unsigned long long)(" + view.pointer +
                                                  ") % " + std::to_string(bytes) + " == 0");
  };
  for (auto [t, leaf] : llvm::enumerate(phase.leaves))
    if (leaf.view.splat.empty() && plan.space.strides[t].back() == 1)
      requireAligned(leaf.view);
  for (const PointwiseOutput &output : phase.outputs)
    requireAligned(output.view);
  w.open("if (" + aligned + ")");
  w.open("for (I v = blockIdx.x * blockDim.x + threadIdx.x; v < " +
         std::to_string(plan.count / vector) + "; v += gridDim.x * blockDim.x)");
  w.line("const I e = v * " + std::to_string(vector) + ";");
  SmallVector<std::string> coords = emitCoordinates(w, "e", plan.space.shape, "c");

  DenseMap<Value, std::string> scalars;
  SmallVector<std::string> vectors(numLeaves);
  for (auto [t, leaf] : llvm::enumerate(phase.leaves)) {
    if (!leaf.view.splat.empty()) {
      scalars[leaf.value] = leafSplat(phase, leaf.view);
      continue;
    }
    std::string offset = offsetExpr(coords, plan.space.strides[t]);
    if (plan.space.strides[t].back() == 0) {
      std::string name = w.fresh("a");
      w.line("const " + leafType(phase, leaf.view) + " " + name + " = " +
             leafElement(phase, leaf.view, leaf.view.loadStorage(offset)) + ";");
      scalars[leaf.value] = name;
      continue;
    }
    vectors[t] = w.fresh("l");
    w.line("const " + vecType(leaf.view) + " " + vectors[t] + " = *reinterpret_cast<const " +
           vecType(leaf.view) + " *>(" + leaf.view.pointer + " + " + offset + ");");
  }
  SmallVector<std::string> outs;
  for (const PointwiseOutput &output : phase.outputs) {
    outs.push_back(w.fresh("o"));
    w.line(vecType(output.view) + " " + outs.back() + ";");
  }
  w.line("#pragma unroll");
  w.open("for (int j = 0; j < " + std::to_string(vector) + "; ++j)");
  DenseMap<Value, std::string> vars = scalars;
  for (auto [t, leaf] : llvm::enumerate(phase.leaves)) {
    if (vectors[t].empty())
      continue;
    std::string name = w.fresh("a");
    w.line("const " + leafType(phase, leaf.view) + " " + name + " = " +
           leafElement(phase, leaf.view, vectors[t] + ".v[j]") + ";");
    vars[leaf.value] = name;
  }
  int64_t innermost = static_cast<int64_t>(plan.space.shape.size()) - 1;
  size_t index = 0;
  emitBody(
      w, phase, plan, vars,
      [&](int64_t d) {
        return d == innermost ? "(" + coords[d] + " + j)" : coords[d];
      },
      [&](const PointwiseOutput &output, StringRef value) {
        w.line(outs[index++] + ".v[j] = " + outputElement(phase, output.view, value) + ";");
      });
  w.close();
  for (auto [t, output] : llvm::enumerate(phase.outputs))
    w.line("*reinterpret_cast<" + vecType(output.view) + " *>(" + output.view.pointer +
           " + " + offsetExpr(coords, plan.space.strides[numLeaves + t]) +
           ") = " + outs[t] + ";");
  w.close();
  w.close();
}

static void emitScalarLoop(KernelWriter &w, const PointwisePhase &phase,
                           const PhasePlan &plan) {
  size_t numLeaves = phase.leaves.size();
  w.open("for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < " +
         std::to_string(plan.count) + "; i += gridDim.x * blockDim.x)");
  SmallVector<std::string> coords = emitCoordinates(w, "i", plan.space.shape, "c");
  DenseMap<Value, std::string> vars;
  for (auto [t, leaf] : llvm::enumerate(phase.leaves)) {
    if (!leaf.view.splat.empty()) {
      vars[leaf.value] = leafSplat(phase, leaf.view);
      continue;
    }
    std::string name = w.fresh("a");
    w.line("const " + leafType(phase, leaf.view) + " " + name + " = " +
           leafElement(phase, leaf.view,
                       leaf.view.loadStorage(offsetExpr(coords, plan.space.strides[t]))) +
           ";");
    vars[leaf.value] = name;
  }
  size_t index = 0;
  emitBody(
      w, phase, plan, vars, [&](int64_t d) { return coords[d]; },
      [&](const PointwiseOutput &output, StringRef value) {
        w.line(output.view.pointer + "[" +
               offsetExpr(coords, plan.space.strides[numLeaves + index++]) +
               "] = " + outputElement(phase, output.view, value) + ";");
      });
  w.close();
}

Launch kiln::cuda::detail::emitPointwise(KernelWriter &w, ArrayRef<PointwisePhase> phases) {
  SmallVector<PhasePlan> plans;
  int64_t threads = 1, bound = 0;
  for (const PointwisePhase &phase : phases) {
    plans.push_back(planPhase(phase));
    threads = std::max<int64_t>(
        threads, (plans.back().count + plans.back().vector - 1) / plans.back().vector);
    bound = std::max(bound, plans.back().count);
    for (const PointwiseLeaf &leaf : phase.leaves)
      bound = std::max(bound, leaf.view.extent());
    for (const PointwiseOutput &output : phase.outputs)
      bound = std::max(bound, output.view.extent());
  }
  emitIndexTypes(w, bound + gridStrideThreads(threads));
  for (auto [phase, plan] : llvm::zip(phases, plans)) {
    if (plan.count == 0)
      continue;
    if (plan.vector > 1) {
      emitVectorLoop(w, phase, plan);
      w.open("else");
      emitScalarLoop(w, phase, plan);
      w.close();
    } else {
      emitScalarLoop(w, phase, plan);
    }
  }
  return gridStrideLaunch(threads);
}

TensorView kiln::cuda::detail::shiftedView(TensorView view, int64_t offset,
                                           ArrayRef<int64_t> shape,
                                           ArrayRef<int64_t> strides) {
  if (offset != 0)
    view.pointer = "(" + view.pointer + " + " + std::to_string(offset) + ")";
  view.offset += offset;
  view.type = RankedTensorType::get(shape, view.element());
  view.strides.assign(strides.begin(), strides.end());
  return view;
}

PointwisePhase kiln::cuda::detail::copyPhase(Value value, const TensorView &from,
                                 SmallVector<int64_t> strides, const TensorView &to) {
  PointwisePhase phase;
  phase.shape.assign(to.shape().begin(), to.shape().end());
  phase.leaves.push_back({value, from, std::move(strides)});
  phase.outputs.push_back({value, to, to.strides});
  return phase;
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

FailureOr<Launch> kiln::cuda::detail::emitBatchNorm(KernelWriter &w, OpKernel &kernel) {
  auto batchNorm = llvm::cast<kiln::nn::BatchNormOp>(kernel.op);
  PointwisePhase phase;
  const TensorView &input = kernel.operands[0];
  phase.shape.assign(input.shape().begin(), input.shape().end());
  int64_t rank = input.rank();
  int64_t channelAxis = batchNorm.getChannelAxis(rank);
  phase.leaves.push_back({batchNorm.getInput(), input, input.strides});
  // The 1-D parameters move along the channel axis only.
  for (unsigned i = 1; i < 5; ++i) {
    SmallVector<int64_t> strides(rank, 0);
    strides[channelAxis] = kernel.operands[i].strides[0];
    phase.leaves.push_back({batchNorm->getOperand(i), kernel.operands[i], strides});
  }
  phase.ops.push_back(batchNorm);
  phase.outputs.push_back({batchNorm.getResult(), *kernel.results[0],
                           kernel.results[0]->strides});
  return emitPointwise(w, {phase});
}
