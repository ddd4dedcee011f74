//===- MinCut.cpp - s-t minimum cut by maximum flow -----------------------===//

#include "passes/MinCut.h"

#include <algorithm>
#include <cassert>
#include <deque>

using namespace kiln;

namespace {
/// Residual capacity below this is none: the capacities are milliseconds,
/// sums of a few hundred of them.
constexpr double epsilon = 1e-12;
} // namespace

MinCut::MinCut(size_t numNodes) : adjacent(numNodes) {}

size_t MinCut::addNode() {
  adjacent.emplace_back();
  return adjacent.size() - 1;
}

void MinCut::addEdge(size_t from, size_t to, double capacity) {
  assert(from < adjacent.size() && to < adjacent.size() && capacity >= 0);
  adjacent[from].push_back(edges.size());
  edges.push_back({to, capacity});
  adjacent[to].push_back(edges.size());
  edges.push_back({from, 0});
}

bool MinCut::levelGraph(size_t source, size_t sink) {
  level.assign(adjacent.size(), -1);
  level[source] = 0;
  std::deque<size_t> queue{source};
  while (!queue.empty()) {
    size_t node = queue.front();
    queue.pop_front();
    for (size_t e : adjacent[node]) {
      const Edge &edge = edges[e];
      if (edge.residual > epsilon && level[edge.to] < 0) {
        level[edge.to] = level[node] + 1;
        queue.push_back(edge.to);
      }
    }
  }
  return level[sink] >= 0;
}

double MinCut::push(size_t node, size_t sink, double limit) {
  if (node == sink)
    return limit;
  for (size_t &i = next[node]; i < adjacent[node].size(); ++i) {
    size_t e = adjacent[node][i];
    Edge &edge = edges[e];
    if (edge.residual <= epsilon || level[edge.to] != level[node] + 1)
      continue;
    double pushed = push(edge.to, sink, std::min(limit, edge.residual));
    if (pushed > epsilon) {
      if (pushed == infinite)
        return pushed; // No finite cut; the residuals no longer matter.
      edge.residual -= pushed;
      edges[e ^ 1].residual += pushed;
      return pushed;
    }
  }
  return 0;
}

double MinCut::solve(size_t source, size_t sink) {
  assert(source != sink);
  double flow = 0;
  while (levelGraph(source, sink)) {
    next.assign(adjacent.size(), 0);
    while (double pushed = push(source, sink, infinite)) {
      flow += pushed;
      if (pushed == infinite)
        break;
    }
    if (flow == infinite)
      break;
  }
  // The sink side: what still reaches the sink through residual capacity;
  // every other node is on the source side (of all minimum cuts, the one
  // with the largest source side: ties go to the source).
  sourceSide.assign(adjacent.size(), true);
  sourceSide[sink] = false;
  std::deque<size_t> queue{sink};
  while (!queue.empty()) {
    size_t node = queue.front();
    queue.pop_front();
    for (size_t e : adjacent[node]) {
      size_t from = edges[e].to; // edge e ^ 1 runs from there to `node`
      if (edges[e ^ 1].residual > epsilon && sourceSide[from] && from != source) {
        sourceSide[from] = false;
        queue.push_back(from);
      }
    }
  }
  return flow;
}
