// What the steps built on cuDNN's graph API (cudnn-frontend) share: schema
// types and strides as the frontend wants them, engine choices in the
// schema's form (backend knob numbers), and the candidates of tactic timing.
#ifndef KILN_RUNTIME_SRC_CUDNNGRAPH_H
#define KILN_RUNTIME_SRC_CUDNNGRAPH_H

#include "Steps.h"

#include <cudnn_frontend.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace kiln::runtime::detail {

namespace fe = cudnn_frontend;

fe::DataType_t feType(kiln::fb::DType type);

/// `values` as `size` numbers, or `fallback` each when the schema has none.
std::vector<int64_t> toVector(const flatbuffers::Vector<int64_t> *values, size_t size,
                              int64_t fallback);

/// The tensor's strides in elements; row-major when the schema gives none.
std::vector<int64_t> stridesOf(const kiln::fb::TensorDesc &tensor);

inline std::string feMessage(fe::error_t error) { return error.get_message(); }

/// The schema's form of an engine and its knobs: backend knob numbers,
/// sorted, as pairs.
ExecutionContext::StepChoice choiceOf(int64_t engine,
                                      const std::unordered_map<fe::KnobType_t, int64_t> &knobs);

/// A stored engine's knobs (backend numbers, pairs) as the frontend's; false
/// when this cuDNN does not know one of the knob types.
bool frontendKnobs(const flatbuffers::Vector<int64_t> *pairs,
                   std::unordered_map<fe::KnobType_t, int64_t> &knobs);

/// The engine and knobs of the plan the graph runs (the one among those built
/// whose name get_plan_name gives); engine -1 when the frontend cannot say.
ExecutionContext::StepChoice chosenPlan(fe::graph::Graph &graph);

/// The plans `graph` built (build_plans with policy ALL), one candidate per
/// engine and knob set, each with its graph plan index in `plans`. `suffix`
/// is appended to each description.
void collectCandidates(fe::graph::Graph &graph, const std::string &suffix,
                       std::vector<StepRunner::Candidate> &candidates,
                       std::vector<int64_t> &plans);

/// A step that runs one cudnn-frontend graph: the plan it runs (the graph's
/// choice or a tactic candidate), its workspace and its variant pack.
class CudnnGraphRunner : public StepRunner {
public:
  size_t workspaceSize() const override { return workspace_; }
  std::string tactic() const override { return tactic_; }
  ExecutionContext::StepChoice choice() const override { return choice_; }

protected:
  CudnnGraphRunner(cudnnHandle_t handle, std::string name)
      : handle_(handle), name_(std::move(name)) {}

  /// `body()`, or a CudaError naming the step when cudnn-frontend throws.
  template <typename F> Status guarded(F body) {
    try {
      return body();
    } catch (const std::exception &error) {
      return Status(ErrorCode::CudaError,
                    "'" + name_ + "': cudnn-frontend failed: " + error.what());
    }
  }

  /// The address of `tensor` for the next execute(); allocates nothing once
  /// finishPlan() has made the pack's keys.
  void bind(const std::shared_ptr<fe::graph::Tensor_attributes> &tensor, void *address) {
    pack_[tensor->get_uid()] = address;
  }
  /// Runs the plan on the handle's stream (set by the context before its steps).
  Status execute(void *workspace);

  /// The plan of the stored engine and knobs (backend knob numbers), checked
  /// and built: true, the tactic says so; false, a warning says why not
  /// (the caller falls back to the heuristic).
  bool buildStoredPlan(int64_t engineId, const flatbuffers::Vector<int64_t> *knobs,
                       std::vector<std::string> &warnings);

  /// After the plans are built: the choice, the workspace, and a pack with a
  /// key for each of `tensors` (null ones skipped).
  Status finishPlan(
      std::initializer_list<std::shared_ptr<fe::graph::Tensor_attributes>> tensors);

  Status useCandidate(size_t index) override;

  cudnnHandle_t handle_;
  std::string name_;
  std::shared_ptr<fe::graph::Graph> graph_;
  std::string tactic_;
  ExecutionContext::StepChoice choice_;
  std::vector<int64_t> plans_; ///< the graph's plan index of each candidate

private:
  std::unordered_map<int64_t, void *> pack_;
  size_t workspace_ = 0;
  int64_t planIndex_ = -1; ///< the plan execute() runs; -1: the graph's chosen one
};

} // namespace kiln::runtime::detail

#endif // KILN_RUNTIME_SRC_CUDNNGRAPH_H
