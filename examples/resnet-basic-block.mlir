// A ResNet basic block with its classifier head, as the ONNX importer will
// produce it: conv → batch_norm → relu twice, the residual add, global
// average pooling, flatten, the fully-connected layer and softmax.
// Weights are small splats so the example stays readable.
func.func @resnet_basic_block(%image: tensor<1x8x16x16xf32>) -> tensor<1x10xf32> {
  %w1 = nn.constant dense<0.02> : tensor<8x8x3x3xf32>
  %w2 = nn.constant dense<-0.01> : tensor<8x8x3x3xf32>
  %gamma = nn.constant dense<1.5> : tensor<8xf32>
  %beta = nn.constant dense<0.1> : tensor<8xf32>
  %mean = nn.constant dense<0.05> : tensor<8xf32>
  %var = nn.constant dense<0.9> : tensor<8xf32>
  %fc = nn.constant dense<0.125> : tensor<10x8xf32>
  %fc_bias = nn.constant dense<[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]> : tensor<10xf32>

  %0 = nn.conv %image, %w1 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %1 = nn.batch_norm %0, %gamma, %beta, %mean, %var
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %2 = nn.relu %1 : tensor<1x8x16x16xf32>
  %3 = nn.conv %2, %w2 strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]
       : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %4 = nn.batch_norm %3, %gamma, %beta, %mean, %var
       : tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %5 = nn.add %4, %image
       : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %6 = nn.relu %5 : tensor<1x8x16x16xf32>
  %7 = nn.global_pool avg %6 : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  %8 = nn.flatten %7 axis 1 : tensor<1x8x1x1xf32>
  %9 = nn.gemm %8, %fc bias %fc_bias trans_b
       : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  %10 = nn.softmax %9 axis 1 : tensor<1x10xf32>
  return %10 : tensor<1x10xf32>
}
