//===- TimingCache.cpp - the timing cache file and op signatures ----------===//
//
// The file is JSON written by llvm::json: a format name and version, then one
// object per entry (docs/codegen.md, "Tactics"). Words of a cuBLASLt
// algorithm are hex strings: they use all 64 bits, more than a JSON number
// carries through most readers.
//
//===----------------------------------------------------------------------===//

#include "kiln/target/tactics/TimingCache.h"

#include "dialects/engine/EngineDialect.h"
#include "kiln/target/cuda/KernelEmitter.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace llvm;
using namespace kiln::tactics;

namespace {

constexpr StringLiteral kFormatName = "kiln-timing-cache";

/// Errors name the file and the entry: "timing cache 'a.json': entry 3: ...".
class Reader {
public:
  explicit Reader(StringRef name) : name(name) {}

  Error fail(const Twine &message) const {
    std::string where = "timing cache '" + name.str() + "': ";
    if (entry >= 0)
      where += list.str() + " " + std::to_string(entry) + ": ";
    return createStringError(inconvertibleErrorCode(), where + message.str());
  }

  Expected<std::string> string(const json::Object &object, StringRef key) const {
    std::optional<StringRef> value = object.getString(key);
    if (!value)
      return fail("'" + key + "' must be a string, " + found(object, key));
    return value->str();
  }

  Expected<int64_t> integer(const json::Object &object, StringRef key,
                            std::optional<int64_t> fallback = std::nullopt) const {
    if (!object.get(key) && fallback)
      return *fallback;
    std::optional<int64_t> value = object.getInteger(key);
    if (!value)
      return fail("'" + key + "' must be an integer, " + found(object, key));
    return *value;
  }

  std::string found(const json::Object &object, StringRef key) const {
    const json::Value *value = object.get(key);
    if (!value)
      return "found nothing";
    std::string text;
    raw_string_ostream os(text);
    os << "found " << *value;
    return text;
  }

  StringRef name;
  StringRef list = "entry"; ///< "entry" (a tactic) or "choice"
  int entry = -1;
};

Expected<CachedTactic> parseTactic(const Reader &reader, const json::Object &object,
                                   StringRef library) {
  CachedTactic tactic;
  Expected<std::string> description = reader.string(object, "tactic");
  if (!description)
    return description.takeError();
  tactic.description = *description;
  Expected<int64_t> workspace = reader.integer(object, "workspace", 0);
  if (!workspace)
    return workspace.takeError();
  if (*workspace < 0)
    return reader.fail("'workspace' must not be negative");
  tactic.workspace = uint64_t(*workspace);
  Expected<int64_t> candidates = reader.integer(object, "candidates", 0);
  if (!candidates)
    return candidates.takeError();
  tactic.candidates = *candidates;
  if (const json::Value *time = object.get("time_ms")) {
    std::optional<double> ms = time->getAsNumber();
    if (!ms || *ms < 0)
      return reader.fail("'time_ms' must be a non-negative number, " +
                         reader.found(object, "time_ms"));
    tactic.milliseconds = *ms;
  }
  tactic.timing = "enqueued";
  if (const json::Value *timing = object.get("timing")) {
    std::optional<StringRef> method = timing->getAsString();
    if (!method || (*method != kTimingMethod && *method != "enqueued"))
      return reader.fail(Twine("'timing' must be '") + kTimingMethod + "' or 'enqueued', " +
                         reader.found(object, "timing"));
    tactic.timing = method->str();
  }
  if (library == "cudnn") {
    Expected<int64_t> engine = reader.integer(object, "engine_id");
    if (!engine)
      return engine.takeError();
    if (*engine < 0)
      return reader.fail("'engine_id' must be a cuDNN engine number (>= 0), found " +
                         Twine(*engine));
    tactic.engineId = *engine;
    if (const json::Value *knobs = object.get("knobs")) {
      const json::Array *array = knobs->getAsArray();
      if (!array || array->size() % 2)
        return reader.fail("'knobs' must be an array of (knob type, value) pairs, " +
                           reader.found(object, "knobs"));
      for (const json::Value &item : *array) {
        std::optional<int64_t> number = item.getAsInteger();
        if (!number)
          return reader.fail("'knobs' must hold integers, " + reader.found(object, "knobs"));
        tactic.knobs.push_back(*number);
      }
    }
    return tactic;
  }
  if (library == kChoiceLibrary) {
    Expected<std::string> engine = reader.string(object, "engine");
    if (!engine)
      return engine.takeError();
    if (*engine != "int8" && *engine != "float" && *engine != "mixed")
      return reader.fail("'engine' must be \"int8\", \"float\" or \"mixed\", found \"" +
                         *engine + "\"");
    tactic.engine = *engine;
    const json::Array *constraints = object.getArray("layer_precision");
    if (!constraints)
      return reader.fail("'layer_precision' must be an array of \"NAME:PRECISION\" strings, " +
                         reader.found(object, "layer_precision"));
    for (const json::Value &item : *constraints) {
      std::optional<StringRef> text = item.getAsString();
      if (!text || !text->contains(':'))
        return reader.fail("'layer_precision' must hold \"NAME:PRECISION\" strings, " +
                           reader.found(object, "layer_precision"));
      tactic.layerPrecision.push_back(text->str());
    }
    if ((tactic.engine == "mixed") == tactic.layerPrecision.empty())
      return reader.fail("'layer_precision' must name the layers kept in float for a "
                         "\"mixed\" engine and be empty otherwise");
    return tactic;
  }
  if (library == "nvrtc") {
    for (auto [field, sizes] : {std::pair<StringRef, std::vector<int64_t> *>{"grid", &tactic.grid},
                                {"block", &tactic.block}}) {
      const json::Array *array = object.getArray(field);
      if (!array || array->size() != 3)
        return reader.fail("'" + field + "' must be three sizes of a kernel launch, " +
                           reader.found(object, field));
      for (const json::Value &item : *array) {
        std::optional<int64_t> size = item.getAsInteger();
        if (!size || *size < 1 || *size > std::numeric_limits<int32_t>::max())
          return reader.fail("'" + field + "' must hold positive 32-bit sizes, " +
                             reader.found(object, field));
        sizes->push_back(*size);
      }
    }
    if (tactic.block[0] * tactic.block[1] * tactic.block[2] > 1024)
      return reader.fail("'block' must have at most 1024 threads, " +
                         reader.found(object, "block"));
    return tactic;
  }
  const json::Array *algo = object.getArray("algo");
  if (!algo || algo->size() != 8)
    return reader.fail("'algo' must be the 8 words of a cublasLtMatmulAlgo_t as hex strings, " +
                       reader.found(object, "algo"));
  for (const json::Value &item : *algo) {
    std::optional<StringRef> text = item.getAsString();
    uint64_t word = 0;
    if (!text || !text->starts_with("0x") || text->drop_front(2).getAsInteger(16, word))
      return reader.fail("'algo' words must be hex strings such as \"0x1f\", " +
                         reader.found(object, "algo"));
    tactic.algo.push_back(word);
  }
  return tactic;
}

} // namespace

Expected<TimingCache> TimingCache::parse(StringRef text, StringRef name) {
  Reader reader(name);
  // An empty file is an empty cache (`touch tactics.json` starts one), as
  // TensorRT takes an empty timing-cache blob.
  if (text.trim().empty())
    return TimingCache();
  Expected<json::Value> root = json::parse(text);
  if (!root)
    return reader.fail("not JSON: " + toString(root.takeError()));
  const json::Object *object = root->getAsObject();
  if (!object)
    return reader.fail("expected a JSON object with \"format\": \"kiln-timing-cache\"");
  std::optional<StringRef> format = object->getString("format");
  if (!format || *format != kFormatName)
    return reader.fail("expected \"format\": \"kiln-timing-cache\", " +
                       reader.found(*object, "format"));
  Expected<int64_t> version = reader.integer(*object, "version");
  if (!version)
    return version.takeError();
  if (*version != kTimingCacheVersion)
    return reader.fail("version " + Twine(*version) + " is not the version this Kiln reads (" +
                       Twine(kTimingCacheVersion) + ")");
  const json::Array *entries = object->getArray("entries");
  if (!entries)
    return reader.fail("'entries' must be an array, " + reader.found(*object, "entries"));
  // Choices among whole engines sit apart from the tactics, so a Kiln that
  // knows none reads the file (and drops them when it rewrites it).
  const json::Array *choices = nullptr;
  if (object->get("choices") && !(choices = object->getArray("choices")))
    return reader.fail("'choices' must be an array, " + reader.found(*object, "choices"));

  TimingCache cache;
  for (auto [list, values] : {std::pair<StringRef, const json::Array *>{"entry", entries},
                              {"choice", choices}}) {
    if (!values)
      continue;
    reader.list = list;
    reader.entry = -1;
    for (const json::Value &value : *values) {
      ++reader.entry;
      const json::Object *entry = value.getAsObject();
      if (!entry)
        return reader.fail("expected an object");
      TacticKey key;
      Expected<std::string> signature = reader.string(*entry, "signature");
      if (!signature)
        return signature.takeError();
      key.signature = *signature;
      Expected<std::string> gpu = reader.string(*entry, "gpu");
      if (!gpu)
        return gpu.takeError();
      key.gpu = *gpu;
      Expected<int64_t> cc = reader.integer(*entry, "compute_capability");
      if (!cc)
        return cc.takeError();
      key.computeCapability = int(*cc);
      Expected<std::string> library = reader.string(*entry, "library");
      if (!library)
        return library.takeError();
      if (list == "entry" && *library != "cudnn" && *library != "cublaslt" &&
          *library != "nvrtc")
        return reader.fail("'library' must be \"cudnn\", \"cublaslt\" or \"nvrtc\", found \"" +
                           *library + "\"");
      if (list == "choice" && *library != kChoiceLibrary)
        return reader.fail(Twine("'library' must be \"") + kChoiceLibrary + "\", found \"" +
                           *library + "\"");
      key.library = *library;
      Expected<int64_t> libraryVersion = reader.integer(*entry, "library_version");
      if (!libraryVersion)
        return libraryVersion.takeError();
      key.libraryVersion = int(*libraryVersion);
      Expected<CachedTactic> tactic = parseTactic(reader, *entry, key.library);
      if (!tactic)
        return tactic.takeError();
      cache.entries[key] = std::move(*tactic); // as read, its timing method kept
    }
  }
  return cache;
}

Expected<TimingCache> TimingCache::read(StringRef path) {
  if (!sys::fs::exists(path))
    return TimingCache();
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return createStringError(buffer.getError(), "cannot read timing cache '" + path.str() +
                                                    "': " + buffer.getError().message());
  return parse((*buffer)->getBuffer(), path);
}

const CachedTactic *TimingCache::lookup(StringRef signature, StringRef library,
                                        int libraryVersion, StringRef gpu,
                                        int computeCapability, bool anyMethod) const {
  for (const auto &[key, tactic] : entries)
    if (key.signature == signature && key.library == library &&
        key.libraryVersion == libraryVersion && key.computeCapability == computeCapability &&
        (gpu.empty() || key.gpu == gpu) &&
        (anyMethod || !onlyThisMethod || tactic.timing == kTimingMethod))
      return &tactic;
  return nullptr;
}

void TimingCache::insert(const TacticKey &key, CachedTactic tactic) {
  tactic.timing = kTimingMethod;
  entries[key] = std::move(tactic);
}

std::string TimingCache::serialize() const {
  json::Array array, choices;
  for (const auto &[key, tactic] : entries) {
    json::Object entry{{"signature", key.signature},
                       {"gpu", key.gpu},
                       {"compute_capability", key.computeCapability},
                       {"library", key.library},
                       {"library_version", key.libraryVersion},
                       {"tactic", tactic.description},
                       {"workspace", int64_t(tactic.workspace)},
                       {"time_ms", tactic.milliseconds},
                       {"candidates", tactic.candidates},
                       {"timing", tactic.timing}};
    if (key.library == "cudnn") {
      entry["engine_id"] = tactic.engineId;
      entry["knobs"] = json::Array(tactic.knobs);
    } else if (key.library == "nvrtc") {
      entry["grid"] = json::Array(tactic.grid);
      entry["block"] = json::Array(tactic.block);
    } else if (key.library == kChoiceLibrary) {
      entry["engine"] = tactic.engine;
      entry["layer_precision"] = json::Array(tactic.layerPrecision);
      choices.push_back(std::move(entry));
      continue;
    } else {
      json::Array words;
      for (uint64_t word : tactic.algo)
        words.push_back(formatv("{0:x}", word).str());
      entry["algo"] = std::move(words);
    }
    array.push_back(std::move(entry));
  }
  json::Object root{{"format", kFormatName},
                    {"version", kTimingCacheVersion},
                    {"entries", std::move(array)}};
  if (!choices.empty())
    root["choices"] = std::move(choices);
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(root))) << "\n";
  return text;
}

Error TimingCache::insertIntoFile(StringRef path, const TacticKey &key, CachedTactic tactic) {
  Expected<TimingCache> cache = read(path);
  if (!cache)
    return cache.takeError();
  cache->insert(key, std::move(tactic));
  return cache->write(path);
}

Error TimingCache::write(StringRef path) const {
  std::string text = serialize();
  // A temporary file beside the target, so the rename is atomic.
  SmallString<256> temporary;
  int fd = -1;
  if (std::error_code error =
          sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, temporary))
    return createStringError(error, "cannot write timing cache '" + path.str() +
                                        "': " + error.message());
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << text;
    os.close();
    if (os.has_error()) {
      std::error_code error = os.error();
      os.clear_error();
      sys::fs::remove(temporary);
      return createStringError(error, "cannot write timing cache '" + path.str() +
                                          "': " + error.message());
    }
  }
  if (std::error_code error = sys::fs::rename(temporary, path)) {
    sys::fs::remove(temporary);
    return createStringError(error, "cannot write timing cache '" + path.str() +
                                        "': " + error.message());
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

namespace {
/// `source` with the values a kernel computes with but that do not change
/// how long it runs replaced by placeholders: the elements of array
/// initializers (`] = {...}`: per-channel scales, biases, depthwise
/// weights; the array's length stays in its declaration) and floating-point
/// literals (quantization scales, clip bounds, activation parameters). The
/// same layer of two calibrations, or of two models, then shares its timing
/// cache entries; integer literals (sizes, strides, loop bounds) remain.
std::string withoutValues(StringRef source) {
  std::string out;
  out.reserve(source.size());
  auto isIdentifier = [](char c) { return isAlnum(c) || c == '_'; };
  size_t i = 0, n = source.size();
  while (i < n) {
    char c = source[i];
    // An array initializer: "] = {" up to its closing brace.
    if (c == ']' && source.substr(i).starts_with("] = {")) {
      size_t depth = 0, j = i + 4;
      for (; j < n; ++j) {
        depth += source[j] == '{';
        if (source[j] == '}' && --depth == 0)
          break;
      }
      if (j < n) {
        out += "] = {...}";
        i = j + 1;
        continue;
      }
    }
    // A numeric literal (not the tail of an identifier): a float one has a
    // '.' or, in decimal, an exponent.
    if ((isDigit(c) || (c == '.' && i + 1 < n && isDigit(source[i + 1]))) &&
        (i == 0 || !isIdentifier(source[i - 1]))) {
      size_t j = i;
      bool hex = source.substr(i).starts_with_insensitive("0x"), isFloat = false;
      while (j < n) {
        char d = source[j];
        if ((d == 'e' || d == 'E') && !hex && j + 1 < n &&
            (source[j + 1] == '+' || source[j + 1] == '-')) {
          isFloat = true;
          j += 2;
          continue;
        }
        if (!isIdentifier(d) && d != '.')
          break;
        isFloat |= d == '.' || (!hex && (d == 'e' || d == 'E'));
        ++j;
      }
      if (isFloat)
        out += "0.f";
      else
        out.append(source.data() + i, j - i);
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

/// "name=value" words, joined by spaces.
class SignatureBuilder {
public:
  explicit SignatureBuilder(StringRef kind) : os(text) { os << kind; }

  void operand(StringRef name, mlir::Value value) {
    if (value)
      os << " " << name << "=" << value.getType();
  }
  void array(StringRef name, ArrayRef<int64_t> values) {
    os << " " << name << "=[";
    interleave(values, os, ",");
    os << "]";
  }
  template <typename T> void scalar(StringRef name, const T &value) {
    os << " " << name << "=" << value;
  }
  void attribute(StringRef name, mlir::Attribute attr) {
    if (!attr)
      return;
    os << " " << name << "=";
    attr.print(os, /*elideType=*/true);
  }
  std::string str() { return text; }

private:
  std::string text;
  raw_string_ostream os;
};

/// The shortest text that reads back as `value` ("1", "0.5").
std::string floatText(const APFloat &value) {
  SmallString<16> text;
  value.toString(text);
  return text.str().str();
}
} // namespace

std::string kiln::tactics::getTacticSignature(mlir::Operation *op) {
  using namespace kiln::engine;
  using Operand = std::pair<StringRef, mlir::Value>;
  auto precision = op->getAttrOfType<mlir::StringAttr>("precision");
  // Operands first, then what the op's kind adds, then what every step has.
  auto build = [&](StringRef kind, std::initializer_list<Operand> operands,
                   function_ref<void(SignatureBuilder &)> attributes, bool tf32) {
    SignatureBuilder s(kind);
    for (const Operand &operand : operands)
      s.operand(operand.first, operand.second);
    attributes(s);
    s.scalar("tf32", int(tf32));
    s.scalar("precision", precision ? precision.getValue() : "");
    return s.str();
  };
  if (auto conv = dyn_cast<ConvOp>(op))
    return build(
        "conv",
        {{"x", conv.getX()}, {"w", conv.getW()}, {"bias", conv.getBias()},
         {"residual", conv.getResidual()}, {"scale", conv.getScale()}, {"y", conv.getY()}},
        [&](SignatureBuilder &s) {
          s.array("strides", conv.getStrides());
          s.array("pads", conv.getPads());
          s.array("dilations", conv.getDilations());
          s.scalar("groups", conv.getGroups());
          s.scalar("transposed", int(conv.getTransposed()));
          s.scalar("layout", kiln::nn::stringifyLayout(conv.getLayout()));
          s.attribute("activation", conv.getActivationAttr());
          s.scalar("alpha", floatText(conv.getAlpha()));
          // A scaled int8 residual adds a multiply to the graph; its value
          // does not change the plans.
          if (conv.getResidualScale().convertToFloat() != 1.0f)
            s.scalar("residual_scaled", 1);
          // So does a post_scale (format 1.5), after the activation.
          if (conv.getPostScale().convertToFloat() != 1.0f)
            s.scalar("post_scaled", 1);
        },
        conv.getAllowTf32());
  if (auto attention = dyn_cast<AttentionOp>(op))
    // The scale is a value in cuDNN's graph: it does not change the plans.
    return build("attention",
                 {{"q", attention.getQ()}, {"k", attention.getK()}, {"v", attention.getV()},
                  {"bias", attention.getBias()}, {"o", attention.getO()}},
                 [](SignatureBuilder &) {}, false);
  if (auto launch = dyn_cast<LaunchOp>(op)) {
    // The kernel by a hash of its source, named "kernel", with its launch
    // bound left out (tactic selection raises it) and its values too; the
    // source holds every shape and stride it computes with.
    auto kernel = mlir::SymbolTable::lookupNearestSymbolFrom<KernelOp>(
        op, launch.getKernelAttr());
    std::string source = kernel ? kernel.getSource().str() : "";
    if (std::optional<std::string> unbound = kiln::cuda::withLaunchBound(source, 0))
      source = std::move(*unbound);
    source = withoutValues(join(split(source, launch.getKernel()), "kernel"));
    SignatureBuilder s("kernel");
    s.scalar("source", format_hex_no_prefix(xxh3_64bits(source), 16));
    for (auto [index, arg] : enumerate(launch.getArgs()))
      s.operand(formatv("arg{0}", index).str(), arg);
    s.array("grid", SmallVector<int64_t>(launch.getGrid()));
    s.array("block", SmallVector<int64_t>(launch.getBlock()));
    if (std::optional<ArrayRef<int32_t>> variants = launch.getVariants())
      s.array("variants", SmallVector<int64_t>(*variants));
    return s.str();
  }
  auto gemm = cast<GemmOp>(op);
  return build(
      "gemm",
      {{"a", gemm.getA()}, {"b", gemm.getB()}, {"bias", gemm.getBias()}, {"c", gemm.getC()},
       {"d", gemm.getD()}},
      [&](SignatureBuilder &s) {
        s.scalar("trans_a", int(gemm.getTransA()));
        s.scalar("trans_b", int(gemm.getTransB()));
        s.scalar("alpha", floatText(gemm.getAlpha()));
        s.scalar("beta", floatText(gemm.getBeta()));
        s.attribute("activation", gemm.getActivationAttr());
      },
      gemm.getAllowTf32());
}
