// GemmStep on cuBLASLt. The schema's GEMM is row-major; cuBLASLt is
// column-major, and a row-major matrix is its transpose in column-major. So
// D = op(A) op(B) is computed as D^T = op(B)^T op(A)^T: cuBLASLt's "A" is our
// B, its "B" is our A, the transpose flags carry over, and the bias (one value
// per column of D) becomes one per row of D^T, which is what cuBLASLt's bias
// epilogues broadcast.
#include "Steps.h"

#include "kiln/runtime/DataType.h"

#include <algorithm>
#include <cstring>

namespace kiln::runtime::detail {

namespace fb = kiln::fb;

namespace {

cudaDataType_t cudaType(fb::DType type) {
  switch (type) {
  case fb::DType::F16: return CUDA_R_16F;
  case fb::DType::BF16: return CUDA_R_16BF;
  case fb::DType::I8: return CUDA_R_8I;
  case fb::DType::I32: return CUDA_R_32I;
  default: return CUDA_R_32F;
  }
}

Status cublasFailure(cublasStatus_t status, const std::string &what) {
  return Status(ErrorCode::CudaError,
                what + ": cuBLASLt error " + std::to_string(static_cast<int>(status)));
}

#define KILN_CUBLAS_TRY(call, what)                                            \
  do {                                                                         \
    cublasStatus_t kilnStatus_ = (call);                                       \
    if (kilnStatus_ != CUBLAS_STATUS_SUCCESS)                                  \
      return cublasFailure(kilnStatus_, (what));                               \
  } while (0)

class GemmRunner : public StepRunner {
public:
  GemmRunner(const fb::GemmStep &gemm, cublasLtHandle_t handle, std::string name)
      : gemm_(gemm), handle_(handle), name_(std::move(name)) {}

  ~GemmRunner() override {
    if (preference_) cublasLtMatmulPreferenceDestroy(preference_);
    for (cublasLtMatrixLayout_t layout : {layoutA_, layoutB_, layoutC_, layoutD_})
      if (layout) cublasLtMatrixLayoutDestroy(layout);
    if (operation_) cublasLtMatmulDescDestroy(operation_);
  }

  Status build(const std::string &precision, std::vector<std::string> &warnings) {
    if (Status s = describe(precision); !s.ok())
      return s;
    return chooseAlgo(warnings);
  }

  // Tactic timing: the first `maxCandidates` algorithms of cuBLASLt's
  // heuristic within `maxWorkspace` bytes, each checked to run here.
  Status enumerate(const std::string &precision, size_t maxWorkspace,
                   unsigned maxCandidates) {
    if (Status s = describe(precision); !s.ok())
      return s;
    if (Status s = makePreference(maxWorkspace); !s.ok())
      return s;
    std::vector<cublasLtMatmulHeuristicResult_t> results(std::max(1u, maxCandidates));
    int found = 0;
    cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
        handle_, operation_, layoutA_, layoutB_, layoutC(), layoutD_, preference_,
        static_cast<int>(results.size()), results.data(), &found);
    if (status != CUBLAS_STATUS_SUCCESS || found == 0)
      return noAlgorithm(status);
    for (int i = 0; i < found; ++i) {
      if (results[i].state != CUBLAS_STATUS_SUCCESS)
        continue;
      Candidate candidate;
      candidate.workspace = results[i].workspaceSize;
      candidate.choice.algo.assign(std::begin(results[i].algo.data),
                                   std::end(results[i].algo.data));
      candidate.description = describeAlgo(results[i].algo);
      candidates_.push_back(std::move(candidate));
      algos_.push_back(results[i].algo);
    }
    if (candidates_.empty())
      return noAlgorithm(status);
    return selectCandidate(0);
  }

private:
  Status useCandidate(size_t index) override {
    algo_ = algos_[index];
    workspace_ = candidates_[index].workspace;
    return Status::success();
  }

  // "cublasLt algo 21 (tile 12, stages 8, split-k 1)": the configuration
  // attributes that tell algorithms of one id apart.
  static std::string describeAlgo(const cublasLtMatmulAlgo_t &algo) {
    auto attribute = [&](cublasLtMatmulAlgoConfigAttributes_t which) {
      int32_t value = 0;
      size_t written = 0;
      cublasLtMatmulAlgoConfigGetAttribute(&algo, which, &value, sizeof value, &written);
      return std::to_string(value);
    };
    return "cublasLt algo " + attribute(CUBLASLT_ALGO_CONFIG_ID) + " (tile " +
           attribute(CUBLASLT_ALGO_CONFIG_TILE_ID) + ", stages " +
           attribute(CUBLASLT_ALGO_CONFIG_STAGES_ID) + ", split-k " +
           attribute(CUBLASLT_ALGO_CONFIG_SPLITK_NUM) + ")";
  }

  cublasLtMatrixLayout_t layoutC() const { return gemm_.has_c() ? layoutC_ : layoutD_; }

  Status noAlgorithm(cublasStatus_t status) const {
    const fb::GemmStep &g = gemm_;
    return Status(ErrorCode::Unsupported,
                  "'" + name_ + "': cuBLASLt has no algorithm for this GEMM (m " +
                      std::to_string(g.m()) + ", n " + std::to_string(g.n()) + ", k " +
                      std::to_string(g.k()) + ", batch " + std::to_string(g.batch()) +
                      ", status " + std::to_string(static_cast<int>(status)) + ")");
  }

  // The operation and matrix descriptors of the step.
  Status describe(const std::string &precision) {
    const fb::GemmStep &g = gemm_;
    bool halfCompute = g.compute_type() == fb::DType::F16;
    cublasComputeType_t compute = halfCompute ? CUBLAS_COMPUTE_16F : CUBLAS_COMPUTE_32F;
    if (g.a_type() == fb::DType::F32 && precision == "tf32")
      compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    cudaDataType_t scale = halfCompute ? CUDA_R_16F : CUDA_R_32F;
    // int8 A and B (IMMA): int32 sums, int32 alpha and beta.
    bool int8 = g.compute_type() == fb::DType::I32;
    if (int8) {
      compute = CUBLAS_COMPUTE_32I;
      scale = CUDA_R_32I;
      int32_t alpha = 1, beta = 0;
      std::memcpy(alpha_, &alpha, 4);
      std::memcpy(beta_, &beta, 4);
    } else if (halfCompute) {
      uint16_t alpha = floatToHalf(g.alpha()), beta = floatToHalf(g.has_c() ? g.beta() : 0.f);
      std::memcpy(alpha_, &alpha, 2);
      std::memcpy(beta_, &beta, 2);
    } else {
      float alpha = g.alpha(), beta = g.has_c() ? g.beta() : 0.f;
      std::memcpy(alpha_, &alpha, 4);
      std::memcpy(beta_, &beta, 4);
    }
    KILN_CUBLAS_TRY(cublasLtMatmulDescCreate(&operation_, compute, scale),
                    "cublasLtMatmulDescCreate");
    cublasOperation_t transA = g.trans_b() ? CUBLAS_OP_T : CUBLAS_OP_N; // our B
    cublasOperation_t transB = g.trans_a() ? CUBLAS_OP_T : CUBLAS_OP_N; // our A
    KILN_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(operation_, CUBLASLT_MATMUL_DESC_TRANSA,
                                                   &transA, sizeof transA),
                    "setting TRANSA");
    KILN_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(operation_, CUBLASLT_MATMUL_DESC_TRANSB,
                                                   &transB, sizeof transB),
                    "setting TRANSB");
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
    switch (g.epilogue()) {
    case fb::GemmEpilogue::None:
      epilogue = g.has_bias() ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
      break;
    case fb::GemmEpilogue::Relu:
      epilogue = g.has_bias() ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
      break;
    case fb::GemmEpilogue::Gelu:
      epilogue = g.has_bias() ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
      break;
    }
    KILN_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(operation_, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                   &epilogue, sizeof epilogue),
                    "setting the epilogue");
    if (g.has_bias()) {
      cudaDataType_t biasType = cudaType(g.bias_type());
      KILN_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(operation_,
                                                     CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                                     &biasType, sizeof biasType),
                      "setting the bias type");
    }

    int64_t m = g.m(), n = g.n(), k = g.k();
    // Column-major views: a row-major R x C matrix is a C x R column-major one.
    auto layout = [&](cublasLtMatrixLayout_t &out, fb::DType type, int64_t rows,
                      int64_t cols, int64_t ld, int64_t stride) -> Status {
      KILN_CUBLAS_TRY(cublasLtMatrixLayoutCreate(&out, cudaType(type), uint64_t(cols),
                                                 uint64_t(rows), ld),
                      "cublasLtMatrixLayoutCreate");
      int32_t batch = static_cast<int32_t>(g.batch());
      KILN_CUBLAS_TRY(cublasLtMatrixLayoutSetAttribute(out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                       &batch, sizeof batch),
                      "setting the batch count");
      KILN_CUBLAS_TRY(cublasLtMatrixLayoutSetAttribute(
                          out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                          sizeof stride),
                      "setting the batch stride");
      return Status::success();
    };
    // cuBLASLt's A is our B (rows x cols as stored, row-major).
    if (Status s = layout(layoutA_, g.b_type(), g.trans_b() ? n : k, g.trans_b() ? k : n,
                          g.ldb(), g.stride_b());
        !s.ok())
      return s;
    if (Status s = layout(layoutB_, g.a_type(), g.trans_a() ? k : m, g.trans_a() ? m : k,
                          g.lda(), g.stride_a());
        !s.ok())
      return s;
    if (g.has_c()) {
      if (Status s = layout(layoutC_, g.c_type(), m, n, g.ldc(), g.stride_c()); !s.ok())
        return s;
    }
    if (Status s = layout(layoutD_, g.d_type(), m, n, g.ldd(), g.stride_d()); !s.ok())
      return s;

    return Status::success();
  }

  // The algorithm the engine names when it runs here, else cuBLASLt's
  // heuristic choice.
  Status chooseAlgo(std::vector<std::string> &warnings) {
    const fb::GemmStep &g = gemm_;
    cublasLtMatrixLayout_t layoutC = this->layoutC();
    const size_t kDefaultWorkspaceLimit = 32u << 20; // what cuBLASLt suggests on Hopper
    uint64_t limit = g.workspace_size() ? g.workspace_size() : kDefaultWorkspaceLimit;

    if (g.algo() && g.algo()->size() == 8) {
      cublasLtMatmulAlgo_t algo;
      static_assert(sizeof algo.data == 8 * sizeof(uint64_t), "8 words");
      for (int i = 0; i < 8; ++i)
        algo.data[i] = g.algo()->Get(i);
      cublasLtMatmulHeuristicResult_t check;
      cublasStatus_t status = cublasLtMatmulAlgoCheck(handle_, operation_, layoutA_, layoutB_,
                                                      layoutC, layoutD_, &algo, &check);
      if (status == CUBLAS_STATUS_SUCCESS && check.state == CUBLAS_STATUS_SUCCESS) {
        algo_ = algo;
        workspace_ = check.workspaceSize;
        tactic_ = "cublasLt algo (from the engine)";
        return Status::success();
      }
      warnings.push_back("'" + name_ + "': the engine's cuBLASLt algorithm does not run "
                         "here (cublasLtMatmulAlgoCheck: " +
                         std::to_string(static_cast<int>(status)) +
                         "); using cuBLASLt's heuristic");
    }

    if (Status s = makePreference(limit); !s.ok())
      return s;
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
        handle_, operation_, layoutA_, layoutB_, layoutC, layoutD_, preference_, 1, &result,
        &found);
    if (status != CUBLAS_STATUS_SUCCESS || found == 0)
      return noAlgorithm(status);
    algo_ = result.algo;
    workspace_ = result.workspaceSize;
    int id = 0;
    size_t written = 0;
    cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof id,
                                         &written);
    tactic_ = "cublasLt heuristic, algo " + std::to_string(id);
    return Status::success();
  }

  // What the heuristic may pick: at most `limit` bytes of workspace, and the
  // alignments the buffers are known to have.
  Status makePreference(uint64_t limit) {
    const fb::GemmStep &g = gemm_;
    KILN_CUBLAS_TRY(cublasLtMatmulPreferenceCreate(&preference_), "cublasLtMatmulPreferenceCreate");
    KILN_CUBLAS_TRY(cublasLtMatmulPreferenceSetAttribute(
                        preference_, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &limit,
                        sizeof limit),
                    "setting the workspace limit");
    struct {
      cublasLtMatmulPreferenceAttributes_t attribute;
      const fb::BufferRef *ref;
    } alignments[] = {{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, g.b()},
                      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, g.a()},
                      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, g.has_c() ? g.c() : g.d()},
                      {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, g.d()}};
    for (auto &entry : alignments) {
      uint32_t bytes = knownAlignment(entry.ref);
      KILN_CUBLAS_TRY(cublasLtMatmulPreferenceSetAttribute(preference_, entry.attribute,
                                                           &bytes, sizeof bytes),
                      "setting an alignment");
    }
    return Status::success();
  }

public:

  Status enqueue(const Addresses &addresses, void *workspace, cudaStream_t stream) override {
    const fb::GemmStep &g = gemm_;
    if (g.has_bias()) {
      void *bias = addresses.resolve(g.bias());
      KILN_CUBLAS_TRY(cublasLtMatmulDescSetAttribute(operation_,
                                                     CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                     &bias, sizeof bias),
                      "setting the bias pointer");
    }
    void *d = addresses.resolve(g.d());
    void *c = g.has_c() ? addresses.resolve(g.c()) : d;
    KILN_CUBLAS_TRY(cublasLtMatmul(handle_, operation_, alpha_, addresses.resolve(g.b()),
                                   layoutA_, addresses.resolve(g.a()), layoutB_, beta_, c,
                                   g.has_c() ? layoutC_ : layoutD_, d, layoutD_, &algo_,
                                   workspace, workspace_, stream),
                    "cublasLtMatmul");
    return Status::success();
  }

  size_t workspaceSize() const override { return workspace_; }
  std::string tactic() const override { return tactic_; }
  ExecutionContext::StepChoice choice() const override {
    ExecutionContext::StepChoice choice;
    choice.algo.assign(std::begin(algo_.data), std::end(algo_.data));
    return choice;
  }

private:
  const fb::GemmStep &gemm_;
  cublasLtHandle_t handle_;
  std::string name_;
  cublasLtMatmulDesc_t operation_ = nullptr;
  cublasLtMatrixLayout_t layoutA_ = nullptr, layoutB_ = nullptr, layoutC_ = nullptr,
                         layoutD_ = nullptr;
  cublasLtMatmulPreference_t preference_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  size_t workspace_ = 0;
  alignas(8) unsigned char alpha_[8] = {}, beta_[8] = {};
  std::string tactic_;
  std::vector<cublasLtMatmulAlgo_t> algos_; ///< the algorithm of each candidate
};

} // namespace

Expected<std::unique_ptr<StepRunner>> makeGemmRunner(const StepContext &context) {
  auto runner = std::make_unique<GemmRunner>(*context.step->kind_as_GemmStep(),
                                             context.cublasLt, context.name);
  Status status = context.enumerate ? runner->enumerate(context.precision,
                                                       context.maxWorkspace,
                                                       context.maxCandidates)
                                    : runner->build(context.precision, *context.warnings);
  if (!status.ok())
    return status;
  return std::unique_ptr<StepRunner>(std::move(runner));
}

} // namespace kiln::runtime::detail
