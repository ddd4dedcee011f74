//===- LibraryVersions.cpp - versions read from the CUDA headers, not the libraries -===//
//
// Only the headers' macros: the compiler links no CUDA library for this.

#include "lib/engine/LibraryVersions.h"

#if __has_include(<cuda.h>)
#include <cuda.h>
#endif
#if __has_include(<cudnn_version.h>)
#include <cudnn_version.h>
#endif
#if __has_include(<cublas_api.h>)
#include <cublas_api.h>
#endif

#ifndef CUDA_VERSION
#define CUDA_VERSION 0
#endif
#ifndef CUDNN_VERSION
#define CUDNN_VERSION 0
#endif
#ifndef CUBLAS_VERSION
#define CUBLAS_VERSION 0
#endif

kiln::engine::LibraryVersions kiln::engine::getLibraryVersions() {
  return {CUDA_VERSION, CUDNN_VERSION, CUBLAS_VERSION};
}
