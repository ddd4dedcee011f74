// RUN: kiln-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// ActivationAttr
//===----------------------------------------------------------------------===//

// Tests that an activation of unknown kind is rejected by the parser.
func.func @activation_unknown(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{unknown activation 'swish'}}
  %0 = nn.matmul %x, %w activation <swish> : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that an activation's parameter may not be given twice.
func.func @activation_clip_twice(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{activation 'clip' parameter 'min' given twice}}
  %0 = nn.matmul %x, %w activation <clip, min = 0.0, min = 1.0, max = 6.0> : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that an activation without parameters (relu) does not accept one, in the generic attribute syntax.
func.func @activation_relu_param(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{activation 'relu' has no parameter 'alpha' (it takes 0 parameter(s))}}
  %0 = nn.matmul %x, %w {activation = #nn.activation<relu, alpha = 1.0>} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that an activation with one parameter (leaky_relu) does not accept a second one.
func.func @activation_leaky_relu_beta(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{activation 'leaky_relu' has no parameter 'beta' (it takes 1 parameter(s))}}
  %0 = nn.matmul %x, %w activation <leaky_relu, alpha = 0.1, beta = 1.0> : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that hard_sigmoid needs both of its parameters.
func.func @activation_hard_sigmoid_missing_beta(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{activation 'hard_sigmoid' needs parameter 'beta'}}
  %0 = nn.matmul %x, %w activation <hard_sigmoid, alpha = 0.2> : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that the activation attribute must be an #nn.activation.
func.func @activation_wrong_attr(%x: tensor<1x4xf32>, %w: tensor<4x4xf32>) {
  // expected-error @+1 {{attribute 'activation' failed to satisfy constraint}}
  %0 = nn.matmul %x, %w {activation = 1 : i64} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

// -----

// Tests that a constant's value must be an elements attribute.
func.func @constant_not_elements() {
  // expected-error @+1 {{invalid kind of attribute specified}}
  %0 = nn.constant unit
  return
}

// -----

// Tests that a quantized constant's value must have the result's shape.
func.func @constant_quantized_shape() {
  // expected-error @+1 {{'nn.constant' op value shape does not match the result shape}}
  %0 = nn.constant dense<[1, 2]> : tensor<2xi8> as tensor<3x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that a quantized constant's value must have the storage type of the quantized result.
func.func @constant_quantized_storage() {
  // expected-error @+1 {{'nn.constant' op value element type 'i16' is not the storage type 'i8' of the quantized result}}
  %0 = nn.constant dense<[1, 2]> : tensor<2xi16> as tensor<2x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that only a quantized result type may differ from the value's type.
func.func @constant_type_mismatch() {
  // expected-error @+1 {{'nn.constant' op value type 'tensor<2xi8>' differs from the result type 'tensor<2xf32>', which only a quantized result may do}}
  %0 = nn.constant dense<[1, 2]> : tensor<2xi8> as tensor<2xf32>
  return
}

//===----------------------------------------------------------------------===//
// ConvOp: shape inference
//===----------------------------------------------------------------------===//

// -----

// Tests that a convolution input needs a spatial dimension.
func.func @conv_input_rank(%x: tensor<1x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{input must have a batch, a channel and at least one spatial dimension, got rank 2}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [] pads [] dilations [] : (tensor<1x3xf32>, tensor<4x3xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that the filter must have the input's rank.
func.func @conv_filter_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+2 {{filter rank 3 does not match input rank 4}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a convolution needs one stride per spatial dimension.
func.func @conv_strides_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected 2 strides (one per spatial dimension), got 1}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a convolution needs one dilation per spatial dimension.
func.func @conv_dilations_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected 2 dilations (one per spatial dimension), got 3}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a convolution needs a begin and an end pad per spatial dimension.
func.func @conv_pads_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{expected 4 pads (begins then ends), got 2}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that strides must be positive.
func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{strides must be positive}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 0] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that dilations must be positive.
func.func @conv_dilation_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{dilations must be positive}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [-1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that pads must be non-negative.
func.func @conv_pad_negative(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{pads must be non-negative}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, -1, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a filter with an empty spatial dimension is rejected as a kernel of size 0.
func.func @conv_kernel_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) {
  // expected-error @+2 {{kernel sizes must be positive}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32>
  return
}

// -----

// Tests that the input channels must equal the filter's channels times the groups.
func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{input has 4 channels but the filter expects 3 per group × 1 groups}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that with channels_last the channels are the last dimension of the input and of the filter.
func.func @conv_channels_last(%x: tensor<1x8x8x3xf32>, %w: tensor<4x3x3x4xf32>) {
  // expected-error @+2 {{input has 3 channels but the filter expects 4 per group × 1 groups}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last : (tensor<1x8x8x3xf32>, tensor<4x3x3x4xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

// Tests that the output channels must divide into the groups.
func.func @conv_groups_output_channels(%x: tensor<1x8x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+2 {{6 output channels are not divisible by 4 groups}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 4 : (tensor<1x8x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

// Tests that the dilated kernel must fit the padded input.
func.func @conv_window_too_big(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{window of extent 5 does not fit spatial dimension 0 of size 4 with its padding}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [2, 1] : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x2xf32>
  return
}

// -----

// Tests that groups must be positive (ODS IntPositive).
func.func @conv_groups_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{attribute 'groups' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that the declared result type must agree with the inferred one.
func.func @conv_wrong_result_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'nn.conv' op inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// Tests that a float layer's result cannot have another float type.
func.func @conv_wrong_result_float(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv' op result element type 'f16' does not match the layer's 'f32'}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf16>
  return
}

//===----------------------------------------------------------------------===//
// ConvOp: element types and epilogue
//===----------------------------------------------------------------------===//

// -----

// Tests that a convolution cannot mix a quantized input with a float filter.
func.func @conv_mixed_quantization(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv' op input and weight must both be quantized or both be float}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a convolution cannot mix a float input with a quantized filter.
func.func @conv_mixed_quantization_filter(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.conv' op input and weight must both be quantized or both be float}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a float convolution's filter has the input's element type.
func.func @conv_weight_float_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+1 {{'nn.conv' op weight element type 'f16' differs from input element type 'f32'}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a quantized convolution's input must be quantized per tensor.
func.func @conv_input_per_axis(%x: tensor<1x2x8x8x!quant.uniform<i8:f32:1, {0.1, 0.2}>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.conv' op input must be quantized per tensor}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x8x8x!quant.uniform<i8:f32:1, {0.1, 0.2}>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a quantized filter must express the input's float type.
func.func @conv_weight_expressed_type(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, %w: tensor<4x3x3x3x!quant.uniform<i8:f16, 0.1>>) {
  // expected-error @+1 {{'nn.conv' op weight and input express different float types}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, tensor<4x3x3x3x!quant.uniform<i8:f16, 0.1>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a per-axis quantized filter must be quantized along its output channels (dimension 0 for conv).
func.func @conv_weight_wrong_axis(%x: tensor<1x2x8x8x!quant.uniform<i8:f32, 0.1>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>) {
  // expected-error @+1 {{'nn.conv' op weight must be quantized per output channel (dimension 0), not along dimension 1}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x8x8x!quant.uniform<i8:f32, 0.1>>, tensor<4x2x3x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a quantized convolution's bias is float or i32-quantized, not i8-quantized.
func.func @conv_bias_i8(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, %w: tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<4x!quant.uniform<i8:f32, 0.01>>) {
  // expected-error @+1 {{'nn.conv' op bias must be 'f32' or quantized with i32 storage}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.01>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a quantized convolution's i32 bias must express the layer's float type.
func.func @conv_bias_i32_wrong_expressed(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, %w: tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<4x!quant.uniform<i32:f16, 0.01>>) {
  // expected-error @+1 {{'nn.conv' op bias must be 'f32' or quantized with i32 storage}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i32:f16, 0.01>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a float convolution's bias has the layer's float type.
func.func @conv_bias_float_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'nn.conv' op bias must be 'f32'}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a float convolution's bias cannot be quantized.
func.func @conv_bias_quantized_on_float(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4x!quant.uniform<i32:f32, 0.01>>) {
  // expected-error @+1 {{'nn.conv' op bias must be 'f32'}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4x!quant.uniform<i32:f32, 0.01>>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that the bias has one entry per output channel.
func.func @conv_bias_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nn.conv' op bias must be 1-D with one entry per output channel (4), got 'tensor<3xf32>'}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that the bias is 1-D.
func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'nn.conv' op bias must be 1-D with one entry per output channel (4), got 'tensor<1x4xf32>'}}
  %0 = nn.conv %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that the residual has the result's shape.
func.func @conv_residual_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %r: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.conv' op residual shape must match the result shape}}
  %0 = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that the residual has the layer's float type.
func.func @conv_residual_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %r: tensor<1x4x6x6xf16>) {
  // expected-error @+1 {{'nn.conv' op residual element type 'f16' does not match the layer's 'f32'}}
  %0 = nn.conv %x, %w residual %r strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4x6x6xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a float convolution cannot produce a quantized result.
func.func @conv_float_quantized_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv' op a quantized result needs a quantized operand}}
  %0 = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6x!quant.uniform<i8:f32, 0.1>>
  return
}

//===----------------------------------------------------------------------===//
// ConvTransposeOp
//===----------------------------------------------------------------------===//

// -----

// Tests that a transposed convolution's filter leads with the input channels.
func.func @conv_transpose_channels(%x: tensor<1x8x4x4xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @+2 {{input has 8 channels but the filter expects 6}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x8x4x4xf32>, tensor<6x4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a transposed convolution's input channels must divide into the groups.
func.func @conv_transpose_groups(%x: tensor<1x6x4x4xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+2 {{6 input channels are not divisible by 4 groups}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 4 : (tensor<1x6x4x4xf32>, tensor<6x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// Tests that output_padding has one entry per spatial dimension.
func.func @conv_transpose_output_padding_count(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+2 {{expected 2 output_padding entries, got 1}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] output_padding [1] : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x10x10xf32>
  return
}

// -----

// Tests that output_padding is smaller than the stride or the dilation.
func.func @conv_transpose_output_padding_large(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+2 {{output_padding must be non-negative and smaller than the stride or the dilation}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] output_padding [2, 0] : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x11x9xf32>
  return
}

// -----

// Tests that output_padding is non-negative.
func.func @conv_transpose_output_padding_negative(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+2 {{output_padding must be non-negative and smaller than the stride or the dilation}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] output_padding [0, -1] : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x9x8xf32>
  return
}

// -----

// Tests that pads cannot remove the whole output of a transposed convolution.
func.func @conv_transpose_empty_output(%x: tensor<1x8x1x4xf32>, %w: tensor<8x4x1x3xf32>) {
  // expected-error @+2 {{output spatial dimension 0 would be -1}}
  // expected-error @+1 {{'nn.conv_transpose' op failed to infer returned types}}
  %0 = nn.conv_transpose %x, %w strides [1, 1] pads [1, 0, 1, 0] dilations [1, 1] : (tensor<1x8x1x4xf32>, tensor<8x4x1x3xf32>) -> tensor<1x4x1x6xf32>
  return
}

// -----

// Tests that a transposed convolution's bias has one entry per output channel (filter dimension 1 × groups).
func.func @conv_transpose_bias_length(%x: tensor<1x8x4x4xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'nn.conv_transpose' op bias must be 1-D with one entry per output channel (4), got 'tensor<2xf32>'}}
  %0 = nn.conv_transpose %x, %w bias %b strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] groups 2 : (tensor<1x8x4x4xf32>, tensor<8x2x3x3xf32>, tensor<2xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// Tests that a per-axis filter of a transposed convolution must be quantized along dimension 1.
func.func @conv_transpose_weight_axis(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>>, %w: tensor<2x4x3x3x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) {
  // expected-error @+1 {{'nn.conv_transpose' op weight must be quantized per output channel (dimension 1), not along dimension 0}}
  %0 = nn.conv_transpose %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>>, tensor<2x4x3x3x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) -> tensor<1x4x6x6xf32>
  return
}

//===----------------------------------------------------------------------===//
// MatmulOp / GemmOp
//===----------------------------------------------------------------------===//

// -----

// Tests that matmul operands cannot be scalars.
func.func @matmul_rank0(%a: tensor<f32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operands must have rank 1 or more}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<f32>, tensor<4xf32>) -> tensor<f32>
  return
}

// -----

// Tests that matmul's contracting dimensions agree.
func.func @matmul_contracting(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{contracting dimensions differ: 3 vs 4}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that matmul's batch dimensions broadcast.
func.func @matmul_batch(%a: tensor<2x4x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+2 {{operands do not broadcast: dimension 0 is 2 in one operand and 3 in another}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x3x5xf32>) -> tensor<2x4x5xf32>
  return
}

// -----

// Tests that matmul's bias has the size of the result's last dimension.
func.func @matmul_bias_length(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %bias: tensor<3xf32>) {
  // expected-error @+1 {{'nn.matmul' op bias must be 1-D with one entry per output channel (5), got 'tensor<3xf32>'}}
  %0 = nn.matmul %a, %b bias %bias : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that a per-axis quantized matmul rhs must be quantized along its last dimension.
func.func @matmul_weight_axis(%a: tensor<2x3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>) {
  // expected-error @+1 {{'nn.matmul' op weight must be quantized per output channel (dimension 1), not along dimension 0}}
  %0 = nn.matmul %a, %b : (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>) -> tensor<2x2xf32>
  return
}

// -----

// Tests that gemm operands must be matrices.
func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{operands must be matrices}}
  // expected-error @+1 {{'nn.gemm' op failed to infer returned types}}
  %0 = nn.gemm %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that gemm's contracting dimensions agree after transposition.
func.func @gemm_contracting(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{contracting dimensions differ: 3 vs 5}}
  // expected-error @+1 {{'nn.gemm' op failed to infer returned types}}
  %0 = nn.gemm %a, %b trans_b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Tests that gemm's bias broadcasts to the result.
func.func @gemm_bias_broadcast(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %c: tensor<3xf32>) {
  // expected-error @+1 {{'nn.gemm' op bias 'tensor<3xf32>' does not broadcast to the result 'tensor<2x5xf32>'}}
  %0 = nn.gemm %a, %b bias %c : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that with trans_b a per-axis quantized gemm weight must be quantized along dimension 0.
func.func @gemm_trans_b_weight_axis(%a: tensor<2x3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<5x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>) {
  // expected-error @+1 {{'nn.gemm' op weight must be quantized per output channel (dimension 0), not along dimension 1}}
  %0 = nn.gemm %a, %b trans_b : (tensor<2x3x!quant.uniform<i8:f32, 0.1>>, tensor<5x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that gemm's residual element type matches the layer's.
func.func @gemm_residual_type(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %r: tensor<2x5xbf16>) {
  // expected-error @+1 {{'nn.gemm' op residual element type 'bf16' does not match the layer's 'f32'}}
  %0 = nn.gemm %a, %b residual %r : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<2x5xbf16>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that a gemm widens only 16-bit floats to f32: f32 operands may not
// write f64.
func.func @gemm_widen_f32(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{'nn.gemm' op result element type 'f64' does not match the layer's 'f32'}}
  %0 = nn.gemm %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x5xf64>
  return
}

// -----

// Tests that a widening gemm's residual is as wide as its result.
func.func @gemm_widen_residual(%a: tensor<2x3xf16>, %b: tensor<3x5xf16>, %r: tensor<2x5xf16>) {
  // expected-error @+1 {{'nn.gemm' op residual element type 'f16' does not match the layer's 'f32'}}
  %0 = nn.gemm %a, %b residual %r : (tensor<2x3xf16>, tensor<3x5xf16>, tensor<2x5xf16>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that a widening gemm's bias is f32, as its result (cuBLASLt adds a
// bias of the result's type): not the operands' f16.
func.func @gemm_widen_bias(%a: tensor<2x3xf16>, %b: tensor<3x5xf16>, %c: tensor<5xf16>) {
  // expected-error @+1 {{'nn.gemm' op bias must be 'f32' (a quantized bias needs a quantized layer)}}
  %0 = nn.gemm %a, %b bias %c : (tensor<2x3xf16>, tensor<3x5xf16>, tensor<5xf16>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that a quantized gemm does not widen: its float result expresses
// the operands' float type.
func.func @gemm_widen_quantized(%a: tensor<2x3x!quant.uniform<i8:f16, 0.1>>, %b: tensor<5x3x!quant.uniform<i8:f16, 0.1>>) {
  // expected-error @+1 {{'nn.gemm' op result element type 'f32' does not match the layer's 'f16'}}
  %0 = nn.gemm %a, %b trans_b : (tensor<2x3x!quant.uniform<i8:f16, 0.1>>, tensor<5x3x!quant.uniform<i8:f16, 0.1>>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that matmul does not widen (only gemm does).
func.func @matmul_widen(%a: tensor<2x3xf16>, %b: tensor<3x5xf16>) {
  // expected-error @+1 {{'nn.matmul' op result element type 'f32' does not match the layer's 'f16'}}
  %0 = nn.matmul %a, %b : (tensor<2x3xf16>, tensor<3x5xf16>) -> tensor<2x5xf32>
  return
}

// -----

// Tests that linear layers reject integer tensors (ODS).
func.func @gemm_integer(%a: tensor<2x3xi32>, %b: tensor<3x5xi32>) {
  // expected-error @+1 {{'nn.gemm' op operand #0 must be ranked tensor of floating-point or uniformly quantized values}}
  %0 = nn.gemm %a, %b : (tensor<2x3xi32>, tensor<3x5xi32>) -> tensor<2x5xi32>
  return
}

//===----------------------------------------------------------------------===//
// Normalizations and softmax
//===----------------------------------------------------------------------===//

// -----

// Tests that batch_norm needs a channel dimension.
func.func @batch_norm_rank(%x: tensor<4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{input must have rank 2 or more, got 1}}
  %0 = nn.batch_norm %x, %s, %s, %s, %s : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that batch_norm parameters have the input's element type.
func.func @batch_norm_param_type(%x: tensor<1x4x2x2xf32>, %s: tensor<4xf16>, %p: tensor<4xf32>) {
  // expected-error @+1 {{scale element type differs from the input's}}
  %0 = nn.batch_norm %x, %s, %p, %p, %p : tensor<1x4x2x2xf32>, tensor<4xf16>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that batch_norm parameters have one entry per channel.
func.func @batch_norm_param_length(%x: tensor<1x4x2x2xf32>, %p: tensor<4xf32>, %m: tensor<2xf32>) {
  // expected-error @+1 {{mean must be 1-D with one entry per channel (4)}}
  %0 = nn.batch_norm %x, %p, %p, %m, %p : tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>, tensor<4xf32>
  return
}

// -----

// Tests that batch_norm with channels_last takes the channel count from the last dimension.
func.func @batch_norm_channels_last(%x: tensor<1x2x2x4xf32>, %p: tensor<2xf32>) {
  // expected-error @+1 {{scale must be 1-D with one entry per channel (4)}}
  %0 = nn.batch_norm %x, %p, %p, %p, %p layout channels_last : tensor<1x2x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return
}

// -----

// Tests that instance_norm needs a spatial dimension.
func.func @instance_norm_rank(%x: tensor<1x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{input must have rank 3 or more, got 2}}
  %0 = nn.instance_norm %x, %s, %s : tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that instance_norm's bias is 1-D.
func.func @instance_norm_bias_rank(%x: tensor<1x4x8xf32>, %s: tensor<4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{bias must be 1-D with one entry per channel (4)}}
  %0 = nn.instance_norm %x, %s, %b : tensor<1x4x8xf32>, tensor<4xf32>, tensor<1x4xf32>
  return
}

// -----

// Tests that group_norm's channels divide into the groups.
func.func @group_norm_groups(%x: tensor<1x6x8xf32>, %s: tensor<6xf32>) {
  // expected-error @+1 {{6 channels are not divisible into 4 groups}}
  %0 = nn.group_norm %x, %s, %s groups 4 : tensor<1x6x8xf32>, tensor<6xf32>, tensor<6xf32>
  return
}

// -----

// Tests that group_norm needs a spatial dimension.
func.func @group_norm_rank(%x: tensor<1x6xf32>, %s: tensor<6xf32>) {
  // expected-error @+1 {{input must have rank 3 or more, got 2}}
  %0 = nn.group_norm %x, %s, %s groups 2 : tensor<1x6xf32>, tensor<6xf32>, tensor<6xf32>
  return
}

// -----

// Tests that group_norm's groups must be positive (ODS IntPositive; generic form, which checks the attribute before inferring).
func.func @group_norm_groups_zero(%x: tensor<1x6x8xf32>, %s: tensor<6xf32>) {
  // expected-error @+1 {{'nn.group_norm' op attribute 'groups' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = "nn.group_norm"(%x, %s, %s) <{groups = 0 : i64}> : (tensor<1x6x8xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x6x8xf32>
  return
}

// -----

// Tests that lrn needs a spatial dimension.
func.func @lrn_rank(%x: tensor<1x6xf32>) {
  // expected-error @+1 {{input must have rank 3 or more, got 2}}
  %0 = nn.lrn %x size 3 alpha 1.0e-4 beta 0.75 bias 1.0 : tensor<1x6xf32>
  return
}

// -----

// Tests that lrn's size must be positive (ODS IntPositive).
func.func @lrn_size_zero(%x: tensor<1x6x4x4xf32>) {
  // expected-error @+1 {{attribute 'size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = nn.lrn %x size 0 alpha 1.0e-4 beta 0.75 bias 1.0 : tensor<1x6x4x4xf32>
  return
}

// -----

// Tests that layer_norm's axis is within the input's rank.
func.func @layer_norm_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.layer_norm %x, %s axis 2 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

// Tests that layer_norm's axis must be non-negative (custom form: inference at parse time reports it).
func.func @layer_norm_negative_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = nn.layer_norm %x, %s axis -1 : tensor<2x8xf32>, tensor<8xf32>
  return
}

// -----

// Tests that layer_norm's scale has the input's element type.
func.func @layer_norm_scale_type(%x: tensor<2x8xf32>, %s: tensor<8xbf16>) {
  // expected-error @+1 {{scale element type differs from the input's}}
  %0 = nn.layer_norm %x, %s axis 1 : tensor<2x8xf32>, tensor<8xbf16>
  return
}

// -----

// Tests that layer_norm's bias broadcasts to the normalized dimensions.
func.func @layer_norm_bias_broadcast(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<2x8xf32>) {
  // expected-error @+1 {{bias does not broadcast to the normalized dimensions}}
  %0 = nn.layer_norm %x, %s, %b axis 1 : tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>
  return
}

// -----

// Tests that softmax's axis is within the input's rank.
func.func @softmax_axis(%x: tensor<4xf32>) {
  // expected-error @+1 {{axis 5 is out of range for rank 1}}
  %0 = nn.softmax %x axis 5 : tensor<4xf32>
  return
}

// -----

// Tests that log_softmax's axis is within the input's rank.
func.func @log_softmax_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.log_softmax %x axis 2 : tensor<2x4xf32>
  return
}

// -----

// Tests that, in the generic form, an inference failure is reported by the verifier.
func.func @softmax_generic_axis(%x: tensor<4xf32>) {
  // expected-error @+2 {{axis 5 is out of range for rank 1}}
  // expected-error @+1 {{'nn.softmax' op failed to infer returned types}}
  %0 = "nn.softmax"(%x) <{axis = 5 : i64}> : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that, in the generic form, a declared result type that disagrees with the inferred one is rejected.
func.func @softmax_generic_result(%x: tensor<4xf32>) {
  // expected-error @+2 {{'nn.softmax' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{'nn.softmax' op failed to infer returned types}}
  %0 = "nn.softmax"(%x) <{axis = 0 : i64}> : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

// Tests that softmax rejects integer tensors (ODS).
func.func @softmax_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{'nn.softmax' op operand #0 must be ranked tensor of floating-point values}}
  %0 = nn.softmax %x axis 0 : tensor<4xi32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// -----

// Tests that pooling needs a spatial dimension.
func.func @pool_rank(%x: tensor<1x4xf32>) {
  // expected-error @+2 {{input must have a batch, a channel and at least one spatial dimension, got rank 2}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool max %x kernel [] strides [] pads [] dilations [] : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that a pooling kernel has one size per spatial dimension.
func.func @pool_kernel_count(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{expected a kernel of 2 dimensions, got 1}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool max %x kernel [2] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x7x7xf32>
  return
}

// -----

// Tests that pooling kernel sizes must be positive.
func.func @pool_kernel_zero(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{kernel sizes must be positive}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool avg %x kernel [0, 2] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x9x7xf32>
  return
}

// -----

// Tests that pooling strides must be positive.
func.func @pool_stride_zero(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{strides must be positive}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool max %x kernel [2, 2] strides [0, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x7x7xf32>
  return
}

// -----

// Tests that a pooling window must fit the padded input.
func.func @pool_window_too_big(%x: tensor<1x4x2x8xf32>) {
  // expected-error @+2 {{window of extent 3 does not fit spatial dimension 0 of size 2 with its padding}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool max %x kernel [3, 3] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x4x1x6xf32>
  return
}

// -----

// Tests that pooling with channels_last checks the window against the middle dimensions.
func.func @pool_window_channels_last(%x: tensor<1x8x2x4xf32>) {
  // expected-error @+2 {{window of extent 3 does not fit spatial dimension 1 of size 2 with its padding}}
  // expected-error @+1 {{'nn.pool' op failed to infer returned types}}
  %0 = nn.pool max %x kernel [3, 3] strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1] layout channels_last : (tensor<1x8x2x4xf32>) -> tensor<1x6x1x4xf32>
  return
}

// -----

// Tests that max_pool_indices gives i64 indices.
func.func @max_pool_indices_type(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.max_pool_indices' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<1x4x4x4xi32>'}}
  %0 = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xi32>
  return
}

// -----

// Tests that max_pool_indices infers the pooled shape.
func.func @max_pool_indices_shape(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{'nn.max_pool_indices' op inferred type(s) 'tensor<1x4x4x4xi64>' are incompatible with return type(s) of operation 'tensor<1x4x3x3xi64>'}}
  // expected-error @+1 {{'nn.max_pool_indices' op failed to infer returned types}}
  %0 = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x3x3xi64>
  return
}

// -----

// Tests that max_pool_indices has no window wholly in the padding.
func.func @max_pool_indices_pads(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.max_pool_indices' op pads must be smaller than the kernel (2 in spatial dimension 1), or a window would lie wholly in the padding}}
  %0 = nn.max_pool_indices %x kernel [2, 2] strides [2, 2] pads [0, 2, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x5xi64>
  return
}

// -----

// Tests that average pooling of integers is rejected.
func.func @pool_avg_integers(%x: tensor<1x4x8x8xui8>) {
  // expected-error @+1 {{'nn.pool' op average pooling needs a float or quantized input, not 'ui8'}}
  %0 = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xui8>) -> tensor<1x4x4x4xui8>
  return
}

// -----

// Tests that pooling takes 8-bit integers only, as ONNX's MaxPool does.
func.func @pool_max_i32(%x: tensor<1x4x8x8xi32>) {
  // expected-error @+1 {{'nn.pool' op operand #0 must be ranked tensor of}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xi32>) -> tensor<1x4x4x4xi32>
  return
}

// -----

// Tests that count_include_pad is rejected on a max pool.
func.func @pool_max_count_include_pad(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.pool' op count_include_pad applies to average pooling only}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] count_include_pad : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

// Tests that max pooling of a quantized tensor keeps the quantized element type.
func.func @pool_max_dequantizes(%x: tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.pool' op max pooling keeps the input's element type}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x4x4xf32>
  return
}

// -----

// Tests that a max pool quantizes a float input only to a quantized type.
func.func @pool_max_to_integer(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.pool' op max pooling keeps the input's element type or quantizes a float one}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xi8>
  return
}

// -----

// Tests that a max pool quantizes per tensor or per channel, not along a
// pooled dimension (a scale per position would differ across the window).
func.func @pool_max_quantizes_per_row(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'nn.pool' op a max pool quantizes per tensor or per channel (dimension 1), not along dimension 2}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
  return
}

// -----

// Tests that a max pool quantizes to 8-bit values only.
func.func @pool_max_quantizes_to_i32(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'nn.pool' op a max pool quantizes to 8-bit values, not}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2x!quant.uniform<i32:f32, 0.1>>
  return
}

// -----

// Tests that an average pool requantizes to the same expressed type.
func.func @pool_avg_other_expressed_type(%x: tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.pool' op averaging requantizes to the input's expressed type, 'f32', not 'f16'}}
  %0 = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x2x4x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x2x2x2x!quant.uniform<i8:f16, 0.1>>
  return
}

// -----

// Tests that a global max pool does not quantize (only nn.pool does).
func.func @global_pool_max_quantizes(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.global_pool' op a quantized result needs a quantized operand}}
  %0 = nn.global_pool max %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that max pooling of a quantized tensor cannot change its scale.
func.func @pool_max_rescales(%x: tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.pool' op max pooling keeps the input's element type}}
  %0 = nn.pool max %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.2>>
  return
}

// -----

// Tests that an average pool of a float tensor cannot produce a quantized result.
func.func @pool_quantized_result_from_float(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'nn.pool' op a quantized result needs a quantized operand}}
  %0 = nn.pool avg %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that the pooling kind is one of the enum's keywords.
func.func @pool_unknown_kind(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [max, avg]}}
  %0 = nn.pool min %x kernel [2, 2] strides [2, 2] pads [0, 0, 0, 0] dilations [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

// Tests that global pooling needs a spatial dimension.
func.func @global_pool_rank(%x: tensor<1x4xf32>) {
  // expected-error @+2 {{input must have a batch, a channel and at least one spatial dimension, got rank 2}}
  // expected-error @+1 {{'nn.global_pool' op failed to infer returned types}}
  %0 = nn.global_pool avg %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that global pooling's declared result keeps only the batch and channel sizes.
func.func @global_pool_result(%x: tensor<1x4x7x7xf32>) {
  // expected-error @+2 {{'nn.global_pool' op inferred type(s) 'tensor<1x4x1x1xf32>' are incompatible with return type(s) of operation 'tensor<1x4xf32>'}}
  // expected-error @+1 {{'nn.global_pool' op failed to infer returned types}}
  %0 = nn.global_pool avg %x : (tensor<1x4x7x7xf32>) -> tensor<1x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Reductions, arg/top-k, cumsum
//===----------------------------------------------------------------------===//

// -----

// Tests that reduction axes are within the input's rank.
func.func @reduce_axes_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axes entry 2 is out of range for rank 2}}
  %0 = nn.reduce sum %x axes [0, 2] : tensor<2x3xf32>
  return
}

// -----

// Tests that reduction axes are non-negative.
func.func @reduce_axes_negative(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axes entry -1 is out of range for rank 2}}
  %0 = nn.reduce sum %x axes [-1] : tensor<2x3xf32>
  return
}

// -----

// Tests that reduction axes are sorted.
func.func @reduce_axes_unsorted(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = nn.reduce max %x axes [2, 0] : tensor<2x3x4xf32>
  return
}

// -----

// Tests that reduction axes are unique.
func.func @reduce_axes_duplicate(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = nn.reduce mean %x axes [1, 1] keep_dims : tensor<2x3x4xf32>
  return
}

// -----

// Tests that arg_max's axis is within the input's rank.
func.func @arg_max_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.arg_max %x axis 2 : tensor<2x3xf32>
  return
}

// -----

// Tests that arg_min's axis must be non-negative (custom form: inference at parse time reports it).
func.func @arg_min_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = nn.arg_min %x axis -1 : tensor<2x3xf32>
  return
}

// -----

// Tests that arg_min's axis must be non-negative (ODS IntNonNegative, generic form).
func.func @arg_min_negative_axis_generic(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.arg_min' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %0 = "nn.arg_min"(%x) <{axis = -1 : i64}> : (tensor<2x3xf32>) -> tensor<2xi64>
  return
}

// -----

// Tests that arg_max's declared result is i64 (generic form).
func.func @arg_max_generic_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.arg_max' op result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = "nn.arg_max"(%x) <{axis = 1 : i64}> : (tensor<2x3xf32>) -> tensor<2xi32>
  return
}

// -----

// Tests that top_k's k cannot exceed the size of its axis.
func.func @top_k_too_many(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{k = 4 exceeds the size 3 of axis 1}}
  %0, %1 = nn.top_k %x k 4 axis 1 : tensor<2x3xf32>
  return
}

// -----

// Tests that top_k's axis is within the input's rank.
func.func @top_k_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 2}}
  %0, %1 = nn.top_k %x k 1 axis 3 : tensor<2x3xf32>
  return
}

// -----

// Tests that cumsum's axis is within the input's rank.
func.func @cumsum_axis(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'nn.cumsum' op axis 2 is out of range for rank 2}}
  %0 = nn.cumsum %x axis 2 : tensor<2x5xf32>
  return
}

// -----

// Tests that cumsum's axis must be non-negative (ODS IntNonNegative).
func.func @cumsum_negative_axis(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %0 = nn.cumsum %x axis -1 : tensor<2x5xf32>
  return
}

// -----

// Tests that reductions reject quantized tensors (ODS).
func.func @reduce_quantized(%x: tensor<2x3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.reduce' op operand #0 must be ranked tensor of floating-point or integer values}}
  %0 = "nn.reduce"(%x) <{kind = 0 : i32, axes = array<i64: 0>}> : (tensor<2x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<3x!quant.uniform<i8:f32, 0.1>>
  return
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

// -----

// Tests that concat needs an input (generic form, since the custom form cannot spell none).
func.func @concat_empty() {
  // expected-error @+2 {{expected at least one input}}
  // expected-error @+1 {{'nn.concat' op failed to infer returned types}}
  %0 = "nn.concat"() <{axis = 0 : i64}> : () -> tensor<1xf32>
  return
}

// -----

// Tests that concat's axis is within the inputs' rank.
func.func @concat_axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.concat %a, %b axis 2 : tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

// Tests that a negative concat axis is rejected (custom form: inference at parse time reports it).
func.func @concat_negative_axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = nn.concat %a, %b axis -1 : tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

// Tests that concat's inputs have one element type.
func.func @concat_element_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{inputs have different element types (quantized inputs must share one scale)}}
  %0 = nn.concat %a, %b axis 0 : tensor<2x3xf32>, tensor<2x3xf16>
  return
}

// -----

// Tests that concat's quantized inputs share one scale.
func.func @concat_scales(%a: tensor<2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<2x!quant.uniform<i8:f32, 0.2>>) {
  // expected-error @+1 {{inputs have different element types (quantized inputs must share one scale)}}
  %0 = nn.concat %a, %b axis 0 : tensor<2x!quant.uniform<i8:f32, 0.1>>, tensor<2x!quant.uniform<i8:f32, 0.2>>
  return
}

// -----

// Tests that concat's inputs have one rank.
func.func @concat_ranks(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+1 {{inputs have different ranks}}
  %0 = nn.concat %a, %b axis 0 : tensor<2x3xf32>, tensor<2x3x1xf32>
  return
}

// -----

// Tests that concat's inputs agree outside the concatenation axis.
func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{inputs differ in dimension 1, which is not the concatenation axis}}
  %0 = nn.concat %a, %b axis 0 : tensor<2x3xf32>, tensor<2x4xf32>
  return
}

// -----

// Tests that split's axis is within the input's rank.
func.func @split_axis(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0, %1 = nn.split %x axis 2 sizes [2, 2] : tensor<2x4xf32>
  return
}

// -----

// Tests that split needs at least one size.
func.func @split_no_sizes(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{expected at least one size}}
  nn.split %x axis 1 sizes [] : tensor<2x4xf32>
  return
}

// -----

// Tests that split's sizes are non-negative.
func.func @split_negative_size(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{sizes must be non-negative}}
  %0, %1 = nn.split %x axis 1 sizes [6, -2] : tensor<2x4xf32>
  return
}

// -----

// Tests that split's sizes add up to the size of the axis.
func.func @split_sum(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{sizes add up to 5 but axis 1 has 4}}
  %0, %1 = nn.split %x axis 1 sizes [2, 3] : tensor<2x4xf32>
  return
}

// -----

// Tests that slice has one start per dimension.
func.func @slice_starts_count(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{expected 2 starts (one per dimension), got 1}}
  %0 = nn.slice %x starts [0] ends [4, 4] steps [1, 1] : tensor<4x4xf32>
  return
}

// -----

// Tests that slice has one end per dimension.
func.func @slice_ends_count(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{expected 2 ends (one per dimension), got 3}}
  %0 = nn.slice %x starts [0, 0] ends [4, 4, 4] steps [1, 1] : tensor<4x4xf32>
  return
}

// -----

// Tests that slice has one step per dimension.
func.func @slice_steps_count(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{expected 2 steps (one per dimension), got 0}}
  %0 = nn.slice %x starts [0, 0] ends [4, 4] steps [] : tensor<4x4xf32>
  return
}

// -----

// Tests that slice steps are non-zero.
func.func @slice_step_zero(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{steps must be non-zero}}
  %0 = nn.slice %x starts [0, 0] ends [4, 4] steps [1, 0] : tensor<4x4xf32>
  return
}

// -----

// Tests that slice bounds must be clamped to the dimension (positive step).
func.func @slice_bounds(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{bounds [0, 5) with step 1 are not normalized for dimension 1 of size 4}}
  %0 = nn.slice %x starts [0, 0] ends [4, 5] steps [1, 1] : tensor<4x4xf32>
  return
}

// -----

// Tests that slice bounds must be clamped to the dimension (negative step).
func.func @slice_bounds_negative_step(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{bounds [4, -1) with step -1 are not normalized for dimension 0 of size 4}}
  %0 = nn.slice %x starts [4, 0] ends [-1, 4] steps [-1, 1] : tensor<4x4xf32>
  return
}

// -----

// Tests that reshape keeps the element count.
func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reshape' op element count changes from 6 to 8}}
  %0 = nn.reshape %x : tensor<2x3xf32> to tensor<2x4xf32>
  return
}

// -----

// Tests that reshape keeps the element type.
func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reshape' op element type changes from 'f32' to 'f16'}}
  %0 = nn.reshape %x : tensor<2x3xf32> to tensor<6xf16>
  return
}

// -----

// Tests that flatten's axis is at most the input's rank.
func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 2}}
  %0 = nn.flatten %x axis 3 : tensor<2x3xf32>
  return
}

// -----

// Tests that transpose has one permutation entry per dimension.
func.func @transpose_count(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{expected 3 permutation entries (one per dimension), got 2}}
  %0 = nn.transpose %x permutation [1, 0] : tensor<2x3x4xf32>
  return
}

// -----

// Tests that transpose's permutation has no repeated dimension.
func.func @transpose_repeat(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{permutation is not a permutation of the dimensions}}
  %0 = nn.transpose %x permutation [0, 1, 1] : tensor<2x3x4xf32>
  return
}

// -----

// Tests that transpose's permutation stays within the rank.
func.func @transpose_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation is not a permutation of the dimensions}}
  %0 = nn.transpose %x permutation [0, 2] : tensor<2x3xf32>
  return
}

// -----

// Tests that pad has a begin and an end per dimension.
func.func @pad_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{expected 4 pads (begins then ends), got 2}}
  %0 = nn.pad %x pads [1, 1] : tensor<2x3xf32>
  return
}

// -----

// Tests that reflect padding is smaller than the dimension it mirrors.
func.func @pad_reflect(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{reflect padding of dimension 0 must be smaller than its size 2}}
  %0 = nn.pad %x pads [2, 0, 0, 0] mode reflect : tensor<2x3xf32>
  return
}

// -----

// Tests that negative padding cannot remove more than the dimension holds.
func.func @pad_negative(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{negative padding removes more than dimension 1 holds}}
  %0 = nn.pad %x pads [0, -2, 0, -2] : tensor<2x3xf32>
  return
}

// -----

// Tests that gather's axis is within the data's rank.
func.func @gather_axis(%x: tensor<4x3xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.gather %x, %i axis 2 : tensor<4x3xf32>, tensor<2xi64>
  return
}

// -----

// Tests that gather's indices are i32 or i64 (ODS).
func.func @gather_float_indices(%x: tensor<4x3xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{'nn.gather' op operand #1 must be ranked tensor of 32- or 64-bit index values}}
  %0 = nn.gather %x, %i axis 0 : tensor<4x3xf32>, tensor<2xf32>
  return
}

// -----

// Tests that gather_elements' indices have the data's rank.
func.func @gather_elements_rank(%x: tensor<4x3xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{indices must have the rank of data}}
  %0 = nn.gather_elements %x, %i axis 0 : tensor<4x3xf32>, tensor<2xi64>
  return
}

// -----

// Tests that gather_elements' axis is within the data's rank.
func.func @gather_elements_axis(%x: tensor<4x3xf32>, %i: tensor<4x2xi64>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = nn.gather_elements %x, %i axis 2 : tensor<4x3xf32>, tensor<4x2xi64>
  return
}

// -----

// Tests that resize keeps the element type.
func.func @resize_element_type(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op result element type must match the input's}}
  %0 = nn.resize %x mode nearest : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf16>
  return
}

// -----

// Tests that resize keeps the rank.
func.func @resize_rank(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op result rank must match the input's}}
  %0 = nn.resize %x mode linear : tensor<1x3x4x4xf32> to tensor<3x8x8xf32>
  return
}

// -----

// Tests that resize has one scale per dimension.
func.func @resize_scales_count(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op expected one scale per dimension}}
  %0 = nn.resize %x mode nearest scales [2.0, 2.0] : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that resize scales are positive.
func.func @resize_scales_positive(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op scales must be positive}}
  %0 = nn.resize %x mode nearest scales [1.0, 1.0, 0.0, 2.0] : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that a region of interest needs tf_crop_and_resize, the only
// transform that reads it.
func.func @resize_roi_transform(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op roi is only used by coordinate_transform tf_crop_and_resize, found half_pixel}}
  %0 = nn.resize %x mode linear roi [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0] : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that a region of interest has a start and an end per dimension.
func.func @resize_roi_count(%x: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{'nn.resize' op expected a roi start and end per dimension (8 values), found 4}}
  %0 = nn.resize %x mode linear coordinate_transform tf_crop_and_resize roi [0.0, 0.0, 1.0, 1.0] : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
  return
}

// -----

// Tests that a region of interest is finite (1.0e39 is inf in f32).
func.func @resize_roi_finite(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'nn.resize' op roi values must be finite}}
  %0 = nn.resize %x mode linear coordinate_transform tf_crop_and_resize roi [0.0, 1.0e39, 1.0, 1.0] : tensor<1x3xf32> to tensor<1x6xf32>
  return
}

// -----

// Tests that only nearest resizing runs on quantized tensors.
func.func @resize_quantized_linear(%x: tensor<1x3x4x4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.resize' op only nearest resizing runs on quantized tensors}}
  %0 = nn.resize %x mode linear : tensor<1x3x4x4x!quant.uniform<i8:f32, 0.1>> to tensor<1x3x8x8x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that expand's shape entries are non-negative.
func.func @expand_negative(%x: tensor<3x1xf32>) {
  // expected-error @+1 {{shape entries must be non-negative}}
  %0 = nn.expand %x shape [-1, 4] : tensor<3x1xf32>
  return
}

// -----

// Tests that expand's shape must broadcast with the input's.
func.func @expand_broadcast(%x: tensor<3x1xf32>) {
  // expected-error @+1 {{operands do not broadcast: dimension 0 is 3 in one operand and 4 in another}}
  %0 = nn.expand %x shape [4, 2] : tensor<3x1xf32>
  return
}

// -----

// Tests that tile has one repeat per dimension.
func.func @tile_count(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{expected 2 repeats (one per dimension), got 1}}
  %0 = nn.tile %x repeats [2] : tensor<3x4xf32>
  return
}

// -----

// Tests that tile's repeats are non-negative.
func.func @tile_negative(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{repeats must be non-negative}}
  %0 = nn.tile %x repeats [1, -2] : tensor<3x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

// -----

// Tests that binary operands must broadcast.
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{operands do not broadcast: dimension 0 is 2 in one operand and 4 in another}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Tests that binary operands have one element type.
func.func @add_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+2 {{operands have different element types}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

// Tests that a quantized and a float operand cannot be added.
func.func @add_mixed_quantized(%a: tensor<3x!quant.uniform<i8:f32, 0.1>>, %b: tensor<3xf32>) {
  // expected-error @+2 {{operands have different element types}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %a, %b : (tensor<3x!quant.uniform<i8:f32, 0.1>>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// Tests that a binary op's declared result must agree with the broadcast shape (generic form).
func.func @mul_generic_result(%a: tensor<2x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'nn.mul' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x1xf32>'}}
  // expected-error @+1 {{'nn.mul' op failed to infer returned types}}
  %0 = "nn.mul"(%a, %b) : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return
}

// -----

// Tests that a comparison's result is a tensor of i1.
func.func @equal_result_type(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nn.equal' op result #0 must be ranked tensor of boolean values}}
  %0 = nn.equal %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

// Tests that sub rejects quantized operands (only add accepts them, ODS).
func.func @sub_quantized(%a: tensor<3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.sub' op operand #0 must be ranked tensor of floating-point or integer values}}
  %0 = nn.sub %a, %a : (tensor<3x!quant.uniform<i8:f32, 0.1>>, tensor<3x!quant.uniform<i8:f32, 0.1>>) -> tensor<3xf32>
  return
}

// -----

// Tests that float-only unary ops reject integer tensors (ODS).
func.func @exp_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{'nn.exp' op operand #0 must be ranked tensor of floating-point values}}
  %0 = nn.exp %x : tensor<4xi32>
  return
}

// -----

// Tests that activations reject integer tensors (ODS).
func.func @relu_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{'nn.relu' op operand #0 must be ranked tensor of floating-point values}}
  %0 = nn.relu %x : tensor<4xi8>
  return
}

// -----

// Tests that a unary op's result type equals its operand's (generic form).
func.func @tanh_generic_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.tanh' op requires the same type for all operands and results}}
  %0 = "nn.tanh"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

// Tests that logic ops take boolean tensors (ODS).
func.func @and_float(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'nn.and' op operand #0 must be ranked tensor of boolean values}}
  %0 = nn.and %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

// Tests that logic ops reject wider integers than i1 (ODS).
func.func @or_integer(%a: tensor<4xi1>, %b: tensor<4xi8>) {
  // expected-error @+1 {{'nn.or' op operand #1 must be ranked tensor of boolean values}}
  %0 = nn.or %a, %b : (tensor<4xi1>, tensor<4xi8>) -> tensor<4xi1>
  return
}

// -----

// Tests that not takes a boolean tensor (ODS).
func.func @not_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{'nn.not' op operand #0 must be ranked tensor of boolean values}}
  %0 = nn.not %x : tensor<4xi32>
  return
}

// -----

// Tests that ops reject unranked tensors (ODS, generic form).
func.func @abs_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{'nn.abs' op operand #0 must be ranked tensor of floating-point or integer values}}
  %0 = "nn.abs"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that clip's min does not exceed its max.
func.func @clip_min_max(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.clip' op min 6.000000e+00 exceeds max 0.000000e+00}}
  %0 = nn.clip %x min 6.0 max 0.0 : tensor<4xf32>
  return
}

// -----

// Tests that mod of floats needs fmod semantics.
func.func @mod_float(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'nn.mod' op floating-point operands need fmod semantics}}
  %0 = nn.mod %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that where's x and y have one element type.
func.func @where_element_types(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf16>) {
  // expected-error @+1 {{operands have different element types}}
  %0 = nn.where %c, %x, %y : tensor<4xi1>, tensor<4xf32>, tensor<4xf16>
  return
}

// -----

// Tests that where's quantized x and y must share one quantized type.
func.func @where_quantized_scales(%c: tensor<4xi1>, %x: tensor<4x!quant.uniform<i8:f32, 0.1>>, %y: tensor<4x!quant.uniform<i8:f32, 0.2>>) {
  // expected-error @+1 {{x and y have different element types}}
  %0 = nn.where %c, %x, %y : tensor<4xi1>, tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.2>>
  return
}

// -----

// Tests that where's condition broadcasts with x and y.
func.func @where_condition_broadcast(%c: tensor<3xi1>, %x: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{operands do not broadcast: dimension 0 is 3 in one operand and 4 in another}}
  %0 = nn.where %c, %x, %y : tensor<3xi1>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that where's condition is boolean (ODS).
func.func @where_condition_type(%c: tensor<4xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.where' op operand #0 must be ranked tensor of boolean values}}
  %0 = nn.where %c, %x, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that cast keeps the shape (SameOperandsAndResultShape).
func.func @cast_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.cast' op requires the same shape for all operands and results}}
  %0 = nn.cast %x : tensor<4xf32> to tensor<2x2xf16>
  return
}

//===----------------------------------------------------------------------===//
// Quantize / dequantize
//===----------------------------------------------------------------------===//

// -----

// Tests that a quantized type must express the input's float type.
func.func @quantize_expressed(%x: tensor<4xf16>) {
  // expected-error @+1 {{'nn.quantize' op quantized type expresses 'f32', not 'f16'}}
  %0 = nn.quantize %x : tensor<4xf16> to tensor<4x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// Tests that quantized storage is 8 bits (or 32).
func.func @quantize_storage_width(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.quantize' op result #0 storage type must be 8 bits (or 32 for biases)}}
  %0 = nn.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i16:f32, 0.1>>
  return
}

// -----

// Tests that a per-axis quantized type has one scale per channel.
func.func @quantize_scale_count(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{'nn.quantize' op result #0 dimension 0 has 3 channels but its type has 2 scales}}
  %0 = nn.quantize %x : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// -----

// Tests that a per-axis quantized dimension is within the tensor's rank.
func.func @quantize_axis_range(%x: tensor<2xf32>) {
  // expected-error @+1 {{'nn.quantize' op result #0 quantized dimension 1 is out of range for rank 1}}
  %0 = nn.quantize %x : tensor<2xf32> to tensor<2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return
}

// -----

// Tests that quantize's result is quantized (ODS).
func.func @quantize_float_result(%x: tensor<2xf32>) {
  // expected-error @+1 {{'nn.quantize' op result #0 must be ranked tensor of uniformly quantized values}}
  %0 = nn.quantize %x : tensor<2xf32> to tensor<2xi8>
  return
}

// -----

// Tests that dequantize's input is quantized (ODS).
func.func @dequantize_float(%x: tensor<2xf32>) {
  // expected-error @+1 {{'nn.dequantize' op operand #0 must be ranked tensor of uniformly quantized values}}
  %0 = nn.dequantize %x : tensor<2xf32>
  return
}

// -----

// Tests that a per-channel quantized tensor cannot be sliced along its
// quantized dimension (its scales would no longer fit).
func.func @slice_per_axis_dimension(%w: tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>) {
  // expected-error @+1 {{'nn.slice' op result #0 dimension 0 has 2 channels but its type has 4 scales}}
  %0 = nn.slice %w starts [0, 0] ends [2, 3] steps [1, 1] : tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>>
  return
}

// -----

// Tests that a per-channel quantized constant has one scale per channel.
func.func @constant_per_axis_scales() {
  // expected-error @+1 {{'nn.constant' op result #0 dimension 0 has 2 channels but its type has 3 scales}}
  %0 = nn.constant dense<[1, 2]> : tensor<2xi8> as tensor<2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>
  return
}

// -----

// Tests that a float add cannot declare a quantized result.
func.func @add_float_quantized_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.add' op a quantized result needs a quantized operand}}
  %0 = nn.add %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.3>>
  return
}

// -----

// Tests that global pooling follows the pooling type rules: max keeps the type.
func.func @global_max_pool_dequantizes(%x: tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'nn.global_pool' op max pooling keeps the input's element type}}
  %0 = nn.global_pool max %x : (tensor<1x4x8x8x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x1x1xf32>
  return
}

// -----

// Tests that the prelu slope broadcasts to the input one way only.
func.func @prelu_two_way_broadcast(%x: tensor<8x1x16xf32>, %s: tensor<4x1xf32>) {
  // expected-error @+2 {{slope does not broadcast to the input's shape}}
  // expected-error @+1 {{'nn.prelu' op failed to infer returned types}}
  %0 = nn.prelu %x, %s : (tensor<8x1x16xf32>, tensor<4x1xf32>) -> tensor<8x4x16xf32>
  return
}

// -----

// Tests that a reduction names its axes (ONNX's reduce-all is expanded by the importer).
func.func @reduce_empty_axes(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axes must not be empty}}
  %0 = nn.reduce sum %x axes [] : tensor<2x3xf32>
  return
}

// -----

// Tests that a pooling window can never lie wholly in the padding.
func.func @pool_pads_as_large_as_kernel(%x: tensor<1x1x4x4xf32>) {
  // expected-error @+1 {{'nn.pool' op pads must be smaller than the kernel (2 in spatial dimension 0), or a window would lie wholly in the padding}}
  %0 = nn.pool avg %x kernel [2, 2] strides [1, 1] pads [2, 0, 0, 0] dilations [1, 1] : (tensor<1x1x4x4xf32>) -> tensor<1x1x5x3xf32>
  return
}

// -----

// Tests that a clip has at least one bound.
func.func @clip_without_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{'nn.clip' op needs a min, a max or both}}
  %0 = nn.clip %x : tensor<4xf32>
  return
}

// -----

// Tests that booleans are not integers for arithmetic.
func.func @add_booleans(%x: tensor<4xi1>) {
  // expected-error @+1 {{'nn.add' op operand #0 must be ranked tensor of}}
  %0 = nn.add %x, %x : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return
}

// -----

// Tests that groups 0 is an error, not a crash, in the custom form of group_norm.
func.func @group_norm_zero_groups(%x: tensor<1x6x8xf32>, %s: tensor<6xf32>) {
  // expected-error @+1 {{groups must be positive}}
  %0 = nn.group_norm %x, %s, %s groups 0 : tensor<1x6x8xf32>, tensor<6xf32>, tensor<6xf32>
  return
}

// -----

// Tests that a scalar matmul operand is an error, not a crash.
func.func @matmul_scalar_rhs(%a: tensor<4xf32>, %b: tensor<f32>) {
  // expected-error @+2 {{operands must have rank 1 or more}}
  // expected-error @+1 {{'nn.matmul' op failed to infer returned types}}
  %0 = nn.matmul %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

// Tests that a rank-0 conv filter is an error, not a crash.
func.func @conv_scalar_filter(%x: tensor<1x4xf32>, %w: tensor<f32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{input must have a batch, a channel and at least one spatial dimension, got rank 2}}
  // expected-error @+1 {{'nn.conv' op failed to infer returned types}}
  %0 = nn.conv %x, %w bias %b strides [] pads [] dilations [] : (tensor<1x4xf32>, tensor<f32>, tensor<4xf32>) -> tensor<1x4xf32>
  return
}

// -----

// Tests that a matmul bias with a vector rhs matches the result's last dimension.
func.func @matmul_vector_rhs_bias(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %bias: tensor<3xf32>) {
  // expected-error @+1 {{'nn.matmul' op bias must be 1-D with one entry per output channel (2), got 'tensor<3xf32>'}}
  %0 = nn.matmul %a, %b bias %bias : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2xf32>
  return
}

// -----

// Tests that an in-place concat's inputs are each computed for it alone.
func.func @concat_in_place_shared_input(%x: tensor<2xf32>) -> (tensor<4xf32>, tensor<2xf32>) {
  %a = nn.relu %x : tensor<2xf32>
  %b = nn.exp %x : tensor<2xf32>
  // expected-error @+1 {{'nn.concat' op in_place input #0 cannot be written in place: it has other users}}
  %c = nn.concat %a, %b axis 0 in_place : tensor<2xf32>, tensor<2xf32>
  return %c, %a : tensor<4xf32>, tensor<2xf32>
}

// -----

// Tests that an in-place concat cannot write into a function argument.
func.func @concat_in_place_argument(%x: tensor<2xf32>) -> tensor<4xf32> {
  %a = nn.relu %x : tensor<2xf32>
  // expected-error @+1 {{'nn.concat' op in_place input #1 cannot be written in place: it is a function argument}}
  %c = nn.concat %a, %x axis 0 in_place : tensor<2xf32>, tensor<2xf32>
  return %c : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

// -----

// Tests that attention's operands have rank 4.
func.func @attention_rank(%q: tensor<4x16x8xf32>, %k: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{q must have rank 4 (B × H × S × D), got rank 3}}
  %0 = nn.attention bhsd %q, %k, %k scale 1.0 : tensor<4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that attention's operands have one element type.
func.func @attention_element_type(%q: tensor<2x4x16x8xf16>, %k: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{k element type differs from q's}}
  %0 = nn.attention bhsd %q, %k, %k scale 1.0 : tensor<2x4x16x8xf16>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that attention is a float op.
func.func @attention_integer(%q: tensor<2x4x16x8xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = "nn.attention"(%q, %q, %q) {scale = 1.0 : f32, layout = 0 : i32} : (tensor<2x4x16x8xi8>, tensor<2x4x16x8xi8>, tensor<2x4x16x8xi8>) -> tensor<2x4x16x8xi8>
  return
}

// -----

// Tests that q, k and v have one batch size.
func.func @attention_batch(%q: tensor<2x4x16x8xf32>, %k: tensor<3x4x16x8xf32>) {
  // expected-error @+1 {{q, k and v must have the same batch size, got 2, 3 and 3}}
  %0 = nn.attention bhsd %q, %k, %k scale 1.0 : tensor<2x4x16x8xf32>, tensor<3x4x16x8xf32>, tensor<3x4x16x8xf32>
  return
}

// -----

// Tests that q, k and v have one number of heads, read at dimension 2 in bshd.
func.func @attention_heads_bshd(%q: tensor<2x16x4x8xf32>, %k: tensor<2x16x2x8xf32>) {
  // expected-error @+1 {{q, k and v must have the same number of heads, got 4, 2 and 4}}
  %0 = nn.attention bshd %q, %k, %q scale 1.0 : tensor<2x16x4x8xf32>, tensor<2x16x2x8xf32>, tensor<2x16x4x8xf32>
  return
}

// -----

// Tests that q and k have one head size.
func.func @attention_head_size(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x16x6xf32>) {
  // expected-error @+1 {{q and k must have the same head size, got 8 and 6}}
  %0 = nn.attention bhsd %q, %k, %q scale 1.0 : tensor<2x4x16x8xf32>, tensor<2x4x16x6xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that k and v have one sequence length.
func.func @attention_kv_sequence(%q: tensor<2x4x16x8xf32>, %k: tensor<2x4x32x8xf32>, %v: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{k and v must have the same sequence length, got 32 and 16}}
  %0 = nn.attention bhsd %q, %k, %v scale 1.0 : tensor<2x4x16x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that the bias broadcasts to the scores in the bhsd order, also in layout bshd.
func.func @attention_bias_shape(%q: tensor<2x16x4x8xf32>, %k: tensor<2x32x4x8xf32>, %m: tensor<2x1x32x16xf32>) {
  // expected-error @+1 {{bias must have rank 4 and broadcast to the scores (B × H × Sq × Skv = 2x4x16x32), got 2x1x32x16}}
  %0 = nn.attention bshd %q, %k, %k bias %m scale 1.0 : tensor<2x16x4x8xf32>, tensor<2x32x4x8xf32>, tensor<2x32x4x8xf32>, tensor<2x1x32x16xf32>
  return
}

// -----

// Tests that the bias has rank 4.
func.func @attention_bias_rank(%q: tensor<2x4x16x8xf32>, %m: tensor<16x16xf32>) {
  // expected-error @+1 {{bias must have rank 4 and broadcast to the scores (B × H × Sq × Skv = 2x4x16x16), got 16x16}}
  %0 = nn.attention bhsd %q, %q, %q bias %m scale 1.0 : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<16x16xf32>
  return
}

// -----

// Tests that the bias has the operands' element type.
func.func @attention_bias_type(%q: tensor<2x4x16x8xf16>, %m: tensor<2x1x16x16xf32>) {
  // expected-error @+1 {{bias element type differs from q's}}
  %0 = nn.attention bhsd %q, %q, %q bias %m scale 1.0 : tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<2x1x16x16xf32>
  return
}

// -----

// Tests that the scale is finite and non-zero.
func.func @attention_scale(%q: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{'nn.attention' op scale must be finite and non-zero, got 0}}
  %0 = nn.attention bhsd %q, %q, %q scale 0.0 : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that the layout is bhsd or bshd.
func.func @attention_layout(%q: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'layout' [bhsd, bshd]}}
  %0 = nn.attention bsdh %q, %q, %q scale 1.0 : tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>
  return
}

// -----

// Tests that a declared result type must be the inferred one.
func.func @attention_result(%q: tensor<2x4x16x8xf32>) {
  // expected-error @+2 {{'nn.attention' op inferred type(s) 'tensor<2x4x16x8xf32>' are incompatible with return type(s) of operation 'tensor<2x16x4x8xf32>'}}
  // expected-error @+1 {{'nn.attention' op failed to infer returned types}}
  %0 = "nn.attention"(%q, %q, %q) {scale = 1.0 : f32, layout = 0 : i32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x16x4x8xf32>
  return
}
