// Helpers of the steps built on cudnn-frontend graphs (convolutions, attention).
#include "CudnnGraph.h"

#include <algorithm>
#include <set>

namespace kiln::runtime::detail {

namespace fb = kiln::fb;

fe::DataType_t feType(fb::DType type) {
  switch (type) {
  case fb::DType::F16: return fe::DataType_t::HALF;
  case fb::DType::BF16: return fe::DataType_t::BFLOAT16;
  case fb::DType::I8: return fe::DataType_t::INT8;
  case fb::DType::U8: return fe::DataType_t::UINT8;
  case fb::DType::I32: return fe::DataType_t::INT32;
  case fb::DType::I64: return fe::DataType_t::INT64;
  case fb::DType::Bool: return fe::DataType_t::BOOLEAN;
  default: return fe::DataType_t::FLOAT;
  }
}

std::vector<int64_t> toVector(const flatbuffers::Vector<int64_t> *values, size_t size,
                              int64_t fallback) {
  std::vector<int64_t> out(size, fallback);
  if (values && values->size())
    for (size_t i = 0; i < size; ++i)
      out[i] = values->Get(i);
  return out;
}

std::vector<int64_t> stridesOf(const fb::TensorDesc &tensor) {
  std::vector<int64_t> shape = toVector(tensor.shape(), tensor.shape()->size(), 1);
  if (tensor.strides() && tensor.strides()->size())
    return toVector(tensor.strides(), shape.size(), 1);
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * std::max<int64_t>(1, shape[i]);
  return strides;
}

ExecutionContext::StepChoice
choiceOf(int64_t engine, const std::unordered_map<fe::KnobType_t, int64_t> &knobs) {
  ExecutionContext::StepChoice choice;
  choice.engineId = engine;
  std::vector<std::pair<int64_t, int64_t>> sorted;
  for (auto [type, value] : knobs) {
    cudnnBackendKnobType_t backend;
    if (fe::convert_to_backend_knob_type(type, backend) == CUDNN_STATUS_SUCCESS)
      sorted.emplace_back(static_cast<int64_t>(backend), value);
  }
  std::sort(sorted.begin(), sorted.end());
  for (auto [type, value] : sorted) {
    choice.knobs.push_back(type);
    choice.knobs.push_back(value);
  }
  return choice;
}

bool frontendKnobs(const flatbuffers::Vector<int64_t> *pairs,
                   std::unordered_map<fe::KnobType_t, int64_t> &knobs) {
  // Knob types are cuDNN's backend numbers (cudnnBackendKnobType_t, the
  // "k24=26" of plan names); the frontend numbers them differently.
  bool known = true;
  for (size_t i = 0; pairs && i + 1 < pairs->size(); i += 2) {
    fe::KnobType_t type = fe::convert_from_backend_knob_type(
        static_cast<cudnnBackendKnobType_t>(pairs->Get(i)));
    known &= type != fe::KnobType_t::NOT_SET;
    knobs[type] = pairs->Get(i + 1);
  }
  return known;
}

ExecutionContext::StepChoice chosenPlan(fe::graph::Graph &graph) {
  std::string chosen, name;
  if (!graph.get_plan_name(chosen).is_good())
    return {};
  for (int64_t i = 0; i < graph.get_execution_plan_count(); ++i) {
    if (!graph.get_plan_name_at_index(i, name).is_good() || name != chosen)
      continue;
    int64_t engine = -1;
    std::unordered_map<fe::KnobType_t, int64_t> knobs;
    if (graph.get_engine_and_knobs_at_index(i, engine, knobs).is_good())
      return choiceOf(engine, knobs);
    return {};
  }
  return {};
}

void collectCandidates(fe::graph::Graph &graph, const std::string &suffix,
                       std::vector<StepRunner::Candidate> &candidates,
                       std::vector<int64_t> &plans) {
  std::set<std::pair<int64_t, std::vector<int64_t>>> seen;
  for (int64_t i = 0; i < graph.get_execution_plan_count(); ++i) {
    int64_t engine = -1, workspace = 0;
    std::unordered_map<fe::KnobType_t, int64_t> knobs;
    if (!graph.get_engine_and_knobs_at_index(i, engine, knobs).is_good() ||
        !graph.get_workspace_size_plan_at_index(i, workspace).is_good())
      continue;
    StepRunner::Candidate candidate;
    candidate.choice = choiceOf(engine, knobs);
    candidate.workspace = static_cast<size_t>(std::max<int64_t>(0, workspace));
    if (!seen.insert({engine, candidate.choice.knobs}).second)
      continue;
    candidate.description = "cudnn engine " + std::to_string(engine);
    const std::vector<int64_t> &pairs = candidate.choice.knobs;
    for (size_t k = 0; k + 1 < pairs.size(); k += 2)
      candidate.description += (k ? " " : " (knobs ") + std::to_string(pairs[k]) + "=" +
                               std::to_string(pairs[k + 1]);
    if (!pairs.empty())
      candidate.description += ")";
    candidate.description += suffix;
    candidates.push_back(std::move(candidate));
    plans.push_back(i);
  }
}

Status CudnnGraphRunner::execute(void *workspace) {
  auto status = planIndex_ < 0
                    ? graph_->execute(handle_, pack_, workspace)
                    : graph_->execute_plan_at_index(handle_, pack_, workspace, planIndex_);
  if (!status.is_good())
    return Status(ErrorCode::CudaError,
                  "cuDNN execution of '" + name_ + "' failed: " + feMessage(status));
  return Status::success();
}

bool CudnnGraphRunner::buildStoredPlan(int64_t engineId,
                                       const flatbuffers::Vector<int64_t> *knobs,
                                       std::vector<std::string> &warnings) {
  std::unordered_map<fe::KnobType_t, int64_t> frontend;
  fe::error_t status =
      frontendKnobs(knobs, frontend)
          ? graph_->create_execution_plan(engineId, frontend)
          : fe::error_t{fe::error_code_t::INVALID_VALUE, "a knob type this cuDNN does not know"};
  if (status.is_good())
    status = graph_->check_support(handle_);
  if (status.is_good())
    status = graph_->build_plans(handle_, fe::BuildPlanPolicy_t::HEURISTICS_CHOICE);
  if (status.is_good()) {
    tactic_ = "cudnn engine " + std::to_string(engineId) + " (from the engine)";
    return true;
  }
  warnings.push_back("'" + name_ + "': cuDNN engine " + std::to_string(engineId) +
                     " with the engine's knobs does not run here (" + feMessage(status) +
                     "); using cuDNN's heuristic");
  return false;
}

Status CudnnGraphRunner::finishPlan(
    std::initializer_list<std::shared_ptr<fe::graph::Tensor_attributes>> tensors) {
  choice_ = chosenPlan(*graph_);
  int64_t workspace = 0;
  if (auto status = graph_->get_workspace_size(workspace); !status.is_good())
    return Status(ErrorCode::Unsupported, "'" + name_ + "': cuDNN cannot say the workspace "
                                              "of its plan: " + feMessage(status));
  workspace_ = static_cast<size_t>(std::max<int64_t>(0, workspace));
  pack_.clear();
  pack_.reserve(8);
  for (const auto &tensor : tensors)
    if (tensor)
      pack_[tensor->get_uid()] = nullptr;
  return Status::success();
}

Status CudnnGraphRunner::useCandidate(size_t index) {
  planIndex_ = plans_[index];
  workspace_ = candidates_[index].workspace;
  choice_ = candidates_[index].choice;
  return Status::success();
}

} // namespace kiln::runtime::detail
