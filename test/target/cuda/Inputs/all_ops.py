#!/usr/bin/env python3
"""Writes one function per (op, dtype, attribute variant) the CUDA kernel
emitter supports, for the lit tests that compile them all with NVRTC.

Each function body is one group: the arguments are its inputs, the returned
values its outputs. The argument names a section (pointwise, rows, windows,
shuffles, convs; all by default); the module goes to stdout."""

import sys

SECTION = sys.argv[1] if len(sys.argv) > 1 else "all"

FLOATS = ["f32", "f16", "bf16"]
INTS = ["i8", "ui8", "i32", "i64"]
QI8 = "!quant.uniform<i8:f32, 0.05:-3>"
QU8 = "!quant.uniform<u8:f32, 0.1:128>"
QAXIS = "!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3, 0.4}>"

functions = []
section = None


def begin(name):
    global section
    section = name


def t(shape, dtype):
    dims = "x".join(str(s) for s in shape)
    return f"tensor<{dims}x{dtype}>" if dims else f"tensor<{dtype}>"


def name_of(*parts):
    text = "_".join(str(p) for p in parts)
    for a, b in [("!quant.uniform<", "q"), (":", "_"), (",", "_"), (" ", ""), (">", ""),
                 ("{", ""), ("}", ""), (".", "p"), ("-", "m")]:
        text = text.replace(a, b)
    return text


def func(name, args, results, body):
    """args: list of types; results: list of (value, type); body: lines using %a0..."""
    if SECTION not in ("all", section):
        return
    params = ", ".join(f"%a{i}: {ty}" for i, ty in enumerate(args))
    rtypes = ", ".join(ty for _, ty in results)
    rvals = ", ".join(v for v, _ in results)
    lines = [f"func.func @{name}({params}) -> ({rtypes}) {{"]
    lines += ["  " + line for line in body]
    lines.append(f"  return {rvals} : {rtypes}")
    lines.append("}")
    functions.append("\n".join(lines))


begin("pointwise")
# Pointwise: unary.
FLOAT_UNARY = ["relu", "sigmoid", "tanh", "silu", "hard_swish", "gelu", "softplus", "exp",
               "log", "sqrt", "rsqrt", "erf", "reciprocal", "floor", "ceil", "round", "sin",
               "cos"]
for dtype in FLOATS + ["f64"]:
    ty = t([4, 33], dtype)
    for op in FLOAT_UNARY:
        func(name_of(op, dtype), [ty], [("%r", ty)], [f"%r = nn.{op} %a0 : {ty}"])
    for op, attrs in [("gelu", "approximation tanh"), ("leaky_relu", "alpha 0.2"),
                      ("elu", "alpha 0.5"), ("hard_sigmoid", "alpha 0.25 beta 0.4")]:
        func(name_of(op, "attrs", dtype), [ty], [("%r", ty)],
             [f"%r = nn.{op} %a0 {attrs} : {ty}"])
for dtype in FLOATS + INTS + ["i16", "f64"]:
    ty = t([2, 3, 8], dtype)
    for op in ["abs", "neg", "sign"]:
        func(name_of(op, dtype), [ty], [("%r", ty)], [f"%r = nn.{op} %a0 : {ty}"])
    for bounds in ["min 0.0 max 6.0", "min -1.5", "max 100.7"]:
        func(name_of("clip", dtype, *bounds.split()[::2]), [ty], [("%r", ty)],
             [f"%r = nn.clip %a0 {bounds} : {ty}"])
func("not_i1", [t([17], "i1")], [("%r", t([17], "i1"))], [f"%r = nn.not %a0 : {t([17], 'i1')}"])

# Pointwise: binary with broadcasting.
for dtype in FLOATS + INTS + ["f64"]:
    big, small = t([2, 4, 8], dtype), t([4, 1], dtype)
    for op in ["add", "sub", "mul", "div", "pow", "max", "min"]:
        func(name_of(op, dtype), [big, small], [("%r", big)],
             [f"%r = nn.{op} %a0, %a1 : ({big}, {small}) -> {big}"])
    func(name_of("prelu", dtype), [big, t([8], dtype)], [("%r", big)],
         [f"%r = nn.prelu %a0, %a1 : ({big}, {t([8], dtype)}) -> {big}"])
    fmods = ["fmod"] if dtype in FLOATS + ["f64"] else ["fmod", ""]
    for fmod in fmods:
        func(name_of("mod", dtype, fmod or "python"), [big, big], [("%r", big)],
             [f"%r = nn.mod %a0, %a1 {fmod} : ({big}, {big}) -> {big}".replace("  ", " ")])
    b1 = t([2, 4, 8], "i1")
    for op in ["equal", "greater", "greater_equal", "less", "less_equal"]:
        func(name_of(op, dtype), [big, small], [("%r", b1)],
             [f"%r = nn.{op} %a0, %a1 : ({big}, {small}) -> {b1}"])
b1 = t([5, 6], "i1")
for op in ["and", "or", "xor", "equal"]:
    func(name_of(op, "i1"), [b1, t([6], "i1")], [("%r", b1)],
         [f"%r = nn.{op} %a0, %a1 : ({b1}, {t([6], 'i1')}) -> {b1}"])
for dtype in ["f16", "i8", QI8, "i1"]:
    x = t([3, 5], dtype)
    func(name_of("where", dtype), [t([3, 1], "i1"), x, t([5], dtype)], [("%r", x)],
         [f"%r = nn.where %a0, %a1, %a2 : {t([3, 1], 'i1')}, {x}, {t([5], dtype)}"])

# Quantized arithmetic and Q/DQ.
for q in [QI8, QU8]:
    x = t([2, 16], q)
    func(name_of("add_q", q), [x, x], [("%r", t([2, 16], QU8))],
         [f"%r = nn.add %a0, %a1 : ({x}, {x}) -> {t([2, 16], QU8)}"])
    func(name_of("add_qf", q), [x, x], [("%r", t([2, 16], "f32"))],
         [f"%r = nn.add %a0, %a1 : ({x}, {x}) -> {t([2, 16], 'f32')}"])
for q in [QI8, QU8, QAXIS, "!quant.uniform<i8:f16, 0.25:1>", "!quant.uniform<i32:f32, 0.001>",
          "!quant.uniform<u8:f64, 0.1:3>"]:
    expressed = "f16" if ":f16" in q else "f64" if ":f64" in q else "f32"
    f, qt = t([2, 4, 3, 3], expressed), t([2, 4, 3, 3], q)
    func(name_of("quantize", q), [f], [("%r", qt)], [f"%r = nn.quantize %a0 : {f} to {qt}"])
    func(name_of("dequantize", q), [qt], [("%r", f)], [f"%r = nn.dequantize %a0 : {qt}"])

# Casts between every pair.
CASTS = ["f32", "f16", "bf16", "f64", "i8", "ui8", "i16", "i32", "i64", "ui32", "ui64", "i1"]
for a in CASTS:
    for b in CASTS:
        if a != b:
            func(name_of("cast", a, b), [t([3, 7], a)], [("%r", t([3, 7], b))],
                 [f"%r = nn.cast %a0 : {t([3, 7], a)} to {t([3, 7], b)}"])

# A fused chain with inline constants (a splat and a table).
x = t([2, 8, 4, 4], "f16")
func("chain_constants_f16", [x], [("%r", x), ("%m", t([2, 8, 4, 4], "i1"))], [
    f"%c = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : {t([4], 'f16')}",
    f"%s = nn.constant dense<0.5> : {t([], 'f16')}",
    f"%0 = nn.mul %a0, %c : ({x}, {t([4], 'f16')}) -> {x}",
    f"%1 = nn.add %0, %s : ({x}, {t([], 'f16')}) -> {x}",
    f"%r = nn.gelu %1 : {x}",
    f"%m = nn.greater %r, %s : ({x}, {t([], 'f16')}) -> {t([2, 8, 4, 4], 'i1')}",
])

begin("rows")
# Normalizations and softmax.
for dtype in FLOATS + ["f64"]:
    for layout, shape in [("", [2, 8, 6, 6]), ("layout channels_last", [2, 6, 6, 8])]:
        x, c = t(shape, dtype), t([8], dtype)
        tag = "cl" if layout else "cf"
        func(name_of("batch_norm", dtype, tag), [x, c, c, c, c], [("%r", x)],
             [f"%r = nn.batch_norm %a0, %a1, %a2, %a3, %a4 epsilon 1.0e-03 {layout} : {x}, {c}, {c}, {c}, {c}"])
        func(name_of("instance_norm", dtype, tag), [x, c, c], [("%r", x)],
             [f"%r = nn.instance_norm %a0, %a1, %a2 {layout} : {x}, {c}, {c}"])
        func(name_of("group_norm", dtype, tag), [x, c, c], [("%r", x)],
             [f"%r = nn.group_norm %a0, %a1, %a2 groups 4 {layout} : {x}, {c}, {c}"])
        func(name_of("lrn", dtype, tag), [x], [("%r", x)],
             [f"%r = nn.lrn %a0 size 3 alpha 1.0e-02 beta 7.5e-01 bias 2.0 {layout} : {x}"])
    x = t([2, 5, 768], dtype)
    g = t([768], dtype)
    func(name_of("layer_norm", dtype), [x, g, g], [("%r", x)],
         [f"%r = nn.layer_norm %a0, %a1, %a2 axis 2 : {x}, {g}, {g}"])
    func(name_of("layer_norm_nobias_axis1", dtype), [x, t([5, 1], dtype)], [("%r", x)],
         [f"%r = nn.layer_norm %a0, %a1 axis 1 epsilon 1.0e-06 : {x}, {t([5, 1], dtype)}"])
    big = t([2, 40000], dtype)
    func(name_of("layer_norm_long", dtype), [big, t([40000], dtype)], [("%r", big)],
         [f"%r = nn.layer_norm %a0, %a1 axis 1 : {big}, {t([40000], dtype)}"])
    for op in ["softmax", "log_softmax"]:
        for axis, shape in [(3, [2, 3, 4, 100]), (1, [2, 64, 3, 3]), (1, [4, 5000]), (0, [7, 3])]:
            x = t(shape, dtype)
            func(name_of(op, dtype, "axis", axis, shape[axis]), [x], [("%r", x)],
                 [f"%r = nn.{op} %a0 axis {axis} : {x}"])
# Softmax and the normalizations with a float cast fused after them (an FP16
# network's f32 output): the result rounds to the op's type, then converts.
for src, dst in [("f16", "f32"), ("bf16", "f32"), ("f32", "f16"), ("f16", "bf16")]:
    x, y = t([2, 5, 768], src), t([2, 5, 768], dst)
    g = t([768], src)
    func(name_of("layer_norm_cast", src, dst), [x, g, g], [("%c", y)],
         [f"%r = nn.layer_norm %a0, %a1, %a2 axis 2 : {x}, {g}, {g}",
          f"%c = nn.cast %r : {x} to {y}"])
    x, y = t([4, 1000], src), t([4, 1000], dst)
    for op in ["softmax", "log_softmax"]:
        func(name_of(op, "cast", src, dst), [x], [("%c", y)],
             [f"%r = nn.{op} %a0 axis 1 : {x}", f"%c = nn.cast %r : {x} to {y}"])
    x, y, c = t([2, 6, 6, 8], src), t([2, 6, 6, 8], dst), t([8], src)
    func(name_of("group_norm_cast", src, dst), [x, c, c], [("%c", y)],
         [f"%r = nn.group_norm %a0, %a1, %a2 groups 4 layout channels_last : {x}, {c}, {c}",
          f"%c = nn.cast %r : {x} to {y}"])
    func(name_of("instance_norm_cast", src, dst), [x, c, c], [("%c", y)],
         [f"%r = nn.instance_norm %a0, %a1, %a2 layout channels_last : {x}, {c}, {c}",
          f"%c = nn.cast %r : {x} to {y}"])

begin("windows")
# Pools.
POOLS = [
    ("max", "kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1]", [1, 4, 9, 9], [1, 4, 5, 5]),
    ("max", "kernel [2, 2] strides [2, 2] pads [0, 0, 1, 1] dilations [2, 2] ceil_mode", [1, 4, 8, 8], [1, 4, 4, 4]),
    ("avg", "kernel [3, 3] strides [1, 1] pads [1, 1, 1, 1] dilations [1, 1]", [1, 4, 6, 6], [1, 4, 6, 6]),
    ("avg", "kernel [3, 3] strides [2, 2] pads [1, 1, 1, 1] dilations [1, 1] ceil_mode count_include_pad", [1, 4, 8, 8], [1, 4, 5, 5]),
    ("avg", "kernel [4] strides [3] pads [1, 2] dilations [1]", [2, 3, 10], [2, 3, 4]),
    ("max", "kernel [2, 2, 2] strides [1, 2, 2] pads [0, 0, 0, 0, 0, 0] dilations [1, 1, 1]", [1, 2, 4, 6, 6], [1, 2, 3, 3, 3]),
]
for dtype in FLOATS + ["f64"]:
    for i, (kind, attrs, ins, outs) in enumerate(POOLS):
        x, y = t(ins, dtype), t(outs, dtype)
        func(name_of("pool", kind, i, dtype), [x], [("%r", y)],
             [f"%r = nn.pool {kind} %a0 {attrs} : ({x}) -> {y}"])
        cl = lambda s: [s[0]] + s[2:] + [s[1]]
        x, y = t(cl(ins), dtype), t(cl(outs), dtype)
        func(name_of("pool", kind, i, dtype, "cl"), [x], [("%r", y)],
             [f"%r = nn.pool {kind} %a0 {attrs} layout channels_last : ({x}) -> {y}"])
# Max pools of ONNX MaxPool's integer types (the window's max of the
# integers; a window wholly in the padding gives the type's minimum).
for dtype in ["ui8", "i8"]:
    for i, (kind, attrs, ins, outs) in enumerate(POOLS):
        if kind != "max":
            continue
        x, y = t(ins, dtype), t(outs, dtype)
        func(name_of("pool", kind, i, dtype), [x], [("%r", y)],
             [f"%r = nn.pool {kind} %a0 {attrs} : ({x}) -> {y}"])
# Channels-last max pools run vectors of channels per thread (16 bytes when
# the channels allow it, 8 or 4 otherwise).
for dtype in ["ui8", "i8", QI8, QU8]:
    for c in [32, 8]:
        for i, (kind, attrs, ins, outs) in enumerate(POOLS):
            if kind != "max" or len(ins) != 4:
                continue
            x, y = t([ins[0]] + ins[2:] + [c], dtype), t([outs[0]] + outs[2:] + [c], dtype)
            func(name_of("pool", kind, i, dtype, "cl", c), [x], [("%r", y)],
                 [f"%r = nn.pool {kind} %a0 {attrs} layout channels_last : ({x}) -> {y}"])
for dtype in FLOATS:
    x, y = t([2, 9, 9, 24], dtype), t([2, 5, 5, 24], dtype)
    func(name_of("pool_max_cl_24", dtype), [x], [("%r", y)],
         [f"%r = nn.pool max %a0 {POOLS[0][1]} layout channels_last : ({x}) -> {y}"])
for q in [QI8, QU8, QAXIS]:
    x, y = t([1, 4, 9, 9], q), t([1, 4, 5, 5], q)
    func(name_of("pool_max", q), [x], [("%r", y)],
         [f"%r = nn.pool max %a0 {POOLS[0][1]} : ({x}) -> {y}"])
    yq = t([1, 4, 6, 6], QI8)
    func(name_of("pool_avg", q), [t([1, 4, 6, 6], q)], [("%r", yq)],
         [f"%r = nn.pool avg %a0 {POOLS[2][1]} : ({t([1, 4, 6, 6], q)}) -> {yq}"])
for dtype in FLOATS + [QI8, QAXIS]:
    for kind in ["max", "avg"]:
        out = dtype if kind == "max" or dtype in FLOATS else "f32"
        x, y = t([2, 4, 7, 7], dtype), t([2, 4, 1, 1], out)
        func(name_of("global_pool", kind, dtype), [x], [("%r", y)],
             [f"%r = nn.global_pool {kind} %a0 : ({x}) -> {y}"])
        if dtype == QAXIS:
            continue
        x, y = t([2, 7, 7, 4], dtype), t([2, 1, 1, 4], out)
        func(name_of("global_pool", kind, dtype, "cl"), [x], [("%r", y)],
             [f"%r = nn.global_pool {kind} %a0 layout channels_last : ({x}) -> {y}"])

begin("rows")
# Reductions, arg max/min, top-k, cumsum.
KINDS = ["sum", "mean", "max", "min", "prod", "l1", "l2", "sum_square", "log_sum", "log_sum_exp"]
for dtype in FLOATS + INTS + ["f64"]:
    x = t([3, 4, 50], dtype)
    for kind in KINDS:
        if dtype in INTS and kind.startswith("log"):
            continue
        func(name_of("reduce", kind, dtype), [x], [("%r", t([3, 4], dtype))],
             [f"%r = nn.reduce {kind} %a0 axes [2] : {x}"])
    func(name_of("reduce_outer_keep", dtype), [x], [("%r", t([1, 4, 1], dtype))],
         [f"%r = nn.reduce sum %a0 axes [0, 2] keep_dims : {x}"])
    func(name_of("reduce_middle", dtype), [x], [("%r", t([3, 50], dtype))],
         [f"%r = nn.reduce max %a0 axes [1] : {x}"])
    func(name_of("reduce_all", dtype), [x], [("%r", t([], dtype))],
         [f"%r = nn.reduce mean %a0 axes [0, 1, 2] : {x}"])
    for op in ["arg_max", "arg_min"]:
        for attrs in ["", "keep_dims select_last_index"]:
            for axis, out in [(2, [3, 4]), (1, [3, 50])]:
                shape = list(out)
                if attrs:
                    shape.insert(axis, 1)
                func(name_of(op, dtype, axis, "last" if attrs else "first"), [x],
                     [("%r", t(shape, "i64"))], [f"%r = nn.{op} %a0 axis {axis} {attrs} : {x}"])
    for attrs, k, axis, shape in [("", 5, 1, [4, 300]), ("smallest", 3, 0, [10, 4]),
                                  ("", 7, 1, [2, 20000])]:
        x = t(shape, dtype)
        out = list(shape)
        out[axis] = k
        func(name_of("top_k", dtype, attrs or "largest", shape[axis]), [x],
             [("%v", t(out, dtype)), ("%i", t(out, "i64"))],
             [f"%v, %i = nn.top_k %a0 k {k} axis {axis} {attrs} : {x}"])
    for attrs in ["", "exclusive", "reverse", "exclusive reverse"]:
        for axis, shape in [(1, [3, 300]), (0, [5, 6])]:
            x = t(shape, dtype)
            func(name_of("cumsum", dtype, attrs or "plain", axis), [x], [("%r", x)],
                 [f"%r = nn.cumsum %a0 axis {axis} {attrs} : {x}"])

begin("shuffles")
# Data movement.
for dtype in ["f32", "f16", "bf16", "i8", "i64", "i1", QI8]:
    a, b = t([2, 4, 3, 8], dtype), t([2, 4, 5, 8], dtype)
    func(name_of("concat", dtype), [a, b], [("%r", t([2, 4, 8, 8], dtype))],
         [f"%r = nn.concat %a0, %a1 axis 2 : {a}, {b}"])
    x = t([2, 4, 8, 8], dtype)
    func(name_of("split", dtype), [x], [("%p", a), ("%q", b)],
         [f"%p, %q = nn.split %a0 axis 2 sizes [3, 5] : {x}"])
    func(name_of("slice", dtype), [x], [("%r", t([2, 2, 4, 8], dtype))],
         [f"%r = nn.slice %a0 starts [0, 1, 1, 0] ends [2, 4, 8, 8] steps [1, 2, 2, 1] : {x}"])
    func(name_of("slice_negative", dtype), [x], [("%r", t([2, 4, 4, 3], dtype))],
         [f"%r = nn.slice %a0 starts [0, 0, 7, 6] ends [2, 4, -1, 0] steps [1, 1, -2, -2] : {x}"])
    func(name_of("reshape", dtype), [x], [("%r", t([8, 64], dtype))],
         [f"%r = nn.reshape %a0 : {x} to {t([8, 64], dtype)}"])
    func(name_of("flatten", dtype), [x], [("%r", t([8, 64], dtype))],
         [f"%r = nn.flatten %a0 axis 2 : {x}"])
    func(name_of("transpose_tiled", dtype), [t([2, 32, 20, 20], dtype)],
         [("%r", t([2, 20, 20, 32], dtype))],
         [f"%r = nn.transpose %a0 permutation [0, 2, 3, 1] : {t([2, 32, 20, 20], dtype)}"])
    func(name_of("transpose_inner_kept", dtype), [x], [("%r", t([4, 2, 8, 8], dtype))],
         [f"%r = nn.transpose %a0 permutation [1, 0, 2, 3] : {x}"])
    func(name_of("transpose_small", dtype), [t([2, 3, 5], dtype)], [("%r", t([5, 2, 3], dtype))],
         [f"%r = nn.transpose %a0 permutation [2, 0, 1] : {t([2, 3, 5], dtype)}"])
    for mode in ["constant", "reflect", "edge", "wrap"]:
        func(name_of("pad", mode, dtype), [x], [("%r", t([2, 4, 11, 10], dtype))],
             [f"%r = nn.pad %a0 pads [0, 0, 2, 1, 0, 0, 1, 1] mode {mode} value 1.5 : {x}"])
    func(name_of("pad_crop", dtype), [x], [("%r", t([2, 4, 9, 6], dtype))],
         [f"%r = nn.pad %a0 pads [0, 0, -1, 0, 0, 0, 2, -2] mode reflect : {x}"])
    for index in ["i32", "i64"]:
        func(name_of("gather", dtype, index), [x, t([3, 2], index)],
             [("%r", t([2, 3, 2, 8, 8], dtype))],
             [f"%r = nn.gather %a0, %a1 axis 1 : {x}, {t([3, 2], index)}"])
        func(name_of("gather_elements", dtype, index), [x, t([2, 4, 8, 3], index)],
             [("%r", t([2, 4, 8, 3], dtype))],
             [f"%r = nn.gather_elements %a0, %a1 axis 3 : {x}, {t([2, 4, 8, 3], index)}"])
    func(name_of("expand", dtype), [t([4, 1, 8], dtype)], [("%r", t([3, 4, 5, 8], dtype))],
         [f"%r = nn.expand %a0 shape [3, 1, 5, 1] : {t([4, 1, 8], dtype)}"])
    func(name_of("tile", dtype), [t([4, 3], dtype)], [("%r", t([8, 9], dtype))],
         [f"%r = nn.tile %a0 repeats [2, 3] : {t([4, 3], dtype)}"])
    func(name_of("resize_nearest", dtype), [t([1, 4, 5, 5], dtype)], [("%r", t([1, 4, 10, 10], dtype))],
         [f"%r = nn.resize %a0 mode nearest coordinate_transform asymmetric nearest_mode floor scales [1.0, 1.0, 2.0, 2.0] : {t([1, 4, 5, 5], dtype)} to {t([1, 4, 10, 10], dtype)}"])

# Per-axis quantized tensors (4 channels along dimension 1) keep their
# storage through shuffles; a transpose moves the quantized dimension.
a, b, x = t([2, 4, 3, 8], QAXIS), t([2, 4, 5, 8], QAXIS), t([2, 4, 8, 8], QAXIS)
func("concat_qaxis", [a, b], [("%r", x)], [f"%r = nn.concat %a0, %a1 axis 2 : {a}, {b}"])
moved = t([2, 8, 8, 4], QAXIS.replace("f32:1", "f32:3"))
func("transpose_qaxis", [x], [("%r", moved)],
     [f"%r = nn.transpose %a0 permutation [0, 2, 3, 1] : {x}"])
func("pad_qaxis", [x], [("%r", t([2, 4, 10, 9], QAXIS))],
     [f"%r = nn.pad %a0 pads [0, 0, 1, 0, 0, 0, 1, 1] value 0.3 : {x}"])

# A pad or transpose with a float cast fused before or after it: a reformat
# that converts as it moves (the image's f32 -> f16 and NCHW -> NHWC with the
# first conv's channel padding; an NHWC result transposed back and widened).
for src, dst in [("f32", "f16"), ("f16", "f32"), ("f32", "bf16"), ("bf16", "f32"),
                 ("f16", "bf16"), ("bf16", "f16")]:
    x, c = t([2, 4, 8, 8], src), t([2, 4, 8, 8], dst)
    padded = t([2, 4, 11, 10], dst)
    for mode in ["constant", "reflect"]:
        func(name_of("cast_pad", mode, src, dst), [x], [("%r", padded)],
             [f"%c = nn.cast %a0 : {x} to {c}",
              f"%r = nn.pad %c pads [0, 0, 2, 1, 0, 0, 1, 1] mode {mode} value 1.5 : {c}"])
    # Fill values the pad's own type rounds (0.1), overflows (1e5 in f16) or
    # holds as its lowest value: the fill rounds to the pad's type first.
    for value, tag in [("1.5", "1p5"), ("0.1", "0p1"), ("1.0e+05", "1e5"),
                       ("-3.4e+38", "lowest")]:
        func(name_of("pad_cast", tag, src, dst), [x], [("%r", padded)],
             [f"%p = nn.pad %a0 pads [0, 0, 2, 1, 0, 0, 1, 1] value {value} : {x}",
              f"%r = nn.cast %p : {t([2, 4, 11, 10], src)} to {padded}"])
    wide, nhwc = t([2, 32, 20, 20], src), t([2, 20, 20, 32], dst)
    func(name_of("cast_transpose_tiled", src, dst), [wide], [("%r", nhwc)],
         [f"%c = nn.cast %a0 : {wide} to {t([2, 32, 20, 20], dst)}",
          f"%r = nn.transpose %c permutation [0, 2, 3, 1] : {t([2, 32, 20, 20], dst)}"])
    func(name_of("transpose_tiled_cast", src, dst), [wide], [("%r", nhwc)],
         [f"%p = nn.transpose %a0 permutation [0, 2, 3, 1] : {wide}",
          f"%r = nn.cast %p : {t([2, 20, 20, 32], src)} to {nhwc}"])
    small = t([2, 3, 5], src)
    func(name_of("cast_transpose_small", src, dst), [small], [("%r", t([5, 2, 3], dst))],
         [f"%c = nn.cast %a0 : {small} to {t([2, 3, 5], dst)}",
          f"%r = nn.transpose %c permutation [2, 0, 1] : {t([2, 3, 5], dst)}"])
    func(name_of("transpose_small_cast", src, dst), [small], [("%r", t([5, 2, 3], dst))],
         [f"%p = nn.transpose %a0 permutation [2, 0, 1] : {small}",
          f"%r = nn.cast %p : {t([5, 2, 3], src)} to {t([5, 2, 3], dst)}"])
# The image's case: an NCHW f32 input read as NHWC through strides, converted
# to f16 and its 3 channels padded to 8, in one kernel.
image = "tensor<2x5x6x3xf32> {kiln.strides = array<i64: 90, 6, 1, 30>}"
func("cast_pad_strided_image", [image], [("%r", t([2, 5, 6, 8], "f16"))],
     ["%c = nn.cast %a0 : tensor<2x5x6x3xf32> to tensor<2x5x6x3xf16>",
      "%r = nn.pad %c pads [0, 0, 0, 0, 0, 0, 0, 5] : tensor<2x5x6x3xf16>"])

# Resize in every mode.
RESIZES = [
    "mode nearest",
    "mode nearest coordinate_transform half_pixel nearest_mode round_prefer_ceil",
    "mode nearest coordinate_transform align_corners nearest_mode ceil",
    "mode nearest coordinate_transform tf_crop_and_resize extrapolation_value 2.5",
    "mode linear",
    "mode linear coordinate_transform align_corners",
    "mode linear coordinate_transform pytorch_half_pixel",
    "mode linear coordinate_transform half_pixel_symmetric",
    "mode linear coordinate_transform tf_crop_and_resize extrapolation_value -1.0",
    "mode cubic",
    "mode cubic cubic_coeff_a -5.0e-01 exclude_outside",
    "mode cubic coordinate_transform asymmetric scales [1.0, 1.0, 1.5, 0.6]",
]
for dtype in FLOATS + ["f64", "ui8", QU8]:
    x, y = t([1, 3, 6, 10], dtype), t([1, 3, 9, 6], dtype)
    for i, attrs in enumerate(RESIZES):
        if dtype == QU8 and "nearest" not in attrs:
            continue
        func(name_of("resize", i, dtype), [x], [("%r", y)],
             [f"%r = nn.resize %a0 {attrs} : {x} to {y}"])

begin("convs")
# Convolutions with their fused epilogue: depthwise channels-last (vectors of
# 16 bytes when the channels allow, fewer for odd counts), 1-D causal ones,
# grouped, channels-first and plain ones (one thread per output element).


def conv(name, dtype, n, c, m, spatial, kernel, strides=None, pads=None, dilations=None,
         groups=1, last=True, bias=False, residual=False, activation=None):
    rank = len(spatial)
    strides = strides or [1] * rank
    dilations = dilations or [1] * rank
    pads = pads or [0] * (2 * rank)
    out = [(spatial[d] + pads[d] + pads[rank + d] - dilations[d] * (kernel[d] - 1) - 1)
           // strides[d] + 1 for d in range(rank)]
    if last:
        x, y, w = [n] + spatial + [c], [n] + out + [m], [m] + kernel + [c // groups]
    else:
        x, y, w = [n, c] + spatial, [n, m] + out, [m, c // groups] + kernel
    args = [t(x, dtype), t(w, dtype)]
    operands = "%a0, %a1"
    if bias:
        operands += f" bias %a{len(args)}"
        args.append(t([m], dtype))
    if residual:
        operands += f" residual %a{len(args)}"
        args.append(t(y, dtype))
    attrs = f"strides {strides} pads {pads} dilations {dilations}"
    if groups > 1:
        attrs += f" groups {groups}"
    if last:
        attrs += " layout channels_last"
    if activation:
        attrs += f" activation <{activation}>"
    func(name_of("conv", name, dtype), args, [("%r", t(y, dtype))],
         [f"%r = nn.conv {operands} {attrs} : ({', '.join(args)}) -> {t(y, dtype)}"])


RELU6 = "clip, min = 0.0, max = 6.0"
for dtype in FLOATS:
    # Depthwise channels-last: MobileNet's and EfficientNet's kinds.
    conv("dw3_relu6", dtype, 2, 32, 32, [9, 9], [3, 3], pads=[1, 1, 1, 1], groups=32,
         bias=True, activation=RELU6)
    conv("dw3_s2_silu", dtype, 1, 24, 24, [10, 9], [3, 3], strides=[2, 2],
         pads=[1, 1, 1, 1], groups=24, bias=True, activation="silu")
    conv("dw5_s2_asym", dtype, 1, 40, 40, [11, 12], [5, 5], strides=[2, 2],
         pads=[1, 2, 2, 1], groups=40, bias=True, activation="relu")
    conv("dw3_dil2_res", dtype, 1, 16, 16, [8, 8], [3, 3], pads=[2, 2, 2, 2],
         dilations=[2, 2], groups=16, residual=True, activation="hard_swish")
    conv("dw_odd7", dtype, 2, 7, 7, [6, 5], [3, 3], pads=[1, 0, 0, 1], groups=7,
         bias=True, activation="gelu")
    conv("dw_c6", dtype, 1, 6, 6, [5, 5], [3, 2], strides=[1, 2], groups=6,
         activation="leaky_relu, alpha = 0.1")
    conv("dw7_c16", dtype, 1, 16, 16, [9, 9], [7, 7], pads=[3, 3, 3, 3], groups=16,
         bias=True, residual=True, activation="sigmoid")
    conv("dw_wide", dtype, 1, 264, 264, [3, 3], [3, 3], pads=[1, 1, 1, 1], groups=264,
         bias=True, activation="hard_sigmoid, alpha = 0.2, beta = 0.5")
    # Weights beyond one block's shared-memory budget: channels split over
    # blocks along x.
    conv("dw9_split", dtype, 1, 128, 128, [6, 6], [9, 9], pads=[4, 4, 4, 4], groups=128,
         bias=True, activation="relu")
    # 1-D causal depthwise (the ONNX causal-conv node tests), with silu.
    conv("causal1d_silu", dtype, 2, 4, 4, [11], [4], groups=4, activation="silu")
    conv("causal1d_bias", dtype, 2, 8, 8, [9], [3], pads=[2, 0], groups=8, bias=True,
         activation="tanh")
    # Not depthwise: a channel multiplier, groups below the channels,
    # channels-first, plain, 3-D.
    conv("dw_mult2", dtype, 1, 4, 8, [6, 6], [3, 3], pads=[1, 1, 1, 1], groups=4,
         bias=True, activation="relu")
    conv("grouped", dtype, 2, 8, 6, [7, 6], [3, 3], strides=[2, 1], pads=[1, 0, 1, 1],
         groups=2, bias=True, residual=True, activation="elu, alpha = 1.0")
    conv("dw_nchw", dtype, 1, 6, 6, [7, 7], [3, 3], strides=[2, 2], pads=[0, 1, 1, 0],
         groups=6, last=False, bias=True, activation=RELU6)
    conv("plain_nchw", dtype, 2, 3, 5, [6, 7], [3, 3], pads=[1, 1, 1, 1], last=False,
         bias=True, activation="gelu_tanh")
    conv("plain3d", dtype, 1, 2, 3, [4, 5, 4], [2, 3, 2], strides=[1, 2, 1],
         dilations=[2, 1, 1], last=True, bias=True)
conv("dw3_relu6", "f64", 1, 8, 8, [5, 5], [3, 3], pads=[1, 1, 1, 1], groups=8, bias=True,
     activation=RELU6)
conv("grouped", "f64", 1, 4, 4, [5, 5], [3, 3], groups=2, last=False, residual=True)

print(f"// Generated by all_ops.py ({SECTION}): one group per function.")
print("\n\n".join(functions))
