"""ort_sweep.py cases of pointwise ops: activations, arithmetic, comparisons,
logic, where, cast, and quantization (including quantized layers)."""

import numpy as np

from ort_cases import Case, node, normal, rng


def unary_cases():
    r = rng(7)
    x = normal(r, 3, 7) * 3
    positive = np.abs(x) + 0.05
    # Ties of round-half-to-even, and values around them.
    halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.49, 2.51, 0.0],
                      np.float32)
    cases = []
    float_ops = [
        ("relu", "Relu", {}, "", x), ("sigmoid", "Sigmoid", {}, "", x),
        ("tanh", "Tanh", {}, "", x), ("softplus", "Softplus", {}, "", x * 10),
        ("exp", "Exp", {}, "", x), ("log", "Log", {}, "", positive),
        ("sqrt", "Sqrt", {}, "", positive), ("reciprocal", "Reciprocal", {}, "", positive),
        ("erf", "Erf", {}, "", x), ("floor", "Floor", {}, "", x), ("ceil", "Ceil", {}, "", x),
        ("round", "Round", {}, "", halves), ("sin", "Sin", {}, "", x), ("cos", "Cos", {}, "", x),
        ("abs", "Abs", {}, "", x), ("neg", "Neg", {}, "", x), ("sign", "Sign", {}, "", halves),
        ("elu", "Elu", dict(alpha=0.6), " alpha 0.6", x),
        ("leaky_relu", "LeakyRelu", dict(alpha=0.15), " alpha 0.15", x),
        ("hard_sigmoid", "HardSigmoid", dict(alpha=0.3, beta=0.45),
         " alpha 0.3 beta 0.45", x),
        ("hard_swish", "HardSwish", {}, "", x),
        ("gelu", "Gelu", {}, "", x),
        ("gelu", "Gelu", dict(approximate="tanh"), " approximation tanh", x),
    ]
    for name, op, attrs, text, data in float_ops:
        suffix = "_tanh" if attrs.get("approximate") else ""
        cases.append(Case(f"{name}{suffix}", [node(op, ["a0"], **attrs)], [data],
                          f"  %r0 = nn.{name} %arg0{text} : {{in0}}", opset=20,
                          rtol=2e-6, atol=1e-6))
    cases.append(Case("silu", [node("Sigmoid", ["a0"], ["s"]), node("Mul", ["a0", "s"])], [x],
                      "  %r0 = nn.silu %arg0 : {in0}", rtol=2e-6, atol=1e-6))
    cases.append(Case("rsqrt", [node("Sqrt", ["a0"], ["s"]), node("Reciprocal", ["s"])],
                      [positive], "  %r0 = nn.rsqrt %arg0 : {in0}", rtol=2e-6, atol=1e-6))
    xi = r.integers(-9, 9, (4, 5)).astype(np.int32)
    for name, op in (("abs", "Abs"), ("neg", "Neg"), ("sign", "Sign")):
        cases.append(Case(f"{name}_int32", [node(op, ["a0"])], [xi],
                          f"  %r0 = nn.{name} %arg0 : {{in0}}"))
    b = r.integers(0, 2, (3, 4)).astype(np.bool_)
    cases.append(Case("not", [node("Not", ["a0"])], [b], "  %r0 = nn.not %arg0 : {in0}"))
    # Clip with either or both bounds, on floats and integers.
    for name, lo, hi, text in (("both", -1.0, 2.0, " min -1.0 max 2.0"),
                               ("min", 0.5, None, " min 0.5"),
                               ("max", None, -0.25, " max -0.25")):
        consts = {}
        inputs = ["a0", "lo" if lo is not None else "", "hi" if hi is not None else ""]
        if lo is not None:
            consts["lo"] = np.float32(lo)
        if hi is not None:
            consts["hi"] = np.float32(hi)
        cases.append(Case(f"clip_{name}", [node("Clip", inputs)], [x],
                          f"  %r0 = nn.clip %arg0{text} : {{in0}}", consts=consts))
    cases.append(Case("clip_int32", [node("Clip", ["a0", "lo", "hi"])], [xi],
                      "  %r0 = nn.clip %arg0 min -3.0 max 4.0 : {in0}",
                      consts={"lo": np.int32(-3), "hi": np.int32(4)}))
    # Half precision: onnxruntime computes in float and rounds to f16.
    h = (normal(r, 4, 6) * 2).astype(np.float16)
    for name, op in (("relu", "Relu"), ("sigmoid", "Sigmoid"), ("exp", "Exp")):
        cases.append(Case(f"{name}_f16", [node(op, ["a0"])], [h],
                          f"  %r0 = nn.{name} %arg0 : {{in0}}", rtol=1e-3, atol=1e-3))
    return cases


def binary_cases():
    r = rng(8)
    cases = []
    a, b = normal(r, 2, 1, 4), normal(r, 3, 1)
    arith = [("add", "Add"), ("sub", "Sub"), ("mul", "Mul"), ("div", "Div"),
             ("max", "Max"), ("min", "Min")]
    for name, op in arith:
        cases.append(Case(f"{name}_broadcast", [node(op, ["a0", "a1"])], [a, b],
                          f"  %r0 = nn.{name} %arg0, %arg1 : ({{in0}}, {{in1}}) -> {{out0}}",
                          rtol=1e-6, atol=1e-7))
    ai = r.integers(-20, 20, (3, 4)).astype(np.int32)
    bi = r.integers(1, 6, (4,)).astype(np.int32) * np.array([1, -1, 1, -1], np.int32)
    for name, op in arith:
        cases.append(Case(f"{name}_int32", [node(op, ["a0", "a1"])], [ai, bi],
                          f"  %r0 = nn.{name} %arg0, %arg1 : ({{in0}}, {{in1}}) -> {{out0}}"))
    pa = np.abs(normal(r, 3, 4)) + 0.1
    cases.append(Case("pow", [node("Pow", ["a0", "a1"])], [pa, normal(r, 4)],
                      "  %r0 = nn.pow %arg0, %arg1 : ({in0}, {in1}) -> {out0}", rtol=1e-5))
    cases.append(Case("pow_int32", [node("Pow", ["a0", "a1"])],
                      [ai, np.array([0, 1, 2, 3], np.int32)],
                      "  %r0 = nn.pow %arg0, %arg1 : ({in0}, {in1}) -> {out0}"))
    # Mod: fmod (sign of the dividend) and Python's (sign of the divisor).
    fa, fb = normal(r, 3, 4) * 5, normal(r, 4) * 2
    cases.append(Case("mod_fmod_f32", [node("Mod", ["a0", "a1"], fmod=1)], [fa, fb],
                      "  %r0 = nn.mod %arg0, %arg1 fmod : ({in0}, {in1}) -> {out0}"))
    for fmod in (0, 1):
        cases.append(Case(f"mod_int32_fmod{fmod}", [node("Mod", ["a0", "a1"], fmod=fmod)],
                          [ai, bi], f"  %r0 = nn.mod %arg0, %arg1{' fmod' if fmod else ''}"
                          " : ({in0}, {in1}) -> {out0}"))
    x, slope = normal(r, 1, 3, 4, 2), normal(r, 3, 1, 1)
    cases.append(Case("prelu", [node("PRelu", ["a0", "a1"])], [x, slope],
                      "  %r0 = nn.prelu %arg0, %arg1 : ({in0}, {in1}) -> {out0}"))
    # Comparisons, with equal elements present.
    ca, cb = r.integers(0, 3, (2, 3)).astype(np.float32), r.integers(0, 3, (3,)).astype(
        np.float32)
    for name, op in (("equal", "Equal"), ("greater", "Greater"),
                     ("greater_equal", "GreaterOrEqual"), ("less", "Less"),
                     ("less_equal", "LessOrEqual")):
        cases.append(Case(name, [node(op, ["a0", "a1"])], [ca, cb],
                          f"  %r0 = nn.{name} %arg0, %arg1 : ({{in0}}, {{in1}}) -> {{out0}}"))
        cases.append(Case(f"{name}_int64", [node(op, ["a0", "a1"])],
                          [ca.astype(np.int64), cb.astype(np.int64)],
                          f"  %r0 = nn.{name} %arg0, %arg1 : ({{in0}}, {{in1}}) -> {{out0}}"))
    la, lb = r.integers(0, 2, (2, 1, 3)).astype(np.bool_), r.integers(0, 2, (4, 3)).astype(
        np.bool_)
    for name, op in (("and", "And"), ("or", "Or"), ("xor", "Xor"), ("equal", "Equal")):
        cases.append(Case(f"{name}_bool", [node(op, ["a0", "a1"])], [la, lb],
                          f"  %r0 = nn.{name} %arg0, %arg1 : ({{in0}}, {{in1}}) -> {{out0}}"))
    cond = r.integers(0, 2, (2, 1, 4)).astype(np.bool_)
    for name, xs, ys in (("f32", normal(r, 3, 1), normal(r, 1, 4)),
                         ("i64", r.integers(0, 9, (3, 4)).astype(np.int64),
                          np.array(7, np.int64))):
        cases.append(Case(f"where_{name}", [node("Where", ["a0", "a1", "a2"])], [cond, xs, ys],
                          "  %r0 = nn.where %arg0, %arg1, %arg2 : {in0}, {in1}, {in2}"))
    return cases


def cast_cases():
    r = rng(9)
    cases = []
    f = np.array([-3.7, -2.5, -0.5, -0.0, 0.3, 0.5, 1.5, 2.99, 100.9, -128.4, 127.6],
                 np.float32)
    big = np.array([16777217, -16777219, 2**40 + 1, -(2**53) - 3, 7], np.int64)
    targets = [
        ("f32_i32", f, "i32", 6), ("f32_i8", f, "i8", 3), ("f32_i64", f, "i64", 7),
        ("f32_bool", f, "i1", 9), ("f32_f16", normal(r, 20) * 100, "f16", 10),
        ("f16_f32", (normal(r, 20) * 5).astype(np.float16), "f32", 1),
        ("f32_f64", normal(r, 20), "f64", 11), ("f64_f32", normal(r, 20, dtype=np.float64),
                                                 "f32", 1),
        ("i64_f32", big, "f32", 1), ("i32_i8", np.array([300, -300, 127, -129], np.int32),
                                     "i8", 3),
        ("i64_bool", np.array([0, 5, -1], np.int64), "i1", 9),
        ("bool_f32", np.array([True, False, True]), "f32", 1),
        ("i8_ui8", np.array([-1, 5, -128], np.int8), "ui8", 2),
    ]
    # Out of range and NaN: what x86's conversion instructions give.
    wild = np.array([3e9, -3e9, np.nan, np.inf, 2.0**31, 300.7, -129.5, 5e19], np.float32)
    targets += [("wild_i32", wild, "i32", 6), ("wild_i8", wild, "i8", 3),
                ("wild_ui8", wild, "ui8", 2), ("wild_i64", wild, "i64", 7),
                ("wild_i16", wild, "i16", 5)]
    for name, data, element, onnx_type in targets:
        cases.append(Case(f"cast_{name}", [node("Cast", ["a0"], to=onnx_type)], [data],
                          f"  %r0 = nn.cast %arg0 : {{in0}} to {{out0}}"))
    return cases


def quant_cases():
    r = rng(10)
    cases = []
    # Values whose x / scale is exactly k + 0.5 test round-half-to-even, and
    # large ones test saturation.
    x = np.concatenate([np.array([0.25, 0.75, -0.25, -0.75, 1.25, 100.0, -100.0],
                                 np.float32), normal(r, 9)]).reshape(4, 4)
    for name, element, scale, zp, dtype in (
            ("i8", "i8", 0.5, 3, np.int8), ("u8", "u8", 0.5, 128, np.uint8),
            ("i8_small_scale", "i8", 0.0123, -7, np.int8)):
        qtype = f"!quant.uniform<{element}:f32, {float(np.float32(scale))!r}:{zp}>"
        cases.append(Case(
            f"quantize_{name}", [node("QuantizeLinear", ["a0", "s", "z"])], [x],
            "  %r0 = nn.quantize %arg0 : {in0} to {out0}",
            consts={"s": np.float32(scale), "z": np.array(zp, dtype)},
            result_elements={0: qtype}))
        q = r.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (4, 4)).astype(dtype)
        cases.append(Case(
            f"dequantize_{name}", [node("DequantizeLinear", ["a0", "s", "z"])], [q],
            "  %r0 = nn.dequantize %arg0 : {in0}",
            consts={"s": np.float32(scale), "z": np.array(zp, dtype)},
            input_elements={0: qtype}))
    # Per-axis along dimension 1.
    scales = np.array([0.1, 0.25, 0.03], np.float32)
    zps = np.array([0, -4, 9], np.int8)
    per_axis = ("!quant.uniform<i8:f32:1, {" +
                ", ".join(f"{float(s)!r}:{z}" for s, z in zip(scales, zps)) + "}>")
    xa = normal(r, 2, 3, 4) * 3
    cases.append(Case(
        "quantize_per_axis", [node("QuantizeLinear", ["a0", "s", "z"], axis=1)], [xa],
        "  %r0 = nn.quantize %arg0 : {in0} to {out0}", consts={"s": scales, "z": zps},
        result_elements={0: per_axis}))
    qa = r.integers(-128, 127, (2, 3, 4)).astype(np.int8)
    cases.append(Case(
        "dequantize_per_axis", [node("DequantizeLinear", ["a0", "s", "z"], axis=1)], [qa],
        "  %r0 = nn.dequantize %arg0 : {in0}", consts={"s": scales, "z": zps},
        input_elements={0: per_axis}))
    cases.extend(quantized_layer_cases(r))
    return cases


def dense_text(array):
    """An MLIR dense literal of `array`, exact for float32."""
    if array.dtype == np.float32:
        return np.array2string(array, separator=", ", threshold=10**9, floatmode="unique",
                               max_line_width=10**9)
    return np.array2string(array, separator=", ", threshold=10**9, max_line_width=10**9)


def quantized_layer_cases(r):
    """QDQ graphs (onnxruntime with graph optimizations off runs them node by
    node) against nn layers on quantized tensors."""
    cases = []
    in_scale, in_zp = np.float32(0.04), np.uint8(120)
    out_scale, out_zp = np.float32(0.09), np.uint8(100)
    qin = f"!quant.uniform<u8:f32, {float(in_scale)!r}:{int(in_zp)}>"
    qout = f"!quant.uniform<u8:f32, {float(out_scale)!r}:{int(out_zp)}>"
    x = r.integers(0, 255, (1, 3, 6, 6)).astype(np.uint8)
    w = r.integers(-127, 127, (4, 3, 3, 3)).astype(np.int8)
    w_scales = np.array([0.01, 0.02, 0.005, 0.015], np.float32)
    w_type = ("!quant.uniform<i8:f32:0, {" + ", ".join(f"{float(s)!r}" for s in w_scales) +
              "}>")
    bias = normal(r, 4)
    consts = {"si": in_scale, "zi": in_zp, "so": out_scale, "zo": out_zp, "w": w,
              "sw": w_scales, "zw": np.zeros(4, np.int8), "b": bias}
    nodes = [node("DequantizeLinear", ["a0", "si", "zi"], ["xf"]),
             node("DequantizeLinear", ["w", "sw", "zw"], ["wf"], axis=0),
             node("Conv", ["xf", "wf", "b"], ["c"], pads=[1, 1, 1, 1]),
             node("Relu", ["c"], ["y"]),
             node("QuantizeLinear", ["y", "so", "zo"])]
    # The weight is a constant of storage integers named with its quantized type.
    w_type = w_type.replace("{", "{{").replace("}", "}}")  # literal braces in the body
    cases.append(Case(
        "qdq_conv_relu", nodes, [x],
        f"  %w = nn.constant dense<{dense_text(w)}> : tensor<4x3x3x3xi8>"
        f" as tensor<4x3x3x3x{w_type}>\n"
        f"  %b = nn.constant dense<{dense_text(bias)}> : tensor<4xf32>\n"
        "  %r0 = nn.conv %arg0, %w bias %b strides [1, 1] pads [1, 1, 1, 1]"
        " dilations [1, 1] activation <relu>"
        f" : ({{in0}}, tensor<4x3x3x3x{w_type}>, tensor<4xf32>) -> {{out0}}",
        consts=consts, input_elements={0: qin}, result_elements={0: qout}))
    # Quantized add of two differently scaled tensors, float result.
    a = r.integers(0, 255, (2, 5)).astype(np.uint8)
    b = r.integers(0, 255, (5,)).astype(np.uint8)
    qb = "!quant.uniform<u8:f32, 0.0625:10>"
    cases.append(Case(
        "qdq_add", [node("DequantizeLinear", ["a0", "si", "zi"], ["af"]),
                    node("DequantizeLinear", ["a1", "sb", "zb"], ["bf"]),
                    node("Add", ["af", "bf"], ["s"]),
                    node("QuantizeLinear", ["s", "so", "zo"])],
        [a, b], "  %r0 = nn.add %arg0, %arg1 : ({in0}, {in1}) -> {out0}",
        consts={"si": in_scale, "zi": in_zp, "sb": np.float32(0.0625), "zb": np.uint8(10),
                "so": out_scale, "zo": out_zp},
        input_elements={0: qin, 1: qb}, result_elements={0: qout}))
    # Quantized matmul with a float result.
    am = r.integers(0, 255, (3, 4)).astype(np.uint8)
    bm = r.integers(0, 255, (4, 2)).astype(np.uint8)
    cases.append(Case(
        "qdq_matmul", [node("DequantizeLinear", ["a0", "si", "zi"], ["af"]),
                       node("DequantizeLinear", ["a1", "sb", "zb"], ["bf"]),
                       node("MatMul", ["af", "bf"])],
        [am, bm], "  %r0 = nn.matmul %arg0, %arg1 : ({in0}, {in1}) -> {out0}",
        consts={"si": in_scale, "zi": in_zp, "sb": np.float32(0.0625), "zb": np.uint8(10)},
        input_elements={0: qin, 1: qb}, rtol=1e-5, atol=1e-6))
    # Average and max pools of a quantized tensor.
    xp = r.integers(0, 255, (1, 2, 5, 5)).astype(np.uint8)
    for kind, op, result in (("avg", "AveragePool", qout), ("max", "MaxPool", qin)):
        scale, zp = (out_scale, out_zp) if kind == "avg" else (in_scale, in_zp)
        cases.append(Case(
            f"qdq_pool_{kind}",
            [node("DequantizeLinear", ["a0", "si", "zi"], ["xf"]),
             node(op, ["xf"], ["p"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             node("QuantizeLinear", ["p", "so", "zo"])],
            [xp], f"  %r0 = nn.pool {kind} %arg0 kernel [3, 3] strides [2, 2]"
            " pads [1, 1, 1, 1] dilations [1, 1] : ({in0}) -> {out0}",
            consts={"si": in_scale, "zi": in_zp, "so": scale, "zo": zp},
            input_elements={0: qin}, result_elements={0: result}))
    return cases
