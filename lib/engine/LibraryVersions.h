//===- LibraryVersions.h - CUDA library versions the compiler was built with -*- C++ -*-===//

#ifndef KILN_LIB_ENGINE_LIBRARYVERSIONS_H
#define KILN_LIB_ENGINE_LIBRARYVERSIONS_H

namespace kiln::engine {
/// The versions as the headers at build time spell them: CUDA_VERSION,
/// CUDNN_VERSION and CUBLAS_VERSION (0 where a header was absent).
struct LibraryVersions {
  int cuda, cudnn, cublas;
};
LibraryVersions getLibraryVersions();
} // namespace kiln::engine

#endif // KILN_LIB_ENGINE_LIBRARYVERSIONS_H
