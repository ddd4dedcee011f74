//===- MinCut.h - s-t minimum cut by maximum flow ------------*- C++ -*-===//
//
// A maximum flow (Dinic's algorithm: breadth-first levels, then blocking
// flows along them) on a small directed graph with real capacities, and
// the minimum cut it proves: the nodes the source still reaches in the
// residual graph. The timed INT8 choice (PrecisionChoice.cpp) labels each
// INT8 unit INT8 (source side) or float (sink side) with it; a few hundred
// nodes and edges at most.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_MINCUT_H
#define KILN_PASSES_MINCUT_H

#include <cstddef>
#include <limits>
#include <vector>

namespace kiln {

class MinCut {
public:
  /// An edge no cut may cross.
  static constexpr double infinite = std::numeric_limits<double>::infinity();

  /// A graph of `numNodes` nodes and no edges.
  explicit MinCut(size_t numNodes = 0);

  /// A new node; returns its index.
  size_t addNode();
  size_t numNodes() const { return adjacent.size(); }

  /// A directed edge `from` -> `to` of `capacity` (>= 0, or `infinite`): a
  /// cut pays it when `from` is on the source side and `to` is not.
  void addEdge(size_t from, size_t to, double capacity);

  /// The maximum flow from `source` to `sink`, which is the cost of the
  /// minimum cut; afterwards onSourceSide() tells each node's side. A path
  /// of infinite edges only has an infinite flow (and no finite cut).
  double solve(size_t source, size_t sink);

  /// After solve(): whether `node` is on the source side of a minimum cut
  /// (of all minimum cuts, the one with the largest source side).
  bool onSourceSide(size_t node) const { return sourceSide[node]; }

private:
  struct Edge {
    size_t to;
    double residual;
  };
  bool levelGraph(size_t source, size_t sink);
  double push(size_t node, size_t sink, double limit);

  std::vector<Edge> edges; // edge 2i and its reverse 2i+1
  std::vector<std::vector<size_t>> adjacent;
  std::vector<int> level;
  std::vector<size_t> next;
  std::vector<bool> sourceSide;
};

} // namespace kiln

#endif // KILN_PASSES_MINCUT_H
