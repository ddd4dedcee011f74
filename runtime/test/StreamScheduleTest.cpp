// The assignment of steps to streams (StreamSchedule.h), a pure function of
// the dependency lists: no GPU. Every schedule is also checked to order each
// dependency, by its stream or by an event wait, and to leave no auxiliary
// stream's work unjoined.
#include "kiln/runtime/StreamSchedule.h"

#include <gtest/gtest.h>

#include <random>

namespace kiln::runtime {
namespace {

// Whether step `before` is complete before step `after` starts under the
// schedule: a path of stream order (consecutive steps of one stream) and
// event waits.
bool ordered(const StreamSchedule &schedule, size_t before, size_t after) {
  std::vector<bool> reached(after + 1, false);
  reached[before] = true;
  for (size_t j = before + 1; j <= after; ++j) {
    for (uint32_t wait : schedule.waits[j])
      if (wait >= before && reached[wait])
        reached[j] = true;
    for (size_t k = j; k-- > before;)
      if (schedule.stream[k] == schedule.stream[j]) {
        reached[j] = reached[j] || reached[k];
        break;
      }
  }
  return reached[after];
}

// Every dependency is ordered; every wait names a step that records an
// event on another stream; each auxiliary stream's last step is joined into
// the caller's stream (as a CUDA-graph capture needs); the streams used are
// at most the cap.
void expectValid(const StepDeps &deps, const StreamSchedule &schedule, unsigned maxAux) {
  size_t n = deps.size();
  ASSERT_EQ(schedule.stream.size(), n);
  ASSERT_EQ(schedule.waits.size(), n);
  EXPECT_LE(schedule.numStreams, maxAux + 1);
  EXPECT_EQ(schedule.joins.size(), schedule.numStreams - 1);
  for (size_t j = 0; j < n; ++j) {
    EXPECT_LT(schedule.stream[j], schedule.numStreams);
    for (uint32_t d : deps[j])
      EXPECT_TRUE(ordered(schedule, d, j)) << "step " << j << " does not wait for " << d;
    for (uint32_t wait : schedule.waits[j]) {
      EXPECT_TRUE(schedule.recordEvent[wait]) << wait;
      EXPECT_NE(schedule.stream[wait], schedule.stream[j]) << wait << " -> " << j;
    }
  }
  if (n)
    EXPECT_EQ(schedule.stream[0], 0u) << "the first step runs on the caller's stream";
  for (unsigned s = 1; s < schedule.numStreams; ++s) {
    int64_t last = -1;
    for (size_t j = 0; j < n; ++j)
      if (schedule.stream[j] == s)
        last = static_cast<int64_t>(j);
    ASSERT_GE(last, 0) << "stream " << s << " runs nothing";
    EXPECT_EQ(schedule.joins[s - 1], last) << "stream " << s << " is not joined";
    EXPECT_TRUE(schedule.recordEvent[static_cast<size_t>(last)]);
  }
}

TEST(StreamSchedule, ChainStaysOnOneStream) {
  StepDeps chain = {{}, {0}, {1}, {2}, {3}};
  StreamSchedule schedule = scheduleStreams(chain, 4);
  expectValid(chain, schedule, 4);
  EXPECT_EQ(schedule.numStreams, 1u);
  EXPECT_EQ(schedule.stream, (std::vector<unsigned>(5, 0)));
  for (const auto &waits : schedule.waits)
    EXPECT_TRUE(waits.empty());
  EXPECT_EQ(dependencyWidth(chain), 1u);
}

// 0 -> {1, 2} -> 3: two streams; 2 waits for 0 (recorded after the fork)
// by an event, 3 continues the stream of its latest dependency and waits for
// the other by one event; the caller's stream joins the auxiliary one at
// the end.
TEST(StreamSchedule, DiamondUsesTwoStreams) {
  StepDeps diamond = {{}, {0}, {0}, {1, 2}};
  StreamSchedule schedule = scheduleStreams(diamond, 4);
  expectValid(diamond, schedule, 4);
  EXPECT_EQ(schedule.numStreams, 2u);
  EXPECT_EQ(schedule.stream, (std::vector<unsigned>{0, 0, 1, 1}));
  EXPECT_EQ(schedule.waits[3], (std::vector<uint32_t>{1}));
  EXPECT_EQ(schedule.waits[2], (std::vector<uint32_t>{0}));
  EXPECT_EQ(schedule.joins, (std::vector<int64_t>{3}));
  EXPECT_EQ(dependencyWidth(diamond), 2u);
}

// Without auxiliary streams everything is serial: no events at all.
TEST(StreamSchedule, ZeroAuxStreamsIsSerial) {
  StepDeps independent = {{}, {}, {}, {}};
  StreamSchedule schedule = scheduleStreams(independent, 0);
  expectValid(independent, schedule, 0);
  EXPECT_EQ(schedule.numStreams, 1u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(schedule.recordEvent[i]);
    EXPECT_TRUE(schedule.waits[i].empty());
  }
  EXPECT_TRUE(schedule.joins.empty());
  EXPECT_EQ(dependencyWidth(independent), 4u);
}

// Six independent steps under a cap of 2 auxiliary streams: three streams,
// two steps each, every auxiliary stream joined.
TEST(StreamSchedule, CapHolds) {
  StepDeps independent(6);
  StreamSchedule schedule = scheduleStreams(independent, 2);
  expectValid(independent, schedule, 2);
  EXPECT_EQ(schedule.numStreams, 3u);
  std::vector<int> perStream(3, 0);
  for (unsigned s : schedule.stream)
    ++perStream[s];
  EXPECT_EQ(perStream, (std::vector<int>{2, 2, 2}));
  EXPECT_EQ(schedule.joins.size(), 2u);
}

// A stream whose last step a later one waits for anyway is reused rather
// than a new stream taken: two diamonds in sequence need two streams.
TEST(StreamSchedule, ReusesFinishedStreams) {
  StepDeps twoDiamonds = {{}, {0}, {0}, {1, 2}, {3}, {3}, {4, 5}};
  StreamSchedule schedule = scheduleStreams(twoDiamonds, 8);
  expectValid(twoDiamonds, schedule, 8);
  EXPECT_EQ(schedule.numStreams, 2u);
  EXPECT_EQ(dependencyWidth(twoDiamonds), 2u);
}

// No steps: one stream, width 0; an inception block.
TEST(StreamSchedule, WidthOfEmptyAndInception) {
  EXPECT_EQ(dependencyWidth({}), 0u);
  EXPECT_EQ(scheduleStreams({}, 3).numStreams, 1u);
  // An inception block: 4 branches from one input (lengths 1, 2, 2, 2) into
  // a concat, then the next block.
  StepDeps inception = {{},     {0},    {0}, {2}, {0},
                        {4},    {0},    {6}, {1, 3, 5, 7}};
  StreamSchedule schedule = scheduleStreams(inception, 3);
  expectValid(inception, schedule, 3);
  EXPECT_EQ(schedule.numStreams, 4u);
  EXPECT_EQ(dependencyWidth(inception), 4u);
  // Each two-step branch stays on one stream; the concat continues the last
  // branch's and waits for the three others; every auxiliary stream joins.
  EXPECT_EQ(schedule.stream[2], schedule.stream[3]);
  EXPECT_EQ(schedule.stream[4], schedule.stream[5]);
  EXPECT_EQ(schedule.stream[6], schedule.stream[7]);
  EXPECT_EQ(schedule.stream[8], schedule.stream[7]);
  EXPECT_EQ(schedule.waits[8], (std::vector<uint32_t>{1, 3, 5}));
  EXPECT_EQ(schedule.joins, (std::vector<int64_t>{3, 5, 8}));
}

// Random DAGs (seeded): every schedule is valid under every cap, and the
// width is at least the steps of any one level and at most the steps.
TEST(StreamSchedule, RandomGraphsAreOrdered) {
  std::mt19937 random(7);
  for (int graph = 0; graph < 200; ++graph) {
    size_t n = 1 + random() % 40;
    StepDeps deps(n);
    for (size_t j = 1; j < n; ++j)
      for (size_t d = 0; d < j; ++d)
        if (random() % 6 == 0)
          deps[j].push_back(static_cast<uint32_t>(d));
    for (unsigned cap : {0u, 1u, 2u, 4u, 16u}) {
      StreamSchedule schedule = scheduleStreams(deps, cap);
      expectValid(deps, schedule, cap);
      if (::testing::Test::HasFailure())
        return;
    }
    size_t roots = 0;
    for (const auto &list : deps)
      roots += list.empty();
    size_t width = dependencyWidth(deps);
    EXPECT_GE(width, roots);
    EXPECT_LE(width, n);
  }
}

} // namespace
} // namespace kiln::runtime
