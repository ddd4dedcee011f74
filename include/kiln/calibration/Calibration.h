//===- Calibration.h - INT8 activation ranges from a calibration set -*- C++ -*-===//
//
// The parts of implicit INT8 quantization that do not touch IR: the three
// calibrators (TensorRT's entropy method over a 2048-bin histogram of |x|,
// min-max, percentile), the calibration cache file, and the calibration set
// on disk. `kiln-calibrate` (passes/graph/Calibrate.cpp) puts them together.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CALIBRATION_CALIBRATION_H
#define KILN_CALIBRATION_CALIBRATION_H

#include "kiln/reference/Tensor.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::calibration {

enum class Calibrator { entropy, minmax, percentile, mse };

/// `entropy`, `minmax`, `percentile` or `mse`, or nullopt.
std::optional<Calibrator> parseCalibrator(llvm::StringRef name);
llvm::StringRef getCalibratorName(Calibrator calibrator);
/// "entropy, minmax, percentile or mse", for error messages.
llvm::StringRef getCalibratorChoices();

/// The largest value of int8 a symmetric activation scale maps its threshold to.
constexpr double kInt8Max = 127.0;

/// Statistics of one tensor over the calibration set: max |x| (first pass
/// over the set) and a histogram of the non-zero |x| with kNumBins bins of
/// equal width over [0, max] (second pass; a value equal to max lands in the
/// last bin). Exact zeros are left out: they quantize exactly at any scale.
class TensorStatistics {
public:
  static constexpr int kNumBins = 2048;

  void addToRange(llvm::ArrayRef<double> values);
  void addToHistogram(llvm::ArrayRef<double> values);

  double getMax() const { return max; }
  double getBinWidth() const { return max / kNumBins; }
  llvm::ArrayRef<double> getHistogram() const { return histogram; }

private:
  double max = 0.0;
  std::vector<double> histogram = std::vector<double>(kNumBins, 0.0);
};

/// Min-max: the threshold is max |x|.
double computeMinMaxThreshold(const TensorStatistics &stats);

/// Percentile: the upper edge of the first bin at which the cumulative
/// share of |x| reaches `percentile` (0–100].
double computePercentileThreshold(const TensorStatistics &stats, double percentile);

/// TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT",
/// GTC 2017): for each candidate i from 128 to 2048 bins, the reference
/// distribution P is the first i bins with the outliers (bins i and up)
/// added to bin i−1; the candidate Q is those i bins (without the outliers)
/// merged into 128 levels and expanded back, each level's count spread
/// evenly over its non-empty bins. Both are normalized; the candidate with
/// the least KL(P‖Q) wins (the first on ties; a bin where P > 0 and Q = 0
/// makes the divergence infinite), and the threshold is (m + 0.5) bin
/// widths for the winning m.
double computeEntropyThreshold(const TensorStatistics &stats);

/// Least squared error: for each candidate threshold at the upper edge of
/// bin i, i from 128 to 2048, the error of quantizing every histogram bin's
/// centre with scale threshold/127 (rounded to nearest, clipped to ±127),
/// squared and weighted by the bin's count; the least sum wins (the first
/// on ties). It weighs the clipped tail against the rounding of the rest
/// directly, where the entropy method compares distributions; NVIDIA's
/// pytorch-quantization calls it the `mse` histogram method.
double computeMseThreshold(const TensorStatistics &stats);

/// The threshold of `calibrator`, then scale = threshold / 127 (1 for an
/// all-zero tensor, whose threshold is 0).
double computeScale(const TensorStatistics &stats, Calibrator calibrator,
                    double percentile);

/// A calibration cache: a header line naming the algorithm and the Kiln
/// version, then one `name: scale` line per tensor.
///
///   kiln-calibration-cache algorithm=percentile percentile=99.99 kiln=0.1.0
///   input: 0.0153245
///   Conv_0 + BatchNormalization_1 + Relu_2: 0.0312
struct CalibrationCache {
  Calibrator algorithm = Calibrator::entropy;
  double percentile = 99.99;
  std::string kilnVersion;
  std::vector<std::pair<std::string, double>> scales; // in the file's order
};

llvm::Expected<CalibrationCache> readCalibrationCache(llvm::StringRef path);
/// Writes the cache atomically (a temporary file renamed over `path`).
llvm::Error writeCalibrationCache(llvm::StringRef path, const CalibrationCache &cache);

/// One batch of the calibration set: a file per model input.
struct CalibrationBatch {
  std::string name;
  std::map<std::string, std::string> files; // input name → path
};

/// Finds the batches of a calibration set for a model with `inputNames`.
/// Two layouts, with `.npy` or ONNX TensorProto `.pb` files:
///   DIR/<input>.<index>.npy            one file per input and batch index
///   DIR/<batch>/<input>.npy            one folder per batch
/// Batches are ordered by index (or folder name). Every batch needs a file
/// for every input; a missing one is an error naming the batch and input.
llvm::Expected<std::vector<CalibrationBatch>>
findCalibrationBatches(llvm::StringRef dir, llvm::ArrayRef<std::string> inputNames);

/// Reads one calibration tensor: `.npy`, or `.pb` when Kiln was built with
/// the ONNX importer.
llvm::Expected<reference::Tensor> readCalibrationTensor(llvm::StringRef path,
                                                        mlir::MLIRContext &context);

/// The Kiln version written into caches.
llvm::StringRef getKilnVersion();

} // namespace kiln::calibration

#endif // KILN_CALIBRATION_CALIBRATION_H
