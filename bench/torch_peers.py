#!/usr/bin/env python3
"""Times the PyTorch peers of a Kiln engine on the GPU, FP16, in one process:
eager, eager captured in a CUDA graph, and torch.compile(mode="reduce-overhead").
CNNs run channels_last; BERT-base (encoder and pooler, sequence length 128)
takes token ids and an all-ones mask. Prints one JSON line per peer: GPU ms per
batch (median and p90 over CUDA-event-timed iterations after warm-up).

    torch_peers.py MODEL BATCH [--iterations N]
"""
import argparse
import json
import statistics

import torch


def build(name, batch):
    torch.manual_seed(0)
    if name == "bert":
        from transformers import BertConfig, BertModel
        model = BertModel(BertConfig(), add_pooling_layer=True).eval().cuda().half()
        ids = torch.randint(0, 30522, (batch, 128), device="cuda")
        mask = torch.ones(batch, 128, dtype=torch.int64, device="cuda")
        return (lambda: model(input_ids=ids, attention_mask=mask, use_cache=False)), model, (ids, mask)
    import torchvision
    kwargs = {"weights": None}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs).eval().cuda().half()
    model = model.to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 224, 224, device="cuda").half().to(memory_format=torch.channels_last)
    return (lambda: model(x)), model, (x,)


def time_it(fn, iterations, warmup=20):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iterations):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return statistics.median(times), times[int(0.9 * len(times))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("batch", type=int)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    run, model, inputs = build(args.model, args.batch)
    with torch.inference_mode():
        results = {"eager": time_it(run, args.iterations)}
        graph = torch.cuda.CUDAGraph()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(3):
                run()
        torch.cuda.current_stream().wait_stream(stream)
        with torch.cuda.graph(graph):
            run()
        results["cuda graph"] = time_it(graph.replay, args.iterations)
        compiled = torch.compile(model, mode="reduce-overhead")
        if args.model == "bert":
            call = lambda: compiled(input_ids=inputs[0], attention_mask=inputs[1], use_cache=False)
        else:
            call = lambda: compiled(*inputs)
        results["torch.compile"] = time_it(call, args.iterations, warmup=30)
    for peer, (median, p90) in results.items():
        print(json.dumps({"model": args.model, "batch": args.batch, "peer": peer,
                          "median_ms": round(median, 4), "p90_ms": round(p90, 4),
                          "torch": torch.__version__}))


if __name__ == "__main__":
    main()
