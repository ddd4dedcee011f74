// Reference semantics of quantized tensors, against numpy.
// RUN: rm -rf %t && mkdir -p %t

// Tests quantize: x / scale rounded half to even, plus the zero point,
// saturated to the storage range; and dequantize back.
// RUN: python3 -c "import numpy as np; np.save('%t/x.npy', np.array([0.25, 0.75, -0.25, -0.75, 1.25, 63.0, 70.0, -70.0], np.float32))"
// RUN: kiln-interpret %s --function quantize --input arg0=%t/x.npy --output-dir %t/q
// RUN: python3 -c "import numpy as np; x = np.load('%t/x.npy'); q = np.clip(np.round(x / np.float32(0.5)) + 3, -128, 127).astype(np.int8); np.save('%t/q.npy', q); np.save('%t/dq.npy', ((q.astype(np.float32) - 3) * np.float32(0.5)))"
// RUN: python3 %S/compare.py %t/q/result_0.npy %t/q.npy
// RUN: python3 %S/compare.py %t/q/result_1.npy %t/dq.npy
func.func @quantize(%x: tensor<8xf32>) -> (tensor<8x!quant.uniform<i8:f32, 0.5:3>>, tensor<8xf32>) {
  %q = nn.quantize %x : tensor<8xf32> to tensor<8x!quant.uniform<i8:f32, 0.5:3>>
  %d = nn.dequantize %q : tensor<8x!quant.uniform<i8:f32, 0.5:3>>
  return %q, %d : tensor<8x!quant.uniform<i8:f32, 0.5:3>>, tensor<8xf32>
}

// Tests per-axis quantization along dimension 1 and a transpose that moves
// the quantized dimension (the storage values follow their channel).
// RUN: python3 -c "import numpy as np; np.save('%t/y.npy', np.linspace(-3, 3, 12, dtype=np.float32).reshape(2, 3, 2))"
// RUN: kiln-interpret %s --function per_axis --input arg0=%t/y.npy --output-dir %t/pa
// RUN: python3 -c "import numpy as np; y = np.load('%t/y.npy'); s = np.array([0.1, 0.2, 0.05], np.float32).reshape(1, 3, 1); z = np.array([0, 10, -5]).reshape(1, 3, 1); q = np.clip(np.round(y / s) + z, -128, 127).astype(np.int8); np.save('%t/pq.npy', q.transpose(2, 0, 1).copy()); np.save('%t/pd.npy', ((q - z).astype(np.float32) * s).transpose(2, 0, 1).copy())"
// RUN: python3 %S/compare.py %t/pa/result_0.npy %t/pq.npy
// RUN: python3 %S/compare.py %t/pa/result_1.npy %t/pd.npy
func.func @per_axis(%y: tensor<2x3x2xf32>) -> (tensor<2x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2:10, 0.05:-5}>>, tensor<2x2x3xf32>) {
  %q = nn.quantize %y : tensor<2x3x2xf32> to tensor<2x3x2x!quant.uniform<i8:f32:1, {0.1, 0.2:10, 0.05:-5}>>
  %t = nn.transpose %q permutation [2, 0, 1] : tensor<2x3x2x!quant.uniform<i8:f32:1, {0.1, 0.2:10, 0.05:-5}>>
  %d = nn.dequantize %t : tensor<2x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2:10, 0.05:-5}>>
  return %t, %d : tensor<2x2x3x!quant.uniform<i8:f32:2, {0.1, 0.2:10, 0.05:-5}>>, tensor<2x2x3xf32>
}

// Tests a quantized input given as its storage integers, a quantized add
// requantized to its own scale, and a pad of a quantized tensor (its value
// is a real value: 0 becomes the zero point).
// RUN: python3 -c "import numpy as np; np.save('%t/a.npy', np.array([0, 100, 200, 255], np.uint8)); np.save('%t/b.npy', np.array([-128, -1, 0, 127], np.int8))"
// RUN: kiln-interpret %s --function mixed --input arg0=%t/a.npy --input arg1=%t/b.npy --output-dir %t/mixed
// RUN: python3 -c "import numpy as np; a = (np.load('%t/a.npy').astype(np.float32) - 128) * np.float32(0.1); b = np.load('%t/b.npy').astype(np.float32) * np.float32(0.05); s = a + b; np.save('%t/sum.npy', np.clip(np.round(s / np.float32(0.25)) + 1, 0, 255).astype(np.uint8)); np.save('%t/pad.npy', np.array([128, 0, 100, 200, 255, 128], np.uint8))"
// RUN: python3 %S/compare.py %t/mixed/result_0.npy %t/sum.npy
// RUN: python3 %S/compare.py %t/mixed/result_1.npy %t/pad.npy
func.func @mixed(%a: tensor<4x!quant.uniform<u8:f32, 0.1:128>>, %b: tensor<4x!quant.uniform<i8:f32, 0.05>>) -> (tensor<4x!quant.uniform<u8:f32, 0.25:1>>, tensor<6x!quant.uniform<u8:f32, 0.1:128>>) {
  %s = nn.add %a, %b : (tensor<4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x!quant.uniform<i8:f32, 0.05>>) -> tensor<4x!quant.uniform<u8:f32, 0.25:1>>
  %p = nn.pad %a pads [1, 1] : tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  return %s, %p : tensor<4x!quant.uniform<u8:f32, 0.25:1>>, tensor<6x!quant.uniform<u8:f32, 0.1:128>>
}
