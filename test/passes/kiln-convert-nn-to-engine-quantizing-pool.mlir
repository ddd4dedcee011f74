// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-convert-nn-to-engine -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// A quantize left on its own whose only reader is a max pool becomes the
// pool's result: the pool reads the float tensor and writes int8 (max
// commutes with quantization), one kernel instead of two; a widening cast
// before it (an FP16 stem's output cast to f32 for the quantize) goes too;
// not where a pointwise layer would take the quantize into its own kernel.
// STATS: (S) 1 quantizing-pools - Max pools that quantize their float input
// STATS: (S) 1 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 0 quantizing-pools
// STATS: (S) 1 quantizing-pools

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests the FP16 stem's form: cast, quantize, max pool → one dispatch, the
// pool from f16 to int8.
// CHECK-LABEL: func.func @stem
// CHECK: engine.dispatch
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<1x8x8x16xf16>):
// CHECK-NEXT: %[[P:.*]] = nn.pool max %[[X]] kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last : (tensor<1x8x8x16xf16>) -> tensor<1x4x4x16x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NEXT: engine.yield %[[P]]
// CHECK-NOT: engine.dispatch
// CHECK-NOT: nn.quantize
// CHECK-NOT: nn.cast
func.func @stem(%x: tensor<1x8x8x16xf16>) -> tensor<1x4x4x16x!q> {
  %c = nn.cast %x : tensor<1x8x8x16xf16> to tensor<1x8x8x16xf32>
  %q = nn.quantize %c : tensor<1x8x8x16xf32> to tensor<1x8x8x16x!q>
  %p = nn.pool max %q kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x8x8x16x!q>) -> tensor<1x4x4x16x!q>
  return %p : tensor<1x4x4x16x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests an f32 input without a cast.
// CHECK-LABEL: func.func @f32
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NOT: nn.quantize
func.func @f32(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!q> {
  %q = nn.quantize %x : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p : tensor<1x3x3x3x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests that an average pool (no commuting with quantization) keeps its
// quantized input.
// CHECK-LABEL: func.func @average
// CHECK: nn.quantize
// CHECK: nn.pool avg %{{.*}} : (tensor<1x3x6x6x!quant.uniform<i8:f32, 5.000000e-02>>)
func.func @average(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!q> {
  %q = nn.quantize %x : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!q>
  %p = nn.pool avg %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p : tensor<1x3x3x3x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests that a quantized tensor read elsewhere too stays: the pool reads it.
// CHECK-LABEL: func.func @shared
// CHECK: nn.quantize
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6x!quant.uniform<i8:f32, 5.000000e-02>>)
func.func @shared(%x: tensor<1x3x6x6xf32>) -> (tensor<1x3x3x3x!q>, tensor<1x3x6x6x!q>) {
  %q = nn.quantize %x : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p, %q : tensor<1x3x3x3x!q>, tensor<1x3x6x6x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests that a quantize a pointwise layer can take into its kernel (here a
// narrowing cast, read only by the quantize's widening one) stays: that
// kernel writes int8, which the pool reads.
// CHECK-LABEL: func.func @pointwise_producer
// CHECK: nn.cast %{{.*}} : tensor<1x3x6x6xf32> to tensor<1x3x6x6xf16>
// CHECK: nn.quantize
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6x!quant.uniform<i8:f32, 5.000000e-02>>)
func.func @pointwise_producer(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!q> {
  %h = nn.cast %x : tensor<1x3x6x6xf32> to tensor<1x3x6x6xf16>
  %c = nn.cast %h : tensor<1x3x6x6xf16> to tensor<1x3x6x6xf32>
  %q = nn.quantize %c : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p : tensor<1x3x3x3x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests that a max pool of a quantized network input (no quantize) is left.
// CHECK-LABEL: func.func @quantized_input
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6x!quant.uniform<i8:f32, 5.000000e-02>>)
func.func @quantized_input(%x: tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q> {
  %p = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p : tensor<1x3x3x3x!q>
}

// -----

!p = !quant.uniform<i8:f32:2, {0.05, 0.1, 0.05, 0.1, 0.05, 0.1}>

// Tests that a quantize with a scale per row (a pooled dimension) is not
// folded: its rows' scales differ across a window.
// CHECK-LABEL: func.func @per_row
// CHECK: nn.quantize
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6x!quant.uniform
func.func @per_row(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x6x6xf32> {
  %q = nn.quantize %x : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!p>
  %p = nn.pool max %q kernel [3, 1] strides [1, 1] pads [1, 0, 1, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!p>) -> tensor<1x3x6x6x!p>
  %d = nn.dequantize %p : tensor<1x3x6x6x!p>
  return %d : tensor<1x3x6x6xf32>
}

// -----

!q = !quant.uniform<i8:f16, 1.000000e+03>

// Tests that a cast that is not exact (bf16 to f16 overflows) is not folded
// into the pool: it stays a pointwise layer, which takes the quantize.
// CHECK-LABEL: func.func @inexact_cast
// CHECK: nn.cast %{{.*}} : tensor<1x3x6x6xbf16> to tensor<1x3x6x6xf16>
// CHECK: nn.quantize
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6x!quant.uniform<i8:f16, 1.000000e+03>>)
func.func @inexact_cast(%x: tensor<1x3x6x6xbf16>) -> tensor<1x3x3x3x!q> {
  %c = nn.cast %x : tensor<1x3x6x6xbf16> to tensor<1x3x6x6xf16>
  %q = nn.quantize %c : tensor<1x3x6x6xf16> to tensor<1x3x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p : tensor<1x3x3x3x!q>
}

// -----

!q = !quant.uniform<i8:f32, 5.000000e-02>

// Tests that a widening cast read elsewhere too stays; the pool reads the
// cast's result.
// CHECK-LABEL: func.func @shared_cast
// CHECK: nn.cast
// CHECK: nn.pool max %{{.*}} : (tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!quant.uniform<i8:f32, 5.000000e-02>>
// CHECK-NOT: nn.quantize
func.func @shared_cast(%x: tensor<1x3x6x6xf16>) -> (tensor<1x3x3x3x!q>, tensor<1x3x6x6xf32>) {
  %c = nn.cast %x : tensor<1x3x6x6xf16> to tensor<1x3x6x6xf32>
  %q = nn.quantize %c : tensor<1x3x6x6xf32> to tensor<1x3x6x6x!q>
  %p = nn.pool max %q kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x6x6x!q>) -> tensor<1x3x3x3x!q>
  return %p, %c : tensor<1x3x3x3x!q>, tensor<1x3x6x6xf32>
}
