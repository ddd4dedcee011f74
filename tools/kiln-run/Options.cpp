// kiln-run's command-line parsing.
#include "Options.h"

#include "kiln/runtime/Runtime.h"

#include <cstdlib>
#include <stdexcept>

namespace kiln::run {

const char *usageText() {
  return R"(usage: kiln-run ENGINE.kiln [options]

Runs a Kiln engine on the GPU with random or given inputs and reports its
latency, or describes it (no GPU needed).

  --input NAME=FILE.npy    an input's values (others are random; repeatable)
  --seed N                 seed of the random inputs (default 0)
  --warmup N               untimed runs first (default 10)
  --iterations N           timed runs (default 100)
  --duration S             time runs for at least S seconds (after --iterations)
  --cuda-graph             capture the engine into a CUDA graph and replay it
  --aux-streams N          run independent steps on up to N streams besides
                           the caller's (0: in order on one stream; default 3)
  --dump-profile           print per-layer GPU times (extra profiled runs, one
                           step after another; with --cuda-graph, as a graph)
  --export-profile FILE    the per-layer times as JSON
  --export-output DIR      each output as DIR/NAME.npy
  --export-times FILE      every timed run's GPU and host time as JSON
  --inspect                describe the engine as text and exit
  --inspect-json           describe the engine as JSON and exit
  --device N               CUDA device (default 0)
  -h, --help               this text

Exit status: 0 success, 1 bad usage, 2 the engine cannot be used (the loader
says why), 3 no GPU or no CUDA driver, 4 a failure while running.
)";
}

namespace {

bool parseInt(const std::string &text, long long minimum, long long &value) {
  try {
    size_t used = 0;
    value = std::stoll(text, &used);
    return used == text.size() && value >= minimum;
  } catch (const std::exception &) {
    return false;
  }
}

} // namespace

bool parseOptions(int argc, char **argv, Options &options, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasInline = false;
    if (arg.rfind("--", 0) == 0) {
      size_t equals = arg.find('=');
      if (equals != std::string::npos && arg.rfind("--input", 0) != 0) {
        value = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
        hasInline = true;
      } else if (arg.rfind("--input=", 0) == 0) {
        value = arg.substr(8);
        arg = "--input";
        hasInline = true;
      }
    }
    auto next = [&](std::string &out) {
      if (hasInline) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    auto integer = [&](long long minimum, long long &out) {
      std::string text;
      if (!next(text))
        return false;
      if (!parseInt(text, minimum, out)) {
        error = arg + " expects an integer >= " + std::to_string(minimum) + ", got '" +
                text + "'";
        return false;
      }
      return true;
    };
    long long number = 0;
    if (arg == "-h" || arg == "--help") {
      options.help = true;
    } else if (arg == "--input") {
      std::string spec;
      if (!next(spec))
        return false;
      size_t equals = spec.find('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
        error = "--input expects NAME=FILE.npy, got '" + spec + "'";
        return false;
      }
      options.inputs.emplace_back(spec.substr(0, equals), spec.substr(equals + 1));
    } else if (arg == "--seed") {
      if (!integer(0, number)) return false;
      options.seed = static_cast<uint64_t>(number);
    } else if (arg == "--warmup") {
      if (!integer(0, number)) return false;
      options.warmup = static_cast<int>(number);
    } else if (arg == "--iterations") {
      if (!integer(1, number)) return false;
      options.iterations = static_cast<int>(number);
    } else if (arg == "--duration") {
      std::string text;
      if (!next(text))
        return false;
      char *end = nullptr;
      options.duration = std::strtod(text.c_str(), &end);
      if (!end || *end || options.duration <= 0) {
        error = "--duration expects a positive number of seconds, got '" + text + "'";
        return false;
      }
    } else if (arg == "--device") {
      if (!integer(0, number)) return false;
      options.device = static_cast<int>(number);
    } else if (arg == "--aux-streams") {
      if (!integer(0, number)) return false;
      if (number > kiln::runtime::kMaxAuxStreamsLimit) {
        error = "--aux-streams expects at most " +
                std::to_string(kiln::runtime::kMaxAuxStreamsLimit) + ", got " +
                std::to_string(number);
        return false;
      }
      options.auxStreams = static_cast<int>(number);
    } else if (arg == "--cuda-graph") {
      options.cudaGraph = true;
    } else if (arg == "--dump-profile") {
      options.dumpProfile = true;
    } else if (arg == "--export-profile") {
      if (!next(options.exportProfile)) return false;
    } else if (arg == "--export-output") {
      if (!next(options.exportOutput)) return false;
    } else if (arg == "--export-times") {
      if (!next(options.exportTimes)) return false;
    } else if (arg == "--inspect") {
      options.inspect = true;
    } else if (arg == "--inspect-json") {
      options.inspectJson = true;
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      error = "unknown option '" + arg + "'";
      return false;
    } else if (options.engine.empty()) {
      options.engine = arg;
    } else {
      error = "one engine at a time: '" + options.engine + "' and '" + arg + "'";
      return false;
    }
  }
  if (!options.help && options.engine.empty()) {
    error = "no engine file given";
    return false;
  }
  return true;
}

} // namespace kiln::run
