//===- TestPasses.h - test passes of the CUDA target -*- C++ -*-===//

#ifndef KILN_TARGET_CUDA_TESTPASSES_H
#define KILN_TARGET_CUDA_TESTPASSES_H

namespace kiln::cuda {

/// Registers `kiln-test-emit-cuda`, which emits (and optionally compiles) the
/// kernel of each function of a module, for lit tests.
void registerTestPasses();

} // namespace kiln::cuda

#endif // KILN_TARGET_CUDA_TESTPASSES_H
