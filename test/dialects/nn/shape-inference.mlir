// RUN: kiln-opt %s --mlir-print-op-generic | FileCheck %s

// Result types of nn ops. Ops whose custom form does not spell the result
// type are written that way here, and the generic output shows the type the
// op inferred. Ops whose form spells the result type (convolutions, pooling,
// matmul, gemm, binary elementwise ops) check the spelled type against the
// one they infer, so for those the test is that the op parses and verifies
// with the result computed by hand from the ONNX semantics.

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "where"
// Tests that nn.where broadcasts the condition and both values together.
func.func @where(%mask: tensor<1x1x128x128xi1>, %x: tensor<1x12x128x128xf32>,
                 %zero: tensor<f32>, %c: tensor<4x1x1xi1>, %a: tensor<3x1xi32>,
                 %b: tensor<5xi32>) {
  // CHECK: "nn.where"{{.*}} -> tensor<1x12x128x128xf32>
  %0 = nn.where %mask, %x, %zero
       : tensor<1x1x128x128xi1>, tensor<1x12x128x128xf32>, tensor<f32>
  // The condition may have the highest rank of the three.
  // CHECK: "nn.where"{{.*}} -> tensor<4x3x5xi32>
  %1 = nn.where %c, %a, %b : tensor<4x1x1xi1>, tensor<3x1xi32>, tensor<5xi32>
  return
}

// CHECK-LABEL: sym_name = "where_dynamic"
// Tests that dynamic sizes propagate through nn.where, and that a static size
// other than 1 wins over a dynamic one.
func.func @where_dynamic(%c: tensor<?x1xi1>, %x: tensor<1x8xf32>, %y: tensor<1xf32>,
                         %d: tensor<?x8xf32>, %e: tensor<4x1xf32>,
                         %t: tensor<1x1xi1>) {
  // CHECK: "nn.where"{{.*}} -> tensor<?x8xf32>
  %0 = nn.where %c, %x, %y : tensor<?x1xi1>, tensor<1x8xf32>, tensor<1xf32>
  // CHECK: "nn.where"{{.*}} -> tensor<4x8xf32>
  %1 = nn.where %t, %d, %e : tensor<1x1xi1>, tensor<?x8xf32>, tensor<4x1xf32>
  return
}

// CHECK-LABEL: sym_name = "binary_broadcast"
// Tests numpy broadcasting of binary ops, including rank extension and a
// dynamic size meeting a 1.
func.func @binary_broadcast(%x: tensor<8x1x16xf32>, %y: tensor<4x1xf32>,
                            %d: tensor<?x1xf32>, %s: tensor<f32>) {
  // CHECK: "nn.add"{{.*}} -> tensor<8x4x16xf32>
  %0 = nn.add %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  // CHECK: "nn.greater"{{.*}} -> tensor<8x4x16xi1>
  %1 = nn.greater %x, %y : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xi1>
  // CHECK: "nn.mul"{{.*}} -> tensor<8x?x16xf32>
  %2 = nn.mul %x, %d : (tensor<8x1x16xf32>, tensor<?x1xf32>) -> tensor<8x?x16xf32>
  // CHECK: "nn.sub"{{.*}} -> tensor<4x1xf32>
  %3 = nn.sub %s, %y : (tensor<f32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  return
}

// CHECK-LABEL: sym_name = "unary_dynamic"
// Tests that unary ops keep dynamic sizes.
func.func @unary_dynamic(%x: tensor<?x3x?xf32>) {
  // CHECK: "nn.relu"{{.*}} -> tensor<?x3x?xf32>
  %0 = nn.relu %x : tensor<?x3x?xf32>
  // CHECK: "nn.clip"{{.*}} -> tensor<?x3x?xf32>
  %1 = nn.clip %x min 0.0 max 6.0 : tensor<?x3x?xf32>
  // CHECK: "nn.cumsum"{{.*}} -> tensor<?x3x?xf32>
  %2 = nn.cumsum %x axis 2 : tensor<?x3x?xf32>
  return
}

// CHECK-LABEL: sym_name = "dequantize"
// Tests that nn.dequantize gives the expressed float type, per tensor and per
// axis, and keeps the shape.
func.func @dequantize(%a: tensor<1x64x56x56x!quant.uniform<i8:f32, 0.05>>,
                      %b: tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>,
                      %c: tensor<?x8x!quant.uniform<u8:f16, 0.5:128>>) {
  // CHECK: "nn.dequantize"{{.*}} -> tensor<1x64x56x56xf32>
  %0 = nn.dequantize %a : tensor<1x64x56x56x!quant.uniform<i8:f32, 0.05>>
  // CHECK: "nn.dequantize"{{.*}} -> tensor<4x3xf32>
  %1 = nn.dequantize %b : tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  // CHECK: "nn.dequantize"{{.*}} -> tensor<?x8xf16>
  %2 = nn.dequantize %c : tensor<?x8x!quant.uniform<u8:f16, 0.5:128>>
  return
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "norms"
// Tests that normalizations and softmax keep their input's type, in either
// layout and with a dynamic batch.
func.func @norms(%x: tensor<?x8x16x16xf32>, %xl: tensor<2x16x16x8xf32>,
                 %s: tensor<8xf32>, %t: tensor<1x128x768xf16>,
                 %g: tensor<768xf16>, %g2: tensor<128x768xf16>) {
  // CHECK: "nn.batch_norm"{{.*}} -> tensor<?x8x16x16xf32>
  %0 = nn.batch_norm %x, %s, %s, %s, %s
       : tensor<?x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: "nn.batch_norm"{{.*}} -> tensor<2x16x16x8xf32>
  %1 = nn.batch_norm %xl, %s, %s, %s, %s layout channels_last
       : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: "nn.instance_norm"{{.*}} -> tensor<?x8x16x16xf32>
  %2 = nn.instance_norm %x, %s, %s : tensor<?x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: "nn.group_norm"{{.*}} -> tensor<2x16x16x8xf32>
  %3 = nn.group_norm %xl, %s, %s groups 2 layout channels_last
       : tensor<2x16x16x8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: "nn.lrn"{{.*}} -> tensor<?x8x16x16xf32>
  %4 = nn.lrn %x size 5 alpha 1.0e-04 beta 0.75 bias 1.0 : tensor<?x8x16x16xf32>
  // CHECK: "nn.layer_norm"{{.*}} -> tensor<1x128x768xf16>
  %5 = nn.layer_norm %t, %g, %g axis 2 : tensor<1x128x768xf16>, tensor<768xf16>, tensor<768xf16>
  // Normalizing over the last two dimensions.
  // CHECK: "nn.layer_norm"{{.*}} -> tensor<1x128x768xf16>
  %6 = nn.layer_norm %t, %g2, %g axis 1 : tensor<1x128x768xf16>, tensor<128x768xf16>, tensor<768xf16>
  // CHECK: "nn.softmax"{{.*}} -> tensor<1x128x768xf16>
  %7 = nn.softmax %t axis 2 : tensor<1x128x768xf16>
  // CHECK: "nn.log_softmax"{{.*}} -> tensor<?x8x16x16xf32>
  %8 = nn.log_softmax %x axis 1 : tensor<?x8x16x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// Reductions, arg max/min, top-k
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "reduce"
// Tests that nn.reduce removes the reduced dimensions, or keeps them as 1 with
// keep_dims.
func.func @reduce(%x: tensor<1x2048x7x7xf32>, %d: tensor<?x16x?xi32>) {
  // CHECK: "nn.reduce"{{.*}} -> tensor<1x2048x1x1xf32>
  %0 = nn.reduce mean %x axes [2, 3] keep_dims : tensor<1x2048x7x7xf32>
  // CHECK: "nn.reduce"{{.*}} -> tensor<1x2048xf32>
  %1 = nn.reduce mean %x axes [2, 3] : tensor<1x2048x7x7xf32>
  // Reducing every axis without keep_dims gives a 0-D tensor.
  // CHECK: "nn.reduce"{{.*}} -> tensor<f32>
  %2 = nn.reduce sum %x axes [0, 1, 2, 3] : tensor<1x2048x7x7xf32>
  // CHECK: "nn.reduce"{{.*}} -> tensor<1x1x1x1xf32>
  %3 = nn.reduce max %x axes [0, 1, 2, 3] keep_dims : tensor<1x2048x7x7xf32>
  // CHECK: "nn.reduce"{{.*}} -> tensor<?x?xi32>
  %4 = nn.reduce sum %d axes [1] : tensor<?x16x?xi32>
  // CHECK: "nn.reduce"{{.*}} -> tensor<1x16x?xi32>
  %5 = nn.reduce prod %d axes [0] keep_dims : tensor<?x16x?xi32>
  return
}

// CHECK-LABEL: sym_name = "arg"
// Tests that nn.arg_max and nn.arg_min give i64 indices with the axis removed,
// or kept as 1 with keep_dims.
func.func @arg(%x: tensor<8x1000xf32>, %y: tensor<2x?x5xi32>) {
  // CHECK: "nn.arg_max"{{.*}} -> tensor<8x1xi64>
  %0 = nn.arg_max %x axis 1 keep_dims : tensor<8x1000xf32>
  // CHECK: "nn.arg_max"{{.*}} -> tensor<8xi64>
  %1 = nn.arg_max %x axis 1 : tensor<8x1000xf32>
  // CHECK: "nn.arg_min"{{.*}} -> tensor<?x5xi64>
  %2 = nn.arg_min %y axis 0 : tensor<2x?x5xi32>
  // CHECK: "nn.arg_min"{{.*}} -> tensor<2x1x5xi64>
  %3 = nn.arg_min %y axis 1 keep_dims select_last_index : tensor<2x?x5xi32>
  return
}

// CHECK-LABEL: sym_name = "top_k"
// Tests that nn.top_k has two results, values and i64 indices, with k entries
// along the axis.
func.func @top_k(%x: tensor<8x1000xf32>, %d: tensor<?x1000xi32>) {
  // CHECK: "nn.top_k"{{.*}} -> (tensor<8x5xf32>, tensor<8x5xi64>)
  %v0, %i0 = nn.top_k %x k 5 axis 1 : tensor<8x1000xf32>
  // A dynamic axis takes the static k.
  // CHECK: "nn.top_k"{{.*}} -> (tensor<3x1000xi32>, tensor<3x1000xi64>)
  %v1, %i1 = nn.top_k %d k 3 axis 0 smallest : tensor<?x1000xi32>
  // CHECK: "nn.top_k"{{.*}} -> (tensor<?x1000xi32>, tensor<?x1000xi64>)
  %v2, %i2 = nn.top_k %d k 1000 axis 1 unsorted : tensor<?x1000xi32>
  return
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "concat"
// Tests that nn.concat adds up the sizes along the axis, dynamic if any is.
func.func @concat(%a: tensor<1x64x28x28xf32>, %b: tensor<1x32x28x28xf32>,
                  %c: tensor<1x1x28x28xf32>, %d: tensor<?x3xi64>, %e: tensor<4x3xi64>,
                  %f: tensor<2x?xi64>) {
  // CHECK: "nn.concat"{{.*}} -> tensor<1x97x28x28xf32>
  %0 = nn.concat %a, %b, %c axis 1
       : tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>, tensor<1x1x28x28xf32>
  // CHECK: "nn.concat"{{.*}} -> tensor<?x3xi64>
  %1 = nn.concat %d, %e axis 0 : tensor<?x3xi64>, tensor<4x3xi64>
  // CHECK: "nn.concat"{{.*}} -> tensor<?x3xi64>
  %2 = nn.concat %e, %d axis 0 : tensor<4x3xi64>, tensor<?x3xi64>
  // A dynamic size off the axis stays dynamic.
  // CHECK: "nn.concat"{{.*}} -> tensor<4x?xi64>
  %3 = nn.concat %f, %f axis 0 : tensor<2x?xi64>, tensor<2x?xi64>
  // A single input.
  // CHECK: "nn.concat"{{.*}} -> tensor<4x3xi64>
  %4 = nn.concat %e axis 1 : tensor<4x3xi64>
  return
}

// CHECK-LABEL: sym_name = "split"
// Tests that nn.split gives one result per size, even along a dynamic axis.
func.func @split(%x: tensor<1x128x2304xf32>, %d: tensor<?x6xf32>) {
  // CHECK: "nn.split"{{.*}} -> (tensor<1x128x768xf32>, tensor<1x128x768xf32>, tensor<1x128x768xf32>)
  %0:3 = nn.split %x axis 2 sizes [768, 768, 768] : tensor<1x128x2304xf32>
  // CHECK: "nn.split"{{.*}} -> (tensor<2x6xf32>, tensor<0x6xf32>, tensor<3x6xf32>)
  %1:3 = nn.split %d axis 0 sizes [2, 0, 3] : tensor<?x6xf32>
  // CHECK: "nn.split"{{.*}} -> (tensor<?x1xf32>, tensor<?x5xf32>)
  %2:2 = nn.split %d axis 1 sizes [1, 5] : tensor<?x6xf32>
  return
}

// CHECK-LABEL: sym_name = "slice"
// Tests nn.slice sizes, ceil((end - start) / step), for positive and negative
// steps.
func.func @slice(%x: tensor<1x128x16xf32>, %v: tensor<4xf32>, %w: tensor<10x?xf32>) {
  // CHECK: "nn.slice"{{.*}} -> tensor<1x128x4xf32>
  %0 = nn.slice %x starts [0, 0, 2] ends [1, 128, 10] steps [1, 1, 2] : tensor<1x128x16xf32>
  // Indices 1, 4, 7, 10, 13.
  // CHECK: "nn.slice"{{.*}} -> tensor<1x64x5xf32>
  %1 = nn.slice %x starts [0, 64, 1] ends [1, 128, 16] steps [1, 1, 3] : tensor<1x128x16xf32>
  // Reversal: 3, 2, 1, 0 (an end of -1 means through index 0).
  // CHECK: "nn.slice"{{.*}} -> tensor<4xf32>
  %2 = nn.slice %v starts [3] ends [-1] steps [-1] : tensor<4xf32>
  // Indices 3, 1.
  // CHECK: "nn.slice"{{.*}} -> tensor<2xf32>
  %3 = nn.slice %v starts [3] ends [0] steps [-2] : tensor<4xf32>
  // Indices 9, 7, 5, 3, 1; the dynamic dimension stays dynamic.
  // CHECK: "nn.slice"{{.*}} -> tensor<5x?xf32>
  %4 = nn.slice %w starts [9, 0] ends [-1, 4] steps [-2, 1] : tensor<10x?xf32>
  // An empty range gives size 0.
  // CHECK: "nn.slice"{{.*}} -> tensor<0xf32>
  %5 = nn.slice %v starts [3] ends [1] steps [1] : tensor<4xf32>
  return
}

// CHECK-LABEL: sym_name = "flatten"
// Tests that nn.flatten gives (product of dims before axis) x (product of the
// rest), for axis 0 and axis = rank too.
func.func @flatten(%x: tensor<2x3x4xf32>, %d: tensor<?x3x4xf32>) {
  // CHECK: "nn.flatten"{{.*}} -> tensor<1x24xf32>
  %0 = nn.flatten %x axis 0 : tensor<2x3x4xf32>
  // CHECK: "nn.flatten"{{.*}} -> tensor<6x4xf32>
  %1 = nn.flatten %x axis 2 : tensor<2x3x4xf32>
  // CHECK: "nn.flatten"{{.*}} -> tensor<24x1xf32>
  %2 = nn.flatten %x axis 3 : tensor<2x3x4xf32>
  // CHECK: "nn.flatten"{{.*}} -> tensor<?x12xf32>
  %3 = nn.flatten %d axis 1 : tensor<?x3x4xf32>
  // CHECK: "nn.flatten"{{.*}} -> tensor<1x?xf32>
  %4 = nn.flatten %d axis 0 : tensor<?x3x4xf32>
  return
}

// CHECK-LABEL: sym_name = "transpose"
// Tests that result dimension i of nn.transpose is input dimension
// permutation[i].
func.func @transpose(%x: tensor<1x64x56x48xf32>, %d: tensor<?x3x5xi8>) {
  // CHECK: "nn.transpose"{{.*}} -> tensor<1x56x48x64xf32>
  %0 = nn.transpose %x permutation [0, 2, 3, 1] : tensor<1x64x56x48xf32>
  // CHECK: "nn.transpose"{{.*}} -> tensor<5x?x3xi8>
  %1 = nn.transpose %d permutation [2, 0, 1] : tensor<?x3x5xi8>
  return
}

// CHECK-LABEL: sym_name = "pad"
// Tests that nn.pad adds begin + end to each dimension, negative amounts
// cropping.
func.func @pad(%x: tensor<1x3x8x8xf32>, %y: tensor<28x28xf32>, %d: tensor<?x5xi32>) {
  // CHECK: "nn.pad"{{.*}} -> tensor<1x3x11x13xf32>
  %0 = nn.pad %x pads [0, 0, 1, 2, 0, 0, 2, 3] : tensor<1x3x8x8xf32>
  // 28 - 1 + 3 = 30 rows, 28 + 2 - 4 = 26 columns.
  // CHECK: "nn.pad"{{.*}} -> tensor<30x26xf32>
  %1 = nn.pad %y pads [-1, 2, 3, -4] : tensor<28x28xf32>
  // Cropping a dimension away entirely.
  // CHECK: "nn.pad"{{.*}} -> tensor<0x28xf32>
  %2 = nn.pad %y pads [-20, 0, -8, 0] mode edge : tensor<28x28xf32>
  // CHECK: "nn.pad"{{.*}} -> tensor<1x3x10x10xf32>
  %3 = nn.pad %x pads [0, 0, 1, 1, 0, 0, 1, 1] mode reflect : tensor<1x3x8x8xf32>
  // CHECK: "nn.pad"{{.*}} -> tensor<?x9xi32>
  %4 = nn.pad %d pads [1, 2, 1, 2] mode wrap : tensor<?x5xi32>
  return
}

// CHECK-LABEL: sym_name = "gather"
// Tests that nn.gather's result is data[:axis] + indices.shape +
// data[axis+1:].
func.func @gather(%table: tensor<30522x768xf32>, %ids: tensor<1x128xi64>,
                  %x: tensor<2x3x4xf32>, %i: tensor<5x6xi32>, %s: tensor<i64>,
                  %d: tensor<?xi64>) {
  // CHECK: "nn.gather"{{.*}} -> tensor<1x128x768xf32>
  %0 = nn.gather %table, %ids axis 0 : tensor<30522x768xf32>, tensor<1x128xi64>
  // CHECK: "nn.gather"{{.*}} -> tensor<2x5x6x4xf32>
  %1 = nn.gather %x, %i axis 1 : tensor<2x3x4xf32>, tensor<5x6xi32>
  // A 0-D index removes the axis.
  // CHECK: "nn.gather"{{.*}} -> tensor<2x3xf32>
  %2 = nn.gather %x, %s axis 2 : tensor<2x3x4xf32>, tensor<i64>
  // CHECK: "nn.gather"{{.*}} -> tensor<?x3x4xf32>
  %3 = nn.gather %x, %d axis 0 : tensor<2x3x4xf32>, tensor<?xi64>
  return
}

// CHECK-LABEL: sym_name = "gather_elements"
// Tests that nn.gather_elements' result has the shape of the indices.
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %d: tensor<?x4xi32>) {
  // CHECK: "nn.gather_elements"{{.*}} -> tensor<3x2xf32>
  %0 = nn.gather_elements %x, %i axis 1 : tensor<3x4xf32>, tensor<3x2xi64>
  // CHECK: "nn.gather_elements"{{.*}} -> tensor<?x4xf32>
  %1 = nn.gather_elements %x, %d axis 0 : tensor<3x4xf32>, tensor<?x4xi32>
  return
}

// CHECK-LABEL: sym_name = "expand"
// Tests that nn.expand broadcasts the input against the shape both ways: a 1
// in the shape keeps the input's size.
func.func @expand(%x: tensor<3x1xf32>, %y: tensor<3x5xf32>, %d: tensor<?x1xf32>) {
  // CHECK: "nn.expand"{{.*}} -> tensor<4x3x8xf32>
  %0 = nn.expand %x shape [4, 3, 8] : tensor<3x1xf32>
  // CHECK: "nn.expand"{{.*}} -> tensor<3x5xf32>
  %1 = nn.expand %y shape [1] : tensor<3x5xf32>
  // CHECK: "nn.expand"{{.*}} -> tensor<2x3x1xf32>
  %2 = nn.expand %x shape [2, 1, 1] : tensor<3x1xf32>
  // CHECK: "nn.expand"{{.*}} -> tensor<2x?x6xf32>
  %3 = nn.expand %d shape [2, 1, 6] : tensor<?x1xf32>
  // CHECK: "nn.expand"{{.*}} -> tensor<4x6xf32>
  %4 = nn.expand %d shape [4, 6] : tensor<?x1xf32>
  return
}

// CHECK-LABEL: sym_name = "tile"
// Tests that nn.tile multiplies each dimension by its repeat count.
func.func @tile(%x: tensor<3x4xf32>, %d: tensor<?x4xf32>) {
  // CHECK: "nn.tile"{{.*}} -> tensor<3x8xf32>
  %0 = nn.tile %x repeats [1, 2] : tensor<3x4xf32>
  // CHECK: "nn.tile"{{.*}} -> tensor<0x12xf32>
  %1 = nn.tile %x repeats [0, 3] : tensor<3x4xf32>
  // CHECK: "nn.tile"{{.*}} -> tensor<?x12xf32>
  %2 = nn.tile %d repeats [2, 3] : tensor<?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Convolutions. Output size: (in + pad_begin + pad_end - ((k - 1) * d + 1))
// / stride + 1, rounded down.
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "conv_2d"
// Tests 2-D convolutions with stride 2, dilation 2, groups and asymmetric pads.
func.func @conv_2d(%x: tensor<1x8x32x32xf32>, %w: tensor<16x4x3x3xf32>,
                   %dw_in: tensor<1x32x112x112xf32>, %dw: tensor<32x1x3x3xf32>,
                   %nhwc: tensor<1x56x56x64xf32>, %wl: tensor<128x3x3x64xf32>) {
  // Window extent (3 - 1) * 2 + 1 = 5. Rows (32 + 1 + 0 - 5) / 2 + 1 = 15,
  // columns (32 + 2 + 3 - 5) / 2 + 1 = 17; 2 groups of 4 input channels.
  // CHECK: "nn.conv"{{.*}} -> tensor<1x16x15x17xf32>
  %0 = nn.conv %x, %w strides [2, 2] pads [1, 2, 0, 3] dilations [2, 2] groups 2
       : (tensor<1x8x32x32xf32>, tensor<16x4x3x3xf32>) -> tensor<1x16x15x17xf32>
  // Depthwise: (112 + 1 + 1 - 3) / 2 + 1 = 56.
  // CHECK: "nn.conv"{{.*}} -> tensor<1x32x56x56xf32>
  %1 = nn.conv %dw_in, %dw strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       : (tensor<1x32x112x112xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32>
  // Channels last: (56 + 0 + 1 - 3) / 2 + 1 = 28.
  // CHECK: "nn.conv"{{.*}} -> tensor<1x28x28x128xf32>
  %2 = nn.conv %nhwc, %wl strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<1x56x56x64xf32>, tensor<128x3x3x64xf32>) -> tensor<1x28x28x128xf32>
  return
}

// CHECK-LABEL: sym_name = "conv_1d_3d"
// Tests 1-D and 3-D convolutions.
func.func @conv_1d_3d(%x1: tensor<1x4x100xf32>, %w1: tensor<8x4x5xf32>,
                      %x3: tensor<2x3x16x32x32xf32>, %w3: tensor<8x3x3x5x5xf32>) {
  // (100 + 2 + 0 - 5) / 3 + 1 = 33.
  // CHECK: "nn.conv"{{.*}} -> tensor<1x8x33xf32>
  %0 = nn.conv %x1, %w1 strides [3] pads [2, 0] dilations [1]
       : (tensor<1x4x100xf32>, tensor<8x4x5xf32>) -> tensor<1x8x33xf32>
  // Depth (16 + 2 - 5) / 1 + 1 = 14 (dilation 2), height and width
  // (32 + 4 - 5) / 2 + 1 = 16.
  // CHECK: "nn.conv"{{.*}} -> tensor<2x8x14x16x16xf32>
  %1 = nn.conv %x3, %w3 strides [1, 2, 2] pads [1, 2, 2, 1, 2, 2] dilations [2, 1, 1]
       : (tensor<2x3x16x32x32xf32>, tensor<8x3x3x5x5xf32>) -> tensor<2x8x14x16x16xf32>
  return
}

// CHECK-LABEL: sym_name = "conv_dynamic"
// Tests that a convolution accepts dynamic batch and spatial sizes.
func.func @conv_dynamic(%x: tensor<?x3x?x224xf32>, %w: tensor<64x3x7x7xf32>) {
  // CHECK: "nn.conv"{{.*}} -> tensor<?x64x?x112xf32>
  %0 = nn.conv %x, %w strides [2, 2] pads [3, 3, 3, 3] dilations [1, 1]
       : (tensor<?x3x?x224xf32>, tensor<64x3x7x7xf32>) -> tensor<?x64x?x112xf32>
  return
}

// CHECK-LABEL: sym_name = "conv_transpose"
// Tests transposed convolutions: stride * (in - 1) + output_padding +
// (k - 1) * dilation + 1 - pad_begin - pad_end.
func.func @conv_transpose(%x: tensor<1x8x16x16xf32>, %w: tensor<8x4x3x3xf32>,
                          %x1: tensor<1x6x10xf32>, %w1: tensor<6x2x4xf32>) {
  // 2 * 15 + 1 + 2 + 1 - 1 - 1 = 32.
  // CHECK: "nn.conv_transpose"{{.*}} -> tensor<1x4x32x32xf32>
  %0 = nn.conv_transpose %x, %w strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       output_padding [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x32x32xf32>
  // Asymmetric pads, no output_padding: rows 2 * 15 + 2 + 1 - 0 - 2 = 31,
  // columns 2 * 15 + 2 + 1 - 2 - 0 = 31.
  // CHECK: "nn.conv_transpose"{{.*}} -> tensor<1x4x31x31xf32>
  %1 = nn.conv_transpose %x, %w strides [2, 2] pads [0, 2, 2, 0] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x31x31xf32>
  // 1-D, 3 groups of 2 output channels: 3 * 9 + 2 + 3 * 2 + 1 - 1 - 2 = 33.
  // CHECK: "nn.conv_transpose"{{.*}} -> tensor<1x6x33xf32>
  %2 = nn.conv_transpose %x1, %w1 strides [3] pads [1, 2] dilations [2]
       output_padding [2] groups 3
       : (tensor<1x6x10xf32>, tensor<6x2x4xf32>) -> tensor<1x6x33xf32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "pool"
// Tests pooling output sizes, rounding down, or up with ceil_mode (where the
// last window must start inside the input or its leading padding).
func.func @pool(%x: tensor<1x64x112x112xf32>, %s: tensor<1x3x6x7xf32>,
                %d: tensor<1x2x10x?xf32>) {
  // (112 + 2 - 3) / 2 + 1 = 56.
  // CHECK: "nn.pool"{{.*}} -> tensor<1x64x56x56xf32>
  %0 = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  // With ceil_mode: ceil(111 / 2) + 1 = 57; the last window starts at 112,
  // inside input + leading padding 113.
  // CHECK: "nn.pool"{{.*}} -> tensor<1x64x57x57xf32>
  %1 = nn.pool max %x kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] ceil_mode
       : (tensor<1x64x112x112xf32>) -> tensor<1x64x57x57xf32>
  // Rows: 6 with an end pad of 1: ceil((6 + 1 - 2) / 2) + 1 = 4, but the 4th
  // window would start at 6, only in the padding, so 3. Columns: 7 without
  // padding: ceil(5 / 2) + 1 = 4.
  // CHECK: "nn.pool"{{.*}} -> tensor<1x3x3x4xf32>
  %2 = nn.pool avg %s kernel [2, 2] strides [2, 2] pads [0, 0, 1, 0] dilations [1, 1]
       ceil_mode count_include_pad
       : (tensor<1x3x6x7xf32>) -> tensor<1x3x3x4xf32>
  // The same columns without ceil_mode: 5 / 2 + 1 = 3.
  // CHECK: "nn.pool"{{.*}} -> tensor<1x3x3x3xf32>
  %3 = nn.pool avg %s kernel [2, 2] strides [2, 2] pads [0, 0, 1, 0] dilations [1, 1]
       : (tensor<1x3x6x7xf32>) -> tensor<1x3x3x3xf32>
  // Dilated window of extent 5: 10 - 5 + 1 = 6; a dynamic size stays dynamic.
  // CHECK: "nn.pool"{{.*}} -> tensor<1x2x6x?xf32>
  %4 = nn.pool max %d kernel [3, 3] strides [1, 1] pads [0, 0, 0, 0] dilations [2, 2]
       : (tensor<1x2x10x?xf32>) -> tensor<1x2x6x?xf32>
  return
}

// CHECK-LABEL: sym_name = "global_pool"
// Tests that nn.global_pool sets every spatial dimension to 1.
func.func @global_pool(%x: tensor<?x2048x7x7xf32>, %xl: tensor<1x5x5x5x32xf32>) {
  // CHECK: "nn.global_pool"{{.*}} -> tensor<?x2048x1x1xf32>
  %0 = nn.global_pool avg %x : (tensor<?x2048x7x7xf32>) -> tensor<?x2048x1x1xf32>
  // CHECK: "nn.global_pool"{{.*}} -> tensor<1x1x1x1x32xf32>
  %1 = nn.global_pool max %xl layout channels_last
       : (tensor<1x5x5x5x32xf32>) -> tensor<1x1x1x1x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "matmul"
// Tests numpy matmul shapes: batch broadcasting and 1-D promotion.
func.func @matmul(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>, %v: tensor<4xf32>,
                  %m: tensor<2x4x6xf32>, %n: tensor<2x3x4xf32>, %d: tensor<?x3x4xf32>,
                  %e: tensor<4x?xf32>) {
  // Batch dimensions (2, 1) and (5) broadcast to (2, 5).
  // CHECK: "nn.matmul"{{.*}} -> tensor<2x5x3x6xf32>
  %0 = nn.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  // A 1-D left operand loses its promoted row.
  // CHECK: "nn.matmul"{{.*}} -> tensor<2x6xf32>
  %1 = nn.matmul %v, %m : (tensor<4xf32>, tensor<2x4x6xf32>) -> tensor<2x6xf32>
  // A 1-D right operand loses its promoted column.
  // CHECK: "nn.matmul"{{.*}} -> tensor<2x3xf32>
  %2 = nn.matmul %n, %v : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  // Two vectors give a 0-D dot product.
  // CHECK: "nn.matmul"{{.*}} -> tensor<f32>
  %3 = nn.matmul %v, %v : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
  // CHECK: "nn.matmul"{{.*}} -> tensor<?x3x?xf32>
  %4 = nn.matmul %d, %e : (tensor<?x3x4xf32>, tensor<4x?xf32>) -> tensor<?x3x?xf32>
  return
}

// CHECK-LABEL: sym_name = "gemm"
// Tests that nn.gemm takes M and N from the (possibly transposed) operands.
func.func @gemm(%a: tensor<4x16xf32>, %at: tensor<16x4xf32>, %b: tensor<16x8xf32>,
                %bt: tensor<8x16xf32>, %c: tensor<4x1xf32>, %s: tensor<f32>) {
  // CHECK: "nn.gemm"{{.*}} -> tensor<4x8xf32>
  %0 = nn.gemm %a, %b : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  // CHECK: "nn.gemm"{{.*}} -> tensor<4x8xf32>
  %1 = nn.gemm %at, %b bias %c trans_a
       : (tensor<16x4xf32>, tensor<16x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  // CHECK: "nn.gemm"{{.*}} -> tensor<4x8xf32>
  %2 = nn.gemm %a, %bt bias %s trans_b
       : (tensor<4x16xf32>, tensor<8x16xf32>, tensor<f32>) -> tensor<4x8xf32>
  // CHECK: "nn.gemm"{{.*}} -> tensor<4x8xf32>
  %3 = nn.gemm %at, %bt trans_a trans_b : (tensor<16x4xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  // CHECK: "nn.gemm"{{.*}} -> tensor<16x16xf32>
  %4 = nn.gemm %at, %a : (tensor<16x4xf32>, tensor<4x16xf32>) -> tensor<16x16xf32>
  return
}


// Tests that transposing a per-channel quantized tensor moves its quantized
// dimension with the channels.
// CHECK-LABEL: sym_name = "transpose_per_axis"
// CHECK: "nn.transpose"(%{{.*}}) {{.*}} -> tensor<3x4x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01,4.000000e-01}>>
func.func @transpose_per_axis(%w: tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>) {
  %0 = nn.transpose %w permutation [1, 0] : tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  return
}


// Tests that slicing an empty dimension backwards yields nothing.
// CHECK-LABEL: sym_name = "slice_empty_backwards"
// CHECK: "nn.slice"(%{{.*}}) {{.*}} -> tensor<0xf32>
func.func @slice_empty_backwards(%x: tensor<0xf32>) {
  %0 = nn.slice %x starts [0] ends [-1] steps [-1] : tensor<0xf32>
  return
}


// Tests that concat takes a static size from any input for the other dims.
// CHECK-LABEL: sym_name = "concat_static_from_any_input"
// CHECK: "nn.concat"(%{{.*}}, %{{.*}}) {{.*}} -> tensor<4x5xf32>
func.func @concat_static_from_any_input(%a: tensor<2x?xf32>, %b: tensor<2x5xf32>) {
  %0 = nn.concat %a, %b axis 0 : tensor<2x?xf32>, tensor<2x5xf32>
  return
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: sym_name = "attention"
// Tests that nn.attention's result takes q's batch, heads and sequence and
// v's head size, in the order of its layout, with dynamic sizes kept.
func.func @attention(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x32x8xf32>,
                     %v: tensor<2x4x32x6xf32>, %qs: tensor<?x16x4x8xf16>,
                     %ks: tensor<2x?x4x8xf16>, %vs: tensor<2x?x4x5xf16>,
                     %m: tensor<1x1x1x?xf16>) {
  // CHECK: "nn.attention"{{.*}} -> tensor<2x4x16x6xf32>
  %0 = nn.attention bhsd %q, %k, %v scale 1.0
       : tensor<2x4x16x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x6xf32>
  // CHECK: "nn.attention"{{.*}} -> tensor<?x16x4x5xf16>
  %1 = nn.attention bshd %qs, %ks, %vs bias %m scale 1.0
       : tensor<?x16x4x8xf16>, tensor<2x?x4x8xf16>, tensor<2x?x4x5xf16>,
         tensor<1x1x1x?xf16>
  return
}
