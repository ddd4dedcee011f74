/* The Kiln runtime's C API: opaque handles over the C++ API (Runtime.h), error
 * codes, and kiln_last_error() for the message of the calling thread's last
 * failure. No CUDA header needed: streams are passed as void*. */
#ifndef KILN_RUNTIME_KILN_RUNTIME_H
#define KILN_RUNTIME_KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_engine kiln_engine;
typedef struct kiln_context kiln_context;

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_INVALID_ARGUMENT = 1,
  KILN_ERROR_IO = 2,
  KILN_ERROR_NOT_AN_ENGINE = 3,
  KILN_ERROR_TRUNCATED = 4,
  KILN_ERROR_CORRUPTED = 5,
  KILN_ERROR_VERSION_MISMATCH = 6,
  KILN_ERROR_INVALID_ENGINE = 7,
  KILN_ERROR_UNSUPPORTED = 8,
  KILN_ERROR_NO_DEVICE = 9,
  KILN_ERROR_CUDA = 10
} kiln_status;

typedef enum kiln_dtype {
  KILN_F32 = 0, KILN_F16, KILN_BF16, KILN_I8, KILN_U8, KILN_I32, KILN_I64,
  KILN_BOOL
} kiln_dtype;

typedef struct kiln_binding_info {
  const char *name; /* valid while the engine lives */
  kiln_dtype dtype;
  int is_input;
  int rank;
  const int64_t *shape; /* rank entries, valid while the engine lives */
  uint64_t bytes;
} kiln_binding_info;

/* The message of this thread's last failed call ("" when none). */
const char *kiln_last_error(void);
const char *kiln_status_name(kiln_status status);

/* device: CUDA ordinal, or -1 for the calling thread's current device. */
kiln_status kiln_engine_load(const char *path, int device, kiln_engine **engine);
kiln_status kiln_engine_load_from_memory(const void *data, size_t size,
                                         int device, kiln_engine **engine);
/* Contexts keep the engine's GPU state alive after this. */
void kiln_engine_destroy(kiln_engine *engine);
int kiln_engine_num_bindings(const kiln_engine *engine);
kiln_status kiln_engine_binding(const kiln_engine *engine, int index,
                                kiln_binding_info *info);
/* -1 when no binding has that name. */
int kiln_engine_binding_index(const kiln_engine *engine, const char *name);

kiln_status kiln_context_create(kiln_engine *engine, kiln_context **context);
/* Bytes of device memory a context needs (arena and workspace, 256-byte
 * aligned parts of one block). Builds the steps once to measure it. */
kiln_status kiln_engine_device_memory_size(const kiln_engine *engine,
                                           uint64_t *size);
/* A context that allocates no device memory: give it some with
 * kiln_context_set_device_memory before enqueueing. */
kiln_status kiln_context_create_without_device_memory(kiln_engine *engine,
                                                      kiln_context **context);
/* device_pointer: 256-byte aligned, at least the context's
 * kiln_context_device_memory_size bytes; stays the caller's. */
kiln_status kiln_context_set_device_memory(kiln_context *context,
                                           void *device_pointer, uint64_t size);
kiln_status kiln_context_device_memory_size(const kiln_context *context,
                                            uint64_t *size);
/* Auxiliary streams (ContextOptions::maxAuxStreams, as TensorRT's
 * setMaxAuxStreams): a context that runs independent steps of an engine
 * recording dependencies (format 1.4) on up to max_aux_streams streams of
 * its own besides the caller's; 0 runs them in order on the caller's
 * stream. kiln_context_create uses KILN_DEFAULT_MAX_AUX_STREAMS. */
#define KILN_DEFAULT_MAX_AUX_STREAMS 3
kiln_status kiln_context_create_with_aux_streams(kiln_engine *engine,
                                                 int max_aux_streams,
                                                 kiln_context **context);
kiln_status kiln_context_create_without_device_memory_with_aux_streams(
    kiln_engine *engine, int max_aux_streams, kiln_context **context);
kiln_status kiln_engine_device_memory_size_with_aux_streams(
    const kiln_engine *engine, int max_aux_streams, uint64_t *size);
/* Streams the context's enqueues use: 1 plus its auxiliary streams. */
kiln_status kiln_context_num_streams(const kiln_context *context,
                                     unsigned *streams);
void kiln_context_destroy(kiln_context *context);
kiln_status kiln_context_set_binding(kiln_context *context, const char *name,
                                     void *device_pointer);
/* stream: a cudaStream_t. */
kiln_status kiln_context_enqueue(kiln_context *context, void *stream);
/* Runs on the context's own stream after the legacy default stream's work
 * (bindings filled with a plain cudaMemcpy are complete), then waits. */
kiln_status kiln_context_run(kiln_context *context);
kiln_status kiln_context_enable_cuda_graph(kiln_context *context, int enable);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_RUNTIME_H */
