#!/usr/bin/env python3
"""Exports the reference networks to ONNX with seeded random weights.

Needs PyTorch with torchvision (and transformers for BERT), which the GPU
machine has. Usage: export_models.py OUT_DIR [MODEL ...]; models: resnet50,
googlenet, mobilenet_v2, efficientnet_b0, bert. Batch 1, opset 17, FP32.
"""
import os
import sys

import torch


def vision(name):
    import torchvision

    kwargs = {"weights": None}
    if name == "googlenet":
        # Inference graph only: no auxiliary classifiers, as deployed.
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs)
    return model, (torch.randn(1, 3, 224, 224),), ["input"], ["logits"]


def bert():
    from transformers import BertConfig, BertModel

    model = BertModel(BertConfig())  # BERT-base shape, random weights.
    ids = torch.randint(0, 30522, (1, 128))
    mask = torch.ones(1, 128, dtype=torch.int64)
    return model, (ids, mask), ["input_ids", "attention_mask"], ["hidden", "pooled"]


def main(out_dir, names):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name in names:
        model, inputs, input_names, output_names = bert() if name == "bert" else vision(name)
        model.eval()
        path = os.path.join(out_dir, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(model, inputs, path, input_names=input_names,
                              output_names=output_names, opset_version=17,
                              dynamo=False)
        print(f"exported {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or ["resnet50", "googlenet", "mobilenet_v2", "efficientnet_b0", "bert"])
