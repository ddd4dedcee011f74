// The engine described as JSON and as text, from the verified metadata alone.
#include "kiln/runtime/Inspect.h"

#include "kiln/runtime/DataType.h"
#include "kiln/runtime/EngineFile.h"
#include "kiln/runtime/EngineVerifier.h"
#include "kiln/runtime/JsonWriter.h"
#include "kiln/runtime/StreamSchedule.h"
#include "kiln/runtime/engine_generated.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

namespace kiln::runtime {

namespace fb = kiln::fb;

namespace {

template <typename T> size_t count(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

std::string str(const flatbuffers::String *text) { return text ? text->str() : ""; }

const char *dtype(fb::DType type) { return dataTypeName(static_cast<DataType>(type)); }

std::string shapeText(const flatbuffers::Vector<int64_t> *shape) {
  std::string text = "[";
  for (size_t i = 0; i < count(shape); ++i)
    text += (i ? "x" : "") + std::to_string(shape->Get(i));
  return text + "]";
}

std::string libraryVersion(int version) { return version ? libraryVersionText(version) : ""; }

std::string cudaVersion(int version) { return version ? cudaVersionText(version) : ""; }

std::string regionText(const fb::Engine &engine, const fb::BufferRef *ref) {
  if (!ref)
    return "-";
  switch (ref->region()) {
  case fb::Region::Arena: return "arena+" + std::to_string(ref->offset());
  case fb::Region::Weights: return "weights+" + std::to_string(ref->offset());
  case fb::Region::Binding: {
    std::string name = ref->binding() < count(engine.bindings())
                           ? engine.bindings()->Get(ref->binding())->name()->str()
                           : "?";
    return name + (ref->offset() ? "+" + std::to_string(ref->offset()) : "");
  }
  }
  return "?";
}

std::string activationText(fb::Activation activation) {
  return fb::EnumNameActivation(activation);
}

uint64_t stepWorkspace(const fb::Step &step) {
  switch (step.kind_type()) {
  case fb::StepKind::ConvStep: return step.kind_as_ConvStep()->workspace_size();
  case fb::StepKind::GemmStep: return step.kind_as_GemmStep()->workspace_size();
  case fb::StepKind::AttentionStep: return step.kind_as_AttentionStep()->workspace_size();
  default: return 0;
  }
}

/// Conv, GEMM and attention steps have library tactics; the others do not.
bool hasTactics(const fb::Step &step) {
  // A launch has one when tactic selection chose its shape.
  return step.kind_type() == fb::StepKind::ConvStep ||
         step.kind_type() == fb::StepKind::GemmStep ||
         step.kind_type() == fb::StepKind::AttentionStep ||
         (step.kind_type() == fb::StepKind::LaunchStep &&
          step.tactic_source() != fb::TacticSource::Heuristic);
}

/// "heuristic", "timed" or "cache".
std::string tacticSourceName(fb::TacticSource source) {
  std::string name = fb::EnumNameTacticSource(source);
  for (char &c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void writeShape(JsonWriter &json, const std::string &name,
                const flatbuffers::Vector<int64_t> *shape) {
  json.key(name).beginArray(true);
  for (size_t i = 0; i < count(shape); ++i)
    json.value(static_cast<int64_t>(shape->Get(i)));
  json.endArray();
}

void writeTensor(JsonWriter &json, const fb::Engine &engine, const std::string &name,
                 const fb::TensorDesc *tensor) {
  if (!tensor)
    return;
  json.key(name).beginObject();
  json.field("dtype", dtype(tensor->dtype()));
  writeShape(json, "shape", tensor->shape());
  if (count(tensor->strides()))
    writeShape(json, "strides", tensor->strides());
  json.field("buffer", regionText(engine, tensor->buffer()));
  json.endObject();
}

// The launch bound Engine.kernels records for `kernel`; 0 when none.
uint32_t launchBound(const fb::Engine &engine, const flatbuffers::String *kernel) {
  for (size_t i = 0; kernel && i < count(engine.kernels()); ++i)
    if (engine.kernels()->Get(i)->name()->str() == kernel->str())
      return engine.kernels()->Get(i)->max_threads_per_block();
  return 0;
}

void writeStepDetails(JsonWriter &json, const fb::Engine &engine, const fb::Step &step) {
  switch (step.kind_type()) {
  case fb::StepKind::LaunchStep: {
    const fb::LaunchStep *launch = step.kind_as_LaunchStep();
    json.field("kernel", str(launch->kernel()));
    json.key("grid").beginArray(true);
    for (size_t i = 0; i < count(launch->grid()); ++i)
      json.value(launch->grid()->Get(i));
    json.endArray();
    json.key("block").beginArray(true);
    for (size_t i = 0; i < count(launch->block()); ++i)
      json.value(launch->block()->Get(i));
    json.endArray();
    json.field("shared_mem", launch->shared_mem());
    json.field("max_threads_per_block", launchBound(engine, launch->kernel()));
    json.key("args").beginArray(true);
    for (size_t i = 0; i < count(launch->args()); ++i)
      json.value(regionText(engine, launch->args()->Get(i)));
    json.endArray();
    break;
  }
  case fb::StepKind::ConvStep: {
    const fb::ConvStep *conv = step.kind_as_ConvStep();
    writeTensor(json, engine, "x", conv->x());
    writeTensor(json, engine, "w", conv->w());
    writeTensor(json, engine, "bias", conv->bias());
    writeTensor(json, engine, "z", conv->z());
    writeTensor(json, engine, "y", conv->y());
    if (conv->scale()) { // the fused INT8 epilogue (format 1.2)
      writeTensor(json, engine, "scale", conv->scale());
      json.field("z_scale", static_cast<double>(conv->z_scale()));
      json.field("post_scale", static_cast<double>(conv->post_scale())); // format 1.5
    }
    writeShape(json, "pads_begin", conv->pads_begin());
    writeShape(json, "pads_end", conv->pads_end());
    writeShape(json, "strides", conv->strides());
    writeShape(json, "dilations", conv->dilations());
    json.field("groups", static_cast<int64_t>(conv->groups()));
    json.field("transposed", conv->transposed());
    json.field("compute_type", dtype(conv->compute_type()));
    json.field("alpha", static_cast<double>(conv->alpha()));
    json.field("activation", activationText(conv->activation()));
    if (conv->activation() != fb::Activation::None) {
      json.field("act_alpha", static_cast<double>(conv->act_alpha()));
      json.field("act_beta", static_cast<double>(conv->act_beta()));
    }
    json.field("engine_id", static_cast<int64_t>(conv->engine_id()));
    json.key("knobs").beginArray(true);
    for (size_t i = 0; i < count(conv->knobs()); ++i)
      json.value(static_cast<int64_t>(conv->knobs()->Get(i)));
    json.endArray();
    break;
  }
  case fb::StepKind::GemmStep: {
    const fb::GemmStep *gemm = step.kind_as_GemmStep();
    json.field("m", static_cast<int64_t>(gemm->m()));
    json.field("n", static_cast<int64_t>(gemm->n()));
    json.field("k", static_cast<int64_t>(gemm->k()));
    json.field("batch", static_cast<int64_t>(gemm->batch()));
    json.field("trans_a", gemm->trans_a());
    json.field("trans_b", gemm->trans_b());
    json.field("a", regionText(engine, gemm->a()));
    json.field("b", regionText(engine, gemm->b()));
    if (gemm->has_c())
      json.field("c", regionText(engine, gemm->c()));
    json.field("d", regionText(engine, gemm->d()));
    if (gemm->has_bias())
      json.field("bias", regionText(engine, gemm->bias()));
    json.field("types", std::string(dtype(gemm->a_type())) + "," + dtype(gemm->b_type()) +
                            "->" + dtype(gemm->d_type()));
    json.field("compute_type", dtype(gemm->compute_type()));
    json.field("alpha", static_cast<double>(gemm->alpha()));
    json.field("beta", static_cast<double>(gemm->beta()));
    json.field("epilogue", fb::EnumNameGemmEpilogue(gemm->epilogue()));
    json.field("algo", count(gemm->algo()) ? "fixed" : "heuristic");
    break;
  }
  case fb::StepKind::CopyStep: {
    const fb::CopyStep *copy = step.kind_as_CopyStep();
    json.field("src", regionText(engine, copy->src()));
    json.field("dst", regionText(engine, copy->dst()));
    json.field("size", copy->size());
    break;
  }
  case fb::StepKind::AttentionStep: { // format 1.3
    const fb::AttentionStep *attention = step.kind_as_AttentionStep();
    writeTensor(json, engine, "q", attention->q());
    writeTensor(json, engine, "k", attention->k());
    writeTensor(json, engine, "v", attention->v());
    writeTensor(json, engine, "bias", attention->bias());
    writeTensor(json, engine, "o", attention->o());
    json.field("scale", static_cast<double>(attention->scale()));
    json.field("engine_id", static_cast<int64_t>(attention->engine_id()));
    json.key("knobs").beginArray(true);
    for (size_t i = 0; i < count(attention->knobs()); ++i)
      json.value(static_cast<int64_t>(attention->knobs()->Get(i)));
    json.endArray();
    break;
  }
  default:
    break;
  }
}

// One line of text describing a step's shapes.
std::string stepShapes(const fb::Engine &engine, const fb::Step &step) {
  std::ostringstream out;
  switch (step.kind_type()) {
  case fb::StepKind::LaunchStep: {
    const fb::LaunchStep *launch = step.kind_as_LaunchStep();
    out << str(launch->kernel()) << " grid " << launch->grid()->Get(0);
    for (size_t i = 1; i < count(launch->grid()); ++i)
      out << "x" << launch->grid()->Get(i);
    out << " block " << launch->block()->Get(0);
    for (size_t i = 1; i < count(launch->block()); ++i)
      out << "x" << launch->block()->Get(i);
    if (uint32_t bound = launchBound(engine, launch->kernel()))
      out << " bound " << bound;
    break;
  }
  case fb::StepKind::ConvStep: {
    const fb::ConvStep *conv = step.kind_as_ConvStep();
    out << shapeText(conv->x()->shape()) << " * " << shapeText(conv->w()->shape())
        << " -> " << shapeText(conv->y()->shape()) << " " << dtype(conv->y()->dtype());
    if (conv->transposed())
      out << " transposed";
    if (conv->scale())
      out << " *scale";
    if (conv->bias())
      out << " +bias";
    if (conv->z())
      out << " +z";
    if (conv->z() && conv->z_scale() != 1.0f)
      out << "*" << conv->z_scale();
    if (conv->activation() != fb::Activation::None)
      out << " " << activationText(conv->activation());
    if (conv->post_scale() != 1.0f)
      out << " *" << conv->post_scale();
    break;
  }
  case fb::StepKind::GemmStep: {
    const fb::GemmStep *gemm = step.kind_as_GemmStep();
    out << gemm->batch() << "x[" << gemm->m() << "x" << gemm->k() << "]"
        << (gemm->trans_a() ? "^T" : "") << " * [" << gemm->k() << "x" << gemm->n()
        << "]" << (gemm->trans_b() ? "^T" : "") << " " << dtype(gemm->a_type()) << "->"
        << dtype(gemm->d_type());
    if (gemm->has_bias())
      out << " +bias";
    if (gemm->epilogue() != fb::GemmEpilogue::None)
      out << " " << fb::EnumNameGemmEpilogue(gemm->epilogue());
    break;
  }
  case fb::StepKind::CopyStep: {
    const fb::CopyStep *copy = step.kind_as_CopyStep();
    out << regionText(engine, copy->src()) << " -> " << regionText(engine, copy->dst())
        << " " << copy->size() << " bytes";
    break;
  }
  case fb::StepKind::AttentionStep: {
    const fb::AttentionStep *attention = step.kind_as_AttentionStep();
    out << "softmax(" << attention->scale() << " * " << shapeText(attention->q()->shape())
        << " * " << shapeText(attention->k()->shape()) << "^T";
    if (attention->bias())
      out << " + bias " << shapeText(attention->bias()->shape());
    out << ") * " << shapeText(attention->v()->shape()) << " -> "
        << shapeText(attention->o()->shape()) << " " << dtype(attention->o()->dtype());
    break;
  }
  default:
    break;
  }
  return out.str();
}

} // namespace

std::string formatBytes(uint64_t bytes) {
  char buffer[32];
  if (bytes >= (1u << 20))
    std::snprintf(buffer, sizeof buffer, "%.2f MiB", bytes / 1048576.0);
  else if (bytes >= 1024)
    std::snprintf(buffer, sizeof buffer, "%.2f KiB", bytes / 1024.0);
  else
    std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes));
  return buffer;
}

std::string inspectEngineJson(const EngineFile &file) {
  const fb::Engine &engine = file.metadata();
  const EngineFileHeader &header = file.header();
  JsonWriter json;
  json.beginObject();

  json.key("file").beginObject();
  json.field("format", std::to_string(header.format_major()) + "." +
                           std::to_string(header.format_minor()));
  json.field("size", static_cast<uint64_t>(file.fileSize()));
  json.field("metadata_size", header.metadata_size());
  json.field("weights_offset", header.weights_offset());
  json.field("weights_size", header.weights_size());
  char checksum[16];
  std::snprintf(checksum, sizeof checksum, "0x%08x", header.checksum());
  json.field("checksum", checksum);
  json.endObject();

  json.key("build").beginObject();
  json.field("kiln_version", str(engine.kiln_version()));
  json.field("build_options", str(engine.build_options()));
  json.key("archs").beginArray(true);
  for (size_t i = 0; i < count(engine.archs()); ++i)
    json.value(engine.archs()->Get(i));
  json.endArray();
  json.field("cuda_version", cudaVersion(engine.cuda_version()));
  json.field("cudnn_version", libraryVersion(engine.cudnn_version()));
  json.field("cublas_version", libraryVersion(engine.cublas_version()));
  json.key("code").beginArray();
  for (size_t i = 0; i < count(engine.code()); ++i) {
    json.beginObject();
    json.field("arch", engine.code()->Get(i)->arch());
    json.field("cubin_size", static_cast<uint64_t>(count(engine.code()->Get(i)->cubin())));
    json.endObject();
  }
  json.endArray();
  json.field("ptx_size", static_cast<uint64_t>(engine.ptx() ? engine.ptx()->size() : 0));
  if (const fb::BuildConfig *config = engine.build_config()) {
    auto strings = [&](const char *name,
                       const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>> *list) {
      json.key(name).beginArray(true);
      for (size_t i = 0; i < count(list); ++i)
        json.value(list->Get(i)->str());
      json.endArray();
    };
    json.key("config").beginObject();
    json.field("precision", str(config->precision()));
    strings("layer_precision", config->layer_precision());
    json.field("constraint_mode", str(config->constraint_mode()));
    json.field("channels_last", config->channels_last());
    json.field("half_alignment", config->half_alignment());
    json.field("int8_alignment", config->int8_alignment());
    json.field("fold_qdq_epilogues", config->fold_qdq_epilogues());
    json.field("depthwise_conv", str(config->depthwise_conv()));
    json.field("int8_epilogue", str(config->int8_epilogue()));
    json.field("gelu_epilogue", str(config->gelu_epilogue()));
    json.field("fuse_attention", config->fuse_attention());
    json.field("int8_conv_kernel", str(config->int8_conv_kernel()));
    json.field("int8_min_channels", config->int8_min_channels());
    json.field("memory_concurrency", config->memory_concurrency()
                                         ? config->memory_concurrency()->str()
                                         : std::string("branches"));
    json.field("input_type", config->input_type() ? config->input_type()->str()
                                                  : std::string("fp32"));
    json.field("output_type", config->output_type() ? config->output_type()->str()
                                                    : std::string("fp32"));
    json.field("space_to_depth", config->space_to_depth());
    json.field("int8", config->int8());
    json.field("calibrator", str(config->calibrator()));
    json.field("percentile", config->percentile());
    json.key("input_shapes").beginArray(true);
    for (size_t i = 0; i < count(config->input_shapes()); ++i) {
      const fb::InputShape *shape = config->input_shapes()->Get(i);
      std::string text = str(shape->name()) + "=";
      for (size_t d = 0; d < count(shape->shape()); ++d)
        text += (d ? "x" : "") + std::to_string(shape->shape()->Get(d));
      json.value(text); // as --input-shape takes it
    }
    json.endArray();
    strings("input_values", config->input_values());
    json.endObject();
  }
  json.endObject();

  json.key("bindings").beginArray();
  for (size_t i = 0; i < count(engine.bindings()); ++i) {
    const fb::Binding *binding = engine.bindings()->Get(i);
    json.beginObject();
    json.field("name", str(binding->name()));
    json.field("io", binding->is_input() ? "input" : "output");
    json.field("dtype", dtype(binding->dtype()));
    writeShape(json, "shape", binding->shape());
    json.field("layout", str(binding->layout()));
    json.field("bytes", bindingBytes(*binding));
    json.endObject();
  }
  json.endArray();

  uint64_t maxWorkspace = 0;
  json.key("steps").beginArray();
  for (unsigned i = 0; i < count(engine.steps()); ++i) {
    const fb::Step *step = engine.steps()->Get(i);
    json.beginObject();
    json.field("index", i);
    json.field("kind", stepKindName(static_cast<int>(step->kind_type())));
    json.field("name", stepDisplayName(engine, i));
    json.key("layers").beginArray(true);
    for (size_t l = 0; l < count(step->layers()); ++l)
      json.value(step->layers()->Get(l)->str());
    json.endArray();
    json.field("precision", str(step->precision()));
    json.field("tactic", str(step->tactic()));
    if (hasTactics(*step))
      json.field("tactic_source", tacticSourceName(step->tactic_source()));
    json.field("workspace", stepWorkspace(*step));
    maxWorkspace = std::max(maxWorkspace, stepWorkspace(*step));
    if (step->deps()) { // format 1.4
      json.key("deps").beginArray(true);
      for (uint32_t dep : *step->deps())
        json.value(dep);
      json.endArray();
    }
    writeStepDetails(json, engine, *step);
    json.endObject();
  }
  json.endArray();

  // The most steps that may run at once (1 when no dependencies are
  // recorded: such an engine runs serially).
  json.key("concurrency").beginObject();
  json.field("deps_recorded", engineRecordsDeps(engine));
  json.field("width", dependencyWidth(engineStepDeps(engine)));
  json.endObject();

  json.key("memory").beginObject();
  json.field("arena_size", engine.arena_size());
  json.field("weights_size", engine.weights_size());
  json.field("max_workspace", maxWorkspace);
  json.key("arena_tensors").beginArray();
  for (size_t i = 0; i < count(engine.arena_tensors()); ++i) {
    const fb::ArenaTensor *tensor = engine.arena_tensors()->Get(i);
    json.beginObject();
    json.field("name", str(tensor->name()));
    json.field("offset", tensor->offset());
    json.field("size", tensor->size());
    json.field("first_step", tensor->first_step());
    json.field("last_step", tensor->last_step());
    json.endObject();
  }
  json.endArray();
  json.endObject();

  json.key("assumptions").beginArray();
  for (size_t i = 0; i < count(engine.assumptions()); ++i)
    json.value(engine.assumptions()->Get(i)->str());
  json.endArray();

  json.endObject();
  return json.str();
}

std::string inspectEngineText(const EngineFile &file) {
  const fb::Engine &engine = file.metadata();
  const EngineFileHeader &header = file.header();
  std::ostringstream out;
  out << "Engine: Kiln " << (engine.kiln_version() ? engine.kiln_version()->str() : "?")
      << ", format " << header.format_major() << "." << header.format_minor() << ", "
      << formatBytes(file.fileSize()) << "\n";
  if (engine.build_options() && engine.build_options()->size())
    out << "  build options: " << engine.build_options()->str() << "\n";
  out << "  built for:";
  for (size_t i = 0; i < count(engine.archs()); ++i)
    out << " sm_" << engine.archs()->Get(i);
  if (count(engine.code()))
    out << " (cubins:";
  for (size_t i = 0; i < count(engine.code()); ++i)
    out << " sm_" << engine.code()->Get(i)->arch();
  if (count(engine.code()))
    out << ")";
  if (engine.ptx() && engine.ptx()->size())
    out << " + PTX";
  out << "\n  libraries: CUDA " << cudaVersion(engine.cuda_version()) << ", cuDNN "
      << libraryVersion(engine.cudnn_version()) << ", cuBLAS "
      << libraryVersion(engine.cublas_version()) << "\n";

  out << "\nBindings:\n";
  for (size_t i = 0; i < count(engine.bindings()); ++i) {
    const fb::Binding *binding = engine.bindings()->Get(i);
    char line[256];
    std::snprintf(line, sizeof line, "  %-7s %-24s %-5s %-20s %s\n",
                  binding->is_input() ? "input" : "output", str(binding->name()).c_str(),
                  dtype(binding->dtype()), shapeText(binding->shape()).c_str(),
                  str(binding->layout()).c_str());
    out << line;
  }

  out << "\nSteps:\n";
  uint64_t maxWorkspace = 0;
  for (unsigned i = 0; i < count(engine.steps()); ++i) {
    const fb::Step *step = engine.steps()->Get(i);
    maxWorkspace = std::max(maxWorkspace, stepWorkspace(*step));
    char line[512];
    std::snprintf(line, sizeof line, "  %3u %-6s %-40s %-5s %s\n", i,
                  stepKindName(static_cast<int>(step->kind_type())),
                  stepDisplayName(engine, i).c_str(), str(step->precision()).c_str(),
                  stepShapes(engine, *step).c_str());
    out << line;
    if (step->tactic() && step->tactic()->size()) {
      out << "        tactic: " << step->tactic()->str();
      if (hasTactics(*step))
        out << " [" << tacticSourceName(step->tactic_source()) << "]";
      out << "\n";
    }
    if (step->deps()) {
      out << "        deps: ";
      for (size_t d = 0; d < step->deps()->size(); ++d)
        out << (d ? ", " : "") << step->deps()->Get(d);
      out << (step->deps()->size() ? "\n" : "none\n");
    }
  }
  if (count(engine.steps()))
    out << "  width: " << dependencyWidth(engineStepDeps(engine))
        << (engineRecordsDeps(engine)
                ? " (the most steps that may run at once)\n"
                : " (no dependencies recorded, format before 1.4: the steps run in order)\n");

  out << "\nMemory:\n"
      << "  arena:     " << formatBytes(engine.arena_size()) << " ("
      << count(engine.arena_tensors()) << " tensors)\n"
      << "  weights:   " << formatBytes(engine.weights_size()) << "\n"
      << "  workspace: " << formatBytes(maxWorkspace) << " (largest step, as compiled)\n";
  if (count(engine.assumptions())) {
    out << "\nAssumptions:\n";
    for (size_t i = 0; i < count(engine.assumptions()); ++i)
      out << "  " << engine.assumptions()->Get(i)->str() << "\n";
  }
  return out.str();
}

} // namespace kiln::runtime
