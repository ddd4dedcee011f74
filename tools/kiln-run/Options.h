// kiln-run's command line.
#ifndef KILN_TOOLS_KILN_RUN_OPTIONS_H
#define KILN_TOOLS_KILN_RUN_OPTIONS_H

#include "kiln/runtime/Runtime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln::run {

struct Options {
  std::string engine;
  std::vector<std::pair<std::string, std::string>> inputs; ///< name, .npy path
  int warmup = 10;
  int iterations = 100;
  double duration = 0; ///< seconds; when set, runs at least this long
  bool cudaGraph = false;
  int auxStreams = kiln::runtime::kDefaultMaxAuxStreams; ///< ContextOptions::maxAuxStreams
  bool dumpProfile = false;
  std::string exportProfile;
  std::string exportOutput;
  std::string exportTimes;
  bool inspect = false;
  bool inspectJson = false;
  int device = 0;
  uint64_t seed = 0;
  bool help = false;
};

/// Parses argv; on a mistake returns false with `error` set.
bool parseOptions(int argc, char **argv, Options &options, std::string &error);

const char *usageText();

} // namespace kiln::run

#endif // KILN_TOOLS_KILN_RUN_OPTIONS_H
