#!/usr/bin/env python3
"""Exports the reference networks to ONNX with seeded random weights.

Needs PyTorch with torchvision (and transformers for BERT), which the GPU
machine has. Usage: export_models.py OUT_DIR [MODEL ...]; models: resnet50,
googlenet, mobilenet_v2, efficientnet_b0, bert. Opset 17, FP32, batch 1
unless --batch N comes first (the batch is fixed in the graph: Kiln's engines
have static shapes).
"""
import os
import sys

import torch


def vision(name, batch):
    import torchvision

    kwargs = {"weights": None}
    if name == "googlenet":
        # Inference graph only: no auxiliary classifiers, as deployed.
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs)
    return model, (torch.randn(batch, 3, 224, 224),), ["input"], ["logits"]


class Bert(torch.nn.Module):
    """BERT-base encoder (random weights) with plain tensor inputs and outputs."""

    def __init__(self):
        super().__init__()
        from transformers import BertConfig, BertModel

        self.bert = BertModel(BertConfig(), add_pooling_layer=True)

    def forward(self, input_ids, attention_mask):
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, use_cache=False,
                        return_dict=True)
        return out.last_hidden_state, out.pooler_output


def bert(batch):
    ids = torch.randint(0, 30522, (batch, 128))
    mask = torch.ones(batch, 128, dtype=torch.int64)
    return Bert(), (ids, mask), ["input_ids", "attention_mask"], ["hidden", "pooled"]


def randomize_batch_norms(model):
    """Gives every batch norm non-trivial statistics, as a trained network has,
    so that folding them is a real test (fresh ones are the identity)."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.weight.data = 0.5 + torch.rand(n, generator=generator)
            module.bias.data = 0.2 * torch.randn(n, generator=generator)
            module.running_mean.data = 0.2 * torch.randn(n, generator=generator)
            module.running_var.data = 0.5 + torch.rand(n, generator=generator)


def main(out_dir, names, batch=1):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name in names:
        model, inputs, input_names, output_names = bert(batch) if name == "bert" else vision(name, batch)
        model.eval()
        randomize_batch_norms(model)
        path = os.path.join(out_dir, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(model, inputs, path, input_names=input_names,
                              output_names=output_names, opset_version=17,
                              dynamo=False,
                              # Keep the graph as written (batch norms, shape
                              # arithmetic): folding it is Kiln's job.
                              do_constant_folding=(name == "bert"))
        print(f"exported {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    args = sys.argv[1:]
    batch = 1
    if args[:1] == ["--batch"]:
        batch, args = int(args[1]), args[2:]
    main(args[0], args[1:] or ["resnet50", "googlenet", "mobilenet_v2", "efficientnet_b0", "bert"], batch)
