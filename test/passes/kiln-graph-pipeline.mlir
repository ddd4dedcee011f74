// RUN: kiln-opt %s -kiln-graph-pipeline="channels-last=false" | FileCheck %s
// RUN: kiln-opt %s -kiln-graph-pipeline | FileCheck %s --check-prefix=NHWC
// RUN: kiln-opt %s -kiln-graph-pipeline="precision=fp16" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -kiln-graph-pipeline -mlir-pass-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// The whole pipeline in the pipeline display: every pass in order, nested
// under its function pipeline, a pass placed twice listed twice.
// STATS:      'func.func' Pipeline
// STATS-NEXT:   EliminateDeadLayersPass
// STATS-NEXT:     (S) 0 erased-layers - Number of dead layers erased
// STATS-NEXT:   FoldConstantsPass
// STATS-NEXT:     (S) 0 folded-layers - Layers replaced by constants
// STATS-NEXT:   FoldBatchNormPass
// STATS-NEXT:     (S) 2 folded           - Batch norms folded into a producer
// STATS-NEXT:     (S) 0 lowered-to-scale - Batch norms lowered to a per-channel scale
// STATS-NEXT:   FoldConstantsPass
// STATS-NEXT:     (S) 14 folded-layers - Layers replaced by constants
// STATS-NEXT:   Canonicalizer
// STATS-NEXT:   CSE
// STATS-NEXT: PropagateQDQPass
// STATS-NEXT:   (S) 0 dequantize-forward - Dequantizes moved forward
// STATS-NEXT:   (S) 0 pairs-removed      - quantize(dequantize) pairs removed
// STATS-NEXT:   (S) 0 quantize-backward  - Quantizes moved backward
// STATS-NEXT:   (S) 0 uint8-shifted      - uint8 quantizes re-expressed as int8
// STATS-NEXT: 'func.func' Pipeline
// STATS-NEXT:   FuseLayersPass
// STATS-NEXT:     (S) 0 conv-pool           - Average pools folded into the conv before them
// STATS-NEXT:     (S) 0 erf-gelu            - Erf GELU formulas made gelu
// STATS-NEXT:     (S) 0 expanded-softmax    - Softmax and log_softmax formulas made one layer
// STATS-NEXT:     (S) 0 flatten-reshapes    - Flattens made reshapes
// STATS-NEXT:     (S) 2 fused-activation    - Activations fused
// STATS-NEXT:     (S) 0 fused-bias          - Bias adds fused
// STATS-NEXT:     (S) 0 fused-pad           - Zero pads absorbed into convolutions
// STATS-NEXT:     (S) 1 fused-residual      - Residual adds fused
// STATS-NEXT:     (S) 0 gated-activations   - x · sigmoid(x) products made silu or hard_swish
// STATS-NEXT:     (S) 0 global-pools        - Spatial reductions made global pools
// STATS-NEXT:     (S) 0 identity-arithmetic - x · 1, x / 1, x + 0, x − 0 removed
// STATS-NEXT:     (S) 0 log-softmax         - log(softmax) pairs made log_softmax
// STATS-NEXT:     (S) 0 shuffle-reduce      - Reductions moved before a shuffle
// STATS-NEXT:     (S) 0 transpose-chains    - Transpose pairs composed or cancelled
// STATS-NEXT:   FuseQDQPass
// STATS-NEXT:     (S) 0 fused-layers  - Layers that now run on quantized inputs
// STATS-NEXT:     (S) 0 fused-outputs - Quantizes absorbed as a layer's result
// STATS-NEXT:   EliminateDeadLayersPass
// STATS-NEXT:     (S) 0 erased-layers - Number of dead layers erased
// STATS-NEXT:   MergeHorizontalPass
// STATS-NEXT:     (S) 0 merged-convs - Convolutions merged into a wider one
// STATS-NEXT:     (S) 0 merged-matmuls - Attention projections merged into a wider one
// STATS-NEXT:     (S) 0 wide-convs   - Wider convolutions the merged ones became
// STATS-NEXT:     (S) 0 wide-matmuls - Wider matrix products the merged ones became
// STATS-NEXT:   FoldConstantsPass
// STATS-NEXT:     (S) 0 folded-layers - Layers replaced by constants
// STATS-NEXT:   ConvertLayoutPass
// STATS-NEXT:     (S) 2 converted-layers    - Layers turned channels-last
// STATS-NEXT:     (S) 7 transposes-inserted - Transposes put around the converted layers
// STATS-NEXT:     (S) 5 transposes-left     - Transposes in the function once they moved and cancelled
// STATS-NEXT:   CSE
// STATS-NEXT:   EliminateDeadLayersPass
// STATS-NEXT:     (S) 0 erased-layers - Number of dead layers erased
// STATS-NEXT:   EliminateConcatPass
// STATS-NEXT:     (S) 0 eliminated-concats - Concats made in place
// STATS-NEXT:   AssignPrecisionPass
// STATS-NEXT:     (S) 0 bf16-layers              - Layers that run in BF16
// STATS-NEXT:     (S) 0 fp16-layers              - Layers that run in FP16
// STATS-NEXT:     (S) 6 fp32-layers              - Layers that run in FP32
// STATS-NEXT:     (S) 0 inserted-casts           - Casts inserted at precision boundaries
// STATS-NEXT:     (S) 0 int8-layers              - Layers that run in INT8
// STATS-NEXT:     (S) 0 reduced-precision-layers - Layers moved to a narrower float type
// STATS-NEXT:     (S) 0 tf32-layers              - Layers that run in TF32
// STATS-NEXT:   SpaceToDepthPass
// STATS-NEXT:     (S) 0 space-to-depth-convs - Strided convolutions made stride 1 over blocks of pixels
// STATS-NEXT:   PadForAlignmentPass
// STATS-NEXT:     (S) 0 padded-convs           - Convolution paddings (outputs, then inputs)
// STATS-NEXT:     (S) 0 padded-input-channels  - Zero input channels added to convolutions
// STATS-NEXT:     (S) 0 padded-output-channels - Zero output channels added to convolutions
// STATS-NEXT:   FoldConstantsPass
// STATS-NEXT:     (S) 2 folded-layers - Layers replaced by constants
// STATS-NEXT:   CSE

// Tests the whole graph pipeline on a ResNet basic block: batch norms fold
// into the convs, the residual add and the relus fuse into the second conv's
// epilogue, and no standalone batch_norm, relu or add remains.
// CHECK-LABEL: func.func @basic_block
// CHECK-NOT: nn.batch_norm
// CHECK: nn.conv {{.*}} bias {{.*}} activation <relu>
// CHECK: nn.conv {{.*}} bias {{.*}} residual %arg0 {{.*}} activation <relu>
// CHECK-NOT: nn.relu
// CHECK-NOT: nn.add {{.*}} -> tensor<1x8x16x16xf32>
// CHECK: return
// NHWC-LABEL: func.func @basic_block
// NHWC-COUNT-2: nn.conv {{.*}} layout channels_last
// NHWC: %[[Y:.*]] = nn.transpose {{.*}} permutation [0, 3, 1, 2]
// NHWC-NEXT: return %[[Y]]
// FP16-LABEL: func.func @basic_block
// FP16: nn.conv {{.*}} -> tensor<1x16x16x8xf16>
func.func @basic_block(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %w1 = nn.constant dense<0.02> : tensor<8x8x3x3xf32>
  %w2 = nn.constant dense<-0.01> : tensor<8x8x3x3xf32>
  %g = nn.constant dense<1.5> : tensor<8xf32>
  %b = nn.constant dense<0.1> : tensor<8xf32>
  %m = nn.constant dense<0.05> : tensor<8xf32>
  %v = nn.constant dense<0.9> : tensor<8xf32>
  %0 = nn.conv %x, %w1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %1 = nn.batch_norm %0, %g, %b, %m, %v
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %2 = nn.relu %1 : tensor<1x8x16x16xf32>
  %3 = nn.conv %2, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %4 = nn.batch_norm %3, %g, %b, %m, %v
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %5 = nn.add %4, %x : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %6 = nn.relu %5 : tensor<1x8x16x16xf32>
  return %6 : tensor<1x8x16x16xf32>
}
