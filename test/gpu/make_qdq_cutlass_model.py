#!/usr/bin/env python3
"""Writes a Q/DQ (fake-quantized) residual block whose INT8 convolutions the
CUTLASS kernels can run (check-int8.sh's cutlass modes): input 2x32x9x7,
a 3x3 stride-2 convolution 32->48 with batch norm and relu, a 1x1
convolution 48->48, a 1x1 stride-2 projection of the input 32->48 added as
the residual, relu. Odd spatial sizes, per-channel weight scales, seeded
random weights. --in-channels C makes the input (and the two convolutions
reading it) C channels wide: 272 gives the split-K configurations several
channel blocks of 64 to share, the last one partial. --channels K and
--size HxW change the 48 channels and the 9x7 input (e.g. 192 and 14x14:
output tiles in both directions, so several clusters of split-K blocks,
some of them past the last channel tile).

    make_qdq_cutlass_model.py OUT.mlir [--in-channels C] [--channels K] [--size HxW]
"""
import argparse

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--in-channels", type=int, default=32)
parser.add_argument("--channels", type=int, default=48)
parser.add_argument("--size", default="9x7")
args = parser.parse_args()
C, K = args.in_channels, args.channels
H, W = (int(v) for v in args.size.split("x"))
P, Q = (H - 1) // 2 + 1, (W - 1) // 2 + 1  # both stride-2 convolutions
rng = np.random.default_rng(2026)


def weights(k, c, r):
    values = rng.integers(-127, 128, size=(k, c, r, r))
    scales = rng.uniform(0.002, 0.006, size=k)
    return values, scales


def dense(values):
    return "dense<" + np.array2string(np.asarray(values), separator=", ", threshold=1 << 30,
                                      max_line_width=1 << 30).replace("\n", "") + ">"


def qtype(name, scales):
    return f"!{name} = !quant.uniform<i8:f32:0, {{{', '.join(f'{s:.6f}' for s in scales)}}}>"


w1, s1 = weights(K, C, 3)
w2, s2 = weights(K, K, 1)
w3, s3 = weights(K, C, 1)
gamma = rng.uniform(0.8, 1.2, K)
beta = rng.uniform(-0.2, 0.2, K)
mean = rng.uniform(-0.1, 0.1, K)
var = rng.uniform(0.7, 1.3, K)
f = lambda a: dense(np.round(a, 4))
Y = f"tensor<2x{K}x{P}x{Q}xf32>"


def conv(name, source, in_type, values, wtype, stride, pad):
    """A per-channel int8 filter, dequantized, and the convolution by it."""
    k, c, r, _ = values.shape
    shape = f"{k}x{c}x{r}x{r}"
    return (f"  %cw{name} = nn.constant {dense(values)} : tensor<{shape}xi8> as tensor<{shape}x!{wtype}>\n"
            f"  %dw{name} = nn.dequantize %cw{name} : tensor<{shape}x!{wtype}>\n"
            f"  %c{name} = nn.conv {source}, %dw{name} strides [{stride}, {stride}] pads [{pad}, {pad}, {pad}, {pad}] dilations [1, 1]\n"
            f"       : ({in_type}, tensor<{shape}xf32>) -> {Y}\n")


def requantize(name, value, qtype):
    """A Q/DQ pair on `value` of the block's output shape."""
    return (f"  %q{name} = nn.quantize {value} : {Y} to tensor<2x{K}x{P}x{Q}x!{qtype}>\n"
            f"  %d{name} = nn.dequantize %q{name} : tensor<2x{K}x{P}x{Q}x!{qtype}>\n")


X = f"tensor<2x{C}x{H}x{W}xf32>"
text = f"""// Made by test/gpu/make_qdq_cutlass_model.py (see there).
!a = !quant.uniform<i8:f32, 0.05>
!h = !quant.uniform<i8:f32, 0.04>
!p = !quant.uniform<i8:f32, 0.06>
!o = !quant.uniform<i8:f32, 0.05>
{qtype('w1', s1)}
{qtype('w2', s2)}
{qtype('w3', s3)}
func.func @qdq_cutlass_block(%x: {X}) -> {Y} {{
  %g = nn.constant {f(gamma)} : tensor<{K}xf32>
  %be = nn.constant {f(beta)} : tensor<{K}xf32>
  %mu = nn.constant {f(mean)} : tensor<{K}xf32>
  %var = nn.constant {f(var)} : tensor<{K}xf32>
  %q0 = nn.quantize %x : {X} to tensor<2x{C}x{H}x{W}x!a>
  %d0 = nn.dequantize %q0 : tensor<2x{C}x{H}x{W}x!a>
{conv(1, "%d0", X, w1, "w1", 2, 1)}  %bn = nn.batch_norm %c1, %g, %be, %mu, %var
       : {Y}, tensor<{K}xf32>, tensor<{K}xf32>, tensor<{K}xf32>, tensor<{K}xf32>
  %r1 = nn.relu %bn : {Y}
{requantize(1, "%r1", "h")}{conv(3, "%d0", X, w3, "w3", 2, 0)}{requantize(3, "%c3", "p")}{conv(2, "%d1", Y, w2, "w2", 1, 0)}  %sum = nn.add %c2, %d3 : ({Y}, {Y}) -> {Y}
  %r2 = nn.relu %sum : {Y}
{requantize(2, "%r2", "o")}  return %d2 : {Y}
}}
"""
with open(args.out, "w") as out:
    out.write(text)
