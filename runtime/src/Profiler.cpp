// Aggregation of per-step times over runs, as a table and as JSON.
#include "kiln/runtime/Profiler.h"

#include "kiln/runtime/JsonWriter.h"

#include <algorithm>
#include <cstdio>

namespace kiln::runtime {

void Profiler::reportStepTime(const std::string &name, float milliseconds) {
  auto [entry, inserted] = times_.try_emplace(name);
  if (inserted)
    order_.push_back(name);
  // Steps that share a name within a run add up: one time per run.
  NameTimes &times = entry->second;
  if (!times.perRun.empty() && times.lastRun == runs_)
    times.perRun.back() += milliseconds;
  else
    times.perRun.push_back(milliseconds);
  times.lastRun = runs_;
}

void Profiler::reset() {
  order_.clear();
  times_.clear();
  runs_ = 0;
}

std::vector<Profiler::StepStats> Profiler::summary() const {
  std::vector<StepStats> stats;
  double total = 0;
  for (const std::string &name : order_) {
    std::vector<float> times = times_.at(name).perRun;
    StepStats entry;
    entry.name = name;
    entry.count = times.size();
    for (float t : times)
      entry.totalMs += t;
    entry.averageMs = entry.count ? entry.totalMs / entry.count : 0;
    std::sort(times.begin(), times.end());
    if (!times.empty())
      entry.medianMs = times.size() % 2
                           ? times[times.size() / 2]
                           : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2.0;
    total += entry.totalMs;
    stats.push_back(entry);
  }
  for (StepStats &entry : stats)
    entry.percent = total > 0 ? 100.0 * entry.totalMs / total : 0;
  return stats;
}

std::string Profiler::toText() const {
  std::vector<StepStats> stats = summary();
  size_t width = 5;
  for (const StepStats &entry : stats)
    width = std::max(width, entry.name.size());
  width = std::min<size_t>(width, 60);
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %8s %12s %12s %12s %8s\n", int(width), "Layer",
                "Count", "Total (ms)", "Avg (ms)", "Median (ms)", "Time %");
  out += line;
  double total = 0, totalAverage = 0;
  size_t runs = runs_;
  for (const StepStats &entry : stats) {
    std::snprintf(line, sizeof line, "%-*s %8zu %12.4f %12.4f %12.4f %7.1f%%\n", int(width),
                  entry.name.c_str(), entry.count, entry.totalMs, entry.averageMs,
                  entry.medianMs, entry.percent);
    out += line;
    total += entry.totalMs;
    totalAverage += entry.averageMs;
  }
  std::snprintf(line, sizeof line, "%-*s %8zu %12.4f %12.4f %12s %7.1f%%\n", int(width),
                "Total", runs, total, totalAverage, "", stats.empty() ? 0.0 : 100.0);
  out += line;
  return out;
}

std::string Profiler::toJson() const {
  std::vector<StepStats> stats = summary();
  JsonWriter json;
  json.beginObject();
  json.field("runs", static_cast<uint64_t>(runs_));
  double total = 0;
  json.key("steps").beginArray();
  for (const StepStats &entry : stats) {
    json.beginObject();
    json.field("name", entry.name);
    json.field("count", static_cast<uint64_t>(entry.count));
    json.field("total_ms", entry.totalMs);
    json.field("average_ms", entry.averageMs);
    json.field("median_ms", entry.medianMs);
    json.field("percent", entry.percent);
    json.endObject();
    total += entry.totalMs;
  }
  json.endArray();
  json.field("total_ms", total);
  json.endObject();
  return json.str();
}

} // namespace kiln::runtime
