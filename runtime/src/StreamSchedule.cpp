// Step dependencies and their assignment to streams (see StreamSchedule.h).
#include "kiln/runtime/StreamSchedule.h"

#include "kiln/runtime/engine_generated.h"

#include <algorithm>
#include <functional>

namespace kiln::runtime {

namespace fb = kiln::fb;

bool engineRecordsDeps(const fb::Engine &engine) {
  if (!engine.steps())
    return false;
  for (const fb::Step *step : *engine.steps())
    if (step->deps())
      return true;
  return false;
}

StepDeps engineStepDeps(const fb::Engine &engine) {
  StepDeps deps(engine.steps() ? engine.steps()->size() : 0);
  for (size_t i = 0; i < deps.size(); ++i) {
    const fb::Step *step = engine.steps()->Get(i);
    if (step->deps())
      deps[i].assign(step->deps()->begin(), step->deps()->end());
    else if (i > 0)
      deps[i] = {static_cast<uint32_t>(i - 1)};
  }
  return deps;
}

namespace {

/// ancestors[j][i]: step j waits for step i, directly or not.
std::vector<std::vector<bool>> ancestorSets(const StepDeps &deps) {
  std::vector<std::vector<bool>> ancestors(deps.size());
  for (size_t j = 0; j < deps.size(); ++j) {
    ancestors[j].assign(j, false);
    for (uint32_t d : deps[j]) {
      if (d >= j)
        continue; // the verifier refuses these; stay safe
      ancestors[j][d] = true;
      for (size_t i = 0; i < d; ++i)
        if (ancestors[d][i])
          ancestors[j][i] = true;
    }
  }
  return ancestors;
}

} // namespace

size_t dependencyWidth(const StepDeps &deps) {
  size_t n = deps.size();
  std::vector<std::vector<bool>> ancestors = ancestorSets(deps);
  // Successors in the transitive closure: u -> v when v waits for u.
  std::vector<std::vector<uint32_t>> later(n);
  for (size_t v = 0; v < n; ++v)
    for (size_t u = 0; u < v; ++u)
      if (ancestors[v][u])
        later[u].push_back(static_cast<uint32_t>(v));
  // A maximum matching (Kuhn's augmenting paths, after a greedy start).
  std::vector<int64_t> matchOf(n, -1); // right side: the u matched to v
  std::vector<bool> matched(n, false); // left side
  for (size_t u = 0; u < n; ++u)
    for (uint32_t v : later[u])
      if (matchOf[v] < 0) {
        matchOf[v] = static_cast<int64_t>(u);
        matched[u] = true;
        break;
      }
  std::vector<size_t> seen(n, 0);
  size_t round = 0;
  std::function<bool(size_t)> augment = [&](size_t u) {
    for (uint32_t v : later[u]) {
      if (seen[v] == round)
        continue;
      seen[v] = round;
      if (matchOf[v] < 0 || augment(static_cast<size_t>(matchOf[v]))) {
        matchOf[v] = static_cast<int64_t>(u);
        return true;
      }
    }
    return false;
  };
  size_t matching = 0;
  for (size_t v = 0; v < n; ++v)
    matching += matchOf[v] >= 0;
  for (size_t u = 0; u < n; ++u) {
    if (matched[u])
      continue;
    ++round;
    if (augment(u)) {
      matched[u] = true;
      ++matching;
    }
  }
  return n - matching;
}

StreamSchedule scheduleStreams(const StepDeps &deps, unsigned maxAuxStreams) {
  size_t n = deps.size();
  unsigned limit = maxAuxStreams + 1;
  StreamSchedule schedule;
  schedule.stream.assign(n, 0);
  schedule.waits.assign(n, {});
  schedule.recordEvent.assign(n, false);
  std::vector<std::vector<bool>> ancestors = ancestorSets(deps);

  std::vector<int64_t> last;                // per stream: its last step
  std::vector<std::vector<int64_t>> clock;  // per stream: per stream, the latest step known done
  std::vector<std::vector<int64_t>> after(n); // the clock of a step's stream after it
  for (size_t j = 0; j < n; ++j) {
    int64_t chosen = -1;
    // Continue the stream of the latest dependency that ended it.
    for (auto d = deps[j].rbegin(); d != deps[j].rend() && chosen < 0; ++d)
      if (*d < j && last[schedule.stream[*d]] == static_cast<int64_t>(*d))
        chosen = schedule.stream[*d];
    // A stream whose last step this one waits for anyway.
    for (size_t s = 0; s < last.size() && chosen < 0; ++s)
      if (ancestors[j][static_cast<size_t>(last[s])])
        chosen = static_cast<int64_t>(s);
    if (chosen < 0 && last.size() < limit) {
      chosen = static_cast<int64_t>(last.size());
      last.push_back(-1);
      clock.emplace_back(limit, -1);
    }
    if (chosen < 0) // every stream busy: the one that ended earliest
      chosen = std::min_element(last.begin(), last.end()) - last.begin();
    unsigned s = static_cast<unsigned>(chosen);
    schedule.stream[j] = s;

    for (auto d = deps[j].rbegin(); d != deps[j].rend(); ++d) {
      if (*d >= j)
        continue;
      unsigned t = schedule.stream[*d];
      if (t == s || clock[s][t] >= static_cast<int64_t>(*d))
        continue; // ordered by the stream, or by an earlier wait
      schedule.waits[j].push_back(*d);
      schedule.recordEvent[*d] = true;
      for (unsigned k = 0; k < limit; ++k)
        clock[s][k] = std::max(clock[s][k], after[*d][k]);
    }
    std::sort(schedule.waits[j].begin(), schedule.waits[j].end());
    clock[s][s] = static_cast<int64_t>(j);
    after[j] = clock[s];
    last[s] = static_cast<int64_t>(j);
  }

  schedule.numStreams = std::max<unsigned>(1, static_cast<unsigned>(last.size()));
  // The caller's stream waits for every auxiliary stream's last step, even
  // one it knows done through other waits: CUDA-graph capture requires every
  // stream drawn into it to be joined back into the origin stream.
  for (unsigned s = 1; s < last.size(); ++s) {
    schedule.joins.push_back(last[s]);
    schedule.recordEvent[static_cast<size_t>(last[s])] = true;
  }
  return schedule;
}

} // namespace kiln::runtime
