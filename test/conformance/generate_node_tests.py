#!/usr/bin/env python3
"""Writes the ONNX backend node tests of the installed `onnx` package.

    generate_node_tests.py OUT_DIR

The pip package ships the test case definitions (onnx.backend.test.case.node)
but not their data, so this makes it: OUT_DIR/NAME/model.onnx and
OUT_DIR/NAME/test_data_set_0/{input,output}_N.pb, the layout of ONNX's
onnx/backend/test/data/node, plus OUT_DIR/manifest.json (per test: the opset
of the default domain and, when lowered, the opset it was made with).

Nothing is regenerated when OUT_DIR/stamp names this onnx version and this
script's hash, so a test run pays for it once (about 10 s).

Opsets. Kiln imports opsets 11 to 21 of the default domain, and many cases are
made at the newest opset (22 and up). Where every node of a case means the
same at opset 21 as at the case's opset, the model is written at opset 21
(and `lowered_from` says so): that is, for each node whose schema changed
between 21 and the case's opset, every change is either
  * one that only adds or removes allowed types (same documentation,
    attributes, inputs and outputs: checked mechanically below), or
  * a reviewed change listed in REVIEWED, whose condition shows it does not
    matter for this node.
The lowered model must then pass onnx.checker at opset 21 (full check, with
shape inference), which rejects a type or attribute the old schema lacks.
Any other case keeps its opset and Kiln reports it as unsupported.
"""

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnx.defs
from onnx import TensorProto, numpy_helper

TARGET_OPSET = 21

FLOAT8_AND_SMALLER = {
    getattr(TensorProto, name)
    for name in ("FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
                 "FLOAT8E8M0", "FLOAT4E2M1", "INT4", "UINT4", "INT2", "UINT2")
    if hasattr(TensorProto, name)
}


def _schemas():
    by_op = {}
    for schema in onnx.defs.get_all_schemas_with_history():
        if schema.domain == "":
            by_op.setdefault(schema.name, {})[schema.since_version] = schema
    return by_op


SCHEMAS = _schemas()


def _signature(schema):
    """What a schema says apart from its type constraints."""
    return (
        schema.doc,
        sorted((name, attr.type, attr.required,
                attr.default_value.SerializeToString() if attr.default_value else b"")
               for name, attr in schema.attributes.items()),
        [(i.name, i.option, i.type_str) for i in schema.inputs],
        [(o.name, o.option, o.type_str) for o in schema.outputs],
        sorted(c.type_param_str for c in schema.type_constraints),
    )


def _types_only(op, old, new):
    return _signature(SCHEMAS[op][old]) == _signature(SCHEMAS[op][new])


def _attr(node, name, default=None):
    for attr in node.attribute:
        if attr.name == name:
            return onnx.helper.get_attribute_value(attr)
    return default


def _elem_types(node, types):
    return {types[name] for name in list(node.input) + list(node.output) if name in types}


# Reviewed schema changes after opset 21 (ONNX's Changelog.md, and the doc
# diff of the schemas): version -> (condition under which the node means the
# same at opset 21, why). Conditions get (node, value types, value shapes).
def _pool_ceil_unaffected(node, types, shapes):
    # Opset 22 adds "Sliding windows that would start in the right padded
    # region are ignored." With ceil_mode 0 no window can start there; with
    # ceil_mode 1 the case is unaffected when its output has the size of the
    # plain ceil formula (no window was dropped).
    if not _attr(node, "ceil_mode", 0):
        return True
    x, y = shapes.get(node.input[0]), shapes.get(node.output[0])
    if not x or not y:
        return False
    kernel = _attr(node, "kernel_shape")
    rank = len(kernel)
    strides = _attr(node, "strides", [1] * rank)
    dilations = _attr(node, "dilations", [1] * rank)
    pads = _attr(node, "pads", [0] * (2 * rank))
    if _attr(node, "auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        return False
    for i in range(rank):
        span = x[2 + i] + pads[i] + pads[rank + i] - ((kernel[i] - 1) * dilations[i] + 1)
        if math.ceil(span / strides[i]) + 1 != y[2 + i]:
            return False
    return True


REVIEWED = {
    ("MaxPool", 22): (_pool_ceil_unaffected, "ceil_mode windows in the end padding"),
    ("AveragePool", 22): (_pool_ceil_unaffected, "ceil_mode windows in the end padding"),
    # Opset 27 adds stash_type, which only concerns float16/bfloat16 inputs.
    ("Range", 27): (lambda n, t, s: _attr(n, "stash_type") is None
                    and not _elem_types(n, t) & {TensorProto.FLOAT16, TensorProto.BFLOAT16},
                    "stash_type"),
    # Opset 28 adds `mode`; its default, DCR, is the old order.
    ("SpaceToDepth", 28): (lambda n, t, s: _attr(n, "mode") is None, "mode"),
    # Opset 24 adds round_mode (float8e8m0) and changes how +-Inf casts to the
    # *FNUZ float8 types.
    ("Cast", 24): (lambda n, t, s: _attr(n, "round_mode") is None
                   and not _elem_types(n, t) & FLOAT8_AND_SMALLER, "float8 casts"),
    ("CastLike", 24): (lambda n, t, s: _attr(n, "round_mode") is None
                       and not _elem_types(n, t) & FLOAT8_AND_SMALLER, "float8 casts"),
    # Opset 28 defines fmod=0 for floats (before: integers only).
    ("Mod", 28): (lambda n, t, s: _attr(n, "fmod", 0) == 1 or all(
        onnx.helper.tensor_dtype_to_np_dtype(e).kind in "iu" for e in _elem_types(n, t)),
        "fmod=0 on floats"),
    # Opset 23 lets the scale's type differ from x's (precision, output_dtype);
    # the old schema (checked below) requires them equal.
    ("QuantizeLinear", 23): (lambda n, t, s: _attr(n, "precision") is None, "precision"),
    ("DequantizeLinear", 23): (lambda n, t, s: _attr(n, "output_dtype") is None,
                               "output_dtype"),
    # Opset 25's doc change only gives the ranges of the int2 types it adds.
    ("QuantizeLinear", 25): (lambda n, t, s: True, "int2 ranges"),
}


def _value_info(model):
    types, shapes = {}, {}
    graph = model.graph
    for info in list(graph.input) + list(graph.output) + list(graph.value_info):
        if info.type.HasField("tensor_type"):
            tensor = info.type.tensor_type
            types[info.name] = tensor.elem_type
            if tensor.HasField("shape"):
                shapes[info.name] = [d.dim_value if d.HasField("dim_value") else None
                                     for d in tensor.shape.dim]
    for init in graph.initializer:
        types[init.name] = init.data_type
        shapes[init.name] = list(init.dims)
    return types, shapes


def lower_opset(model):
    """Writes `model` at opset 21 where that is truthful; returns the old opset
    (or None when the model keeps its own)."""
    imports = [o for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if len(imports) != 1 or imports[0].version <= TARGET_OPSET:
        return None
    opset = imports[0].version
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:
        inferred = model
    types, shapes = _value_info(inferred)
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            return None
        history = SCHEMAS.get(node.op_type)
        if not history:
            return None
        versions = sorted(history)
        old = [v for v in versions if v <= TARGET_OPSET]
        if not old:
            return None
        previous = old[-1]
        for version in (v for v in versions if TARGET_OPSET < v <= opset):
            if not _types_only(node.op_type, previous, version):
                rule = REVIEWED.get((node.op_type, version))
                if rule is None or not rule[0](node, types, shapes):
                    return None
            previous = version
    lowered = onnx.ModelProto()
    lowered.CopyFrom(model)
    for o in lowered.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = TARGET_OPSET
    # The IR version that opset 21 came with (ONNX 1.16).
    lowered.ir_version = min(lowered.ir_version, 10)
    try:
        onnx.checker.check_model(lowered, full_check=True)
    except Exception:
        return None
    model.CopyFrom(lowered)
    return opset


def _serialize(value, info, name):
    if info.type.HasField("sequence_type"):
        return numpy_helper.from_list(value, name)
    if info.type.HasField("map_type"):
        return numpy_helper.from_dict(value, name)
    if info.type.HasField("optional_type"):
        return numpy_helper.from_optional(value, name)
    if isinstance(value, TensorProto):
        return value
    return numpy_helper.from_array(np.asarray(value), name)


def generate(out_dir):
    np.random.seed(0)
    from onnx.backend.test.case import node as node_cases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    manifest = {}
    for case in cases:
        model = case.model
        opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                     None)
        lowered_from = lower_opset(model)
        entry = {"opset": TARGET_OPSET if lowered_from else opset}
        if lowered_from:
            entry["lowered_from"] = lowered_from
        manifest[case.name] = entry
        case_dir = os.path.join(out_dir, case.name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(data_dir)
            for kind, values, infos in (("input", inputs, model.graph.input),
                                        ("output", outputs, model.graph.output)):
                for j, value in enumerate(values):
                    proto = _serialize(value, infos[j], infos[j].name)
                    with open(os.path.join(data_dir, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(proto.SerializeToString())
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0, sort_keys=True)


def stamp_text():
    with open(__file__, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return f"onnx {onnx.__version__} numpy {np.__version__} generator {digest}\n"


def main(out_dir):
    out_dir = os.path.abspath(out_dir)
    stamp = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == stamp_text():
                return 0
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".node-tests-", dir=parent)
    try:
        generate(work)
        with open(os.path.join(work, "stamp"), "w") as f:
            f.write(stamp_text())
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.rename(work, out_dir)
    finally:
        if os.path.exists(work):
            shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
