// Resize kernels: a linear tf_crop_and_resize whose region of interest is
// partly outside the input (those outputs are the extrapolation value), then
// Resize-11's tf_half_pixel_for_nn nearest downsampling.
func.func @main(%x: tensor<1x4x6x6xf32> {kiln.name = "x"}) -> (tensor<1x4x3x4xf32> {kiln.name = "y"}) {
  %c = nn.resize %x mode linear coordinate_transform tf_crop_and_resize
       extrapolation_value 0.25 roi [0.0, 0.0, 0.1, -0.2, 1.0, 1.0, 0.9, 1.3]
       : tensor<1x4x6x6xf32> to tensor<1x4x5x7xf32>
  %y = nn.resize %c mode nearest coordinate_transform tf_half_pixel_for_nn
       : tensor<1x4x5x7xf32> to tensor<1x4x3x4xf32>
  return %y : tensor<1x4x3x4xf32>
}
