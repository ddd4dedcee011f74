#!/usr/bin/env python3
"""Builds BERT-style self-attention blocks with onnx.helper and seeded random
weights, in the ONNX backend-test layout with ONNX Runtime's outputs as the
expected ones: DIR/NAME/model.onnx, test_data_set_0/*.pb.

    make_attention_models.py DIR

attention_sdpa: the pattern torch.onnx.export writes for transformers'
BertModel with SDPA attention (opset 17): Q/K/V projections, heads by
Reshape + Transpose (K straight to [B, H, D, S]), sqrt of 1/sqrt(D) on q and
on kᵀ, a boolean mask made additive by Where(mask, 0, -inf), Softmax, the
Where(IsNaN(p), 0, p) guard, p · v, heads merged back, output projection.
Batch 1 has a query whose keys are all masked (its row is 0 after the guard).
attention_div: the older exporters' form: k as [B, H, S, D] transposed by
[0, 1, 3, 2], the scores divided by sqrt(D), no mask, no guard.
attention_formula: attention_div with its softmax written out as ONNX's
function body (ReduceMax, Sub, Exp, ReduceSum, Div).
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from make_models import Graph, save_case

rng = np.random.default_rng(2027)
OPSET = 17
BATCH, SEQ, HEADS, HEAD = 2, 16, 2, 8
HIDDEN = HEADS * HEAD


def attention(sdpa, formula=False):
    g = Graph()

    def dense(x):
        return g.op("Add", [g.weight([HIDDEN], 0.1), g.op("MatMul", [x, g.weight([HIDDEN, HIDDEN])])])

    def heads(x, perm):
        r = g.op("Reshape", [x, g.const([BATCH, SEQ, -1, HEAD], np.int64)])
        return g.op("Transpose", [r], perm=perm)

    q = heads(dense("x"), [0, 2, 1, 3])
    v = heads(dense("x"), [0, 2, 1, 3])
    if sdpa:
        kt = heads(dense("x"), [0, 2, 3, 1])
        root = g.const(np.sqrt(1.0 / np.sqrt(HEAD)))
        scores = g.op("MatMul", [g.op("Mul", [q, root]), g.op("Mul", [kt, root])])
        mask = g.op("Where", ["mask", g.const([0.0]), g.const([-np.inf])])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        probs = g.op("Where", [g.op("IsNaN", [probs]), g.const([0.0]), probs])
    else:
        k = heads(dense("x"), [0, 2, 1, 3])
        kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
        scores = g.op("Div", [g.op("MatMul", [q, kt]), g.const(np.sqrt(HEAD))])
        if formula:
            shifted = g.op("Sub", [scores, g.op("ReduceMax", [scores], axes=[-1], keepdims=1)])
            e = g.op("Exp", [shifted])
            probs = g.op("Div", [e, g.op("ReduceSum", [e, g.const([-1], np.int64)], keepdims=1)])
        else:
            probs = g.op("Softmax", [scores], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.const([BATCH, SEQ, HIDDEN], np.int64)])
    return g, g.op("Add", [g.op("MatMul", [ctx, g.weight([HIDDEN, HIDDEN])]), g.weight([HIDDEN], 0.1)])


def write(directory, name, sdpa, formula=False):
    g, output = attention(sdpa, formula)
    feeds = {"x": rng.standard_normal((BATCH, SEQ, HIDDEN)).astype(np.float32)}
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, feeds["x"].shape)]
    if sdpa:
        mask = rng.random((BATCH, 1, SEQ, SEQ)) > 0.25
        mask[1, 0, 3, :] = False
        feeds["mask"] = mask
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.BOOL, mask.shape))
    graph = helper.make_graph(
        g.nodes, name, inputs,
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, (BATCH, SEQ, HIDDEN))],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    (result,) = save_case(directory, name, model, feeds, output)
    if not np.isfinite(result).all():
        sys.exit(f"{name}: ONNX Runtime's output is not finite")

if __name__ == "__main__":
    write(sys.argv[1], "attention_sdpa", sdpa=True)
    write(sys.argv[1], "attention_div", sdpa=False)
    write(sys.argv[1], "attention_formula", sdpa=False, formula=True)
