// Tests kiln-opt -mlir-pass-statistics with Kiln's counters: the pipeline
// display nests passes under their 'func.func' pipeline in pipeline order, a
// pass that appears twice is two entries, the clones MLIR runs on several
// functions at once add into one entry (same counts with threading off), the
// list display sums a pass by name, and MLIR's own (empty) report is not
// printed as well.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm{lower-unfused=false},kiln-fold-constants,kiln-fold-batchnorm),kiln-propagate-qdq)' -mlir-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm{lower-unfused=false},kiln-fold-constants,kiln-fold-batchnorm),kiln-propagate-qdq)' -mlir-pass-statistics --mlir-pass-statistics-display pipeline --mlir-disable-threading -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-fold-batchnorm{lower-unfused=false},kiln-fold-constants,kiln-fold-batchnorm),kiln-propagate-qdq)' -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIST
// RUN: kiln-opt %s -kiln-fold-batchnorm -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE --allow-empty
// RUN: not kiln-opt %s -mlir-pass-statistics -mlir-pass-statistics-display=tree 2>&1 | FileCheck %s --check-prefix=BAD

// PIPELINE:      ===-------------------------------------------------------------------------===
// PIPELINE-NEXT:                          ... Pass statistics report ...
// PIPELINE-NEXT: ===-------------------------------------------------------------------------===
// PIPELINE-NEXT: 'func.func' Pipeline
// PIPELINE-NEXT:   FoldBatchNormPass
// PIPELINE-NEXT:     (S) 3 folded           - Batch norms folded into a producer
// PIPELINE-NEXT:     (S) 0 lowered-to-scale - Batch norms lowered to a per-channel scale
// PIPELINE-NEXT:   FoldConstantsPass
// PIPELINE-NEXT:     (S) 0 folded-layers - Layers replaced by constants
// PIPELINE-NEXT:   FoldBatchNormPass
// PIPELINE-NEXT:     (S) 0 folded           - Batch norms folded into a producer
// PIPELINE-NEXT:     (S) 1 lowered-to-scale - Batch norms lowered to a per-channel scale
// PIPELINE-NEXT: PropagateQDQPass
// PIPELINE-NEXT:   (S) 0 dequantize-forward - Dequantizes moved forward
// PIPELINE-NEXT:   (S) 0 pairs-removed      - quantize(dequantize) pairs removed
// PIPELINE-NEXT:   (S) 0 quantize-backward  - Quantizes moved backward
// PIPELINE-NEXT:   (S) 0 uint8-shifted      - uint8 quantizes re-expressed as int8
// PIPELINE-NOT: Pass statistics report

// LIST:      ... Pass statistics report ...
// LIST-NEXT: ===
// LIST-NEXT:   FoldBatchNormPass
// LIST-NEXT:     (S) 3 folded           - Batch norms folded into a producer
// LIST-NEXT:     (S) 1 lowered-to-scale - Batch norms lowered to a per-channel scale
// LIST-NEXT:   FoldConstantsPass
// LIST-NEXT:     (S) 0 folded-layers - Layers replaced by constants
// LIST-NEXT:   PropagateQDQPass
// LIST-NOT: Pass statistics report

// NONE-NOT: Pass statistics report

// BAD: for the --mlir-pass-statistics-display option: expected list or pipeline, found 'tree'

func.func @a(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}

func.func @b(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}

func.func @c(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %p: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %c = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %y = nn.batch_norm %c, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}

// A batch norm with no producer to fold into: lowered only by the second
// kiln-fold-batchnorm, whose lower-unfused is on.
func.func @d(%x: tensor<1x4x8x8xf32>, %p: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %y = nn.batch_norm %x, %p, %p, %p, %p
       : tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<1x4x8x8xf32>
}
