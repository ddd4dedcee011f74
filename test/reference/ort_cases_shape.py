"""ort_sweep.py cases of data movement ops and resize."""

import itertools

import numpy as np

from ort_cases import Case, ints, node, normal, rng


def shape_cases():
    r = rng(11)
    cases = []
    a, b, c = normal(r, 2, 3, 4), normal(r, 2, 1, 4), normal(r, 2, 2, 4)
    cases.append(Case("concat_axis1", [node("Concat", ["a0", "a1", "a2"], axis=1)], [a, b, c],
                      "  %r0 = nn.concat %arg0, %arg1, %arg2 axis 1 : {in0}, {in1}, {in2}"))
    cases.append(Case("concat_axis2_i64", [node("Concat", ["a0", "a1"], axis=2)],
                      [a.astype(np.int64), a[:, :, :3].astype(np.int64).copy()],
                      "  %r0 = nn.concat %arg0, %arg1 axis 2 : {in0}, {in1}"))
    x = normal(r, 3, 7, 2)
    cases.append(Case("split", [node("Split", ["a0", "sizes"], ["o0", "o1", "o2"], axis=1)],
                      [x], "  %r0, %r1, %r2 = nn.split %arg0 axis 1 sizes [2, 4, 1] : {in0}",
                      consts={"sizes": np.array([2, 4, 1], np.int64)}, num_outputs=3))
    # Slices: ONNX's raw bounds, and the normalized ones nn.slice takes.
    s = normal(r, 5, 6, 4)
    slices = [
        ("basic", [1, 0, 0], [4, 6, 4], [1, 2, 1], [1, 0, 0], [4, 6, 4], [1, 2, 1]),
        ("negative_step", [4, 5, 3], [-100, 1, -100], [-1, -2, -3], [4, 5, 3], [-1, 1, -1],
         [-1, -2, -3]),
        ("negative_start", [-2, -6, 0], [100, -1, 4], [1, 3, 2], [3, 0, 0], [5, 5, 4],
         [1, 3, 2]),
        ("empty", [3, 0, 0], [1, 6, 4], [1, 1, 1], [3, 0, 0], [3, 6, 4], [1, 1, 1]),
    ]
    for name, starts, ends, steps, nstarts, nends, nsteps in slices:
        cases.append(Case(
            f"slice_{name}", [node("Slice", ["a0", "st", "en", "ax", "sp"])], [s],
            f"  %r0 = nn.slice %arg0 starts {ints(nstarts)} ends {ints(nends)}"
            f" steps {ints(nsteps)} : {{in0}}",
            consts={"st": np.array(starts, np.int64), "en": np.array(ends, np.int64),
                    "ax": np.array([0, 1, 2], np.int64), "sp": np.array(steps, np.int64)}))
    t = normal(r, 2, 3, 4, 5)
    for perm in ([0, 2, 3, 1], [3, 1, 0, 2], [0, 1, 2, 3]):
        cases.append(Case(f"transpose_{''.join(map(str, perm))}",
                          [node("Transpose", ["a0"], perm=perm)], [t],
                          f"  %r0 = nn.transpose %arg0 permutation {ints(perm)} : {{in0}}"))
    # Pads: every mode, with negative (cropping) amounts.
    p = normal(r, 1, 2, 4, 5)
    pads_list = [("positive", [0, 0, 1, 2, 0, 0, 3, 1]),
                 ("negative", [0, 0, -1, 2, 0, 0, 1, -2]),
                 ("large", [0, 1, 3, 4, 0, 0, 3, 4])]
    for (name, pads), mode in itertools.product(pads_list, ("constant", "reflect", "edge",
                                                            "wrap")):
        if mode == "reflect" and name == "large":
            continue  # onnxruntime requires reflect pads smaller than the dimension
        value = " value 1.5" if mode == "constant" else ""
        consts = {"pads": np.array(pads, np.int64)}
        inputs = ["a0", "pads"]
        if mode == "constant":
            consts["value"] = np.float32(1.5)
            inputs.append("value")
        cases.append(Case(
            f"pad_{mode}_{name}", [node("Pad", inputs, mode=mode)], [p],
            f"  %r0 = nn.pad %arg0 pads {ints(pads)} mode {mode}{value} : {{in0}}",
            consts=consts))
    cases.append(Case(
        "pad_int64_constant", [node("Pad", ["a0", "pads", "value"])],
        [r.integers(-5, 5, (3, 2)).astype(np.int64)],
        "  %r0 = nn.pad %arg0 pads [1, 0, 0, 2] value 7.0 : {in0}",
        consts={"pads": np.array([1, 0, 0, 2], np.int64), "value": np.int64(7)}))
    # Gathers with negative indices.
    data = normal(r, 4, 5, 3)
    for axis, indices in ((0, np.array([[3, -1], [0, -4]], np.int64)),
                          (1, np.array([-5, 4, 0, 2], np.int32)),
                          (2, np.array(-2, np.int64))):
        cases.append(Case(f"gather_axis{axis}", [node("Gather", ["a0", "a1"], axis=axis)],
                          [data, indices],
                          f"  %r0 = nn.gather %arg0, %arg1 axis {axis} : {{in0}}, {{in1}}"))
    ge = r.integers(-5, 5, (4, 2, 3)).astype(np.int64)
    for axis in (0, 1, 2):
        idx = np.clip(ge, -data.shape[axis], data.shape[axis] - 1)
        cases.append(Case(f"gather_elements_axis{axis}",
                          [node("GatherElements", ["a0", "a1"], axis=axis)], [data, idx],
                          f"  %r0 = nn.gather_elements %arg0, %arg1 axis {axis}"
                          " : {in0}, {in1}"))
    e = normal(r, 3, 1)
    cases.append(Case("expand", [node("Expand", ["a0", "shape"])], [e],
                      "  %r0 = nn.expand %arg0 shape [2, 1, 4] : {in0}",
                      consts={"shape": np.array([2, 1, 4], np.int64)}))
    cases.append(Case("tile", [node("Tile", ["a0", "reps"])], [normal(r, 2, 3)],
                      "  %r0 = nn.tile %arg0 repeats [3, 2] : {in0}",
                      consts={"reps": np.array([3, 2], np.int64)}))
    cases.append(Case("flatten", [node("Flatten", ["a0"], axis=2)], [t],
                      "  %r0 = nn.flatten %arg0 axis 2 : {in0}"))
    cases.append(Case("reshape", [node("Reshape", ["a0", "shape"])], [t],
                      "  %r0 = nn.reshape %arg0 : {in0} to {out0}",
                      consts={"shape": np.array([6, -1, 2], np.int64)}))
    return cases


def resize_target(consts, scales, sizes):
    """Adds scales or sizes to `consts`: the Resize inputs (after the data
    and the roi, which `consts` holds) and the op's text for them."""
    if scales:
        consts["scales"] = np.array(scales, np.float32)
        return ["a0", "roi", "scales"], " scales " + ints(scales)
    consts["scales"] = np.zeros(0, np.float32)  # opset 11 needs it present
    consts["sizes"] = np.array(sizes, np.int64)
    return ["a0", "roi", "scales", "sizes"], ""


def resize_cases():
    r = rng(12)
    cases = []
    transforms = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                  "asymmetric", "tf_crop_and_resize"]
    x = normal(r, 1, 2, 4, 5)
    # (name, scales or None, sizes or None)
    targets = [("up2", [1.0, 1.0, 2.0, 2.0], None), ("up_frac", [1.0, 1.0, 1.7, 2.3], None),
               ("down", [1.0, 1.0, 0.6, 0.4], None), ("sizes", None, [1, 2, 7, 3]),
               ("sizes_one", None, [1, 2, 1, 8])]
    modes = [("nearest", m) for m in ("round_prefer_floor", "round_prefer_ceil", "floor",
                                      "ceil")] + [("linear", None), ("cubic", None)]
    for (tname, scales, sizes), transform, (mode, nearest) in itertools.product(
            targets, transforms, modes):
        if nearest and nearest != "round_prefer_floor" and transform not in (
                "asymmetric", "half_pixel"):
            continue  # every nearest mode under two transforms is enough
        if transform == "align_corners" and tname in ("up_frac", "down"):
            # Scales whose output length is fractional (4 x 1.7 = 6.8): ONNX
            # divides by scale * length - 1, onnxruntime by the integer output
            # length - 1 (onnx/onnx#2462). Kiln follows ONNX; the conformance
            # suite's resize_*_scales_*_align_corners cases check it.
            continue
        attrs = dict(mode=mode, coordinate_transformation_mode=transform)
        text = f" mode {mode} coordinate_transform {transform}"
        if nearest:
            attrs["nearest_mode"] = nearest
            text += f" nearest_mode {nearest}"
        consts = {"roi": np.array([0, 0, 0, 0, 1, 1, 1, 1], np.float32)}
        if transform == "tf_crop_and_resize":
            attrs["extrapolation_value"] = 0.5
            text += " extrapolation_value 0.5"
        inputs, target = resize_target(consts, scales, sizes)
        text += target
        cases.append(Case(
            f"resize_{mode}{'_' + nearest if nearest else ''}_{transform}_{tname}",
            [node("Resize", inputs, **attrs)], [x],
            f"  %r0 = nn.resize %arg0{text} : {{in0}} to {{out0}}", consts=consts,
            rtol=1e-5, atol=1e-5))
    # tf_crop_and_resize with a region of interest: inside, partly outside
    # (the extrapolation value), flipped (end before start), an output of
    # one, and by scales (the coordinates use the integer output length).
    rois = [("inside", [0.0, 0.0, 0.2, 0.1, 1.0, 1.0, 0.9, 0.7]),
            ("outside", [0.0, 0.0, 0.4, -0.3, 1.0, 1.0, 1.2, 1.7]),
            ("flipped", [0.0, 0.0, 0.8, 0.9, 1.0, 1.0, 0.1, 0.2])]
    crop_targets = [("sizes", None, [1, 2, 3, 6]), ("sizes_one", None, [1, 2, 1, 4]),
                    ("scales", [1.0, 1.0, 1.5, 0.8], None)]
    for (rname, roi), (tname, scales, sizes), mode in itertools.product(
            rois, crop_targets, ("nearest", "linear", "cubic")):
        attrs = dict(mode=mode, coordinate_transformation_mode="tf_crop_and_resize",
                     extrapolation_value=-2.5)
        text = (f" mode {mode} coordinate_transform tf_crop_and_resize"
                " extrapolation_value -2.5")
        consts = {"roi": np.array(roi, np.float32)}
        inputs, target = resize_target(consts, scales, sizes)
        text += target
        cases.append(Case(
            f"resize_{mode}_crop_{rname}_{tname}", [node("Resize", inputs, **attrs)], [x],
            f"  %r0 = nn.resize %arg0{text} roi {ints(roi)} : {{in0}} to {{out0}}",
            consts=consts, rtol=1e-5, atol=1e-5))
    # Resize-11's tf_half_pixel_for_nn: (x + 0.5) / scale.
    for tname, scales, sizes in targets:
        attrs = dict(mode="nearest", coordinate_transformation_mode="tf_half_pixel_for_nn")
        text = " mode nearest coordinate_transform tf_half_pixel_for_nn"
        consts = {"roi": np.zeros(0, np.float32)}
        inputs, target = resize_target(consts, scales, sizes)
        text += target
        cases.append(Case(
            f"resize_nearest_tf_half_pixel_for_nn_{tname}", [node("Resize", inputs, **attrs)],
            [x], f"  %r0 = nn.resize %arg0{text} : {{in0}} to {{out0}}", consts=consts,
            opset=11, rtol=1e-5, atol=1e-5))
    # Cubic coefficient and exclude_outside.
    for a, exclude in ((-0.5, 0), (-0.75, 1), (-0.5, 1)):
        attrs = dict(mode="cubic", cubic_coeff_a=a, exclude_outside=exclude)
        text = f" mode cubic cubic_coeff_a {a}" + (" exclude_outside" if exclude else "")
        cases.append(Case(
            f"resize_cubic_a{-a}_exclude{exclude}",
            [node("Resize", ["a0", "", "scales"], **attrs)], [x],
            f"  %r0 = nn.resize %arg0{text} scales [1.0, 1.0, 1.5, 0.8] : {{in0}} to {{out0}}",
            consts={"scales": np.array([1, 1, 1.5, 0.8], np.float32)}, rtol=1e-5, atol=1e-5))
    # Other ranks: 2-D bilinear and 5-D trilinear.
    for name, data, scales in (("2d", normal(r, 3, 4), [2.0, 1.5]),
                               ("5d", normal(r, 1, 1, 2, 3, 2), [1.0, 1.0, 2.0, 1.5, 2.5])):
        cases.append(Case(
            f"resize_linear_rank{name}", [node("Resize", ["a0", "", "scales"], mode="linear")],
            [data], f"  %r0 = nn.resize %arg0 mode linear scales {ints(scales)}"
            " : {in0} to {out0}", consts={"scales": np.array(scales, np.float32)},
            rtol=1e-5, atol=1e-5))
    # Nearest on integers copies values.
    xi = r.integers(-100, 100, (1, 1, 3, 3)).astype(np.int32)
    cases.append(Case(
        "resize_nearest_int32", [node("Resize", ["a0", "", "scales"], mode="nearest")], [xi],
        "  %r0 = nn.resize %arg0 mode nearest scales [1.0, 1.0, 2.5, 1.5] : {in0} to {out0}",
        consts={"scales": np.array([1, 1, 2.5, 1.5], np.float32)}))
    return cases
