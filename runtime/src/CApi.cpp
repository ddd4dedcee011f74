// The C API: opaque handles over Engine and ExecutionContext, error codes, and
// the calling thread's last error message.
#include "kiln/runtime/kiln_runtime.h"

#include "kiln/runtime/Runtime.h"

#include <memory>
#include <new>
#include <string>

using namespace kiln::runtime;

struct kiln_engine {
  Engine engine;
};

struct kiln_context {
  ExecutionContext context;
};

namespace {

thread_local std::string lastError;

kiln_status toCode(ErrorCode code) {
  switch (code) {
  case ErrorCode::Ok: return KILN_OK;
  case ErrorCode::InvalidArgument: return KILN_ERROR_INVALID_ARGUMENT;
  case ErrorCode::IoError: return KILN_ERROR_IO;
  case ErrorCode::NotAnEngine: return KILN_ERROR_NOT_AN_ENGINE;
  case ErrorCode::Truncated: return KILN_ERROR_TRUNCATED;
  case ErrorCode::Corrupted: return KILN_ERROR_CORRUPTED;
  case ErrorCode::VersionMismatch: return KILN_ERROR_VERSION_MISMATCH;
  case ErrorCode::InvalidEngine: return KILN_ERROR_INVALID_ENGINE;
  case ErrorCode::Unsupported: return KILN_ERROR_UNSUPPORTED;
  case ErrorCode::NoDevice: return KILN_ERROR_NO_DEVICE;
  case ErrorCode::CudaError: return KILN_ERROR_CUDA;
  }
  return KILN_ERROR_CUDA;
}

kiln_status fail(const Status &status) {
  lastError = status.message();
  return toCode(status.code());
}

kiln_status invalid(const char *message) {
  lastError = message;
  return KILN_ERROR_INVALID_ARGUMENT;
}

kiln_status succeed() {
  lastError.clear();
  return KILN_OK;
}

kiln_status adoptEngine(Expected<Engine> loaded, kiln_engine **engine) {
  if (!loaded)
    return fail(loaded.status());
  *engine = new (std::nothrow) kiln_engine{std::move(*loaded)};
  if (!*engine)
    return invalid("out of host memory");
  return succeed();
}

kiln_status adoptContext(Expected<ExecutionContext> created, kiln_context **context) {
  if (!created)
    return fail(created.status());
  *context = new (std::nothrow) kiln_context{std::move(*created)};
  if (!*context)
    return invalid("out of host memory");
  return succeed();
}

} // namespace

extern "C" {

const char *kiln_last_error(void) { return lastError.c_str(); }

const char *kiln_status_name(kiln_status status) {
  switch (status) {
  case KILN_OK: return "ok";
  case KILN_ERROR_INVALID_ARGUMENT: return "invalid argument";
  case KILN_ERROR_IO: return "I/O error";
  case KILN_ERROR_NOT_AN_ENGINE: return "not a Kiln engine";
  case KILN_ERROR_TRUNCATED: return "truncated engine";
  case KILN_ERROR_CORRUPTED: return "corrupted engine";
  case KILN_ERROR_VERSION_MISMATCH: return "version mismatch";
  case KILN_ERROR_INVALID_ENGINE: return "invalid engine";
  case KILN_ERROR_UNSUPPORTED: return "unsupported";
  case KILN_ERROR_NO_DEVICE: return "no GPU";
  case KILN_ERROR_CUDA: return "CUDA error";
  }
  return "unknown status";
}

kiln_status kiln_engine_load(const char *path, int device, kiln_engine **engine) {
  if (!path || !engine)
    return invalid("kiln_engine_load: null argument");
  *engine = nullptr;
  LoadOptions options;
  options.device = device;
  return adoptEngine(Engine::load(path, options), engine);
}

kiln_status kiln_engine_load_from_memory(const void *data, size_t size, int device,
                                         kiln_engine **engine) {
  if (!data || !engine)
    return invalid("kiln_engine_load_from_memory: null argument");
  *engine = nullptr;
  LoadOptions options;
  options.device = device;
  return adoptEngine(Engine::loadFromMemory(data, size, options), engine);
}

void kiln_engine_destroy(kiln_engine *engine) { delete engine; }

int kiln_engine_num_bindings(const kiln_engine *engine) {
  return engine ? static_cast<int>(engine->engine.bindings().size()) : 0;
}

kiln_status kiln_engine_binding(const kiln_engine *engine, int index, kiln_binding_info *info) {
  if (!engine || !info)
    return invalid("kiln_engine_binding: null argument");
  const auto &bindings = engine->engine.bindings();
  if (index < 0 || index >= static_cast<int>(bindings.size()))
    return invalid("kiln_engine_binding: index out of range");
  const BindingInfo &binding = bindings[index];
  info->name = binding.name.c_str();
  info->dtype = static_cast<kiln_dtype>(binding.dtype);
  info->is_input = binding.isInput ? 1 : 0;
  info->rank = static_cast<int>(binding.shape.size());
  info->shape = binding.shape.data();
  info->bytes = binding.bytes;
  return succeed();
}

int kiln_engine_binding_index(const kiln_engine *engine, const char *name) {
  return engine && name ? engine->engine.bindingIndex(name) : -1;
}

kiln_status kiln_context_create(kiln_engine *engine, kiln_context **context) {
  if (!engine || !context)
    return invalid("kiln_context_create: null argument");
  *context = nullptr;
  return adoptContext(engine->engine.createContext(), context);
}

kiln_status kiln_engine_device_memory_size(const kiln_engine *engine, uint64_t *size) {
  if (!engine || !size)
    return invalid("kiln_engine_device_memory_size: null argument");
  Expected<uint64_t> bytes = engine->engine.deviceMemorySize();
  if (!bytes)
    return fail(bytes.status());
  *size = *bytes;
  return succeed();
}

kiln_status kiln_context_create_without_device_memory(kiln_engine *engine,
                                                      kiln_context **context) {
  if (!engine || !context)
    return invalid("kiln_context_create_without_device_memory: null argument");
  *context = nullptr;
  return adoptContext(engine->engine.createContextWithoutDeviceMemory(), context);
}

kiln_status kiln_context_set_device_memory(kiln_context *context, void *device_pointer,
                                           uint64_t size) {
  if (!context)
    return invalid("kiln_context_set_device_memory: null context");
  Status status = context->context.setDeviceMemory(device_pointer, size);
  return status.ok() ? succeed() : fail(status);
}

kiln_status kiln_context_device_memory_size(const kiln_context *context, uint64_t *size) {
  if (!context || !size)
    return invalid("kiln_context_device_memory_size: null argument");
  *size = context->context.deviceMemorySize();
  return succeed();
}

static ContextOptions withAuxStreams(int maxAuxStreams) {
  ContextOptions options;
  options.maxAuxStreams = maxAuxStreams;
  return options;
}

kiln_status kiln_context_create_with_aux_streams(kiln_engine *engine, int max_aux_streams,
                                                 kiln_context **context) {
  if (!engine || !context)
    return invalid("kiln_context_create_with_aux_streams: null argument");
  *context = nullptr;
  return adoptContext(engine->engine.createContext(withAuxStreams(max_aux_streams)), context);
}

kiln_status kiln_context_create_without_device_memory_with_aux_streams(
    kiln_engine *engine, int max_aux_streams, kiln_context **context) {
  if (!engine || !context)
    return invalid("kiln_context_create_without_device_memory_with_aux_streams: null argument");
  *context = nullptr;
  return adoptContext(
      engine->engine.createContextWithoutDeviceMemory(withAuxStreams(max_aux_streams)), context);
}

kiln_status kiln_engine_device_memory_size_with_aux_streams(const kiln_engine *engine,
                                                            int max_aux_streams,
                                                            uint64_t *size) {
  if (!engine || !size)
    return invalid("kiln_engine_device_memory_size_with_aux_streams: null argument");
  Expected<uint64_t> bytes = engine->engine.deviceMemorySize(withAuxStreams(max_aux_streams));
  if (!bytes)
    return fail(bytes.status());
  *size = *bytes;
  return succeed();
}

kiln_status kiln_context_num_streams(const kiln_context *context, unsigned *streams) {
  if (!context || !streams)
    return invalid("kiln_context_num_streams: null argument");
  *streams = context->context.numStreams();
  return succeed();
}

void kiln_context_destroy(kiln_context *context) { delete context; }

kiln_status kiln_context_set_binding(kiln_context *context, const char *name,
                                     void *device_pointer) {
  if (!context || !name)
    return invalid("kiln_context_set_binding: null argument");
  Status status = context->context.setBinding(name, device_pointer);
  return status.ok() ? succeed() : fail(status);
}

kiln_status kiln_context_enqueue(kiln_context *context, void *stream) {
  if (!context)
    return invalid("kiln_context_enqueue: null context");
  Status status = context->context.enqueue(static_cast<cudaStream_t>(stream));
  return status.ok() ? succeed() : fail(status);
}

kiln_status kiln_context_run(kiln_context *context) {
  if (!context)
    return invalid("kiln_context_run: null context");
  Status status = context->context.run();
  return status.ok() ? succeed() : fail(status);
}

kiln_status kiln_context_enable_cuda_graph(kiln_context *context, int enable) {
  if (!context)
    return invalid("kiln_context_enable_cuda_graph: null context");
  context->context.enableCudaGraph(enable != 0);
  return succeed();
}

} // extern "C"
