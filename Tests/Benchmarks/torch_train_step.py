#!/usr/bin/env python3
"""Reference timing for `attnlab bench --train --torch`: PyTorch eager training steps.

Builds a GPT-2-shaped decoder-only model (GPT2LMHeadModel, eager attention, no dropout) of the
size given, with random weights (no download), and times full training steps on seeded random
token batches: forward to logits, next-token cross-entropy, backward, gradient clipping by global
norm and an AdamW update. Prints the median of several timed steps after warm-up, and the peak
resident memory of the process. Last line: one JSON object.

    python3 Tests/Benchmarks/torch_train_step.py --width 64 --heads 4 --layers 2 --mlp 256 \\
        --vocab 512 --batch 32 --length 32 --steps 20
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--mlp", type=int, default=256)
    parser.add_argument("--vocab", type=int, default=512)
    parser.add_argument("--positions", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0 = PyTorch's default")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPT2Config(n_embd=args.width, n_head=args.heads, n_layer=args.layers, n_inner=args.mlp,
                        vocab_size=args.vocab, n_positions=max(args.positions, args.length),
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, attn_implementation="eager")
    model = GPT2LMHeadModel(config).train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "wte" not in n and "wpe" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "wte" not in n and "wpe" not in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                                  lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=True)
    generator = torch.Generator().manual_seed(1)

    times = []
    for i in range(args.warmup + args.steps):
        ids = torch.randint(0, args.vocab, (args.batch, args.length), generator=generator)
        start = time.perf_counter()
        out = model(ids, labels=ids, use_cache=False)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        elapsed = time.perf_counter() - start
        if i >= args.warmup:
            times.append(elapsed)

    median = statistics.median(times)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: width {args.width}, {args.layers} layers, "
          f"batch {args.batch} x {args.length}: {median * 1000:.2f} ms per step ({1 / median:.1f} steps/s), "
          f"peak memory {peak_mib:.0f} MiB")
    print(json.dumps({"step_ms": round(median * 1000, 3), "steps_per_s": round(1 / median, 3),
                      "peak_mib": round(peak_mib, 1), "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
