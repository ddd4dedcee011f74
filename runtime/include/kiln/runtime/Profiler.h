// Per-step GPU times aggregated over runs, reported under the steps' names
// (the fused layers: "conv1 + bn1 + relu1"), in the spirit of TensorRT's
// IProfiler. GPU-free: the execution context measures, this sums up.
#ifndef KILN_RUNTIME_PROFILER_H
#define KILN_RUNTIME_PROFILER_H

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace kiln::runtime {

class Profiler {
public:
  virtual ~Profiler() = default;

  /// One step of one run took `milliseconds` of GPU time. Steps of one run
  /// that share a name (a conv and the padding kernel before it, both named
  /// after the conv's layers) add up: a name's times are per run.
  virtual void reportStepTime(const std::string &name, float milliseconds);
  /// A run ended (all its steps are reported).
  virtual void endRun() { ++runs_; }

  struct StepStats {
    std::string name;
    size_t count = 0; ///< runs that reported the name
    double totalMs = 0;
    double averageMs = 0;
    double medianMs = 0;
    double percent = 0; ///< of the sum of all steps' totals
  };
  /// One entry per name, in the order the names were first reported.
  std::vector<StepStats> summary() const;
  size_t runs() const { return runs_; }
  void reset();

  /// A table: name, count, total, average, median, percentage, and a total row.
  std::string toText() const;
  /// {"runs": N, "steps": [{"name", "count", "total_ms", "average_ms",
  ///  "median_ms", "percent"}...], "total_ms": T}
  std::string toJson() const;

private:
  struct NameTimes {
    std::vector<float> perRun;
    size_t lastRun = 0; ///< the run perRun.back() belongs to
  };
  std::vector<std::string> order_;
  std::unordered_map<std::string, NameTimes> times_;
  size_t runs_ = 0;
};

} // namespace kiln::runtime

#endif // KILN_RUNTIME_PROFILER_H
