#!/usr/bin/env python3
"""Reference timing for `attnlab bench --torch`: PyTorch eager GPT-2 small forward.

Builds GPT2LMHeadModel from its default configuration (12 layers, width 768, 12 heads,
vocabulary 50257, 1024 positions) with random weights (no download), runs one forward
pass to logits with output_attentions=True and eager attention on a seeded random input,
and prints the median of several runs. Last line: one JSON object.

    python3 Tests/Benchmarks/torch_gpt2_forward.py --tokens 128 --runs 7
"""
import argparse
import json
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="0 = PyTorch's default")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPT2Config(attn_implementation="eager")
    model = GPT2LMHeadModel(config).eval()
    ids = torch.randint(0, config.vocab_size, (1, args.tokens))

    times = []
    with torch.inference_mode():
        for i in range(args.warmup + args.runs):
            start = time.perf_counter()
            out = model(ids, output_attentions=True, use_cache=False)
            elapsed = (time.perf_counter() - start) * 1000
            assert len(out.attentions) == config.n_layer
            if i >= args.warmup:
                times.append(elapsed)

    median = statistics.median(times)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: "
          f"GPT-2 small forward, {args.tokens} tokens, attentions recorded: {median:.1f} ms (median of {args.runs})")
    print(json.dumps({"forward_ms": round(median, 3), "tokens": args.tokens,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
