//===- PassStatistics.h - pass counters that count in release builds -*- C++ -*-===//
//
// Debian's LLVM is a release build, where `llvm::Statistic` (and so
// `mlir::Pass::Statistic`) is a no-op and `-mlir-pass-statistics` prints an
// empty report. `kiln::PassStatistic` is a counter with the same API that
// always counts; `PassStatisticsReport` collects, through a pass
// instrumentation, what the counters of every pass a pass manager runs
// counted, and prints it in MLIR's format (docs/passes.md#statistics).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_PASSSTATISTICS_H
#define KILN_PASSES_PASSSTATISTICS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

/// A named counter of a pass, declared as a member of the pass:
///
///   kiln::PassStatistic numFolded{this, "folded", "Batch norms folded"};
///
/// A pass that declares one needs a copy constructor that constructs its
/// counters anew (`FooPass(const FooPass &other) : FooPassBase(other) {}`):
/// MLIR clones passes for multi-threaded pipelines, and a clone's counters
/// must belong to the clone. Copying a counter is an error at compile time
/// so that a pass cannot forget this.
class PassStatistic {
public:
  PassStatistic(mlir::Pass *owner, const char *name, const char *description);
  PassStatistic(const PassStatistic &) = delete;
  PassStatistic &operator=(const PassStatistic &) = delete;
  ~PassStatistic();

  const char *getName() const { return name; }
  const char *getDesc() const { return description; }
  uint64_t getValue() const { return value; }
  operator uint64_t() const { return value; }

  PassStatistic &operator=(uint64_t newValue) {
    value = newValue;
    return *this;
  }
  PassStatistic &operator++() {
    ++value;
    return *this;
  }
  uint64_t operator++(int) { return value++; }
  PassStatistic &operator+=(uint64_t increment) {
    value += increment;
    return *this;
  }

  /// The counters `pass` declares, in declaration order.
  static std::vector<const PassStatistic *> of(const mlir::Pass *pass);

private:
  mlir::Pass *owner;
  const char *name;
  const char *description;
  // A pass instance runs on one operation at a time (MLIR clones it for
  // threads), so its counters need no synchronization.
  uint64_t value = 0;
};

/// A rewrite listener (`GreedyRewriteConfig::listener`) that counts the
/// applications of patterns added with a debug label
/// (`patterns.addWithLabel<PadIntoConv>({"pad-into-conv"}, context)`) into
/// the counter given for that label, so that a pass counts the rewrites of
/// shared pattern sets by kind without the patterns knowing its counters.
class PatternCounter : public mlir::RewriterBase::Listener {
public:
  void count(llvm::StringRef label, PassStatistic &counter) { byLabel[label] = &counter; }

  void notifyPatternEnd(const mlir::Pattern &pattern,
                        mlir::LogicalResult status) override {
    if (mlir::failed(status))
      return;
    for (llvm::StringRef label : pattern.getDebugLabels())
      if (auto it = byLabel.find(label); it != byLabel.end())
        ++*it->second;
  }

private:
  llvm::StringMap<PassStatistic *> byLabel;
};

/// What the counters of the passes counted over one or more pass-manager
/// runs: one entry per pass of the pipeline (its threading clones add into
/// it), in pipeline order, nested as the pass managers are.
class PassStatisticsReport {
public:
  PassStatisticsReport();
  ~PassStatisticsReport();

  /// Prints the report as `-mlir-pass-statistics` does: in `Pipeline` mode
  /// every pass in pipeline order, nested under its `'op' Pipeline`; in
  /// `List` mode the passes with counters, by name, a pass that ran several
  /// times (at several places in the pipeline) summed.
  void print(llvm::raw_ostream &os, mlir::PassDisplayMode mode) const;

private:
  friend class PassStatisticsInstrumentation;

  struct Counter {
    std::string name, description;
    uint64_t value = 0;
  };
  struct Pipeline;
  struct Entry {
    std::string name;
    std::vector<Counter> counters;
    /// Pipelines run by this pass: the nested pass managers of an adaptor,
    /// or dynamic pipelines of a pass.
    std::vector<std::unique_ptr<Pipeline>> pipelines;
    bool isAdaptor = false;
  };
  struct Pipeline {
    std::string anchor;
    std::vector<std::unique_ptr<Entry>> entries;
  };

  // Guards `root`: nested pipelines run on several threads.
  mutable std::mutex mutex;
  Pipeline root;
};

/// Adds to `pm` an instrumentation that records in `report` what the
/// counters of every pass `pm` runs count. `report` must outlive `pm`; one
/// report may collect several pass managers (a whole compile).
void addPassStatistics(mlir::PassManager &pm, PassStatisticsReport &report);

/// Adds to `pm` an instrumentation that collects a report as above and
/// prints it in `mode` to LLVM's info output (stderr unless
/// `-info-output-file` names a file) when `pm` is destroyed, as MLIR prints
/// its own statistics after a run.
void enablePassStatistics(mlir::PassManager &pm, mlir::PassDisplayMode mode);

/// Takes `-mlir-pass-statistics` and `-mlir-pass-statistics-display=MODE`
/// out of `argv` (shrinking `argc`), so that MLIR's command line does not
/// enable its own, empty, report. Sets `mode` to the display mode when
/// statistics were asked for (`Pipeline` unless a display says otherwise),
/// to nullopt when not; fails (after printing an error) on a value that is
/// not one of the flag's.
mlir::LogicalResult takePassStatisticsFlags(int &argc, char **argv,
                                            std::optional<mlir::PassDisplayMode> &mode);

} // namespace kiln

#endif // KILN_PASSES_PASSSTATISTICS_H
