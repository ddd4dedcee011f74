// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s

// Tests that identity shuffles fold to their input.
// CHECK-LABEL: func.func @identity_shuffles
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identity_shuffles(%x: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
        tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = nn.reshape %x : tensor<2x3xf32> to tensor<2x3xf32>
  %1 = nn.transpose %x permutation [0, 1] : tensor<2x3xf32>
  %2 = nn.slice %x starts [0, 0] ends [2, 3] steps [1, 1] : tensor<2x3xf32>
  %3 = nn.pad %x pads [0, 0, 0, 0] : tensor<2x3xf32>
  %4 = nn.expand %x shape [1, 1] : tensor<2x3xf32>
  %5 = nn.tile %x repeats [1, 1] : tensor<2x3xf32>
  %6 = nn.cast %x : tensor<2x3xf32> to tensor<2x3xf32>
  %7 = nn.concat %x axis 0 : tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
      tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Tests that shuffles which move elements do not fold: a real transpose, a
// reversing slice (same shape, step -1), a pad that crops and grows, and a
// reshape that changes the shape.
// CHECK-LABEL: func.func @moving_shuffles
// CHECK: nn.transpose
// CHECK: nn.slice
// CHECK: nn.pad
// CHECK: nn.reshape
func.func @moving_shuffles(%x: tensor<3x3xf32>)
    -> (tensor<3x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>, tensor<9xf32>) {
  %0 = nn.transpose %x permutation [1, 0] : tensor<3x3xf32>
  %1 = nn.slice %x starts [2, 0] ends [-1, 3] steps [-1, 1] : tensor<3x3xf32>
  %2 = nn.pad %x pads [1, 0, -1, 0] : tensor<3x3xf32>
  %3 = nn.reshape %x : tensor<3x3xf32> to tensor<9xf32>
  return %0, %1, %2, %3 : tensor<3x3xf32>, tensor<3x3xf32>, tensor<3x3xf32>, tensor<9xf32>
}

// -----

// Tests that a chain of reshapes collapses into one.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<1x2048x1x1xf32>)
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[X]] : tensor<1x2048x1x1xf32> to tensor<2048xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<1x2048x1x1xf32>) -> tensor<2048xf32> {
  %0 = nn.reshape %x : tensor<1x2048x1x1xf32> to tensor<1x2048xf32>
  %1 = nn.reshape %0 : tensor<1x2048xf32> to tensor<2048xf32>
  return %1 : tensor<2048xf32>
}

// -----

// Tests that reshaping a dense constant folds into a new constant.
// CHECK-LABEL: func.func @reshape_constant
// CHECK-NEXT: %[[C:.*]] = nn.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<2x2xf32> {
  %c = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %r = nn.reshape %c : tensor<4xf32> to tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// Tests that a cast between element types is kept (it changes values).
// CHECK-LABEL: func.func @real_cast
// CHECK: nn.cast
func.func @real_cast(%x: tensor<4xf32>) -> tensor<4xf16> {
  %0 = nn.cast %x : tensor<4xf32> to tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Tests that equal constants are uniqued and unused ones removed.
// CHECK-LABEL: func.func @constants
// CHECK-NEXT: %[[C:.*]] = nn.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[C]], %[[C]]
func.func @constants() -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = nn.constant dense<1.0> : tensor<4xf32>
  %1 = nn.constant dense<1.0> : tensor<4xf32>
  %2 = nn.constant dense<2.0> : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a reshape of a quantized constant does not fold: the constant's
// attribute holds storage integers, which cannot take the quantized type.
!w = !quant.uniform<i8:f32, 0.5>
// CHECK-LABEL: func.func @quantized_constant_reshape
// CHECK: %[[C:.*]] = nn.constant dense<[1, 2]> : tensor<2xi8> as tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK-NEXT: %[[R:.*]] = nn.reshape %[[C]]
// CHECK-NEXT: return %[[R]]
func.func @quantized_constant_reshape() -> tensor<1x2x!w> {
  %c = nn.constant dense<[1, 2]> : tensor<2xi8> as tensor<2x!w>
  %r = nn.reshape %c : tensor<2x!w> to tensor<1x2x!w>
  return %r : tensor<1x2x!w>
}
