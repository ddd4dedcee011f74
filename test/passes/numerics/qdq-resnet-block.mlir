// Tests that the Q/DQ passes and the whole graph pipeline turn a
// fake-quantized (Q/DQ) ResNet basic block into INT8 layers that compute
// what the Q/DQ graph computes, to within one quantization step of the
// output (0.05) on every element (reference interpreter, random inputs).
// RUN: kiln-check-numerics %s --atol 0.0500001 --rtol 1 --trials 4 --pass-pipeline='builtin.module(kiln-propagate-qdq,func.func(kiln-fuse-layers,kiln-fuse-qdq))' | FileCheck %s
// RUN: kiln-check-numerics %s --atol 0.0500001 --rtol 1 --trials 4 --pass-pipeline='builtin.module(kiln-graph-pipeline{channels-last=false})' | FileCheck %s
// RUN: kiln-check-numerics %s --atol 0.0500001 --rtol 1 --pass-pipeline='builtin.module(kiln-graph-pipeline{channels-last=false})' --print-transformed | FileCheck %s --check-prefix=IR
// CHECK: @qdq_resnet_block: 1 result(s) agree
// The only Q/DQ left are at the network input and output.
// IR-LABEL: func.func @qdq_resnet_block
// IR-COUNT-1: nn.quantize
// IR-NOT: nn.quantize
// IR: nn.dequantize
// IR-NOT: nn.dequantize
// IR: return
!a = !quant.uniform<i8:f32, 0.05>
!h = !quant.uniform<i8:f32, 0.04>
!o = !quant.uniform<i8:f32, 0.05>
!w1 = !quant.uniform<i8:f32:0, {0.0048, 0.0030, 0.0035, 0.0027}>
!w2 = !quant.uniform<i8:f32:0, {0.0051, 0.0041, 0.0051, 0.0033}>
func.func @qdq_resnet_block(%x: tensor<2x4x6x6xf32>) -> tensor<2x4x3x3xf32> {
  %g = nn.constant dense<[1.2, 0.8, 1.0, 0.9]> : tensor<4xf32>
  %be = nn.constant dense<[0.1, -0.2, 0.0, 0.3]> : tensor<4xf32>
  %mu = nn.constant dense<[0.05, -0.1, 0.2, 0.0]> : tensor<4xf32>
  %var = nn.constant dense<[0.9, 1.1, 1.3, 0.7]> : tensor<4xf32>
  %q0 = nn.quantize %x : tensor<2x4x6x6xf32> to tensor<2x4x6x6x!a>
  %d0 = nn.dequantize %q0 : tensor<2x4x6x6x!a>
  %cw1 = nn.constant dense<[[[[-45, 115, -89], [-127, 39, -115], [-109, 83, 10]], [[-103, -34, 22], [-113, 105, 2], [-73, -118, -105]], [[-16, -20, -110], [-66, -104, 14], [-19, -112, 84]], [[17, -96, 115], [-70, 34, 33], [22, 115, -112]]], [[[122, -71, -116], [15, 92, -93], [-53, -20, -91]], [[11, -97, 19], [-49, 16, 81], [47, -81, -101]], [[21, 19, 36], [-79, -32, -103], [13, 55, -111]], [[17, -112, -127], [-75, 0, 47], [9, -18, 71]]], [[[22, 109, -11], [-35, -51, -64], [76, -81, 51]], [[72, -65, -107], [20, -51, 7], [-1, 97, -40]], [[59, -13, -54], [28, 123, -109], [-97, 4, -20]], [[-85, 66, -40], [-89, 111, -2], [-20, -117, 127]]], [[[19, -127, 97], [82, -47, -40], [50, -38, 25]], [[0, 21, 77], [-11, -110, 88], [-104, 114, -58]], [[-6, 51, 43], [-111, -112, 60], [52, -48, 38]], [[20, 127, 47], [83, -13, -55], [56, -29, 100]]]]> : tensor<4x4x3x3xi8> as tensor<4x4x3x3x!w1>
  %dw1 = nn.dequantize %cw1 : tensor<4x4x3x3x!w1>
  %c1 = nn.conv %d0, %dw1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<2x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<2x4x6x6xf32>
  %bn = nn.batch_norm %c1, %g, %be, %mu, %var
       : tensor<2x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  %r1 = nn.relu %bn : tensor<2x4x6x6xf32>
  %q1 = nn.quantize %r1 : tensor<2x4x6x6xf32> to tensor<2x4x6x6x!h>
  %d1 = nn.dequantize %q1 : tensor<2x4x6x6x!h>
  %cw2 = nn.constant dense<[[[[113, -9, -37], [-84, 29, -98], [-1, -112, -72]], [[69, -54, -94], [62, -64, -127], [-27, 107, 96]], [[0, -107, -85], [-13, -25, 13], [-56, 99, -92]], [[82, -17, 94], [13, -56, 53], [-21, 125, -36]]], [[[-89, -106, -82], [-89, -68, 41], [-68, -124, -3]], [[85, 23, -81], [-60, -55, -126], [-90, -20, 9]], [[-33, 29, 17], [-46, 116, -95], [49, -127, 4]], [[116, 31, 40], [46, 62, -114], [-11, 103, 95]]], [[[-25, -27, -101], [-4, 35, -25], [-112, -79, -110]], [[125, -74, -15], [-86, -99, -40], [26, -114, -101]], [[-127, 18, -89], [10, -102, -127], [-34, 30, -121]], [[-109, 96, -74], [30, -31, -89], [35, -63, 117]]], [[[-6, -96, -98], [90, -3, -127], [123, -8, -5]], [[-4, -48, -106], [-91, -101, 64], [-40, 62, -60]], [[-5, 85, 50], [-86, 5, -122], [-75, 116, 116]], [[8, -35, -90], [49, 12, 107], [-121, 67, 8]]]]> : tensor<4x4x3x3xi8> as tensor<4x4x3x3x!w2>
  %dw2 = nn.dequantize %cw2 : tensor<4x4x3x3x!w2>
  %c2 = nn.conv %d1, %dw2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<2x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<2x4x6x6xf32>
  %sum = nn.add %c2, %d0 : (tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>) -> tensor<2x4x6x6xf32>
  %r2 = nn.relu %sum : tensor<2x4x6x6xf32>
  %mp = nn.pool max %r2 kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<2x4x6x6xf32>) -> tensor<2x4x3x3xf32>
  %q2 = nn.quantize %mp : tensor<2x4x3x3xf32> to tensor<2x4x3x3x!o>
  %d2 = nn.dequantize %q2 : tensor<2x4x3x3x!o>
  return %d2 : tensor<2x4x3x3xf32>
}
