//===- MinCutTest.cpp - s-t minimum cut by maximum flow -------------------===//
//
// passes/MinCut.h on graphs small enough to check by hand. Node 0 is the
// source and node 1 the sink unless a test says otherwise.
//
//===----------------------------------------------------------------------===//

#include "passes/MinCut.h"

#include <gtest/gtest.h>

#include <tuple>

using namespace kiln;

namespace {

using Edges = std::vector<std::tuple<size_t, size_t, double>>;

MinCut graphOf(size_t numNodes, const Edges &edges) {
  MinCut graph(numNodes);
  for (auto [from, to, capacity] : edges)
    graph.addEdge(from, to, capacity);
  return graph;
}

TEST(MinCut, MaximumFlowOfTheTextbookNetwork) {
  // Cormen et al., Introduction to Algorithms, figure 26.1, with s = 0,
  // v1..v4 = 2..5, t = 1: the maximum flow is 23, the minimum cut
  // {s, v1, v2, v4}.
  MinCut graph = graphOf(6, {{0, 2, 16},
                             {0, 3, 13},
                             {3, 2, 4},
                             {2, 4, 12},
                             {4, 3, 9},
                             {3, 5, 14},
                             {5, 4, 7},
                             {4, 1, 20},
                             {5, 1, 4}});
  EXPECT_DOUBLE_EQ(graph.solve(0, 1), 23);
  EXPECT_TRUE(graph.onSourceSide(0));
  EXPECT_TRUE(graph.onSourceSide(2));
  EXPECT_TRUE(graph.onSourceSide(3));
  EXPECT_FALSE(graph.onSourceSide(4));
  EXPECT_TRUE(graph.onSourceSide(5));
  EXPECT_FALSE(graph.onSourceSide(1));
}

TEST(MinCut, TheCutCostsTheFlow) {
  // a = 2 and b = 3 between s and t: the cheapest cut leaves both with the
  // source and cuts a -> t (1) and b -> t (0.5); a -> b only reroutes flow
  // that b -> t cannot take. Cutting a off the source would cost 5, b 4.
  MinCut graph;
  size_t s = graph.addNode(), t = graph.addNode();
  size_t a = graph.addNode(), b = graph.addNode();
  EXPECT_EQ(graph.numNodes(), 4u);
  graph.addEdge(s, a, 5);
  graph.addEdge(s, b, 4);
  graph.addEdge(a, t, 1);
  graph.addEdge(a, b, 2);
  graph.addEdge(b, t, 0.5);
  EXPECT_DOUBLE_EQ(graph.solve(s, t), 1.5);
  EXPECT_TRUE(graph.onSourceSide(a));
  EXPECT_TRUE(graph.onSourceSide(b));
  // With b -> t dear, b goes to the sink: the cut is s -> b (4), a -> t (1)
  // and a -> b (2); moving a there too would cost s -> a (5) + s -> b (4).
  MinCut dear = graphOf(4, {{0, 2, 5}, {0, 3, 4}, {2, 1, 1}, {2, 3, 2}, {3, 1, 100}});
  EXPECT_DOUBLE_EQ(dear.solve(0, 1), 7);
  EXPECT_TRUE(dear.onSourceSide(2));
  EXPECT_FALSE(dear.onSourceSide(3));
}

TEST(MinCut, InfiniteEdgesAreNeverCut) {
  // s -> a (1) -> t (10) and a -> b infinite, b -> t (10): a's only cheap
  // cut is s -> a; the infinite edge makes b follow a to the sink side.
  MinCut graph =
      graphOf(4, {{0, 2, 1}, {2, 1, 10}, {2, 3, MinCut::infinite}, {3, 1, 10}});
  EXPECT_DOUBLE_EQ(graph.solve(0, 1), 1);
  EXPECT_FALSE(graph.onSourceSide(2));
  EXPECT_FALSE(graph.onSourceSide(3));
  // Without a finite cut the flow is infinite.
  MinCut open = graphOf(3, {{0, 2, MinCut::infinite}, {2, 1, MinCut::infinite}});
  EXPECT_EQ(open.solve(0, 1), MinCut::infinite);
}

TEST(MinCut, TiesGoToTheSource) {
  // s -> a (2) -> t (2): either side costs 2; a stays with the source. A
  // node no edge reaches is on the source side too.
  MinCut graph = graphOf(4, {{0, 2, 2}, {2, 1, 2}});
  EXPECT_DOUBLE_EQ(graph.solve(0, 1), 2);
  EXPECT_TRUE(graph.onSourceSide(2));
  EXPECT_TRUE(graph.onSourceSide(3));
  EXPECT_FALSE(graph.onSourceSide(1));
}

TEST(MinCut, ParallelPathsAddUp) {
  // Three disjoint paths of bottlenecks 0.25, 0.5 and 1 (milliseconds, as
  // the INT8 choice uses it) and a cross edge that lets 0.125 more through.
  MinCut graph = graphOf(8, {{0, 2, 1},
                             {2, 3, 0.25},
                             {3, 1, 1},
                             {0, 4, 0.5},
                             {4, 5, 1},
                             {5, 1, 1},
                             {0, 6, 1},
                             {6, 7, 1},
                             {7, 1, 1},
                             {2, 5, 0.125}});
  EXPECT_DOUBLE_EQ(graph.solve(0, 1), 0.25 + 0.5 + 1 + 0.125);
}

} // namespace
