"""Cases of ort_sweep.py: ONNX graphs and the nn functions that mean the same.

Each case holds the ONNX nodes (graph inputs a0, a1, ...; outputs o0, ...),
initializers, the input arrays, and the nn function body whose arguments are
%arg0, ... and whose results are %r0, ...; `{in0}`, `{out0}`, ... in the body
stand for the tensor types (results take onnxruntime's shapes).
"""

import itertools

import numpy as np
from onnx import helper


class Case:
    def __init__(self, name, nodes, inputs, mlir, consts=None, num_outputs=1, opset=19,
                 rtol=1e-5, atol=1e-6, result_elements=None, input_elements=None,
                 returns=None):
        self.name, self.nodes, self.inputs, self.mlir = name, nodes, inputs, mlir
        self.consts = consts or {}
        self.num_outputs, self.opset, self.rtol, self.atol = num_outputs, opset, rtol, atol
        self.result_elements = result_elements or {}
        self.input_elements = input_elements or {}
        self.returns = returns


def node(op, inputs, outputs=("o0",), **attrs):
    return helper.make_node(op, list(inputs), list(outputs), **attrs)


def ints(values):
    return "[" + ", ".join(str(v) for v in values) + "]"


def rng(seed):
    return np.random.default_rng(seed)


def normal(r, *shape, dtype=np.float32):
    return r.standard_normal(shape).astype(dtype)


#===------------------------------------------------------------------------===#
# Convolutions
#===------------------------------------------------------------------------===#

def conv_cases():
    r = rng(1)
    cases = []
    configs = [
        # name, input, filter, strides, pads, dilations, groups
        ("1d", (2, 3, 11), (4, 3, 3), [2], [1, 2], [1], 1),
        ("2d_basic", (1, 3, 8, 8), (5, 3, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 1),
        ("2d_stride_asym_pads", (2, 4, 9, 7), (6, 4, 3, 2), [2, 3], [0, 1, 2, 1], [1, 1], 1),
        ("2d_dilated", (1, 2, 10, 10), (3, 2, 3, 3), [1, 1], [2, 2, 2, 2], [2, 3], 1),
        ("2d_groups", (1, 6, 7, 7), (9, 2, 3, 3), [1, 2], [1, 1, 1, 1], [1, 1], 3),
        ("2d_depthwise", (1, 8, 6, 6), (8, 1, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 8),
        ("2d_7x7_s2", (1, 3, 16, 16), (8, 3, 7, 7), [2, 2], [3, 3, 3, 3], [1, 1], 1),
        ("3d", (1, 2, 5, 6, 4), (3, 2, 3, 2, 3), [1, 2, 1], [1, 0, 1, 1, 1, 0], [1, 1, 2], 1),
    ]
    for name, xs, ws, strides, pads, dilations, groups in configs:
        x, w, b = normal(r, *xs), normal(r, *ws), normal(r, ws[0])
        attrs = dict(strides=strides, pads=pads, dilations=dilations, group=groups)
        g = f" groups {groups}" if groups != 1 else ""
        cases.append(Case(
            f"conv_{name}", [node("Conv", ["a0", "a1", "a2"], **attrs)], [x, w, b],
            f"  %r0 = nn.conv %arg0, %arg1 bias %arg2 strides {ints(strides)} pads {ints(pads)}"
            f" dilations {ints(dilations)}{g} : ({{in0}}, {{in1}}, {{in2}}) -> {{out0}}",
            rtol=1e-4, atol=1e-5))

    # Epilogues: bias + residual, then each activation.
    x, w, b = normal(r, 1, 4, 6, 6), normal(r, 5, 4, 3, 3), normal(r, 5)
    res = normal(r, 1, 5, 6, 6)
    activations = [
        ("relu", "<relu>", [node("Relu", ["s"])]),
        ("clip", "<clip, min = -0.5, max = 1.5>",
         [node("Clip", ["s", "lo", "hi"])]),
        ("leaky_relu", "<leaky_relu, alpha = 0.2>", [node("LeakyRelu", ["s"], alpha=0.2)]),
        ("elu", "<elu, alpha = 0.7>", [node("Elu", ["s"], alpha=0.7)]),
        ("sigmoid", "<sigmoid>", [node("Sigmoid", ["s"])]),
        ("tanh", "<tanh>", [node("Tanh", ["s"])]),
        ("gelu", "<gelu>", [node("Gelu", ["s"])]),
        ("gelu_tanh", "<gelu_tanh>", [node("Gelu", ["s"], approximate="tanh")]),
        ("silu", "<silu>", [node("Sigmoid", ["s"], ["sg"]), node("Mul", ["s", "sg"])]),
        ("hard_sigmoid", "<hard_sigmoid, alpha = 0.25, beta = 0.4>",
         [node("HardSigmoid", ["s"], alpha=0.25, beta=0.4)]),
        ("hard_swish", "<hard_swish>", [node("HardSwish", ["s"])]),
    ]
    for name, attr, tail in activations:
        nodes = [node("Conv", ["a0", "a1", "a2"], ["c"], pads=[1, 1, 1, 1]),
                 node("Add", ["c", "a3"], ["s"])] + tail
        cases.append(Case(
            f"conv_epilogue_{name}", nodes, [x, w, b, res],
            "  %r0 = nn.conv %arg0, %arg1 bias %arg2 residual %arg3 strides [1, 1]"
            f" pads [1, 1, 1, 1] dilations [1, 1] activation {attr}"
            " : ({in0}, {in1}, {in2}, {in3}) -> {out0}",
            consts={"lo": np.float32(-0.5), "hi": np.float32(1.5)} if name == "clip" else {},
            opset=20,
            rtol=1e-4, atol=1e-5))

    # channels_last: N×H×W×C input, M×KH×KW×C/g filter.
    x, w = normal(r, 2, 7, 6, 4), normal(r, 6, 3, 3, 2)
    nodes = [node("Transpose", ["a0"], ["xt"], perm=[0, 3, 1, 2]),
             node("Transpose", ["a1"], ["wt"], perm=[0, 3, 1, 2]),
             node("Conv", ["xt", "wt"], ["c"], group=2, strides=[2, 1], pads=[1, 0, 1, 1]),
             node("Transpose", ["c"], perm=[0, 2, 3, 1])]
    cases.append(Case(
        "conv_channels_last", nodes, [x, w],
        "  %r0 = nn.conv %arg0, %arg1 strides [2, 1] pads [1, 0, 1, 1] dilations [1, 1]"
        " groups 2 layout channels_last : ({in0}, {in1}) -> {out0}", rtol=1e-4, atol=1e-5))
    return cases


def conv_transpose_cases():
    r = rng(2)
    cases = []
    configs = [
        # name, input, filter (C × M/g × K…), strides, pads, dilations, output_padding, groups
        ("1d", (1, 3, 5), (3, 2, 3), [2], [0, 0], [1], [1], 1),
        ("2d_basic", (1, 4, 4, 4), (4, 3, 3, 3), [1, 1], [0, 0, 0, 0], [1, 1], [0, 0], 1),
        ("2d_stride_pad", (2, 4, 5, 3), (4, 2, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1], [1, 0], 1),
        ("2d_asym", (1, 2, 4, 5), (2, 3, 4, 2), [3, 2], [1, 0, 2, 1], [1, 1], [2, 1], 1),
        ("2d_dilated", (1, 2, 4, 4), (2, 2, 3, 3), [2, 1], [0, 1, 1, 0], [2, 2], [1, 0], 1),
        ("2d_groups", (1, 6, 3, 3), (6, 2, 3, 3), [2, 2], [1, 1, 1, 1], [1, 1], [1, 1], 3),
        ("3d", (1, 2, 3, 2, 3), (2, 2, 2, 3, 2), [2, 1, 2], [0, 1, 0, 1, 0, 1], [1, 1, 1],
         [1, 0, 0], 1),
    ]
    for name, xs, ws, strides, pads, dilations, output_padding, groups in configs:
        m = ws[1] * groups
        x, w, b = normal(r, *xs), normal(r, *ws), normal(r, m)
        attrs = dict(strides=strides, pads=pads, dilations=dilations,
                     output_padding=output_padding, group=groups)
        g = f" groups {groups}" if groups != 1 else ""
        cases.append(Case(
            f"conv_transpose_{name}", [node("ConvTranspose", ["a0", "a1", "a2"], **attrs)],
            [x, w, b],
            f"  %r0 = nn.conv_transpose %arg0, %arg1 bias %arg2 strides {ints(strides)}"
            f" pads {ints(pads)} dilations {ints(dilations)}"
            f" output_padding {ints(output_padding)}{g}"
            " : ({in0}, {in1}, {in2}) -> {out0}", rtol=1e-4, atol=1e-5))
    # channels_last: N×H×W×C input, C×KH×KW×M/g filter.
    x, w = normal(r, 1, 3, 4, 4), normal(r, 4, 3, 3, 3)
    nodes = [node("Transpose", ["a0"], ["xt"], perm=[0, 3, 1, 2]),
             node("Transpose", ["a1"], ["wt"], perm=[0, 3, 1, 2]),
             node("ConvTranspose", ["xt", "wt"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1],
                  output_padding=[1, 1]),
             node("Transpose", ["c"], perm=[0, 2, 3, 1])]
    cases.append(Case(
        "conv_transpose_channels_last", nodes, [x, w],
        "  %r0 = nn.conv_transpose %arg0, %arg1 strides [2, 2] pads [1, 1, 1, 1]"
        " dilations [1, 1] output_padding [1, 1] layout channels_last"
        " : ({in0}, {in1}) -> {out0}", rtol=1e-4, atol=1e-5))
    return cases


def matmul_cases():
    r = rng(3)
    cases = []
    shapes = [("2d", (3, 4), (4, 5)), ("vec_mat", (4,), (4, 3)), ("mat_vec", (2, 3, 4), (4,)),
              ("vec_vec", (6,), (6,)), ("batch_broadcast", (2, 1, 3, 4), (5, 4, 2)),
              ("batch_left", (3, 2, 4), (4, 3))]
    for name, a, b in shapes:
        cases.append(Case(
            f"matmul_{name}", [node("MatMul", ["a0", "a1"])], [normal(r, *a), normal(r, *b)],
            "  %r0 = nn.matmul %arg0, %arg1 : ({in0}, {in1}) -> {out0}", rtol=1e-4, atol=1e-5))
    # Epilogue: bias on the last dimension, residual, gelu.
    a, b, bias, res = normal(r, 2, 3, 4), normal(r, 4, 5), normal(r, 5), normal(r, 2, 3, 5)
    cases.append(Case(
        "matmul_epilogue",
        [node("MatMul", ["a0", "a1"], ["m"]), node("Add", ["m", "a2"], ["s"]),
         node("Add", ["s", "a3"], ["t"]), node("Gelu", ["t"])],
        [a, b, bias, res],
        "  %r0 = nn.matmul %arg0, %arg1 bias %arg2 residual %arg3 activation <gelu>"
        " : ({in0}, {in1}, {in2}, {in3}) -> {out0}", opset=20, rtol=1e-4, atol=1e-5))
    gemms = [("plain", (3, 4), (4, 5), (5,), {}, ""),
             ("trans_a", (4, 3), (4, 5), (1, 5), dict(transA=1), " trans_a"),
             ("trans_b_alpha_beta", (3, 4), (5, 4), (3, 1),
              dict(transB=1, alpha=0.5, beta=2.0), " alpha 0.5 beta 2.0 trans_b"),
             ("both_scalar_bias", (4, 3), (5, 4), (), dict(transA=1, transB=1, beta=-1.5),
              " beta -1.5 trans_a trans_b"),
             ("matrix_bias", (3, 4), (4, 5), (3, 5), dict(alpha=2.0), " alpha 2.0")]
    for name, a, b, c, attrs, text in gemms:
        bias = np.asarray(normal(r, *c)) if c else np.asarray(np.float32(0.75))
        cases.append(Case(
            f"gemm_{name}", [node("Gemm", ["a0", "a1", "a2"], **attrs)],
            [normal(r, *a), normal(r, *b), bias],
            f"  %r0 = nn.gemm %arg0, %arg1 bias %arg2{text} : ({{in0}}, {{in1}}, {{in2}})"
            " -> {out0}", rtol=1e-4, atol=1e-5))
    return cases


#===------------------------------------------------------------------------===#
# Pools, reductions, arg/top-k, scans
#===------------------------------------------------------------------------===#

def pool_cases():
    r = rng(4)
    cases = []
    configs = [
        # name, input, kernel, strides, pads, dilations, ceil, include_pad
        ("2d_basic", (1, 2, 6, 6), [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], 0, 0),
        ("2d_pads", (2, 3, 7, 5), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 0),
        ("2d_pads_include", (1, 2, 7, 5), [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0, 1),
        ("2d_ceil", (1, 2, 7, 7), [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], 1, 0),
        ("2d_ceil_pads", (1, 1, 6, 8), [3, 2], [2, 3], [1, 0, 1, 1], [1, 1], 1, 0),
        ("2d_ceil_include", (1, 2, 6, 8), [3, 2], [2, 3], [1, 0, 1, 1], [1, 1], 1, 1),
        ("2d_asym_pads_include", (1, 1, 5, 6), [2, 3], [1, 2], [0, 2, 1, 1], [1, 1], 0, 1),
        ("2d_dilated", (1, 2, 9, 9), [3, 3], [1, 2], [1, 1, 2, 2], [2, 2], 0, 0),
        ("2d_dilated_ceil_include", (1, 1, 8, 9), [2, 3], [3, 2], [1, 1, 1, 1], [2, 2], 1, 1),
        ("1d", (2, 3, 10), [3], [2], [1, 1], [1], 1, 0),
        ("3d", (1, 2, 5, 4, 6), [2, 2, 3], [2, 1, 2], [0, 1, 1, 1, 0, 1], [1, 1, 1], 0, 1),
    ]
    for name, xs, kernel, strides, pads, dilations, ceil, include in configs:
        x = normal(r, *xs)
        flags = (" ceil_mode" if ceil else "")
        for kind, op in (("max", "MaxPool"), ("avg", "AveragePool")):
            attrs = dict(kernel_shape=kernel, strides=strides, pads=pads, ceil_mode=ceil,
                         dilations=dilations)
            extra = flags
            if kind == "avg":
                attrs["count_include_pad"] = include
                extra += " count_include_pad" if include else ""
            elif include:
                continue  # count_include_pad means nothing to max pools
            cases.append(Case(
                f"pool_{kind}_{name}", [node(op, ["a0"], **attrs)], [x],
                f"  %r0 = nn.pool {kind} %arg0 kernel {ints(kernel)} strides {ints(strides)}"
                f" pads {ints(pads)} dilations {ints(dilations)}{extra}"
                " : ({in0}) -> {out0}", rtol=1e-5, atol=1e-6))
    # MaxPool's Indices output (row- and column-major) beside its values, on
    # integers drawn with ties; and MaxPool of uint8 and int8.
    ties = r.integers(-3, 4, size=(2, 3, 7, 6)).astype(np.float32)
    for name, kernel, strides, pads, dilations, ceil in (
            ("2d", [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 0),
            ("2d_dilated_ceil", [2, 2], [2, 1], [0, 1, 1, 0], [2, 1], 1)):
        for order in (0, 1):
            flags = (" ceil_mode" if ceil else "") + (" column_major" if order else "")
            window = (f"kernel {ints(kernel)} strides {ints(strides)} pads {ints(pads)}"
                      f" dilations {ints(dilations)}")
            cases.append(Case(
                f"pool_max_indices_{name}_order{order}",
                [node("MaxPool", ["a0"], ["o0", "o1"], kernel_shape=kernel, strides=strides,
                      pads=pads, dilations=dilations, ceil_mode=ceil, storage_order=order)],
                [ties],
                f"  %r0 = nn.pool max %arg0 {window}{' ceil_mode' if ceil else ''}"
                " : ({in0}) -> {out0}\n"
                f"  %r1 = nn.max_pool_indices %arg0 {window}{flags} : ({{in0}}) -> {{out1}}",
                num_outputs=2))
    for dtype in (np.uint8, np.int8):
        info = np.iinfo(dtype)
        x = r.integers(info.min, info.max + 1, size=(1, 2, 6, 5)).astype(dtype)
        cases.append(Case(
            f"pool_max_{np.dtype(dtype).name}",
            [node("MaxPool", ["a0"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1])],
            [x],
            "  %r0 = nn.pool max %arg0 kernel [3, 2] strides [2, 2] pads [1, 0, 1, 1]"
            " dilations [1, 1] : ({in0}) -> {out0}"))
    x = normal(r, 2, 3, 5, 4)
    for kind, op in (("max", "GlobalMaxPool"), ("avg", "GlobalAveragePool")):
        cases.append(Case(f"global_pool_{kind}", [node(op, ["a0"])], [x],
                          f"  %r0 = nn.global_pool {kind} %arg0 : ({{in0}}) -> {{out0}}"))
    # channels_last average pool.
    x = normal(r, 1, 6, 5, 3)
    cases.append(Case(
        "pool_avg_channels_last",
        [node("Transpose", ["a0"], ["t"], perm=[0, 3, 1, 2]),
         node("AveragePool", ["t"], ["p"], kernel_shape=[3, 2], strides=[2, 1],
              pads=[1, 0, 1, 1]),
         node("Transpose", ["p"], perm=[0, 2, 3, 1])], [x],
        "  %r0 = nn.pool avg %arg0 kernel [3, 2] strides [2, 1] pads [1, 0, 1, 1]"
        " dilations [1, 1] layout channels_last : ({in0}) -> {out0}"))
    return cases


def reduce_cases():
    r = rng(5)
    cases = []
    x = normal(r, 3, 4, 5)
    positive = np.abs(x) + 0.1
    onnx_ops = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax",
                "min": "ReduceMin", "prod": "ReduceProd", "l1": "ReduceL1", "l2": "ReduceL2",
                "sum_square": "ReduceSumSquare", "log_sum": "ReduceLogSum",
                "log_sum_exp": "ReduceLogSumExp"}
    for (kind, op), (axes, keep) in itertools.product(
            onnx_ops.items(), [([1], 1), ([0, 2], 0), ([0, 1, 2], 1)]):
        data = positive if kind == "log_sum" else x
        cases.append(Case(
            f"reduce_{kind}_{'_'.join(map(str, axes))}_{'keep' if keep else 'drop'}",
            [node(op, ["a0", "axes"], keepdims=keep)], [data],
            f"  %r0 = nn.reduce {kind} %arg0 axes {ints(axes)}{' keep_dims' if keep else ''}"
            " : {in0}", consts={"axes": np.array(axes, np.int64)}, opset=18,
            rtol=1e-5, atol=1e-5))
    xi = r.integers(-20, 20, (4, 6)).astype(np.int32)
    for kind in ("sum", "max", "min", "prod", "mean"):
        cases.append(Case(
            f"reduce_{kind}_int32", [node(onnx_ops[kind], ["a0", "axes"], keepdims=0)], [xi],
            f"  %r0 = nn.reduce {kind} %arg0 axes [1] : {{in0}}",
            consts={"axes": np.array([1], np.int64)}, opset=18))
    # Arg max/min with ties.
    t = r.integers(0, 3, (4, 5, 3)).astype(np.float32)
    for (name, op), axis, keep, last in itertools.product(
            (("arg_max", "ArgMax"), ("arg_min", "ArgMin")), (0, 1, 2), (0, 1), (0, 1)):
        flags = (" keep_dims" if keep else "") + (" select_last_index" if last else "")
        cases.append(Case(
            f"{name}_axis{axis}_keep{keep}_last{last}",
            [node(op, ["a0"], axis=axis, keepdims=keep, select_last_index=last)], [t],
            f"  %r0 = nn.{name} %arg0 axis {axis}{flags} : {{in0}}"))
    # Top-k with ties: lower indices first.
    for axis, k, largest in ((1, 3, 1), (1, 2, 0), (0, 4, 1), (2, 1, 0)):
        flags = "" if largest else " smallest"
        cases.append(Case(
            f"top_k_axis{axis}_k{k}_{'largest' if largest else 'smallest'}",
            [node("TopK", ["a0", "k"], ["o0", "o1"], axis=axis, largest=largest, sorted=1)],
            [t], f"  %r0, %r1 = nn.top_k %arg0 k {k} axis {axis}{flags} : {{in0}}",
            consts={"k": np.array([k], np.int64)}, num_outputs=2))
    # CumSum.
    c = normal(r, 3, 5)
    ci = r.integers(-5, 5, (2, 4)).astype(np.int64)
    for data, axis, exclusive, reverse in ((c, 1, 0, 0), (c, 1, 1, 0), (c, 0, 0, 1),
                                           (c, 1, 1, 1), (ci, 1, 1, 1)):
        flags = (" exclusive" if exclusive else "") + (" reverse" if reverse else "")
        cases.append(Case(
            f"cumsum_{data.dtype}_axis{axis}{flags.replace(' ', '_')}",
            [node("CumSum", ["a0", "axis"], exclusive=exclusive, reverse=reverse)], [data],
            f"  %r0 = nn.cumsum %arg0 axis {axis}{flags} : {{in0}}",
            consts={"axis": np.array(axis, np.int64)}))
    return cases


#===------------------------------------------------------------------------===#
# Normalizations and softmax
#===------------------------------------------------------------------------===#

def norm_cases():
    r = rng(6)
    cases = []
    x = normal(r, 2, 4, 5, 3)
    scale, bias, mean = normal(r, 4), normal(r, 4), normal(r, 4)
    var = np.abs(normal(r, 4)) + 0.5
    cases.append(Case(
        "batch_norm", [node("BatchNormalization", ["a0", "a1", "a2", "a3", "a4"],
                            epsilon=1e-3)],
        [x, scale, bias, mean, var],
        "  %r0 = nn.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 epsilon 1.0e-3"
        " : {in0}, {in1}, {in2}, {in3}, {in4}", rtol=1e-5, atol=1e-5))
    cases.append(Case(
        "instance_norm", [node("InstanceNormalization", ["a0", "a1", "a2"], epsilon=1e-4)],
        [x, scale, bias],
        "  %r0 = nn.instance_norm %arg0, %arg1, %arg2 epsilon 1.0e-4 : {in0}, {in1}, {in2}",
        rtol=1e-4, atol=1e-5))
    xg = normal(r, 2, 6, 4, 3)
    sg, bg = normal(r, 6), normal(r, 6)
    cases.append(Case(
        "group_norm", [node("GroupNormalization", ["a0", "a1", "a2"], num_groups=3,
                            epsilon=1e-5)],
        [xg, sg, bg],
        "  %r0 = nn.group_norm %arg0, %arg1, %arg2 groups 3 : {in0}, {in1}, {in2}",
        opset=21, rtol=1e-4, atol=1e-5))
    xl = normal(r, 2, 3, 8)
    for axis, sshape, with_bias in ((2, (8,), True), (1, (3, 8), True), (2, (8,), False),
                                    (1, (1, 8), True)):
        inputs = [xl, normal(r, *sshape)] + ([normal(r, *sshape)] if with_bias else [])
        args = ", ".join(f"%arg{i}" for i in range(len(inputs)))
        types = ", ".join(f"{{in{i}}}" for i in range(len(inputs)))
        cases.append(Case(
            f"layer_norm_axis{axis}_{'bias' if with_bias else 'nobias'}_{len(sshape)}d",
            [node("LayerNormalization", [f"a{i}" for i in range(len(inputs))], axis=axis,
                  epsilon=1e-5)],
            inputs, f"  %r0 = nn.layer_norm {args} axis {axis} : {types}", opset=17,
            rtol=1e-4, atol=1e-5))
    xr = normal(r, 1, 7, 3, 3)
    for size in (1, 3, 5):  # onnxruntime rejects even sizes
        cases.append(Case(
            f"lrn_size{size}",
            [node("LRN", ["a0"], size=size, alpha=0.02, beta=0.75, bias=1.5)], [xr],
            f"  %r0 = nn.lrn %arg0 size {size} alpha 0.02 beta 0.75 bias 1.5 : {{in0}}",
            rtol=1e-5, atol=1e-6))
    xs = normal(r, 2, 3, 4) * 10
    for axis in (0, 1, 2):
        cases.append(Case(f"softmax_axis{axis}", [node("Softmax", ["a0"], axis=axis)], [xs],
                          f"  %r0 = nn.softmax %arg0 axis {axis} : {{in0}}",
                          rtol=1e-5, atol=1e-6))
        cases.append(Case(f"log_softmax_axis{axis}", [node("LogSoftmax", ["a0"], axis=axis)],
                          [xs], f"  %r0 = nn.log_softmax %arg0 axis {axis} : {{in0}}",
                          rtol=1e-5, atol=1e-5))
    return cases
