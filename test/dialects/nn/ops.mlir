// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// Round trip of every op of the nn dialect through its custom form and
// through the generic form. The CHECK lines spell the whole printed op, so
// they also check that optional attributes at their default value (groups 1,
// layout channels_first, epsilon 1.0e-05, ...) are not printed.

//===----------------------------------------------------------------------===//
// Unary elementwise ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @activations
// Tests the activations without parameters.
func.func @activations(%x: tensor<4x16xf32>) {
  // CHECK: nn.relu %arg0 : tensor<4x16xf32>
  %0 = nn.relu %x : tensor<4x16xf32>
  // CHECK: nn.sigmoid %arg0 : tensor<4x16xf32>
  %1 = nn.sigmoid %x : tensor<4x16xf32>
  // CHECK: nn.tanh %arg0 : tensor<4x16xf32>
  %2 = nn.tanh %x : tensor<4x16xf32>
  // CHECK: nn.silu %arg0 : tensor<4x16xf32>
  %3 = nn.silu %x : tensor<4x16xf32>
  // CHECK: nn.hard_swish %arg0 : tensor<4x16xf32>
  %4 = nn.hard_swish %x : tensor<4x16xf32>
  // CHECK: nn.softplus %arg0 : tensor<4x16xf32>
  %5 = nn.softplus %x : tensor<4x16xf32>
  return
}

// CHECK-LABEL: func.func @gelu
// Tests that nn.gelu prints its approximation only when it is not the
// default (none, the erf form).
func.func @gelu(%x: tensor<1x128x3072xbf16>) {
  // CHECK: nn.gelu %arg0 : tensor<1x128x3072xbf16>
  %0 = nn.gelu %x : tensor<1x128x3072xbf16>
  // CHECK: nn.gelu %arg0 : tensor<1x128x3072xbf16>
  %1 = nn.gelu %x approximation none : tensor<1x128x3072xbf16>
  // CHECK: nn.gelu %arg0 approximation tanh : tensor<1x128x3072xbf16>
  %2 = nn.gelu %x approximation tanh : tensor<1x128x3072xbf16>
  return
}

// CHECK-LABEL: func.func @leaky_relu
// Tests that nn.leaky_relu prints alpha only when it is not 0.01.
func.func @leaky_relu(%x: tensor<4x16xf32>) {
  // CHECK: nn.leaky_relu %arg0 : tensor<4x16xf32>
  %0 = nn.leaky_relu %x : tensor<4x16xf32>
  // CHECK: nn.leaky_relu %arg0 : tensor<4x16xf32>
  %1 = nn.leaky_relu %x alpha 0.01 : tensor<4x16xf32>
  // CHECK: nn.leaky_relu %arg0 alpha 2.000000e-01 : tensor<4x16xf32>
  %2 = nn.leaky_relu %x alpha 0.2 : tensor<4x16xf32>
  return
}

// CHECK-LABEL: func.func @elu
// Tests that nn.elu prints alpha only when it is not 1.0.
func.func @elu(%x: tensor<4x16xf16>) {
  // CHECK: nn.elu %arg0 : tensor<4x16xf16>
  %0 = nn.elu %x alpha 1.0 : tensor<4x16xf16>
  // CHECK: nn.elu %arg0 alpha 5.000000e-01 : tensor<4x16xf16>
  %1 = nn.elu %x alpha 0.5 : tensor<4x16xf16>
  return
}

// CHECK-LABEL: func.func @hard_sigmoid
// Tests that nn.hard_sigmoid prints alpha and beta only when they are not the
// defaults 0.2 and 0.5.
func.func @hard_sigmoid(%x: tensor<4x16xf32>) {
  // CHECK: nn.hard_sigmoid %arg0 : tensor<4x16xf32>
  %0 = nn.hard_sigmoid %x alpha 0.2 beta 0.5 : tensor<4x16xf32>
  // CHECK: nn.hard_sigmoid %arg0 alpha 0.166666701 : tensor<4x16xf32>
  %1 = nn.hard_sigmoid %x alpha 0.1666667 beta 0.5 : tensor<4x16xf32>
  // CHECK: nn.hard_sigmoid %arg0 beta 2.500000e-01 : tensor<4x16xf32>
  %2 = nn.hard_sigmoid %x beta 0.25 : tensor<4x16xf32>
  // CHECK: nn.hard_sigmoid %arg0 alpha 1.000000e-01 beta 6.000000e-01 : tensor<4x16xf32>
  %3 = nn.hard_sigmoid %x alpha 0.1 beta 0.6 : tensor<4x16xf32>
  return
}

// CHECK-LABEL: func.func @math
// Tests the float math functions.
func.func @math(%x: tensor<2x3xf64>) {
  // CHECK: nn.exp %arg0 : tensor<2x3xf64>
  %0 = nn.exp %x : tensor<2x3xf64>
  // CHECK: nn.log %arg0 : tensor<2x3xf64>
  %1 = nn.log %x : tensor<2x3xf64>
  // CHECK: nn.sqrt %arg0 : tensor<2x3xf64>
  %2 = nn.sqrt %x : tensor<2x3xf64>
  // CHECK: nn.rsqrt %arg0 : tensor<2x3xf64>
  %3 = nn.rsqrt %x : tensor<2x3xf64>
  // CHECK: nn.erf %arg0 : tensor<2x3xf64>
  %4 = nn.erf %x : tensor<2x3xf64>
  // CHECK: nn.reciprocal %arg0 : tensor<2x3xf64>
  %5 = nn.reciprocal %x : tensor<2x3xf64>
  // CHECK: nn.sin %arg0 : tensor<2x3xf64>
  %6 = nn.sin %x : tensor<2x3xf64>
  // CHECK: nn.cos %arg0 : tensor<2x3xf64>
  %7 = nn.cos %x : tensor<2x3xf64>
  return
}

// CHECK-LABEL: func.func @rounding
// Tests floor, ceil and round (ties to even).
func.func @rounding(%x: tensor<?x8xf32>) {
  // CHECK: nn.floor %arg0 : tensor<?x8xf32>
  %0 = nn.floor %x : tensor<?x8xf32>
  // CHECK: nn.ceil %arg0 : tensor<?x8xf32>
  %1 = nn.ceil %x : tensor<?x8xf32>
  // CHECK: nn.round %arg0 : tensor<?x8xf32>
  %2 = nn.round %x : tensor<?x8xf32>
  return
}

// CHECK-LABEL: func.func @signed
// Tests abs, neg and sign on float and integer tensors.
func.func @signed(%x: tensor<4xf32>, %i: tensor<4xi32>) {
  // CHECK: nn.abs %arg0 : tensor<4xf32>
  %0 = nn.abs %x : tensor<4xf32>
  // CHECK: nn.abs %arg1 : tensor<4xi32>
  %1 = nn.abs %i : tensor<4xi32>
  // CHECK: nn.neg %arg0 : tensor<4xf32>
  %2 = nn.neg %x : tensor<4xf32>
  // CHECK: nn.neg %arg1 : tensor<4xi32>
  %3 = nn.neg %i : tensor<4xi32>
  // CHECK: nn.sign %arg0 : tensor<4xf32>
  %4 = nn.sign %x : tensor<4xf32>
  // CHECK: nn.sign %arg1 : tensor<4xi32>
  %5 = nn.sign %i : tensor<4xi32>
  return
}

// CHECK-LABEL: func.func @not
// Tests logical not on a boolean tensor.
func.func @not(%b: tensor<4x16xi1>) {
  // CHECK: nn.not %arg0 : tensor<4x16xi1>
  %0 = nn.not %b : tensor<4x16xi1>
  return
}

// CHECK-LABEL: func.func @clip
// Tests nn.clip with only min, only max, both, and on integers.
func.func @clip(%x: tensor<1x32x112x112xf32>, %i: tensor<16xi32>) {
  // CHECK: nn.clip %arg0 min 0.000000e+00 : tensor<1x32x112x112xf32>
  %0 = nn.clip %x min 0.0 : tensor<1x32x112x112xf32>
  // CHECK: nn.clip %arg0 max 6.000000e+00 : tensor<1x32x112x112xf32>
  %1 = nn.clip %x max 6.0 : tensor<1x32x112x112xf32>
  // CHECK: nn.clip %arg0 min 0.000000e+00 max 6.000000e+00 : tensor<1x32x112x112xf32>
  %2 = nn.clip %x min 0.0 max 6.0 : tensor<1x32x112x112xf32>
  // CHECK: nn.clip %arg1 min -1.280000e+02 max 1.270000e+02 : tensor<16xi32>
  %3 = nn.clip %i min -128.0 max 127.0 : tensor<16xi32>
  return
}

//===----------------------------------------------------------------------===//
// Binary elementwise ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @arithmetic
// Tests the arithmetic binary ops with broadcasting.
func.func @arithmetic(%x: tensor<8x1x16xf32>, %y: tensor<4x1xf32>) {
  // CHECK: nn.add %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %0 = nn.add %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.sub %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %1 = nn.sub %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.mul %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %2 = nn.mul %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.div %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %3 = nn.div %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.pow %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %4 = nn.pow %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.max %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %5 = nn.max %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: nn.min %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  %6 = nn.min %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  return
}

// CHECK-LABEL: func.func @prelu
// Tests nn.prelu, whose slope broadcasts to the input one way.
func.func @prelu(%x: tensor<1x64x56x56xf32>, %slope: tensor<64x1x1xf32>) {
  // CHECK: nn.prelu %arg0, %arg1 : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %0 = nn.prelu %x, %slope : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  return
}

// CHECK-LABEL: func.func @integer_arithmetic
// Tests binary ops on integer tensors.
func.func @integer_arithmetic(%a: tensor<8xi32>, %b: tensor<1xi32>) {
  // CHECK: nn.add %arg0, %arg1 : (tensor<8xi32>, tensor<1xi32>) -> tensor<8xi32>
  %0 = nn.add %a, %b : (tensor<8xi32>, tensor<1xi32>) -> tensor<8xi32>
  // CHECK: nn.div %arg0, %arg1 : (tensor<8xi32>, tensor<1xi32>) -> tensor<8xi32>
  %1 = nn.div %a, %b : (tensor<8xi32>, tensor<1xi32>) -> tensor<8xi32>
  return
}

// CHECK-LABEL: func.func @quantized_add
// Tests that nn.add takes quantized operands of different scales and gives a
// quantized result with its own scale, or a float one.
func.func @quantized_add(%a: tensor<4x!quant.uniform<i8:f32, 0.1>>,
                         %b: tensor<4x!quant.uniform<i8:f32, 0.2>>) {
  // CHECK: nn.add %arg0, %arg1 : (tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>, tensor<4x!quant.uniform<i8:f32, 2.000000e-01>>) -> tensor<4x!quant.uniform<i8:f32, 3.000000e-01>>
  %0 = nn.add %a, %b : (tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2>>)
                       -> tensor<4x!quant.uniform<i8:f32, 0.3>>
  // CHECK: nn.add %arg0, %arg1 : (tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>, tensor<4x!quant.uniform<i8:f32, 2.000000e-01>>) -> tensor<4xf32>
  %1 = nn.add %a, %b : (tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2>>)
                       -> tensor<4xf32>
  return
}

// CHECK-LABEL: func.func @mod
// Tests nn.mod with Python semantics (integers) and with fmod.
func.func @mod(%x: tensor<4xf32>, %i: tensor<4xi64>, %j: tensor<4xi64>) {
  // CHECK: nn.mod %arg1, %arg2 : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %0 = nn.mod %i, %j : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  // CHECK: nn.mod %arg1, %arg2 fmod : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = nn.mod %i, %j fmod : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  // CHECK: nn.mod %arg0, %arg0 fmod : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = nn.mod %x, %x fmod : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// CHECK-LABEL: func.func @comparisons
// Tests the comparisons, which give boolean tensors.
func.func @comparisons(%x: tensor<8x1x16xf32>, %y: tensor<4x1xf32>,
                       %i: tensor<8xi32>, %j: tensor<8xi32>) {
  // CHECK: nn.equal %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  %0 = nn.equal %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  // CHECK: nn.greater %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  %1 = nn.greater %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  // CHECK: nn.greater_equal %arg0, %arg1 : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  %2 = nn.greater_equal %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  // CHECK: nn.less %arg2, %arg3 : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi1>
  %3 = nn.less %i, %j : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi1>
  // CHECK: nn.less_equal %arg2, %arg3 : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi1>
  %4 = nn.less_equal %i, %j : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi1>
  return
}

// CHECK-LABEL: func.func @logic
// Tests the logical binary ops on boolean tensors.
func.func @logic(%p: tensor<8x4xi1>, %q: tensor<4xi1>) {
  // CHECK: nn.and %arg0, %arg1 : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  %0 = nn.and %p, %q : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  // CHECK: nn.or %arg0, %arg1 : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  %1 = nn.or %p, %q : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  // CHECK: nn.xor %arg0, %arg1 : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  %2 = nn.xor %p, %q : (tensor<8x4xi1>, tensor<4xi1>) -> tensor<8x4xi1>
  return
}

// CHECK-LABEL: func.func @where
// Tests nn.where, which spells only its operand types.
func.func @where(%mask: tensor<1x1x128x128xi1>, %x: tensor<1x12x128x128xf32>,
                 %y: tensor<f32>) {
  // CHECK: nn.where %arg0, %arg1, %arg2 : tensor<1x1x128x128xi1>, tensor<1x12x128x128xf32>, tensor<f32>
  %0 = nn.where %mask, %x, %y : tensor<1x1x128x128xi1>, tensor<1x12x128x128xf32>, tensor<f32>
  return
}

//===----------------------------------------------------------------------===//
// Conversions and constants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cast
// Tests nn.cast between float, integer and boolean element types.
func.func @cast(%x: tensor<1x3x224x224xf32>, %i: tensor<8xi64>) {
  // CHECK: nn.cast %arg0 : tensor<1x3x224x224xf32> to tensor<1x3x224x224xf16>
  %0 = nn.cast %x : tensor<1x3x224x224xf32> to tensor<1x3x224x224xf16>
  // CHECK: nn.cast %arg1 : tensor<8xi64> to tensor<8xi1>
  %1 = nn.cast %i : tensor<8xi64> to tensor<8xi1>
  // CHECK: nn.cast %arg1 : tensor<8xi64> to tensor<8xf32>
  %2 = nn.cast %i : tensor<8xi64> to tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @quantize
// Tests nn.quantize and nn.dequantize with per-tensor (signed and unsigned
// with a zero point) and per-axis quantized types.
func.func @quantize(%x: tensor<1x64x56x56xf32>, %w: tensor<4x3xf32>) {
  // CHECK: %[[Q0:.*]] = nn.quantize %arg0 : tensor<1x64x56x56xf32> to tensor<1x64x56x56x!quant.uniform<i8:f32, 5.000000e-02>>
  %0 = nn.quantize %x : tensor<1x64x56x56xf32> to tensor<1x64x56x56x!quant.uniform<i8:f32, 0.05>>
  // CHECK: %[[Q1:.*]] = nn.quantize %arg0 : tensor<1x64x56x56xf32> to tensor<1x64x56x56x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %1 = nn.quantize %x : tensor<1x64x56x56xf32> to tensor<1x64x56x56x!quant.uniform<u8:f32, 0.1:128>>
  // CHECK: %[[Q2:.*]] = nn.quantize %arg1 : tensor<4x3xf32> to tensor<4x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>
  %2 = nn.quantize %w : tensor<4x3xf32> to tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  // CHECK: nn.dequantize %[[Q0]] : tensor<1x64x56x56x!quant.uniform<i8:f32, 5.000000e-02>>
  %3 = nn.dequantize %0 : tensor<1x64x56x56x!quant.uniform<i8:f32, 0.05>>
  // CHECK: nn.dequantize %[[Q1]] : tensor<1x64x56x56x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %4 = nn.dequantize %1 : tensor<1x64x56x56x!quant.uniform<u8:f32, 0.1:128>>
  // CHECK: nn.dequantize %[[Q2]] : tensor<4x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>
  %5 = nn.dequantize %2 : tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  return
}

// CHECK-LABEL: func.func @constant
// Tests nn.constant with dense and dense_resource values, and the `as` form
// of quantized constants (written only when the result type differs).
func.func @constant() {
  // CHECK: nn.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
  %0 = nn.constant dense<[0.5, -1.0]> : tensor<2xf32>
  // CHECK: nn.constant dense<1.000000e+00> : tensor<f32>
  %1 = nn.constant dense<1.0> : tensor<f32>
  // CHECK: nn.constant dense<[1, 0, 2]> : tensor<3xi64>
  %2 = nn.constant dense<[1, 0, 2]> : tensor<3xi64>
  // CHECK: nn.constant dense<true> : tensor<4xi1>
  %3 = nn.constant dense<true> : tensor<4xi1>
  // CHECK: nn.constant dense_resource<conv_weight> : tensor<2x2xf32>
  %4 = nn.constant dense_resource<conv_weight> : tensor<2x2xf32>
  // CHECK: nn.constant dense<[12, -7]> : tensor<2xi8> as tensor<2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01}>>
  %5 = nn.constant dense<[12, -7]> : tensor<2xi8>
         as tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  // CHECK: nn.constant dense<[12, -7]> : tensor<2xi8> as tensor<2x!quant.uniform<i8:f32, 5.000000e-02>>
  %6 = nn.constant dense<[12, -7]> : tensor<2xi8> as tensor<2x!quant.uniform<i8:f32, 0.05>>
  // The storage type of u8 is the signless i8, so 250 prints as -6.
  // CHECK: nn.constant dense<[12, -6]> : tensor<2xi8> as tensor<2x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %7 = nn.constant dense<[12, 250]> : tensor<2xi8> as tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  // CHECK: nn.constant dense_resource<qweight> : tensor<4xi8> as tensor<4x!quant.uniform<i8:f32, 2.500000e-01>>
  %8 = nn.constant dense_resource<qweight> : tensor<4xi8> as tensor<4x!quant.uniform<i8:f32, 0.25>>
  return
}

//===----------------------------------------------------------------------===//
// Convolutions and matrix products
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv
// Tests nn.conv without and with its epilogue (bias, residual, activation),
// and that groups 1 and layout channels_first are not printed.
func.func @conv(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>,
                %r: tensor<1x64x112x112xf32>) {
  // CHECK: nn.conv %arg0, %arg1 strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  %0 = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] groups 1
       layout channels_first
       : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  // CHECK: nn.conv %arg0, %arg1 bias %arg2 strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] activation <relu> : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %1 = nn.conv %x, %w bias %b strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       activation <relu>
       : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  // CHECK: nn.conv %arg0, %arg1 bias %arg2 residual %arg3 strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] activation <clip, min = 0.000000e+00, max = 6.000000e+00> : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>, tensor<1x64x112x112xf32>) -> tensor<1x64x112x112xf32>
  %2 = nn.conv %x, %w bias %b residual %r strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>, tensor<1x64x112x112xf32>)
       -> tensor<1x64x112x112xf32>
  // A residual without a bias.
  // CHECK: nn.conv %arg0, %arg1 residual %arg3 strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1] : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<1x64x112x112xf32>) -> tensor<1x64x112x112xf32>
  %3 = nn.conv %x, %w residual %r strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<1x64x112x112xf32>)
       -> tensor<1x64x112x112xf32>
  return
}

// CHECK-LABEL: func.func @conv_channels_last
// Tests a depthwise nn.conv (groups) in the channels_last layout.
func.func @conv_channels_last(%x: tensor<1x56x56x32xf32>, %w: tensor<32x3x3x1xf32>,
                              %b: tensor<32xf32>) {
  // CHECK: nn.conv %arg0, %arg1 bias %arg2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32 layout channels_last activation <leaky_relu, alpha = 1.000000e-01> : (tensor<1x56x56x32xf32>, tensor<32x3x3x1xf32>, tensor<32xf32>) -> tensor<1x56x56x32xf32>
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       layout channels_last activation <leaky_relu, alpha = 0.1>
       : (tensor<1x56x56x32xf32>, tensor<32x3x3x1xf32>, tensor<32xf32>) -> tensor<1x56x56x32xf32>
  return
}

// CHECK-LABEL: func.func @activation_kinds
// Tests every kind of fused activation, with its parameters.
func.func @activation_kinds(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // CHECK: activation <relu> :
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <clip, min = -1.000000e+00, max = 1.000000e+00> :
  %1 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       activation <clip, min = -1.0, max = 1.0>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <leaky_relu, alpha = 2.000000e-01> :
  %2 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       activation <leaky_relu, alpha = 0.2>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <elu, alpha = 1.000000e+00> :
  %3 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       activation <elu, alpha = 1.0>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <sigmoid> :
  %4 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <sigmoid>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <tanh> :
  %5 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <tanh>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <gelu> :
  %6 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <gelu>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <gelu_tanh> :
  %7 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <gelu_tanh>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <silu> :
  %8 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <silu>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <hard_sigmoid, alpha = 2.000000e-01, beta = 5.000000e-01> :
  %9 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       activation <hard_sigmoid, alpha = 0.2, beta = 0.5>
       : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: activation <hard_swish> :
  %10 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <hard_swish>
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  // The attribute may also be written in the attribute dictionary.
  // CHECK: nn.conv %arg0, %arg1 strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %11 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
        {activation = #nn.activation<relu>}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// CHECK-LABEL: func.func @quantized_conv
// Tests an INT8 nn.conv: per-tensor input, per-output-channel weight, i32
// bias quantized with scale input scale x weight scale, and a quantized or
// float result.
func.func @quantized_conv(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.05>>)
    -> tensor<1x4x6x6x!quant.uniform<i8:f32, 0.1>> {
  // CHECK: %[[W:.*]] = nn.constant dense<1> : tensor<4x3x3x3xi8> as tensor<4x3x3x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>
  %w = nn.constant dense<1> : tensor<4x3x3x3xi8>
         as tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  // CHECK: %[[B:.*]] = nn.constant dense<[10, -20, 30, -40]> : tensor<4xi32> as tensor<4x!quant.uniform<i32:f32:0, {5.000000e-03,1.000000e-02,1.500000e-02,2.000000e-02}>>
  %b = nn.constant dense<[10, -20, 30, -40]> : tensor<4xi32>
         as tensor<4x!quant.uniform<i32:f32:0, {0.005, 0.01, 0.015, 0.02}>>
  // CHECK: nn.conv %arg0, %[[W]] bias %[[B]] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu> : (tensor<1x3x8x8x!quant.uniform<i8:f32, 5.000000e-02>>, tensor<4x3x3x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>, tensor<4x!quant.uniform<i32:f32:0, {5.000000e-03,1.000000e-02,1.500000e-02,2.000000e-02}>>) -> tensor<1x4x6x6x!quant.uniform<i8:f32, 1.000000e-01>>
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] activation <relu>
       : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.05>>,
          tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>,
          tensor<4x!quant.uniform<i32:f32:0, {0.005, 0.01, 0.015, 0.02}>>)
       -> tensor<1x4x6x6x!quant.uniform<i8:f32, 0.1>>
  // CHECK: nn.conv %arg0, %[[W]] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8x!quant.uniform<i8:f32, 5.000000e-02>>, tensor<4x3x3x3x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>) -> tensor<1x4x6x6xf32>
  %z = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.05>>,
          tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>)
       -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6x!quant.uniform<i8:f32, 0.1>>
}

// CHECK-LABEL: func.func @conv_transpose
// Tests nn.conv_transpose with output_padding, and with groups and an
// epilogue.
func.func @conv_transpose(%x: tensor<1x8x16x16xf32>, %w: tensor<8x4x3x3xf32>,
                          %b: tensor<8xf32>) {
  // CHECK: nn.conv_transpose %arg0, %arg1 strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] output_padding [1, 1] : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x32x32xf32>
  %0 = nn.conv_transpose %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       output_padding [1, 1] groups 1
       : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x32x32xf32>
  // CHECK: nn.conv_transpose %arg0, %arg1 bias %arg2 strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 2 activation <relu> : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x31x31xf32>
  %1 = nn.conv_transpose %x, %w bias %b strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       groups 2 activation <relu>
       : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x31x31xf32>
  return
}

// CHECK-LABEL: func.func @conv_transpose_channels_last
// Tests nn.conv_transpose in the channels_last layout.
func.func @conv_transpose_channels_last(%x: tensor<1x16x16x8xf32>, %w: tensor<8x3x3x4xf32>,
                                        %r: tensor<1x32x32x4xf32>) {
  // CHECK: nn.conv_transpose %arg0, %arg1 residual %arg2 strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] output_padding [1, 1] layout channels_last activation <sigmoid> : (tensor<1x16x16x8xf32>, tensor<8x3x3x4xf32>, tensor<1x32x32x4xf32>) -> tensor<1x32x32x4xf32>
  %0 = nn.conv_transpose %x, %w residual %r strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       output_padding [1, 1] layout channels_last activation <sigmoid>
       : (tensor<1x16x16x8xf32>, tensor<8x3x3x4xf32>, tensor<1x32x32x4xf32>) -> tensor<1x32x32x4xf32>
  return
}

// CHECK-LABEL: func.func @matmul
// Tests nn.matmul without and with its epilogue.
func.func @matmul(%a: tensor<8x128x768xf16>, %b: tensor<768x3072xf16>, %bias: tensor<3072xf16>,
                  %r: tensor<8x128x3072xf16>) {
  // CHECK: nn.matmul %arg0, %arg1 : (tensor<8x128x768xf16>, tensor<768x3072xf16>) -> tensor<8x128x3072xf16>
  %0 = nn.matmul %a, %b : (tensor<8x128x768xf16>, tensor<768x3072xf16>) -> tensor<8x128x3072xf16>
  // CHECK: nn.matmul %arg0, %arg1 bias %arg2 residual %arg3 activation <gelu> : (tensor<8x128x768xf16>, tensor<768x3072xf16>, tensor<3072xf16>, tensor<8x128x3072xf16>) -> tensor<8x128x3072xf16>
  %1 = nn.matmul %a, %b bias %bias residual %r activation <gelu>
       : (tensor<8x128x768xf16>, tensor<768x3072xf16>, tensor<3072xf16>, tensor<8x128x3072xf16>)
       -> tensor<8x128x3072xf16>
  return
}

// CHECK-LABEL: func.func @quantized_matmul
// Tests an INT8 nn.matmul with a weight quantized per output column.
func.func @quantized_matmul(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5>>,
                            %b: tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>) {
  // CHECK: nn.matmul %arg0, %arg1 : (tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01>>, tensor<4x3x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01}>>) -> tensor<2x3x!quant.uniform<i8:f32, 2.500000e-01>>
  %0 = nn.matmul %a, %b : (tensor<2x4x!quant.uniform<i8:f32, 0.5>>,
                           tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>)
       -> tensor<2x3x!quant.uniform<i8:f32, 0.25>>
  return
}

// CHECK-LABEL: func.func @gemm
// Tests nn.gemm with alpha, beta, trans_a, trans_b and an epilogue, and that
// alpha 1.0 and beta 1.0 are not printed.
func.func @gemm(%a: tensor<4x16xf32>, %at: tensor<16x4xf32>, %b: tensor<16x8xf32>,
                %bt: tensor<8x16xf32>, %c: tensor<8xf32>, %r: tensor<4x8xf32>) {
  // CHECK: nn.gemm %arg0, %arg2 : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %0 = nn.gemm %a, %b alpha 1.0 beta 1.0 : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  // CHECK: nn.gemm %arg0, %arg3 bias %arg4 trans_b : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = nn.gemm %a, %bt bias %c trans_b
       : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: nn.gemm %arg1, %arg3 bias %arg4 residual %arg5 alpha 5.000000e-01 beta 2.000000e+00 trans_a trans_b activation <relu> : (tensor<16x4xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = nn.gemm %at, %bt bias %c residual %r alpha 0.5 beta 2.0 trans_a trans_b activation <relu>
       : (tensor<16x4xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // CHECK: nn.gemm %arg1, %arg2 alpha 2.500000e-01 trans_a : (tensor<16x4xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %3 = nn.gemm %at, %b alpha 0.25 trans_a : (tensor<16x4xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return
}

// CHECK-LABEL: func.func @gemm_widening
// Tests a 16-bit gemm that writes f32: f16 with an f32 bias, bf16 with an
// f32 residual.
func.func @gemm_widening(%a: tensor<4x16xf16>, %b: tensor<8x16xf16>, %c: tensor<8xf32>,
                         %x: tensor<4x16xbf16>, %y: tensor<16x8xbf16>, %r: tensor<4x8xf32>) {
  // CHECK: nn.gemm %arg0, %arg1 bias %arg2 trans_b activation <relu> : (tensor<4x16xf16>, tensor<8x16xf16>, tensor<8xf32>) -> tensor<4x8xf32>
  %0 = nn.gemm %a, %b bias %c trans_b activation <relu>
       : (tensor<4x16xf16>, tensor<8x16xf16>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: nn.gemm %arg3, %arg4 residual %arg5 : (tensor<4x16xbf16>, tensor<16x8xbf16>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = nn.gemm %x, %y residual %r : (tensor<4x16xbf16>, tensor<16x8xbf16>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @batch_norm
// Tests nn.batch_norm, and that epsilon 1.0e-05 and layout channels_first are
// not printed.
func.func @batch_norm(%x: tensor<1x64x56x56xf32>, %xl: tensor<1x56x56x64xf32>,
                      %s: tensor<64xf32>) {
  // CHECK: nn.batch_norm %arg0, %arg2, %arg2, %arg2, %arg2 : tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
  %0 = nn.batch_norm %x, %s, %s, %s, %s epsilon 1.0e-05 layout channels_first
       : tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
  // CHECK: nn.batch_norm %arg1, %arg2, %arg2, %arg2, %arg2 epsilon 1.000000e-03 layout channels_last : tensor<1x56x56x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
  %1 = nn.batch_norm %xl, %s, %s, %s, %s epsilon 1.0e-03 layout channels_last
       : tensor<1x56x56x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
  return
}

// CHECK-LABEL: func.func @layer_norm
// Tests nn.layer_norm with and without its bias.
func.func @layer_norm(%x: tensor<1x128x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) {
  // CHECK: nn.layer_norm %arg0, %arg1, %arg2 axis 2 epsilon 9.99999996E-13 : tensor<1x128x768xf32>, tensor<768xf32>, tensor<768xf32>
  %0 = nn.layer_norm %x, %g, %b axis 2 epsilon 1.0e-12
       : tensor<1x128x768xf32>, tensor<768xf32>, tensor<768xf32>
  // CHECK: nn.layer_norm %arg0, %arg1 axis 2 : tensor<1x128x768xf32>, tensor<768xf32>
  %1 = nn.layer_norm %x, %g axis 2 epsilon 1.0e-05 : tensor<1x128x768xf32>, tensor<768xf32>
  return
}

// CHECK-LABEL: func.func @instance_norm
// Tests nn.instance_norm in both layouts.
func.func @instance_norm(%x: tensor<2x8x16x16xf32>, %xl: tensor<2x16x16x8xf32>,
                         %s: tensor<8xf32>) {
  // CHECK: nn.instance_norm %arg0, %arg2, %arg2 : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
  %0 = nn.instance_norm %x, %s, %s epsilon 1.0e-05 : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: nn.instance_norm %arg1, %arg2, %arg2 epsilon 1.000000e-03 layout channels_last : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>
  %1 = nn.instance_norm %xl, %s, %s epsilon 1.0e-03 layout channels_last
       : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @group_norm
// Tests nn.group_norm in both layouts.
func.func @group_norm(%x: tensor<2x8x16x16xf32>, %xl: tensor<2x16x16x8xf32>,
                      %s: tensor<8xf32>) {
  // CHECK: nn.group_norm %arg0, %arg2, %arg2 groups 4 : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
  %0 = nn.group_norm %x, %s, %s groups 4 : tensor<2x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: nn.group_norm %arg1, %arg2, %arg2 groups 8 epsilon 9.99999997E-7 layout channels_last : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>
  %1 = nn.group_norm %xl, %s, %s groups 8 epsilon 1.0e-06 layout channels_last
       : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @lrn
// Tests nn.lrn, whose alpha, beta and bias are printed unless at their defaults.
func.func @lrn(%x: tensor<1x64x56x56xf32>, %xl: tensor<1x56x56x64xf32>) {
  // CHECK: nn.lrn %arg0 size 5 : tensor<1x64x56x56xf32>
  %0 = nn.lrn %x size 5 alpha 1.0e-04 beta 0.75 bias 1.0 : tensor<1x64x56x56xf32>
  // CHECK: nn.lrn %arg1 size 3 alpha 2.000000e-05 beta 5.000000e-01 bias 2.000000e+00 layout channels_last : tensor<1x56x56x64xf32>
  %1 = nn.lrn %xl size 3 alpha 2.0e-05 beta 0.5 bias 2.0 layout channels_last
       : tensor<1x56x56x64xf32>
  return
}

// CHECK-LABEL: func.func @softmax
// Tests nn.softmax and nn.log_softmax.
func.func @softmax(%x: tensor<1x12x128x128xf32>) {
  // CHECK: nn.softmax %arg0 axis 3 : tensor<1x12x128x128xf32>
  %0 = nn.softmax %x axis 3 : tensor<1x12x128x128xf32>
  // CHECK: nn.log_softmax %arg0 axis 1 : tensor<1x12x128x128xf32>
  %1 = nn.log_softmax %x axis 1 : tensor<1x12x128x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @pool
// Tests nn.pool max and avg, with ceil_mode, count_include_pad and layout.
func.func @pool(%x: tensor<1x64x112x112xf32>, %xl: tensor<1x112x112x64xf32>,
                %s: tensor<1x3x6x6xf32>) {
  // CHECK: nn.pool max %arg0 kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  %0 = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       layout channels_first
       : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  // CHECK: nn.pool avg %arg2 kernel [2, 2] strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] ceil_mode count_include_pad : (tensor<1x3x6x6xf32>) -> tensor<1x3x3x3xf32>
  %1 = nn.pool avg %s kernel [2, 2] strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1]
       ceil_mode count_include_pad
       : (tensor<1x3x6x6xf32>) -> tensor<1x3x3x3xf32>
  // CHECK: nn.pool avg %arg2 kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x3x6x6xf32>) -> tensor<1x3x6x6xf32>
  %2 = nn.pool avg %s kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x6x6xf32>) -> tensor<1x3x6x6xf32>
  // CHECK: nn.pool max %arg1 kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] ceil_mode layout channels_last : (tensor<1x112x112x64xf32>) -> tensor<1x57x57x64xf32>
  %3 = nn.pool max %xl kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] ceil_mode
       layout channels_last
       : (tensor<1x112x112x64xf32>) -> tensor<1x57x57x64xf32>
  return
}

// CHECK-LABEL: func.func @max_pool_indices
// Tests nn.max_pool_indices, row-major and column-major, with ceil_mode.
func.func @max_pool_indices(%x: tensor<1x3x5x5xf32>) {
  // CHECK: nn.max_pool_indices %arg0 kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xi64>
  %0 = nn.max_pool_indices %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xi64>
  // CHECK: nn.max_pool_indices %arg0 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] ceil_mode column_major : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xi64>
  %1 = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       ceil_mode column_major : (tensor<1x3x5x5xf32>) -> tensor<1x3x3x3xi64>
  return
}

// CHECK-LABEL: func.func @pool_max_integers
// Tests that max pooling takes ONNX MaxPool's integer types.
func.func @pool_max_integers(%u: tensor<1x2x5x5xui8>, %i: tensor<1x2x5x5xi8>) {
  // CHECK: nn.pool max %arg0 kernel [2, 2] strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] : (tensor<1x2x5x5xui8>) -> tensor<1x2x3x3xui8>
  %0 = nn.pool max %u kernel [2, 2] strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1]
       : (tensor<1x2x5x5xui8>) -> tensor<1x2x3x3xui8>
  // CHECK: nn.pool max %arg1 kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] : (tensor<1x2x5x5xi8>) -> tensor<1x2x5x5xi8>
  %1 = nn.pool max %i kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x2x5x5xi8>) -> tensor<1x2x5x5xi8>
  return
}

// CHECK-LABEL: func.func @quantized_pool
// Tests that max pooling keeps a quantized type and average pooling may give
// a quantized result with its own scale.
func.func @quantized_pool(%x: tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1>>) {
  // CHECK: nn.pool max %arg0 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x8x4x4x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 0.1>>
  // CHECK: nn.pool avg %arg0 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x8x4x4x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 5.000000e-02>>
  %1 = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 0.05>>
  // CHECK: nn.global_pool avg %arg0 : (tensor<1x8x4x4x!quant.uniform<i8:f32, 1.000000e-01>>) -> tensor<1x8x1x1xf32>
  %2 = nn.global_pool avg %x : (tensor<1x8x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x8x1x1xf32>
  return
}

// CHECK-LABEL: func.func @quantizing_max_pool
// Tests that a max pool may quantize a float input (the max pool of the
// quantized input), whatever float type the quantized type expresses.
func.func @quantizing_max_pool(%x: tensor<1x8x4x4xf16>, %y: tensor<1x8x4x4xf32>) {
  // CHECK: nn.pool max %arg0 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x8x4x4xf16>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 1.000000e-01>>
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf16>) -> tensor<1x8x2x2x!quant.uniform<i8:f32, 0.1>>
  // CHECK: nn.pool max %arg1 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x8x4x4xf32>) -> tensor<1x8x2x2x!quant.uniform<i8:f32:1, {{.*}}>>
  %1 = nn.pool max %y kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>) -> tensor<1x8x2x2x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>
  return
}

// CHECK-LABEL: func.func @global_pool
// Tests nn.global_pool avg and max in both layouts.
func.func @global_pool(%x: tensor<1x2048x7x7xf32>, %xl: tensor<1x7x7x2048xf32>) {
  // CHECK: nn.global_pool avg %arg0 : (tensor<1x2048x7x7xf32>) -> tensor<1x2048x1x1xf32>
  %0 = nn.global_pool avg %x layout channels_first
       : (tensor<1x2048x7x7xf32>) -> tensor<1x2048x1x1xf32>
  // CHECK: nn.global_pool max %arg1 layout channels_last : (tensor<1x7x7x2048xf32>) -> tensor<1x1x1x2048xf32>
  %1 = nn.global_pool max %xl layout channels_last
       : (tensor<1x7x7x2048xf32>) -> tensor<1x1x1x2048xf32>
  return
}

// CHECK-LABEL: func.func @reduce
// Tests every kind of nn.reduce, with and without keep_dims.
func.func @reduce(%x: tensor<1x2048x7x7xf32>, %i: tensor<4x8xi32>) {
  // CHECK: nn.reduce sum %arg0 axes [2, 3] keep_dims : tensor<1x2048x7x7xf32>
  %0 = nn.reduce sum %x axes [2, 3] keep_dims : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce mean %arg0 axes [2, 3] : tensor<1x2048x7x7xf32>
  %1 = nn.reduce mean %x axes [2, 3] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce max %arg0 axes [1] : tensor<1x2048x7x7xf32>
  %2 = nn.reduce max %x axes [1] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce min %arg0 axes [0, 1, 2, 3] : tensor<1x2048x7x7xf32>
  %3 = nn.reduce min %x axes [0, 1, 2, 3] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce prod %arg1 axes [1] keep_dims : tensor<4x8xi32>
  %4 = nn.reduce prod %i axes [1] keep_dims : tensor<4x8xi32>
  // CHECK: nn.reduce l1 %arg0 axes [3] : tensor<1x2048x7x7xf32>
  %5 = nn.reduce l1 %x axes [3] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce l2 %arg0 axes [3] : tensor<1x2048x7x7xf32>
  %6 = nn.reduce l2 %x axes [3] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce sum_square %arg0 axes [3] keep_dims : tensor<1x2048x7x7xf32>
  %7 = nn.reduce sum_square %x axes [3] keep_dims : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce log_sum %arg0 axes [3] : tensor<1x2048x7x7xf32>
  %8 = nn.reduce log_sum %x axes [3] : tensor<1x2048x7x7xf32>
  // CHECK: nn.reduce log_sum_exp %arg0 axes [3] : tensor<1x2048x7x7xf32>
  %9 = nn.reduce log_sum_exp %x axes [3] : tensor<1x2048x7x7xf32>
  return
}

// CHECK-LABEL: func.func @arg_max_min
// Tests nn.arg_max and nn.arg_min with keep_dims and select_last_index.
func.func @arg_max_min(%x: tensor<8x1000xf32>, %i: tensor<8x1000xi32>) {
  // CHECK: nn.arg_max %arg0 axis 1 : tensor<8x1000xf32>
  %0 = nn.arg_max %x axis 1 : tensor<8x1000xf32>
  // CHECK: nn.arg_max %arg0 axis 1 keep_dims select_last_index : tensor<8x1000xf32>
  %1 = nn.arg_max %x axis 1 keep_dims select_last_index : tensor<8x1000xf32>
  // CHECK: nn.arg_min %arg1 axis 0 keep_dims : tensor<8x1000xi32>
  %2 = nn.arg_min %i axis 0 keep_dims : tensor<8x1000xi32>
  // CHECK: nn.arg_min %arg0 axis 1 select_last_index : tensor<8x1000xf32>
  %3 = nn.arg_min %x axis 1 select_last_index : tensor<8x1000xf32>
  return
}

// CHECK-LABEL: func.func @top_k
// Tests nn.top_k, largest and sorted by default, with smallest and unsorted.
func.func @top_k(%x: tensor<8x1000xf32>, %i: tensor<8x1000xi32>) {
  // CHECK: %values, %indices = nn.top_k %arg0 k 5 axis 1 : tensor<8x1000xf32>
  %v0, %i0 = nn.top_k %x k 5 axis 1 : tensor<8x1000xf32>
  // CHECK: nn.top_k %arg1 k 3 axis 0 smallest : tensor<8x1000xi32>
  %v1, %i1 = nn.top_k %i k 3 axis 0 smallest : tensor<8x1000xi32>
  // CHECK: nn.top_k %arg0 k 10 axis 1 unsorted : tensor<8x1000xf32>
  %v2, %i2 = nn.top_k %x k 10 axis 1 unsorted : tensor<8x1000xf32>
  // CHECK: nn.top_k %arg0 k 1 axis 1 smallest unsorted : tensor<8x1000xf32>
  %v3, %i3 = nn.top_k %x k 1 axis 1 smallest unsorted : tensor<8x1000xf32>
  return
}

// CHECK-LABEL: func.func @cumsum
// Tests nn.cumsum, inclusive and forward by default, exclusive and reverse.
func.func @cumsum(%x: tensor<2x5xf32>, %i: tensor<2x5xi64>) {
  // CHECK: nn.cumsum %arg0 axis 1 : tensor<2x5xf32>
  %0 = nn.cumsum %x axis 1 : tensor<2x5xf32>
  // CHECK: nn.cumsum %arg0 axis 1 exclusive : tensor<2x5xf32>
  %1 = nn.cumsum %x axis 1 exclusive : tensor<2x5xf32>
  // CHECK: nn.cumsum %arg0 axis 0 reverse : tensor<2x5xf32>
  %2 = nn.cumsum %x axis 0 reverse : tensor<2x5xf32>
  // CHECK: nn.cumsum %arg1 axis 1 exclusive reverse : tensor<2x5xi64>
  %3 = nn.cumsum %i axis 1 exclusive reverse : tensor<2x5xi64>
  return
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @concat
// Tests nn.concat of float and of quantized tensors of one scale.
func.func @concat(%a: tensor<1x64x28x28xf32>, %b: tensor<1x32x28x28xf32>,
                  %q: tensor<2x3x!quant.uniform<i8:f32, 0.1>>) {
  // CHECK: nn.concat %arg0, %arg1 axis 1 : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
  %0 = nn.concat %a, %b axis 1 : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
  // CHECK: nn.concat %arg2, %arg2, %arg2 axis 0 : tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>, tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>, tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01>>
  %1 = nn.concat %q, %q, %q axis 0
       : tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>,
         tensor<2x3x!quant.uniform<i8:f32, 0.1>>
  // CHECK: %[[R:.*]] = nn.relu %arg0
  // CHECK: %[[E:.*]] = nn.exp %arg1
  // CHECK: nn.concat %[[R]], %[[E]] axis 1 in_place : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
  %r = nn.relu %a : tensor<1x64x28x28xf32>
  %e = nn.exp %b : tensor<1x32x28x28xf32>
  %2 = nn.concat %r, %e axis 1 in_place : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>
  return
}

// CHECK-LABEL: func.func @split
// Tests nn.split into equal and unequal pieces.
func.func @split(%x: tensor<1x128x2304xf32>) {
  // CHECK: nn.split %arg0 axis 2 sizes [768, 768, 768] : tensor<1x128x2304xf32>
  %0:3 = nn.split %x axis 2 sizes [768, 768, 768] : tensor<1x128x2304xf32>
  // CHECK: nn.split %arg0 axis 2 sizes [2048, 256] : tensor<1x128x2304xf32>
  %a, %b = nn.split %x axis 2 sizes [2048, 256] : tensor<1x128x2304xf32>
  return
}

// CHECK-LABEL: func.func @slice
// Tests nn.slice with positive and negative steps.
func.func @slice(%x: tensor<1x128x16xf32>, %y: tensor<3x4xf32>) {
  // CHECK: nn.slice %arg0 starts [0, 0, 2] ends [1, 128, 10] steps [1, 1, 2] : tensor<1x128x16xf32>
  %0 = nn.slice %x starts [0, 0, 2] ends [1, 128, 10] steps [1, 1, 2] : tensor<1x128x16xf32>
  // CHECK: nn.slice %arg1 starts [2, 3] ends [-1, -1] steps [-1, -2] : tensor<3x4xf32>
  %1 = nn.slice %y starts [2, 3] ends [-1, -1] steps [-1, -2] : tensor<3x4xf32>
  return
}

// CHECK-LABEL: func.func @reshape
// Tests nn.reshape, including to and from 0-D and dynamic shapes.
func.func @reshape(%x: tensor<1x2048x1x1xf32>, %s: tensor<1x1xi64>, %d: tensor<?x4xf32>) {
  // CHECK: nn.reshape %arg0 : tensor<1x2048x1x1xf32> to tensor<1x2048xf32>
  %0 = nn.reshape %x : tensor<1x2048x1x1xf32> to tensor<1x2048xf32>
  // CHECK: nn.reshape %arg1 : tensor<1x1xi64> to tensor<i64>
  %1 = nn.reshape %s : tensor<1x1xi64> to tensor<i64>
  // CHECK: nn.reshape %arg2 : tensor<?x4xf32> to tensor<?x2x2xf32>
  %2 = nn.reshape %d : tensor<?x4xf32> to tensor<?x2x2xf32>
  return
}

// CHECK-LABEL: func.func @flatten
// Tests nn.flatten.
func.func @flatten(%x: tensor<1x2048x1x1xf32>) {
  // CHECK: nn.flatten %arg0 axis 1 : tensor<1x2048x1x1xf32>
  %0 = nn.flatten %x axis 1 : tensor<1x2048x1x1xf32>
  // CHECK: nn.flatten %arg0 axis 0 : tensor<1x2048x1x1xf32>
  %1 = nn.flatten %x axis 0 : tensor<1x2048x1x1xf32>
  return
}

// CHECK-LABEL: func.func @transpose
// Tests nn.transpose of a float and a quantized tensor.
func.func @transpose(%x: tensor<1x64x56x56xf32>, %q: tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>) {
  // CHECK: nn.transpose %arg0 permutation [0, 2, 3, 1] : tensor<1x64x56x56xf32>
  %0 = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x64x56x56xf32>
  // CHECK: nn.transpose %arg1 permutation [1, 0] : tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %1 = nn.transpose %q permutation [1, 0] : tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// CHECK-LABEL: func.func @pad
// Tests nn.pad in every mode, with a fill value, with negative pads, and that
// mode constant and value 0.0 are not printed.
func.func @pad(%x: tensor<1x3x8x8xf32>) {
  // CHECK: nn.pad %arg0 pads [0, 0, 1, 1, 0, 0, 1, 1] : tensor<1x3x8x8xf32>
  %0 = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode constant value 0.0 : tensor<1x3x8x8xf32>
  // CHECK: nn.pad %arg0 pads [0, 0, 1, 1, 0, 0, 1, 1] value -1.000000e+00 : tensor<1x3x8x8xf32>
  %1 = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode constant value -1.0 : tensor<1x3x8x8xf32>
  // CHECK: nn.pad %arg0 pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : tensor<1x3x8x8xf32>
  %2 = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : tensor<1x3x8x8xf32>
  // CHECK: nn.pad %arg0 pads [0, 0, 2, 0, 0, 0, 0, 2] mode edge : tensor<1x3x8x8xf32>
  %3 = nn.pad %x pads [0, 0, 2, 0, 0, 0, 0, 2] mode edge : tensor<1x3x8x8xf32>
  // CHECK: nn.pad %arg0 pads [0, 0, 3, 3, 0, 0, 3, 3] mode wrap : tensor<1x3x8x8xf32>
  %4 = nn.pad %x pads [0, 0, 3, 3, 0, 0, 3, 3] mode wrap : tensor<1x3x8x8xf32>
  // CHECK: nn.pad %arg0 pads [0, 0, -1, 2, 0, 0, 3, -4] : tensor<1x3x8x8xf32>
  %5 = nn.pad %x pads [0, 0, -1, 2, 0, 0, 3, -4] : tensor<1x3x8x8xf32>
  return
}

// CHECK-LABEL: func.func @gather
// Tests nn.gather with i64 and i32 indices.
func.func @gather(%table: tensor<30522x768xf32>, %ids: tensor<1x128xi64>, %i: tensor<4xi32>) {
  // CHECK: nn.gather %arg0, %arg1 axis 0 : tensor<30522x768xf32>, tensor<1x128xi64>
  %0 = nn.gather %table, %ids axis 0 : tensor<30522x768xf32>, tensor<1x128xi64>
  // CHECK: nn.gather %arg0, %arg2 axis 1 : tensor<30522x768xf32>, tensor<4xi32>
  %1 = nn.gather %table, %i axis 1 : tensor<30522x768xf32>, tensor<4xi32>
  return
}

// CHECK-LABEL: func.func @gather_elements
// Tests nn.gather_elements.
func.func @gather_elements(%x: tensor<3x4xf32>, %idx: tensor<3x2xi64>) {
  // CHECK: nn.gather_elements %arg0, %arg1 axis 1 : tensor<3x4xf32>, tensor<3x2xi64>
  %0 = nn.gather_elements %x, %idx axis 1 : tensor<3x4xf32>, tensor<3x2xi64>
  return
}

// CHECK-LABEL: func.func @resize
// Tests nn.resize with every optional attribute (roi with tf_crop_and_resize),
// every coordinate transform, and that the defaults
// (half_pixel, round_prefer_floor, cubic_coeff_a -0.75, extrapolation_value
// 0.0) are not printed.
func.func @resize(%x: tensor<1x256x20x20xf32>) {
  // CHECK: nn.resize %arg0 mode nearest coordinate_transform asymmetric nearest_mode floor scales [1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00] : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  %0 = nn.resize %x mode nearest coordinate_transform asymmetric nearest_mode floor
       scales [1.0, 1.0, 2.0, 2.0]
       : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  // CHECK: nn.resize %arg0 mode cubic coordinate_transform tf_crop_and_resize nearest_mode round_prefer_ceil cubic_coeff_a -5.000000e-01 exclude_outside extrapolation_value 1.000000e+00 scales [1.000000e+00, 1.000000e+00, 1.500000e+00, 1.500000e+00] : tensor<1x256x20x20xf32> to tensor<1x256x30x30xf32>
  %1 = nn.resize %x mode cubic coordinate_transform tf_crop_and_resize
       nearest_mode round_prefer_ceil cubic_coeff_a -0.5 exclude_outside
       extrapolation_value 1.0 scales [1.0, 1.0, 1.5, 1.5]
       : tensor<1x256x20x20xf32> to tensor<1x256x30x30xf32>
  // CHECK: nn.resize %arg0 mode cubic : tensor<1x256x20x20xf32> to tensor<1x256x10x10xf32>
  %2 = nn.resize %x mode cubic coordinate_transform half_pixel nearest_mode round_prefer_floor
       cubic_coeff_a -0.75 extrapolation_value 0.0
       : tensor<1x256x20x20xf32> to tensor<1x256x10x10xf32>
  // CHECK: nn.resize %arg0 mode linear coordinate_transform align_corners : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  %3 = nn.resize %x mode linear coordinate_transform align_corners
       : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  // CHECK: nn.resize %arg0 mode linear coordinate_transform pytorch_half_pixel : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  %4 = nn.resize %x mode linear coordinate_transform pytorch_half_pixel
       : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  // CHECK: nn.resize %arg0 mode linear coordinate_transform half_pixel_symmetric : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  %5 = nn.resize %x mode linear coordinate_transform half_pixel_symmetric
       : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  // CHECK: nn.resize %arg0 mode nearest nearest_mode ceil : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  %6 = nn.resize %x mode nearest nearest_mode ceil
       : tensor<1x256x20x20xf32> to tensor<1x256x40x40xf32>
  // CHECK: nn.resize %arg0 mode linear coordinate_transform tf_crop_and_resize extrapolation_value 1.000000e+01 roi [0.000000e+00, 0.000000e+00, 4.000000e-01, 6.000000e-01, 1.000000e+00, 1.000000e+00, 1.200000e+00, 1.700000e+00] : tensor<1x256x20x20xf32> to tensor<1x256x3x3xf32>
  %7 = nn.resize %x mode linear coordinate_transform tf_crop_and_resize
       extrapolation_value 10.0 roi [0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 1.2, 1.7]
       : tensor<1x256x20x20xf32> to tensor<1x256x3x3xf32>
  // CHECK: nn.resize %arg0 mode nearest coordinate_transform tf_half_pixel_for_nn : tensor<1x256x20x20xf32> to tensor<1x256x15x10xf32>
  %8 = nn.resize %x mode nearest coordinate_transform tf_half_pixel_for_nn
       : tensor<1x256x20x20xf32> to tensor<1x256x15x10xf32>
  return
}

// CHECK-LABEL: func.func @expand
// Tests nn.expand.
func.func @expand(%x: tensor<3x1xf32>) {
  // CHECK: nn.expand %arg0 shape [4, 3, 8] : tensor<3x1xf32>
  %0 = nn.expand %x shape [4, 3, 8] : tensor<3x1xf32>
  return
}

// CHECK-LABEL: func.func @tile
// Tests nn.tile.
func.func @tile(%x: tensor<3x4xf32>) {
  // CHECK: nn.tile %arg0 repeats [1, 2] : tensor<3x4xf32>
  %0 = nn.tile %x repeats [1, 2] : tensor<3x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention
// Tests nn.attention in both layouts, with and without its bias.
func.func @attention(%q: tensor<2x4x16x8xf16>, %k: tensor<2x4x32x8xf16>,
                     %v: tensor<2x4x32x6xf16>, %mask: tensor<2x1x16x32xf16>,
                     %qs: tensor<2x16x4x8xbf16>, %ks: tensor<2x32x4x8xbf16>,
                     %pos: tensor<1x4x16x32xbf16>) {
  // CHECK: nn.attention bhsd %arg0, %arg1, %arg2 bias %arg3 scale 3.535530e-01 : tensor<2x4x16x8xf16>, tensor<2x4x32x8xf16>, tensor<2x4x32x6xf16>, tensor<2x1x16x32xf16>
  %0 = nn.attention bhsd %q, %k, %v bias %mask scale 0.353553
       : tensor<2x4x16x8xf16>, tensor<2x4x32x8xf16>, tensor<2x4x32x6xf16>,
         tensor<2x1x16x32xf16>
  // CHECK: nn.attention bhsd %arg0, %arg1, %arg2 scale 1.000000e+00 : tensor<2x4x16x8xf16>, tensor<2x4x32x8xf16>, tensor<2x4x32x6xf16>
  %1 = nn.attention bhsd %q, %k, %v scale 1.0
       : tensor<2x4x16x8xf16>, tensor<2x4x32x8xf16>, tensor<2x4x32x6xf16>
  // CHECK: nn.attention bshd %arg4, %arg5, %arg5 bias %arg6 scale 1.250000e-01 : tensor<2x16x4x8xbf16>, tensor<2x32x4x8xbf16>, tensor<2x32x4x8xbf16>, tensor<1x4x16x32xbf16>
  %2 = nn.attention bshd %qs, %ks, %ks bias %pos scale 0.125
       : tensor<2x16x4x8xbf16>, tensor<2x32x4x8xbf16>, tensor<2x32x4x8xbf16>,
         tensor<1x4x16x32xbf16>
  return
}

// The blobs of the dense_resource constants survive both round trips.
// CHECK: dialect_resources
// CHECK: conv_weight: "0x040000000000803F000000400000404000008040"
// CHECK: qweight: "0x0100000001FF7F80"

{-#
  dialect_resources: {
    builtin: {
      conv_weight: "0x040000000000803F000000400000404000008040",
      qweight: "0x0100000001FF7F80"
    }
  }
#-}
