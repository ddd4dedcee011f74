//===- Calibrators.cpp - entropy, min-max, percentile and MSE thresholds --===//

#include "kiln/calibration/Calibration.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <limits>

using namespace kiln::calibration;

std::optional<Calibrator> kiln::calibration::parseCalibrator(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Calibrator>>(name)
      .Case("entropy", Calibrator::entropy)
      .Case("minmax", Calibrator::minmax)
      .Case("percentile", Calibrator::percentile)
      .Case("mse", Calibrator::mse)
      .Default(std::nullopt);
}

llvm::StringRef kiln::calibration::getCalibratorName(Calibrator calibrator) {
  switch (calibrator) {
  case Calibrator::entropy:
    return "entropy";
  case Calibrator::minmax:
    return "minmax";
  case Calibrator::percentile:
    return "percentile";
  case Calibrator::mse:
    return "mse";
  }
  llvm_unreachable("unknown calibrator");
}

llvm::StringRef kiln::calibration::getCalibratorChoices() {
  return "entropy, minmax, percentile or mse";
}

void TensorStatistics::addToRange(llvm::ArrayRef<double> values) {
  for (double value : values)
    if (std::isfinite(value))
      max = std::max(max, std::abs(value));
}

void TensorStatistics::addToHistogram(llvm::ArrayRef<double> values) {
  if (max <= 0.0)
    return;
  double width = getBinWidth();
  for (double value : values) {
    // Exact zeros (half of a ReLU's output) are exact at every scale and say
    // nothing about the range; left in, their spike in bin 0 decides the
    // entropy method alone (see docs/calibration.md).
    if (!std::isfinite(value) || value == 0.0)
      continue;
    // Values past the range (a second pass sees what the first saw, so only
    // rounding) go to the last bin.
    auto bin = static_cast<int64_t>(std::abs(value) / width);
    histogram[std::min<int64_t>(bin, kNumBins - 1)] += 1.0;
  }
}

double kiln::calibration::computeMinMaxThreshold(const TensorStatistics &stats) {
  return stats.getMax();
}

double kiln::calibration::computePercentileThreshold(const TensorStatistics &stats,
                                                     double percentile) {
  llvm::ArrayRef<double> bins = stats.getHistogram();
  double total = 0.0;
  for (double count : bins)
    total += count;
  if (total == 0.0)
    return 0.0;
  double target = percentile / 100.0, cumulative = 0.0;
  for (int64_t i = 0; i < TensorStatistics::kNumBins; ++i) {
    cumulative += bins[i];
    if (cumulative / total >= target)
      return static_cast<double>(i + 1) * stats.getBinWidth();
  }
  return stats.getMax();
}

double kiln::calibration::computeEntropyThreshold(const TensorStatistics &stats) {
  constexpr int64_t kLevels = 128;
  constexpr int64_t kBins = TensorStatistics::kNumBins;
  llvm::ArrayRef<double> bins = stats.getHistogram();
  // outliers[i] = sum of bins i and up.
  std::vector<double> outliers(kBins + 1, 0.0);
  for (int64_t i = kBins - 1; i >= 0; --i)
    outliers[i] = outliers[i + 1] + bins[i];
  if (outliers[0] == 0.0)
    return 0.0;

  std::vector<double> reference(kBins), candidate(kBins);
  double best = std::numeric_limits<double>::infinity();
  int64_t bestBins = kBins;
  for (int64_t i = kLevels; i <= kBins; ++i) {
    // P: the first i bins, the clipped outliers folded into the last one.
    for (int64_t j = 0; j < i; ++j)
      reference[j] = bins[j];
    reference[i - 1] += outliers[i];
    // Q: the first i bins merged into 128 levels (bin j in level j·128/i),
    // each level's count spread over its non-empty bins.
    for (int64_t level = 0; level < kLevels; ++level) {
      int64_t start = level * i / kLevels;
      int64_t stop = (level + 1) * i / kLevels;
      double sum = 0.0;
      int64_t nonEmpty = 0;
      for (int64_t j = start; j < stop; ++j) {
        sum += bins[j];
        nonEmpty += bins[j] != 0.0;
      }
      for (int64_t j = start; j < stop; ++j)
        candidate[j] = bins[j] != 0.0 ? sum / static_cast<double>(nonEmpty) : 0.0;
    }
    double referenceTotal = 0.0, candidateTotal = 0.0;
    for (int64_t j = 0; j < i; ++j) {
      referenceTotal += reference[j];
      candidateTotal += candidate[j];
    }
    if (candidateTotal == 0.0)
      continue;
    double divergence = 0.0;
    for (int64_t j = 0; j < i && std::isfinite(divergence); ++j) {
      if (reference[j] == 0.0)
        continue;
      double p = reference[j] / referenceTotal, q = candidate[j] / candidateTotal;
      divergence = q == 0.0 ? std::numeric_limits<double>::infinity()
                            : divergence + p * std::log(p / q);
    }
    if (divergence < best) {
      best = divergence;
      bestBins = i;
    }
  }
  return (static_cast<double>(bestBins) + 0.5) * stats.getBinWidth();
}

double kiln::calibration::computeMseThreshold(const TensorStatistics &stats) {
  constexpr int64_t kFirstCandidate = 128;
  constexpr int64_t kBins = TensorStatistics::kNumBins;
  llvm::ArrayRef<double> bins = stats.getHistogram();
  double width = stats.getBinWidth();
  if (width <= 0.0)
    return 0.0;
  double best = std::numeric_limits<double>::infinity();
  int64_t bestBins = kBins;
  for (int64_t i = kFirstCandidate; i <= kBins; ++i) {
    double threshold = static_cast<double>(i) * width;
    double step = threshold / kInt8Max;
    double error = 0.0;
    for (int64_t j = 0; j < kBins && error < best; ++j) {
      if (bins[j] == 0.0)
        continue;
      double centre = (static_cast<double>(j) + 0.5) * width;
      double quantized = std::min(std::nearbyint(centre / step), kInt8Max) * step;
      error += bins[j] * (centre - quantized) * (centre - quantized);
    }
    if (error < best) {
      best = error;
      bestBins = i;
    }
  }
  return static_cast<double>(bestBins) * width;
}

double kiln::calibration::computeScale(const TensorStatistics &stats,
                                       Calibrator calibrator, double percentile) {
  double threshold = 0.0;
  switch (calibrator) {
  case Calibrator::entropy:
    threshold = computeEntropyThreshold(stats);
    break;
  case Calibrator::minmax:
    threshold = computeMinMaxThreshold(stats);
    break;
  case Calibrator::percentile:
    threshold = computePercentileThreshold(stats, percentile);
    break;
  case Calibrator::mse:
    threshold = computeMseThreshold(stats);
    break;
  }
  return threshold > 0.0 ? threshold / kInt8Max : 1.0;
}
