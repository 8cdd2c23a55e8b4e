#!/usr/bin/env python3
"""Reference timing for attnlab's pictures: a labelled matplotlib heatmap with a colour bar.

Draws what `attnlab trace --png` draws for one attention head — a T × T pattern (rows sum to 1,
upper triangle masked) with a token label on every row and column, a title and a colour bar —
and saves it as PNG, several times; prints the median seconds per image. Last line: JSON.

    python3 Tests/Benchmarks/matplotlib_heatmap.py --tokens 128 --images 10
"""
import argparse
import json
import os
import statistics
import tempfile
import time

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def draw(pattern, labels, path):
    size = max(6.0, len(labels) * 0.12)
    fig, ax = plt.subplots(figsize=(size, size))
    masked = np.ma.masked_where(np.triu(np.ones_like(pattern), 1) > 0, pattern)
    image = ax.imshow(masked, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
    ax.set_yticks(range(len(labels)), labels, fontsize=6)
    ax.set_title("decoder layer 0 self-attention pattern, head 0")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--images", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(args.tokens, args.tokens))
    scores[np.triu_indices(args.tokens, 1)] = -np.inf
    pattern = np.exp(scores - scores.max(1, keepdims=True))
    pattern /= pattern.sum(1, keepdims=True)
    labels = [f"tok{i}" for i in range(args.tokens)]
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.images + 1):
            start = time.perf_counter()
            draw(pattern, labels, os.path.join(folder, f"head{i}.png"))
            if i > 0:  # the first one pays for imports and font caches
                times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"matplotlib {matplotlib.__version__}: {median * 1000:.0f} ms per labelled {args.tokens}-token heatmap (median of {args.images})")
    print(json.dumps({"seconds_per_image": round(median, 4), "tokens": args.tokens, "matplotlib": matplotlib.__version__}))


if __name__ == "__main__":
    main()
