//===- PassStatistics.cpp - pass counters, their instrumentation and report -===//

#include "passes/PassStatistics.h"

#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;

//===----------------------------------------------------------------------===//
// PassStatistic
//===----------------------------------------------------------------------===//

namespace {
/// The counters of every live pass, by pass. MLIR keeps a pass's statistics
/// in a private list only `mlir::Pass::Statistic` may join, so ours keep
/// their own.
struct CounterRegistry {
  std::mutex mutex;
  llvm::DenseMap<const Pass *, llvm::SmallVector<kiln::PassStatistic *, 4>> byPass;
};

CounterRegistry &counterRegistry() {
  // Never destroyed: passes held by static objects may outlive any order of
  // static destruction.
  static CounterRegistry *registry = new CounterRegistry;
  return *registry;
}
} // namespace

kiln::PassStatistic::PassStatistic(Pass *owner, const char *name,
                                   const char *description)
    : owner(owner), name(name), description(description) {
  CounterRegistry &registry = counterRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.byPass[owner].push_back(this);
}

kiln::PassStatistic::~PassStatistic() {
  CounterRegistry &registry = counterRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  auto it = registry.byPass.find(owner);
  if (it == registry.byPass.end())
    return;
  llvm::erase(it->second, this);
  if (it->second.empty())
    registry.byPass.erase(it);
}

std::vector<const kiln::PassStatistic *> kiln::PassStatistic::of(const Pass *pass) {
  CounterRegistry &registry = counterRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  auto it = registry.byPass.find(pass);
  if (it == registry.byPass.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

//===----------------------------------------------------------------------===//
// Instrumentation
//===----------------------------------------------------------------------===//

namespace kiln {

/// Adds what each pass run counted to the report entry of the pass in the
/// pipeline. A pass may run many times (once per function) and as several
/// instances (MLIR's clones for threads, each with its own counters), so
/// every run adds the difference between its counters after and before it
/// to the entry of the pass the instance was cloned from.
class PassStatisticsInstrumentation : public PassInstrumentation {
public:
  explicit PassStatisticsInstrumentation(PassStatisticsReport &report)
      : report(report) {}

  void runBeforePipeline(std::optional<OperationName> name,
                         const PipelineParentInfo &parentInfo) override {
    std::lock_guard<std::mutex> lock(report.mutex);
    PassStatisticsReport::Entry &parent = entryFor(parentInfo.parentPass);
    // A pass manager's adaptor has no argument; a pass that runs a dynamic
    // pipeline does.
    parent.isAdaptor = parentInfo.parentPass->getArgument().empty();
    std::string anchor = name ? name->getStringRef().str() : "any";
    auto &pipelines = parent.pipelines;
    auto it = llvm::find_if(pipelines, [&](const auto &pipeline) {
      return pipeline->anchor == anchor;
    });
    if (it == pipelines.end()) {
      // MLIR keeps an adaptor's pass managers sorted by their anchor.
      it = std::upper_bound(pipelines.begin(), pipelines.end(), anchor,
                            [](const std::string &anchor, const auto &pipeline) {
                              return anchor < pipeline->anchor;
                            });
      auto pipeline = std::make_unique<PassStatisticsReport::Pipeline>();
      pipeline->anchor = anchor;
      it = pipelines.insert(it, std::move(pipeline));
    }
    pipelineStack.push_back({this, it->get()});
  }

  void runAfterPipeline(std::optional<OperationName>,
                        const PipelineParentInfo &) override {
    // Pipelines nest on a thread: the innermost of ours is the last one.
    for (auto it = pipelineStack.rbegin(); it != pipelineStack.rend(); ++it)
      if (it->first == this) {
        pipelineStack.erase(std::next(it).base());
        return;
      }
  }

  void runBeforePass(Pass *pass, Operation *) override {
    std::lock_guard<std::mutex> lock(report.mutex);
    entryFor(pass);
    llvm::SmallVector<uint64_t, 4> &values = before[pass];
    values.clear();
    for (const PassStatistic *counter : PassStatistic::of(pass))
      values.push_back(counter->getValue());
  }

  void runAfterPass(Pass *pass, Operation *) override { collect(pass); }
  void runAfterPassFailed(Pass *pass, Operation *) override { collect(pass); }

private:
  using Entry = PassStatisticsReport::Entry;
  using Pipeline = PassStatisticsReport::Pipeline;

  void collect(Pass *pass) {
    std::lock_guard<std::mutex> lock(report.mutex);
    Entry &entry = entryFor(pass);
    auto it = before.find(pass);
    std::vector<const PassStatistic *> counters = PassStatistic::of(pass);
    for (auto [index, counter] : llvm::enumerate(counters)) {
      uint64_t start = it != before.end() && index < it->second.size()
                           ? it->second[index]
                           : 0;
      if (index < entry.counters.size())
        entry.counters[index].value += counter->getValue() - start;
    }
    if (it != before.end())
      before.erase(it);
  }

  /// The report entry of `pass` (of the pass it was cloned from), made on
  /// its first run at the end of the pipeline this thread is running.
  Entry &entryFor(Pass *pass) {
    const Pass *original = pass;
    while (const Pass *sibling = original->getThreadingSibling())
      original = sibling;
    auto it = entries.find(original);
    if (it != entries.end())
      return *it->second;
    Pipeline *pipeline = &report.root;
    for (auto frame = pipelineStack.rbegin(); frame != pipelineStack.rend(); ++frame)
      if (frame->first == this) {
        pipeline = frame->second;
        break;
      }
    auto entry = std::make_unique<Entry>();
    entry->name = pass->getName().str();
    for (const PassStatistic *counter : PassStatistic::of(pass))
      entry->counters.push_back({counter->getName(), counter->getDesc(), 0});
    Entry *result = entry.get();
    pipeline->entries.push_back(std::move(entry));
    entries[original] = result;
    return *result;
  }

  PassStatisticsReport &report;
  /// Entries by the pass they count (never a clone). Passes live as long as
  /// their pass manager, which owns this instrumentation.
  llvm::DenseMap<const Pass *, Entry *> entries;
  /// The counters of each running pass instance when it started.
  llvm::DenseMap<const Pass *, llvm::SmallVector<uint64_t, 4>> before;
  /// The pipelines this thread is inside, innermost last, with the
  /// instrumentation that entered them.
  static thread_local std::vector<std::pair<const PassStatisticsInstrumentation *, Pipeline *>>
      pipelineStack;
};

thread_local std::vector<std::pair<const PassStatisticsInstrumentation *,
                                   PassStatisticsReport::Pipeline *>>
    PassStatisticsInstrumentation::pipelineStack;

} // namespace kiln

namespace {
/// Collects a report of its own and prints it when its pass manager is
/// destroyed.
class PrintingInstrumentation : public kiln::PassStatisticsInstrumentation {
public:
  explicit PrintingInstrumentation(PassDisplayMode mode)
      : PassStatisticsInstrumentation(ownReport), mode(mode) {}
  ~PrintingInstrumentation() override {
    std::unique_ptr<llvm::raw_ostream> os = llvm::CreateInfoOutputFile();
    ownReport.print(*os, mode);
    os->flush();
  }

private:
  kiln::PassStatisticsReport ownReport;
  PassDisplayMode mode;
};
} // namespace

void kiln::addPassStatistics(PassManager &pm, PassStatisticsReport &report) {
  pm.addInstrumentation(std::make_unique<PassStatisticsInstrumentation>(report));
}

void kiln::enablePassStatistics(PassManager &pm, PassDisplayMode mode) {
  pm.addInstrumentation(std::make_unique<PrintingInstrumentation>(mode));
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

kiln::PassStatisticsReport::PassStatisticsReport() = default;
kiln::PassStatisticsReport::~PassStatisticsReport() = default;

namespace {
/// One pass and its counters, sorted by name, in MLIR's layout:
/// `(S) <value> <name> - <description>`, values and names aligned.
template <typename CounterT>
void printEntry(llvm::raw_ostream &os, unsigned indent, llvm::StringRef pass,
                std::vector<CounterT> counters) {
  os.indent(indent) << pass << "\n";
  llvm::stable_sort(counters, [](const CounterT &lhs, const CounterT &rhs) {
    return lhs.name < rhs.name;
  });
  size_t nameWidth = 0, valueWidth = 0;
  for (const CounterT &counter : counters) {
    nameWidth = std::max(nameWidth, counter.name.size());
    valueWidth = std::max(valueWidth, llvm::utostr(counter.value).size());
  }
  for (const CounterT &counter : counters)
    os.indent(indent + 2) << "(S) "
                          << llvm::right_justify(llvm::utostr(counter.value), valueWidth)
                          << " " << llvm::left_justify(counter.name, nameWidth)
                          << " - " << counter.description << "\n";
}
} // namespace

void kiln::PassStatisticsReport::print(llvm::raw_ostream &os,
                                       PassDisplayMode mode) const {
  std::lock_guard<std::mutex> lock(mutex);
  constexpr llvm::StringLiteral title = "... Pass statistics report ...";
  std::string rule = "===" + std::string(73, '-') + "===\n";
  os << rule;
  os.indent((80 - title.size()) / 2) << title << "\n";
  os << rule;

  if (mode == PassDisplayMode::List) {
    // By pass name: the runs of a pass at several places of the pipeline add
    // up, as in MLIR's list.
    llvm::StringMap<std::vector<Counter>> byName;
    std::function<void(const Pipeline &)> gather = [&](const Pipeline &pipeline) {
      for (const auto &entry : pipeline.entries) {
        for (const auto &nested : entry->pipelines)
          gather(*nested);
        if (entry->isAdaptor || entry->counters.empty())
          continue;
        auto [it, inserted] = byName.try_emplace(entry->name, entry->counters);
        if (!inserted)
          for (auto [total, counter] : llvm::zip(it->second, entry->counters))
            total.value += counter.value;
      }
    };
    gather(root);
    std::vector<std::string> names;
    for (const auto &it : byName)
      names.push_back(it.getKey().str());
    llvm::sort(names);
    for (const std::string &name : names)
      printEntry(os, /*indent=*/2, name, byName[name]);
  } else {
    std::function<void(const Entry &, unsigned)> printTree =
        [&](const Entry &entry, unsigned indent) {
          unsigned nested = indent;
          if (entry.isAdaptor) {
            // An adaptor with one pass manager is just its pipeline.
            if (entry.pipelines.size() > 1) {
              os.indent(indent) << "Pipeline Collection : [";
              llvm::interleaveComma(entry.pipelines, os, [&](const auto &pipeline) {
                os << "'" << pipeline->anchor << "'";
              });
              os << "]\n";
              nested += 2;
            }
          } else {
            printEntry(os, indent, entry.name, entry.counters);
            nested += 2;
          }
          for (const auto &pipeline : entry.pipelines) {
            os.indent(nested) << "'" << pipeline->anchor << "' Pipeline\n";
            for (const auto &child : pipeline->entries)
              printTree(*child, nested + 2);
          }
        };
    for (const auto &entry : root.entries)
      printTree(*entry, 0);
  }
  os << "\n";
}

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

LogicalResult kiln::takePassStatisticsFlags(int &argc, char **argv,
                                            std::optional<PassDisplayMode> &result) {
  bool enabled = false;
  PassDisplayMode mode = PassDisplayMode::Pipeline;
  auto fail = [&](const llvm::Twine &message) {
    llvm::errs() << argv[0] << ": " << message << "\n";
    return failure();
  };
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--") {
      // Everything after `--` is positional.
      while (i < argc)
        argv[kept++] = argv[i++];
      break;
    }
    llvm::StringRef flag = arg;
    if (!flag.consume_front("--"))
      flag.consume_front("-");
    auto [flagName, value] = flag.split('=');
    bool hasValue = flag.contains('=');
    if (flagName == "mlir-pass-statistics") {
      if (!hasValue || value == "true" || value == "1")
        enabled = true;
      else if (value == "false" || value == "0")
        enabled = false;
      else
        return fail("for the --mlir-pass-statistics option: expected true or "
                    "false, found '" + value + "'");
      continue;
    }
    if (flagName == "mlir-pass-statistics-display") {
      if (!hasValue) {
        if (i + 1 == argc)
          return fail("for the --mlir-pass-statistics-display option: expected "
                      "list or pipeline, found nothing");
        value = argv[++i];
      }
      if (value == "list")
        mode = PassDisplayMode::List;
      else if (value == "pipeline")
        mode = PassDisplayMode::Pipeline;
      else
        return fail("for the --mlir-pass-statistics-display option: expected "
                    "list or pipeline, found '" + value + "'");
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  result = enabled ? std::optional<PassDisplayMode>(mode) : std::nullopt;
  return success();
}
