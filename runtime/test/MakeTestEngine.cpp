// kiln-runtime-make-test-engine: writes the sample engine (TestEngines.h) for
// lit tests and for trying kiln-run, its kernel compiled with NVRTC.
//
//   kiln-runtime-make-test-engine OUT.kiln [--arch N] [--fake-kernels] [--corrupt]
#include "Nvrtc.h"
#include "TestEngines.h"

#include "kiln/runtime/EngineFile.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

using namespace kiln::runtime;
using namespace kiln::runtime::test;

int main(int argc, char **argv) {
  std::string out;
  unsigned arch = 90;
  bool fake = false, corrupt = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--arch" && i + 1 < argc)
      arch = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (arg == "--fake-kernels")
      fake = true;
    else if (arg == "--corrupt")
      corrupt = true;
    else if (out.empty() && arg[0] != '-')
      out = arg;
    else {
      std::fprintf(stderr, "usage: %s OUT.kiln [--arch N] [--fake-kernels] [--corrupt]\n",
                   argv[0]);
      return 1;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: %s OUT.kiln [--arch N] [--fake-kernels] [--corrupt]\n", argv[0]);
    return 1;
  }

  std::vector<uint8_t> file;
  if (fake) {
    file = makeSampleEngine();
  } else {
    CompiledCode compiled = compileCuda(kSampleKernels, arch);
    if (!compiled.ok()) {
      std::fprintf(stderr, "NVRTC: %s\n", compiled.error.c_str());
      return 1;
    }
    SampleCode code{arch, compiled.ptx, compiled.cubin};
    file = makeSampleEngine(&code);
  }
  if (corrupt)
    file[file.size() - 3] ^= 0x5a;
  // The writer's own path (temporary file, then rename) for a whole file.
  std::vector<std::string> warnings;
  auto header = checkEngineHeader(file, warnings);
  if (header.ok()) {
    ByteSpan metadata(file.data() + header->metadata_offset(), header->metadata_size());
    ByteSpan weights(file.data() + header->weights_offset(), header->weights_size());
    if (Status s = writeEngineFile(out, metadata, weights); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    return 0;
  }
  std::ofstream stream(out, std::ios::binary | std::ios::trunc);
  stream.write(reinterpret_cast<const char *>(file.data()), std::streamsize(file.size()));
  return stream ? 0 : 1;
}
