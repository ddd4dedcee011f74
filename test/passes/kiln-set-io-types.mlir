// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=fp16 output-type=fp16" | FileCheck %s --check-prefix=FP16
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=bf16" | FileCheck %s --check-prefix=BF16-IN
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types | FileCheck %s --check-prefix=NONE
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=fp16 output-type=fp16" -kiln-assign-precision=precision=fp16 | FileCheck %s --check-prefix=HALF
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=fp16" -kiln-assign-precision=precision=fp32 | FileCheck %s --check-prefix=FLOAT
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=fp16 output-type=fp16" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: not kiln-opt %s -split-input-file -kiln-set-io-types="input-type=int8" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: kiln-opt %s -split-input-file -kiln-set-io-types="input-type=fp16 output-type=fp16" -mlir-pass-statistics -mlir-pass-statistics-display=list -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// STATS: SetIOTypesPass
// STATS-NEXT: (S) 1 inputs - Float32 inputs given another type
// STATS-NEXT: (S) 1 outputs - Float32 outputs given another type

// BAD: error: kiln-set-io-types: input-type expects fp32, fp16 or bf16, got 'int8'

// Tests a conv and a relu: the float32 input and output become FP16, widened
// where read and narrowed where returned; the integer input and output stay.
// FP16-LABEL: func.func @conv
// FP16-SAME: (%[[X:.*]]: tensor<1x8x4x4xf16>, %[[I:.*]]: tensor<2xi64>) -> (tensor<1x8x4x4xf16>, tensor<2xi64>)
// FP16-NEXT: %[[XW:.*]] = nn.cast %[[X]] : tensor<1x8x4x4xf16> to tensor<1x8x4x4xf32>
// FP16: %[[C:.*]] = nn.conv %[[XW]], %{{.*}}
// FP16: %[[R:.*]] = nn.relu %[[C]] : tensor<1x8x4x4xf32>
// FP16-NEXT: %[[RN:.*]] = nn.cast %[[R]] : tensor<1x8x4x4xf32> to tensor<1x8x4x4xf16>
// FP16-NEXT: return %[[RN]], %[[I]] : tensor<1x8x4x4xf16>, tensor<2xi64>
// BF16-IN-LABEL: func.func @conv
// BF16-IN-SAME: (%{{.*}}: tensor<1x8x4x4xbf16>, %{{.*}}: tensor<2xi64>) -> (tensor<1x8x4x4xf32>, tensor<2xi64>)
// Must not fire: fp32 (the default) changes nothing.
// NONE-LABEL: func.func @conv
// NONE-SAME: (%{{.*}}: tensor<1x8x4x4xf32>, %{{.*}}: tensor<2xi64>) -> (tensor<1x8x4x4xf32>, tensor<2xi64>)
// NONE-NOT: nn.cast
// In FP16 the layers read and write the bindings as they are: no cast left.
// HALF-LABEL: func.func @conv
// HALF-SAME: (%[[X:.*]]: tensor<1x8x4x4xf16>
// HALF-NOT: nn.cast %[[X]]
// HALF: nn.conv %[[X]]
// HALF: %[[R:.*]] = nn.relu %{{.*}} : tensor<1x8x4x4xf16>
// HALF-NEXT: return %[[R]]
// In FP32 the layers read the FP16 input widened.
// FLOAT-LABEL: func.func @conv
// FLOAT: nn.cast %{{.*}} : tensor<1x8x4x4xf16> to tensor<1x8x4x4xf32>
// FLOAT: nn.conv
func.func @conv(%x: tensor<1x8x4x4xf32>, %i: tensor<2xi64>) -> (tensor<1x8x4x4xf32>, tensor<2xi64>) {
  %w = nn.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = nn.conv %x, %w strides [1, 1] pads [0, 0, 0, 0] dilations [1, 1]
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32> loc("conv")
  %r = nn.relu %c : tensor<1x8x4x4xf32> loc("relu")
  return %r, %i : tensor<1x8x4x4xf32>, tensor<2xi64>
}

// -----

// Must not fire: inputs and outputs already in half precision stay as they
// are, and the option that changed nothing says so.
// WARN: warning: kiln-set-io-types: input-type=fp16 changes no input: none is float32
// WARN-NEXT: func.func @half
// WARN: warning: kiln-set-io-types: output-type=fp16 changes no output: none is float32
// WARN-NOT: warning
// FP16-LABEL: func.func @half
// FP16-SAME: (%[[X:.*]]: tensor<4xf16>) -> tensor<4xf16>
// FP16-NOT: nn.cast
// FP16: return
func.func @half(%x: tensor<4xf16>) -> tensor<4xf16> {
  %r = nn.relu %x : tensor<4xf16>
  return %r : tensor<4xf16>
}

// -----

// Must not fire on what the network calls: the private helper keeps float32.
// FP16-LABEL: func.func private @helper
// FP16-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xf32>
// FP16-LABEL: func.func @calls
// FP16-SAME: (%[[X:.*]]: tensor<4xf16>) -> tensor<4xf16>
// FP16: call @helper(%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32>
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = nn.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func @calls(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
