// A max pool of a quantized float tensor (an FP16 stem's output quantized
// for the INT8 layers after its max pool), channels-last: the lowering folds
// the quantize (and, in FP16, the cast to f32 before it) into the pool,
// which reads the float tensor and writes int8 in one kernel; compared with
// the reference interpreter within one output step (run_on_gpu.py
// CASE_TOLERANCES: in FP16 the input is rounded to half before it is
// quantized).
!q = !quant.uniform<i8:f32, 0.05>
func.func @main(%x: tensor<2x9x9x16xf32> {kiln.name = "x"}) -> (tensor<2x5x5x16xf32> {kiln.name = "y"}) {
  %q = nn.quantize %x : tensor<2x9x9x16xf32> to tensor<2x9x9x16x!q>
  %p = nn.pool max %q kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] layout channels_last
       : (tensor<2x9x9x16x!q>) -> tensor<2x5x5x16x!q>
  %y = nn.dequantize %p : tensor<2x5x5x16x!q>
  return %y : tensor<2x5x5x16xf32>
}
