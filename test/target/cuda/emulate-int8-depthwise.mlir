// Tests the INT8 depthwise kernel (the INT8 form of the depthwise path of
// lib/target/cuda/Conv.cpp: int8 data and weights, sums exact in f32, the
// INT8 epilogue) on the CPU emulation of CUDA against the reference
// interpreter, every launch variant (16, 8 and 4 channels a thread, tiles
// of 1, 2 and 4 outputs along the row told apart by blockDim.z), once with
// aligned buffers (whole vectors, every tap loaded, zero outside the input)
// and once misaligned (element by element, taps outside skipped): 3x3 and
// 5x5 (EfficientNet), stride 1 and 2, weights per channel and per tensor, an
// i32 bias, ReLU6 (clip), an int8 residual in its own scale, int8 outputs
// (one with a zero point) and f32 outputs, 16 and 8 channels the widest
// vector, channels split over blocks. The epilogue computes in f32 (as the
// lowering's epilogue kernel), the reference in double: an int8 output may
// be one step off where that moved a tie (1 ulp), a float output a few ulps
// (more where the bias cancels the sum, near zero).
// RUN: kiln-emulate-cuda %s --variants --inexact='^dw' | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-emulate-cuda %s --variants --misalign --inexact='^dw' | FileCheck %s --implicit-check-not=MISMATCH
// RUN: kiln-opt %s -kiln-test-emit-cuda -o /dev/null | FileCheck %s --check-prefix=SRC
// RUN: %if nvrtc %{ kiln-opt %s -kiln-test-emit-cuda=compile=true -o /dev/null | FileCheck %s --check-prefix=NVRTC %}
// NVRTC: ----- nvrtc {{.*}}: 7 kernels compiled
// NVRTC-NOT: nvrtc log
// CHECK-DAG: dw3_relu6_int8: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 2x256x1]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 2x64x2]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 4x64x1]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 4x16x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_relu6_int8 [block 8x8x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_s2_zero_point [block 8x8x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_residual_int8 [block 4x32x2]: {{exact|1 ulp}}
// CHECK-DAG: dw5_per_tensor_f32 [block 4x16x4]: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw5_s2_f32: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw3_residual_int8: {{exact|1 ulp}}
// CHECK-DAG: dw3_s2_zero_point: {{exact|1 ulp}}
// CHECK-DAG: dw5_per_tensor_f32: {{exact|[0-9]+ ulp}}
// CHECK-DAG: dw3_c24_clip: {{exact|1 ulp}}
// CHECK-DAG: dw3_c960_split [block 32x4x2]: {{exact|1 ulp}}
// CHECK-DAG: dw3_c960_split [block 64x1x4]: {{exact|1 ulp}}
// CHECK-DAG: dw3_c960_split [block 128x1x2]: {{exact|1 ulp}}
// CHECK-DAG: dw3_c960_split: {{exact|1 ulp}}

!x = !quant.uniform<i8:f32, 0.05>
!w32 = !quant.uniform<i8:f32:0, {0.011, 0.012, 0.013, 0.014, 0.015, 0.016, 0.017, 0.018, 0.019, 0.02, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.03, 0.031, 0.032, 0.033, 0.034, 0.035, 0.036, 0.037, 0.038, 0.039, 0.04, 0.041, 0.042}>
!b32 = !quant.uniform<i32:f32:0, {5.5e-4, 6.0e-4, 6.5e-4, 7.0e-4, 7.5e-4, 8.0e-4, 8.5e-4, 9.0e-4, 9.5e-4, 1.0e-3, 1.05e-3, 1.1e-3, 1.15e-3, 1.2e-3, 1.25e-3, 1.3e-3, 1.35e-3, 1.4e-3, 1.45e-3, 1.5e-3, 1.55e-3, 1.6e-3, 1.65e-3, 1.7e-3, 1.75e-3, 1.8e-3, 1.85e-3, 1.9e-3, 1.95e-3, 2.0e-3, 2.05e-3, 2.1e-3}>
!y = !quant.uniform<i8:f32, 0.047>
!r = !quant.uniform<i8:f32, 0.09>
!z = !quant.uniform<i8:f32, 0.06:-12>
!wt = !quant.uniform<i8:f32, 0.02>
!w960 = !quant.uniform<i8:f32:0, {0.01, 0.01001, 0.01002, 0.01003, 0.01004, 0.01005, 0.01006, 0.01007, 0.01008, 0.01009, 0.0101, 0.01011, 0.01012, 0.01013, 0.01014, 0.01015, 0.01016, 0.01017, 0.01018, 0.01019, 0.0102, 0.01021, 0.01022, 0.01023, 0.01024, 0.01025, 0.01026, 0.01027, 0.01028, 0.01029, 0.0103, 0.01031, 0.01032, 0.01033, 0.01034, 0.01035, 0.01036, 0.01037, 0.01038, 0.01039, 0.0104, 0.01041, 0.01042, 0.01043, 0.01044, 0.01045, 0.01046, 0.01047, 0.01048, 0.01049, 0.0105, 0.01051, 0.01052, 0.01053, 0.01054, 0.01055, 0.01056, 0.01057, 0.01058, 0.01059, 0.0106, 0.01061, 0.01062, 0.01063, 0.01064, 0.01065, 0.01066, 0.01067, 0.01068, 0.01069, 0.0107, 0.01071, 0.01072, 0.01073, 0.01074, 0.01075, 0.01076, 0.01077, 0.01078, 0.01079, 0.0108, 0.01081, 0.01082, 0.01083, 0.01084, 0.01085, 0.01086, 0.01087, 0.01088, 0.01089, 0.0109, 0.01091, 0.01092, 0.01093, 0.01094, 0.01095, 0.01096, 0.01097, 0.01098, 0.01099, 0.011, 0.01101, 0.01102, 0.01103, 0.01104, 0.01105, 0.01106, 0.01107, 0.01108, 0.01109, 0.0111, 0.01111, 0.01112, 0.01113, 0.01114, 0.01115, 0.01116, 0.01117, 0.01118, 0.01119, 0.0112, 0.01121, 0.01122, 0.01123, 0.01124, 0.01125, 0.01126, 0.01127, 0.01128, 0.01129, 0.0113, 0.01131, 0.01132, 0.01133, 0.01134, 0.01135, 0.01136, 0.01137, 0.01138, 0.01139, 0.0114, 0.01141, 0.01142, 0.01143, 0.01144, 0.01145, 0.01146, 0.01147, 0.01148, 0.01149, 0.0115, 0.01151, 0.01152, 0.01153, 0.01154, 0.01155, 0.01156, 0.01157, 0.01158, 0.01159, 0.0116, 0.01161, 0.01162, 0.01163, 0.01164, 0.01165, 0.01166, 0.01167, 0.01168, 0.01169, 0.0117, 0.01171, 0.01172, 0.01173, 0.01174, 0.01175, 0.01176, 0.01177, 0.01178, 0.01179, 0.0118, 0.01181, 0.01182, 0.01183, 0.01184, 0.01185, 0.01186, 0.01187, 0.01188, 0.01189, 0.0119, 0.01191, 0.01192, 0.01193, 0.01194, 0.01195, 0.01196, 0.01197, 0.01198, 0.01199, 0.012, 0.01201, 0.01202, 0.01203, 0.01204, 0.01205, 0.01206, 0.01207, 0.01208, 0.01209, 0.0121, 0.01211, 0.01212, 0.01213, 0.01214, 0.01215, 0.01216, 0.01217, 0.01218, 0.01219, 0.0122, 0.01221, 0.01222, 0.01223, 0.01224, 0.01225, 0.01226, 0.01227, 0.01228, 0.01229, 0.0123, 0.01231, 0.01232, 0.01233, 0.01234, 0.01235, 0.01236, 0.01237, 0.01238, 0.01239, 0.0124, 0.01241, 0.01242, 0.01243, 0.01244, 0.01245, 0.01246, 0.01247, 0.01248, 0.01249, 0.0125, 0.01251, 0.01252, 0.01253, 0.01254, 0.01255, 0.01256, 0.01257, 0.01258, 0.01259, 0.0126, 0.01261, 0.01262, 0.01263, 0.01264, 0.01265, 0.01266, 0.01267, 0.01268, 0.01269, 0.0127, 0.01271, 0.01272, 0.01273, 0.01274, 0.01275, 0.01276, 0.01277, 0.01278, 0.01279, 0.0128, 0.01281, 0.01282, 0.01283, 0.01284, 0.01285, 0.01286, 0.01287, 0.01288, 0.01289, 0.0129, 0.01291, 0.01292, 0.01293, 0.01294, 0.01295, 0.01296, 0.01297, 0.01298, 0.01299, 0.013, 0.01301, 0.01302, 0.01303, 0.01304, 0.01305, 0.01306, 0.01307, 0.01308, 0.01309, 0.0131, 0.01311, 0.01312, 0.01313, 0.01314, 0.01315, 0.01316, 0.01317, 0.01318, 0.01319, 0.0132, 0.01321, 0.01322, 0.01323, 0.01324, 0.01325, 0.01326, 0.01327, 0.01328, 0.01329, 0.0133, 0.01331, 0.01332, 0.01333, 0.01334, 0.01335, 0.01336, 0.01337, 0.01338, 0.01339, 0.0134, 0.01341, 0.01342, 0.01343, 0.01344, 0.01345, 0.01346, 0.01347, 0.01348, 0.01349, 0.0135, 0.01351, 0.01352, 0.01353, 0.01354, 0.01355, 0.01356, 0.01357, 0.01358, 0.01359, 0.0136, 0.01361, 0.01362, 0.01363, 0.01364, 0.01365, 0.01366, 0.01367, 0.01368, 0.01369, 0.0137, 0.01371, 0.01372, 0.01373, 0.01374, 0.01375, 0.01376, 0.01377, 0.01378, 0.01379, 0.0138, 0.01381, 0.01382, 0.01383, 0.01384, 0.01385, 0.01386, 0.01387, 0.01388, 0.01389, 0.0139, 0.01391, 0.01392, 0.01393, 0.01394, 0.01395, 0.01396, 0.01397, 0.01398, 0.01399, 0.014, 0.01401, 0.01402, 0.01403, 0.01404, 0.01405, 0.01406, 0.01407, 0.01408, 0.01409, 0.0141, 0.01411, 0.01412, 0.01413, 0.01414, 0.01415, 0.01416, 0.01417, 0.01418, 0.01419, 0.0142, 0.01421, 0.01422, 0.01423, 0.01424, 0.01425, 0.01426, 0.01427, 0.01428, 0.01429, 0.0143, 0.01431, 0.01432, 0.01433, 0.01434, 0.01435, 0.01436, 0.01437, 0.01438, 0.01439, 0.0144, 0.01441, 0.01442, 0.01443, 0.01444, 0.01445, 0.01446, 0.01447, 0.01448, 0.01449, 0.0145, 0.01451, 0.01452, 0.01453, 0.01454, 0.01455, 0.01456, 0.01457, 0.01458, 0.01459, 0.0146, 0.01461, 0.01462, 0.01463, 0.01464, 0.01465, 0.01466, 0.01467, 0.01468, 0.01469, 0.0147, 0.01471, 0.01472, 0.01473, 0.01474, 0.01475, 0.01476, 0.01477, 0.01478, 0.01479, 0.0148, 0.01481, 0.01482, 0.01483, 0.01484, 0.01485, 0.01486, 0.01487, 0.01488, 0.01489, 0.0149, 0.01491, 0.01492, 0.01493, 0.01494, 0.01495, 0.01496, 0.01497, 0.01498, 0.01499, 0.015, 0.01501, 0.01502, 0.01503, 0.01504, 0.01505, 0.01506, 0.01507, 0.01508, 0.01509, 0.0151, 0.01511, 0.01512, 0.01513, 0.01514, 0.01515, 0.01516, 0.01517, 0.01518, 0.01519, 0.0152, 0.01521, 0.01522, 0.01523, 0.01524, 0.01525, 0.01526, 0.01527, 0.01528, 0.01529, 0.0153, 0.01531, 0.01532, 0.01533, 0.01534, 0.01535, 0.01536, 0.01537, 0.01538, 0.01539, 0.0154, 0.01541, 0.01542, 0.01543, 0.01544, 0.01545, 0.01546, 0.01547, 0.01548, 0.01549, 0.0155, 0.01551, 0.01552, 0.01553, 0.01554, 0.01555, 0.01556, 0.01557, 0.01558, 0.01559, 0.0156, 0.01561, 0.01562, 0.01563, 0.01564, 0.01565, 0.01566, 0.01567, 0.01568, 0.01569, 0.0157, 0.01571, 0.01572, 0.01573, 0.01574, 0.01575, 0.01576, 0.01577, 0.01578, 0.01579, 0.0158, 0.01581, 0.01582, 0.01583, 0.01584, 0.01585, 0.01586, 0.01587, 0.01588, 0.01589, 0.0159, 0.01591, 0.01592, 0.01593, 0.01594, 0.01595, 0.01596, 0.01597, 0.01598, 0.01599, 0.016, 0.01601, 0.01602, 0.01603, 0.01604, 0.01605, 0.01606, 0.01607, 0.01608, 0.01609, 0.0161, 0.01611, 0.01612, 0.01613, 0.01614, 0.01615, 0.01616, 0.01617, 0.01618, 0.01619, 0.0162, 0.01621, 0.01622, 0.01623, 0.01624, 0.01625, 0.01626, 0.01627, 0.01628, 0.01629, 0.0163, 0.01631, 0.01632, 0.01633, 0.01634, 0.01635, 0.01636, 0.01637, 0.01638, 0.01639, 0.0164, 0.01641, 0.01642, 0.01643, 0.01644, 0.01645, 0.01646, 0.01647, 0.01648, 0.01649, 0.0165, 0.01651, 0.01652, 0.01653, 0.01654, 0.01655, 0.01656, 0.01657, 0.01658, 0.01659, 0.0166, 0.01661, 0.01662, 0.01663, 0.01664, 0.01665, 0.01666, 0.01667, 0.01668, 0.01669, 0.0167, 0.01671, 0.01672, 0.01673, 0.01674, 0.01675, 0.01676, 0.01677, 0.01678, 0.01679, 0.0168, 0.01681, 0.01682, 0.01683, 0.01684, 0.01685, 0.01686, 0.01687, 0.01688, 0.01689, 0.0169, 0.01691, 0.01692, 0.01693, 0.01694, 0.01695, 0.01696, 0.01697, 0.01698, 0.01699, 0.017, 0.01701, 0.01702, 0.01703, 0.01704, 0.01705, 0.01706, 0.01707, 0.01708, 0.01709, 0.0171, 0.01711, 0.01712, 0.01713, 0.01714, 0.01715, 0.01716, 0.01717, 0.01718, 0.01719, 0.0172, 0.01721, 0.01722, 0.01723, 0.01724, 0.01725, 0.01726, 0.01727, 0.01728, 0.01729, 0.0173, 0.01731, 0.01732, 0.01733, 0.01734, 0.01735, 0.01736, 0.01737, 0.01738, 0.01739, 0.0174, 0.01741, 0.01742, 0.01743, 0.01744, 0.01745, 0.01746, 0.01747, 0.01748, 0.01749, 0.0175, 0.01751, 0.01752, 0.01753, 0.01754, 0.01755, 0.01756, 0.01757, 0.01758, 0.01759, 0.0176, 0.01761, 0.01762, 0.01763, 0.01764, 0.01765, 0.01766, 0.01767, 0.01768, 0.01769, 0.0177, 0.01771, 0.01772, 0.01773, 0.01774, 0.01775, 0.01776, 0.01777, 0.01778, 0.01779, 0.0178, 0.01781, 0.01782, 0.01783, 0.01784, 0.01785, 0.01786, 0.01787, 0.01788, 0.01789, 0.0179, 0.01791, 0.01792, 0.01793, 0.01794, 0.01795, 0.01796, 0.01797, 0.01798, 0.01799, 0.018, 0.01801, 0.01802, 0.01803, 0.01804, 0.01805, 0.01806, 0.01807, 0.01808, 0.01809, 0.0181, 0.01811, 0.01812, 0.01813, 0.01814, 0.01815, 0.01816, 0.01817, 0.01818, 0.01819, 0.0182, 0.01821, 0.01822, 0.01823, 0.01824, 0.01825, 0.01826, 0.01827, 0.01828, 0.01829, 0.0183, 0.01831, 0.01832, 0.01833, 0.01834, 0.01835, 0.01836, 0.01837, 0.01838, 0.01839, 0.0184, 0.01841, 0.01842, 0.01843, 0.01844, 0.01845, 0.01846, 0.01847, 0.01848, 0.01849, 0.0185, 0.01851, 0.01852, 0.01853, 0.01854, 0.01855, 0.01856, 0.01857, 0.01858, 0.01859, 0.0186, 0.01861, 0.01862, 0.01863, 0.01864, 0.01865, 0.01866, 0.01867, 0.01868, 0.01869, 0.0187, 0.01871, 0.01872, 0.01873, 0.01874, 0.01875, 0.01876, 0.01877, 0.01878, 0.01879, 0.0188, 0.01881, 0.01882, 0.01883, 0.01884, 0.01885, 0.01886, 0.01887, 0.01888, 0.01889, 0.0189, 0.01891, 0.01892, 0.01893, 0.01894, 0.01895, 0.01896, 0.01897, 0.01898, 0.01899, 0.019, 0.01901, 0.01902, 0.01903, 0.01904, 0.01905, 0.01906, 0.01907, 0.01908, 0.01909, 0.0191, 0.01911, 0.01912, 0.01913, 0.01914, 0.01915, 0.01916, 0.01917, 0.01918, 0.01919, 0.0192, 0.01921, 0.01922, 0.01923, 0.01924, 0.01925, 0.01926, 0.01927, 0.01928, 0.01929, 0.0193, 0.01931, 0.01932, 0.01933, 0.01934, 0.01935, 0.01936, 0.01937, 0.01938, 0.01939, 0.0194, 0.01941, 0.01942, 0.01943, 0.01944, 0.01945, 0.01946, 0.01947, 0.01948, 0.01949, 0.0195, 0.01951, 0.01952, 0.01953, 0.01954, 0.01955, 0.01956, 0.01957, 0.01958, 0.01959}>
!w24 = !quant.uniform<i8:f32:0, {0.011, 0.012, 0.013, 0.014, 0.015, 0.016, 0.017, 0.018, 0.019, 0.02, 0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027, 0.028, 0.029, 0.03, 0.031, 0.032, 0.033, 0.034}>

// Sixteen int8 channels a vector (the first variant); the scales a table
// beside the kernel, the integer weights staged as ints (one array for all
// variants, seen as vectors of each one's channels), the products summed in
// int32 and scaled once (each channel's scale in a register). The int8
// output's step is the unit of the whole epilogue: accumulator scales, bias
// and ReLU6's bound divided by the output scale (0.047) at build time, then
// one rounding conversion and the saturation. With whole vectors every tap
// is loaded as 32-bit words (zero outside the input) and each byte
// sign-extended where it is multiplied; 16 channels' 144 weights are read
// again each tile (an opaque zero in their index) rather than held in
// registers. Element by element, taps outside the input are skipped.
// SRC-LABEL: // ----- kernel dw3_relu6_int8
// SRC-SAME: variants block 2x128x1 grid 1x2x1; block 2x64x2 grid 1x1x1; block 2x256x1 grid 1x1x1; block 4x64x1
// SRC: const float dw3_relu6_int8_scale0[32] = {
// SRC-NEXT: 0.00055f, 0.0006f,
// SRC: const float dw3_relu6_int8_acc_scale0[32] = {
// SRC-NEXT: 0.011702128f, 0.012765957f,
// SRC: __shared__ kiln_vec<int, 16> wshared[18];
// SRC: if (blockDim.x == 2 && blockDim.y == 128 && blockDim.z == 1) {
// SRC-NEXT: kiln_vec<int, 16> *const wsh = reinterpret_cast<kiln_vec<int, 16> *>(wshared);
// SRC: reinterpret_cast<int *>(wsh)[e] = c < 32 ? (int)(in1[
// SRC: const bool whole = ((unsigned long long)in0 | (unsigned long long)out0) % sizeof(kiln_vec<signed char, 16>) == 0;
// SRC: for (int j = 0; j < 16; ++j) sk[j] = dw3_relu6_int8_acc_scale0[c0 + j];
// SRC: for (int j = 0; j < 16; ++j) bk[j] = __fdiv_rn(bk[j], 0.047f);
// SRC: if (whole) {
// SRC: asm volatile("" : "+r"(reread));
// SRC: int acc[1][16];
// SRC: const bool r0 = x0 >= 0 && x0 < 9;
// SRC: kiln_vec<int, 4> xv = {};
// SRC-NEXT: if (r0 && xi >= 0 && xi < 9) {
// SRC-NEXT: xv = *reinterpret_cast<const kiln_vec<int, 4> *>(in0 + q0 * 2592 + (I)x0 * 288 + (I)xi * 32 + c0);
// SRC: acc[0][j] += (int)(signed char)(xv.v[j / 4] >> 8 * (j % 4)) * wsh[(((0) * 3 + k0) * 3 + 0) * 2 + threadIdx.x + reread].v[j];
// SRC: float v = (float)acc[o][j] * sk[j];
// SRC: const int q = __float2int_rn(kiln_min(kiln_max(v, 0.0f), 127.65958f)) + 0;
// SRC: yv.v[j] = (signed char)(q < -128 ? -128 : (q > 127 ? 127 : q));
// SRC: *reinterpret_cast<kiln_vec<signed char, 16> *>(out0 + to) = yv;
// SRC: else {
// SRC: if (x0 < 0 || x0 >= 9) continue;
// SRC: for (int j = 0; j < 16; ++j) xv.v[j] = in0[at + j];
// SRC: acc[0][j] += (int)xv.v[j] * wsh[
// SRC: for (int j = 0; j < 16; ++j) out0[to + j] = yv.v[j];
// SRC: } // kiln launch variant 2x128x1
// Tiles of 2 outputs a thread (blockDim.z = 2), 4 channels a thread with
// their 36 weights kept in registers (no opaque zero).
// SRC: if (blockDim.x == 2 && blockDim.y == 64 && blockDim.z == 2) {
// SRC: for (int e = (threadIdx.z * 64 + threadIdx.y) * 2 + threadIdx.x; e < 288; e += 256)
// SRC: for (I p = blockIdx.y * 128 + (threadIdx.z * 64 + threadIdx.y); p < 90; p += gridDim.y * 128)
// SRC: int acc[2][16];
// SRC: if (blockDim.x == 8 && blockDim.y == 8 && blockDim.z == 4) {
// SRC-NEXT: kiln_vec<int, 4> *const wsh = reinterpret_cast<kiln_vec<int, 4> *>(wshared);
// SRC-NOT: reread
// SRC: int acc[4][4];
// SRC: kiln_vec<int, 1> xv = {};
// SRC-NOT: reread
// SRC: } // kiln launch variant 8x8x4
func.func @dw3_relu6_int8(%x: tensor<2x9x9x32x!x>, %w: tensor<32x3x3x1x!w32>, %b: tensor<32x!b32>) -> tensor<2x9x9x32x!y> {
  %y = nn.conv %x, %w bias %b strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<2x9x9x32x!x>, tensor<32x3x3x1x!w32>, tensor<32x!b32>) -> tensor<2x9x9x32x!y>
  return %y : tensor<2x9x9x32x!y>
}

// A float output (an INT8 layer's float result is f32, the type its scales
// express): 16 channels a vector in, four 16-byte vectors out; silu.
// SRC-LABEL: // ----- kernel dw5_s2_f32
// SRC: const bool whole = ((unsigned long long)in0 % sizeof(kiln_vec<signed char, 16>) | (unsigned long long)out0 % sizeof(kiln_vec<float, 16>)) == 0;
// SRC: yv.v[j] = (v * kiln_sigmoid(v));
func.func @dw5_s2_f32(%x: tensor<1x11x11x32x!x>, %w: tensor<32x5x5x1x!w32>, %b: tensor<32x!b32>) -> tensor<1x6x6x32xf32> {
  %y = nn.conv %x, %w bias %b strides [2, 2] pads [2, 2, 2, 2] dilations [1, 1] groups 32
       layout channels_last activation <silu>
       : (tensor<1x11x11x32x!x>, tensor<32x5x5x1x!w32>, tensor<32x!b32>) -> tensor<1x6x6x32xf32>
  return %y : tensor<1x6x6x32xf32>
}

// An int8 residual in its own scale, in units of the output's step.
// SRC-LABEL: // ----- kernel dw3_residual_int8
// SRC: v = fmaf((float)rv.v[j], 1.9148936f, v);
func.func @dw3_residual_int8(%x: tensor<1x7x7x32x!x>, %w: tensor<32x3x3x1x!w32>, %b: tensor<32x!b32>, %r: tensor<1x7x7x32x!r>) -> tensor<1x7x7x32x!y> {
  %y = nn.conv %x, %w bias %b residual %r strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 32
       layout channels_last activation <relu>
       : (tensor<1x7x7x32x!x>, tensor<32x3x3x1x!w32>, tensor<32x!b32>, tensor<1x7x7x32x!r>) -> tensor<1x7x7x32x!y>
  return %y : tensor<1x7x7x32x!y>
}

// Stride 2, no bias, an output with a zero point.
func.func @dw3_s2_zero_point(%x: tensor<2x10x10x32x!x>, %w: tensor<32x3x3x1x!w32>) -> tensor<2x5x5x32x!z> {
  %y = nn.conv %x, %w strides [2, 2] pads [0, 0, 1, 1] dilations [1, 1] groups 32
       layout channels_last
       : (tensor<2x10x10x32x!x>, tensor<32x3x3x1x!w32>) -> tensor<2x5x5x32x!z>
  return %y : tensor<2x5x5x32x!z>
}

// Weights per tensor, an f32 output.
func.func @dw5_per_tensor_f32(%x: tensor<1x8x8x16x!x>, %w: tensor<16x5x5x1x!wt>) -> tensor<1x8x8x16xf32> {
  %y = nn.conv %x, %w strides [1, 1] pads [2, 2, 2, 2] dilations [1, 1] groups 16
       layout channels_last
       : (tensor<1x8x8x16x!x>, tensor<16x5x5x1x!wt>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// 24 channels: 8 a vector, then 4 (3 and 6 threads along x).
// SRC-LABEL: // ----- kernel dw3_c24_clip
// SRC-SAME: variants block 3x64x1 grid 1x1x1; block 3x32x2 grid 1x1x1; block 3x16x4 grid 1x1x1; block 3x128x1 grid 1x1x1; block 6x32x1 grid 1x2x1; block 6x16x2 grid 1x1x1; block 6x8x4 grid 1x1x1{{$}}
// SRC: __shared__ kiln_vec<int, 8> wshared[
func.func @dw3_c24_clip(%x: tensor<1x6x6x24x!x>, %w: tensor<24x3x3x1x!w24>) -> tensor<1x6x6x24x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 24
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x6x6x24x!x>, tensor<24x3x3x1x!w24>) -> tensor<1x6x6x24x!y>
  return %y : tensor<1x6x6x24x!y>
}

// 960 channels (MobileNetV2's last depthwise conv): their weights exceed
// the block's shared memory, so the channels split over 2 blocks along x
// (512 a block for every width: 32 x 16, 64 x 8, 128 x 4), the second with
// threads past the last channel.
// SRC-LABEL: // ----- kernel dw3_c960_split grid [2, 4, 1] block [32, 8, 1]
// SRC-SAME: variants block 32x8x1 grid 2x4x1; block 32x4x2 grid 2x2x1; block 32x16x1 grid 2x2x1; block 64x4x1 grid 2x7x1; block 64x2x2 grid 2x4x1; block 64x1x4 grid 2x3x1; block 128x2x1 grid 2x13x1; block 128x1x2 grid 2x8x1{{$}}
// SRC: __shared__ kiln_vec<int, 16> wshared[288];
// SRC: if (cv >= 60) return;
func.func @dw3_c960_split(%x: tensor<1x5x5x960x!x>, %w: tensor<960x3x3x1x!w960>) -> tensor<1x5x5x960x!y> {
  %y = nn.conv %x, %w strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1] groups 960
       layout channels_last activation <clip, min = 0.0, max = 6.0>
       : (tensor<1x5x5x960x!x>, tensor<960x3x3x1x!w960>) -> tensor<1x5x5x960x!y>
  return %y : tensor<1x5x5x960x!y>
}
