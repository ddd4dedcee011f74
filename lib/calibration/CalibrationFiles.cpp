//===- CalibrationFiles.cpp - the calibration cache and calibration set ---===//

#include "kiln/calibration/Calibration.h"
#include "kiln/reference/Npy.h"

#ifdef KILN_HAVE_ONNX_IMPORT
#include "kiln/import/OnnxImporter.h"
#endif

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>

using namespace kiln::calibration;
using llvm::StringRef;

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

StringRef kiln::calibration::getKilnVersion() { return KILN_VERSION; }

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Cache
//===----------------------------------------------------------------------===//

static constexpr StringRef kCacheMagic = "kiln-calibration-cache";

llvm::Expected<CalibrationCache> kiln::calibration::readCalibrationCache(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return error(path + ": cannot read the calibration cache: " +
                 buffer.getError().message());
  CalibrationCache cache;
  llvm::SmallVector<StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  if (lines.empty() || !lines.front().starts_with(kCacheMagic))
    return error(path + ": not a calibration cache: expected a first line starting "
                        "with '" + kCacheMagic + "'");
  llvm::SmallVector<StringRef> fields;
  lines.front().split(fields, ' ', -1, /*KeepEmpty=*/false);
  bool haveAlgorithm = false;
  for (StringRef field : llvm::drop_begin(fields)) {
    auto [key, value] = field.split('=');
    if (key == "algorithm") {
      std::optional<Calibrator> algorithm = parseCalibrator(value);
      if (!algorithm)
        return error(path + ":1: unknown algorithm '" + value + "' (expected " +
                     getCalibratorChoices() + ")");
      cache.algorithm = *algorithm;
      haveAlgorithm = true;
    } else if (key == "percentile") {
      if (value.getAsDouble(cache.percentile))
        return error(path + ":1: percentile '" + value + "' is not a number");
    } else if (key == "kiln") {
      cache.kilnVersion = value.str();
    }
  }
  if (!haveAlgorithm)
    return error(path + ":1: the header names no algorithm=...");
  llvm::StringSet<> names;
  for (auto [number, line] : llvm::enumerate(llvm::drop_begin(lines))) {
    line = line.rtrim("\r");
    // Names may hold ':' (and ' + '); the scale follows the last ": ".
    size_t colon = line.rfind(": ");
    double scale = 0.0;
    if (colon == StringRef::npos || line.substr(colon + 2).trim().getAsDouble(scale) ||
        !(scale > 0.0) || !std::isfinite(scale))
      return error(llvm::formatv("{0}:{1}: expected 'name: scale' with a positive scale, "
                                 "got '{2}'",
                                 path, number + 2, line)
                       .str());
    std::string name = line.take_front(colon).str();
    if (!names.insert(name).second)
      return error(llvm::formatv("{0}:{1}: tensor '{2}' is listed twice", path,
                                 number + 2, name)
                       .str());
    cache.scales.emplace_back(name, scale);
  }
  return cache;
}

llvm::Error kiln::calibration::writeCalibrationCache(StringRef path,
                                                     const CalibrationCache &cache) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) -> llvm::Error {
    os << kCacheMagic << " algorithm=" << getCalibratorName(cache.algorithm);
    if (cache.algorithm == Calibrator::percentile)
      os << " percentile=" << llvm::format("%g", cache.percentile);
    os << " kiln=" << cache.kilnVersion << "\n";
    for (const auto &[name, scale] : cache.scales)
      os << name << ": " << llvm::formatv("{0:e9}", scale) << "\n";
    return llvm::Error::success();
  });
}

//===----------------------------------------------------------------------===//
// Calibration set
//===----------------------------------------------------------------------===//

/// The name an input takes in a file name: path separators and other
/// characters a file name should not hold become '_'.
static std::string fileStem(StringRef inputName) {
  std::string stem;
  for (char c : inputName)
    stem += llvm::isAlnum(c) || c == '_' || c == '-' || c == '.' ? c : '_';
  return stem;
}

static bool isTensorFile(StringRef path) {
  return path.ends_with(".npy") || path.ends_with(".pb");
}

/// The input a file stem names, among `inputNames` (by name, or by the
/// name's file stem), or null.
static const std::string *matchInput(StringRef stem, llvm::ArrayRef<std::string> inputNames) {
  for (const std::string &name : inputNames)
    if (stem == name || stem == fileStem(name))
      return &name;
  return nullptr;
}

static llvm::Expected<std::vector<std::string>> listDirectory(StringRef dir) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    entries.push_back(it->path());
  if (ec)
    return error(dir + ": cannot read the calibration set: " + ec.message());
  llvm::sort(entries);
  return entries;
}

llvm::Expected<std::vector<CalibrationBatch>>
kiln::calibration::findCalibrationBatches(StringRef dir,
                                          llvm::ArrayRef<std::string> inputNames) {
  if (!llvm::sys::fs::is_directory(dir))
    return error(dir + ": the calibration set is not a directory");
  llvm::Expected<std::vector<std::string>> entries = listDirectory(dir);
  if (!entries)
    return entries.takeError();

  // Batches by key: the index of DIR/<input>.<index>.npy, or a folder name.
  std::map<std::pair<int64_t, std::string>, CalibrationBatch> batches;
  for (const std::string &entry : *entries) {
    StringRef base = llvm::sys::path::filename(entry);
    if (llvm::sys::fs::is_directory(entry)) {
      llvm::Expected<std::vector<std::string>> files = listDirectory(entry);
      if (!files)
        return files.takeError();
      CalibrationBatch batch;
      batch.name = base.str();
      for (const std::string &file : *files) {
        if (!isTensorFile(file))
          continue;
        StringRef stem = llvm::sys::path::stem(file);
        const std::string *input = matchInput(stem, inputNames);
        if (!input)
          return error(file + ": names no input of the model (inputs: " +
                       llvm::join(inputNames, ", ") + ")");
        if (!batch.files.insert({*input, file}).second)
          return error(file + ": a second file for input '" + *input + "' in batch " +
                       batch.name);
      }
      if (!batch.files.empty())
        batches[{-1, batch.name}] = std::move(batch);
      continue;
    }
    if (!isTensorFile(entry))
      continue;
    auto [stem, indexText] = llvm::sys::path::stem(entry).rsplit('.');
    int64_t index;
    if (indexText.empty() || indexText.getAsInteger(10, index) || index < 0)
      return error(entry + ": expected <input>.<index>.npy (or .pb), or a folder per "
                           "batch");
    const std::string *input = matchInput(stem, inputNames);
    if (!input)
      return error(entry + ": names no input of the model (inputs: " +
                   llvm::join(inputNames, ", ") + ")");
    CalibrationBatch &batch = batches[{index, ""}];
    batch.name = std::to_string(index);
    if (!batch.files.insert({*input, entry}).second)
      return error(entry + ": a second file for input '" + *input + "' in batch " +
                   batch.name);
  }
  if (batches.empty())
    return error(dir + ": the calibration set holds no <input>.<index>.npy/.pb files "
                       "and no batch folders of them");

  std::vector<CalibrationBatch> ordered;
  for (auto &[key, batch] : batches) {
    for (const std::string &input : inputNames)
      if (!batch.files.count(input))
        return error(dir + ": batch " + batch.name + " has no file for input '" + input +
                     "' (expected " +
                     (key.first >= 0 ? fileStem(input) + "." + batch.name + ".npy"
                                     : batch.name + "/" + fileStem(input) + ".npy") +
                     ")");
    ordered.push_back(std::move(batch));
  }
  return ordered;
}

llvm::Expected<kiln::reference::Tensor>
kiln::calibration::readCalibrationTensor(StringRef path, mlir::MLIRContext &context) {
  if (!path.ends_with(".pb"))
    return reference::readNpy(path, context);
#ifdef KILN_HAVE_ONNX_IMPORT
  mlir::FailureOr<mlir::DenseElementsAttr> attr = kiln::readOnnxTensorFile(path, context);
  if (mlir::failed(attr))
    return error(path + ": not a readable ONNX TensorProto");
  return reference::Tensor::fromAttr(llvm::cast<mlir::ElementsAttr>(*attr));
#else
  return error(path + ": .pb tensors need the ONNX importer, which this build of "
                      "Kiln does not have; use .npy");
#endif
}
