//===- CpuRunner.cpp - kernels on the CPU emulation of CUDA ---------------===//
//
// All kernels go into one translation unit after shim/kiln_emulation.h and
// the prelude, each with a launcher that casts the buffers to its parameter
// types; the host compiler builds it as a shared library (no contraction of
// multiply-adds, so the _rn intrinsics mean what they say), loaded with
// dlopen.
//
//===----------------------------------------------------------------------===//

#include "Runner.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <dlfcn.h>

namespace {
class CpuRunner : public Runner {
public:
  CpuRunner(std::string compiler, std::string keep, bool misalign)
      : compiler(std::move(compiler)), keep(std::move(keep)), misalign(misalign) {}
  ~CpuRunner() override {
    if (library)
      dlclose(library);
    if (keep.empty() && !dir.empty())
      llvm::sys::fs::remove_directories(dir);
  }

  bool prepare(std::vector<Kernel> &kernels) override;
  bool run(const Kernel &kernel, std::vector<std::vector<char>> &buffers,
           std::string &error) override;

private:
  std::string compiler, keep;
  bool misalign;
  llvm::SmallString<128> dir;
  void *library = nullptr;
};
} // namespace

/// The launcher of a kernel: its parameters cast from the buffers.
static std::string launcher(Kernel &kernel) {
  std::string text;
  llvm::raw_string_ostream os(text);
  const kiln::cuda::KernelSource &source = kernel.source;
  os << "extern \"C\" void kiln_launch_" << source.entry << "(void **buffers) {\n"
     << "  kiln_emu::launch(dim3{" << source.grid[0] << ", " << source.grid[1] << ", "
     << source.grid[2] << "}, dim3{" << source.block[0] << ", " << source.block[1] << ", "
     << source.block[2] << "}, [=] {\n    " << source.entry << "(";
  unsigned count = kernel.function.getNumArguments() + kernel.function.getNumResults();
  for (unsigned i = 0; i < count; ++i)
    os << (i ? ", " : "") << "(typename kiln_param<" << i << ", decltype(&" << source.entry
       << ")>::type)buffers[" << i << "]";
  os << ");\n  });\n}\n";
  return text;
}

bool CpuRunner::prepare(std::vector<Kernel> &kernels) {
  if (!keep.empty()) {
    dir = keep;
    llvm::sys::fs::create_directories(dir);
  } else if (llvm::sys::fs::createUniqueDirectory("kiln-emulate", dir)) {
    llvm::errs() << "cannot create a temporary folder\n";
    return false;
  }
  llvm::SmallString<128> sourcePath(dir), libraryPath(dir);
  llvm::sys::path::append(sourcePath, "kernels.cpp");
  llvm::sys::path::append(libraryPath, "kernels.so");
  {
    std::error_code error;
    llvm::raw_fd_ostream os(sourcePath, error);
    if (error) {
      llvm::errs() << "cannot write " << sourcePath << ": " << error.message() << "\n";
      return false;
    }
    os << "#include \"kiln_emulation.h\"\n" << kiln::cuda::prelude();
    os << "#include <tuple>\n"
          "template <int N, typename F> struct kiln_param;\n"
          "template <int N, typename R, typename... P> struct kiln_param<N, R (*)(P...)> {\n"
          "  using type = std::tuple_element_t<N, std::tuple<P...>>;\n};\n";
    for (Kernel &kernel : kernels)
      os << kernel.source.source << launcher(kernel);
  }
  std::string shim = "-I" KILN_EMULATOR_SHIM;
  llvm::SmallVector<llvm::StringRef> args = {
      compiler, "-std=c++17", "-O1", "-ffp-contract=off", "-fno-fast-math", "-w", "-fPIC",
      "-shared", shim,        "-o",  libraryPath,         sourcePath};
  std::string message;
  if (llvm::sys::ExecuteAndWait(compiler, args, std::nullopt, {}, 0, 0, &message) != 0) {
    llvm::errs() << "the host compiler failed on " << sourcePath << " " << message << "\n";
    return false;
  }
  library = dlopen(libraryPath.c_str(), RTLD_NOW);
  if (!library) {
    llvm::errs() << "cannot load " << libraryPath << ": " << dlerror() << "\n";
    return false;
  }
  return true;
}

bool CpuRunner::run(const Kernel &kernel, std::vector<std::vector<char>> &buffers,
                    std::string &error) {
  auto launch = reinterpret_cast<void (*)(void **)>(
      dlsym(library, ("kiln_launch_" + kernel.source.entry).c_str()));
  if (!launch) {
    error = "no launcher";
    return false;
  }
  // Misaligned: copies one byte past the start of buffers of one extra byte
  // (the heap's blocks are aligned to 16), copied back after the launch.
  std::vector<std::vector<char>> shifted;
  std::vector<void *> pointers;
  for (std::vector<char> &buffer : buffers) {
    if (!misalign) {
      pointers.push_back(buffer.data());
      continue;
    }
    shifted.emplace_back(buffer.size() + 1);
    std::copy(buffer.begin(), buffer.end(), shifted.back().begin() + 1);
    pointers.push_back(shifted.back().data() + 1);
  }
  launch(pointers.data());
  for (size_t i = 0; i < shifted.size(); ++i)
    std::copy(shifted[i].begin() + 1, shifted[i].end(), buffers[i].begin());
  return true;
}

std::unique_ptr<Runner> makeCpuRunner(const std::string &compiler, const std::string &keep,
                                      bool misalign) {
  return std::make_unique<CpuRunner>(compiler, keep, misalign);
}
