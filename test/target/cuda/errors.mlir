// RUN: kiln-opt %s -split-input-file -kiln-test-emit-cuda -verify-diagnostics -o /dev/null

// Tests that a layer cuDNN runs is refused, naming the op and why.
func.func @conv_transpose(%x: tensor<1x8x6x6xf32>, %w: tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error @below {{'nn.conv_transpose' runs in cuDNN or cuBLASLt, not in a generated kernel}}
  %y = nn.conv_transpose %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x6x6xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

// -----

// Tests that a quantized convolution is refused: it stays with cuDNN.
func.func @quantized_conv(%x: tensor<1x8x8x8x!quant.uniform<i8:f32, 0.05:-3>>,
                          %w: tensor<8x8x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x8x6x6xf32> {
  // expected-error @below {{'nn.conv' is quantized and not depthwise channels-last: quantized convolutions run in cuDNN, not in a generated kernel (but for Kiln's INT8 depthwise kernel)}}
  %y = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x8x8x!quant.uniform<i8:f32, 0.05:-3>>, tensor<8x8x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// Tests that a group may hold one non-pointwise op, not two.
func.func @two_layers(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'nn.softmax' must be alone in its group: a group holds one op, a chain of pointwise ops, or a pad, transpose, softmax or normalization with a float cast}}
  %s = nn.softmax %x axis 1 : tensor<4x16xf32>
  %t = nn.log_softmax %s axis 1 : tensor<4x16xf32>
  return %t : tensor<4x16xf32>
}

// -----

// Tests that dynamic shapes are refused: kernels bake shapes in.
func.func @dynamic(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // expected-error @below {{'nn.relu' has a tensor that has a dynamic shape}}
  %r = nn.relu %x : tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

// Tests that a layout must give one stride per dimension.
func.func @bad_layout(%x: tensor<4x16xf32> {kiln.strides = array<i64: 16>}) -> tensor<4x16xf32> {
  // expected-error @below {{the layout of group input #0 has 1 strides for a tensor of rank 2}}
  return %x : tensor<4x16xf32>
}

// -----

// Tests that the ops of a chain must produce the group's shape or broadcast
// to it.
func.func @outputs_differ(%x: tensor<4x16xf32>, %y: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<16xf32>) {
  %r = nn.relu %x : tensor<4x16xf32>
  %s = nn.relu %y : tensor<16xf32>
  // expected-error @below {{the outputs of a pointwise group must have one shape, got 'tensor<16xf32>' and 'tensor<4x16xf32>'}}
  return %r, %s : tensor<4x16xf32>, tensor<16xf32>
}

// -----

// Tests that MaxPool's indices, which no kernel generator computes, are
// refused by name rather than emitted wrong.
func.func @max_pool_indices(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xi64> {
  // expected-error @below {{'nn.max_pool_indices' has no kernel generator}}
  %i = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xi64>
  return %i : tensor<1x2x2x2xi64>
}
