#!/usr/bin/env python3
"""Reference gradients for attnlab's backward pass, computed by PyTorch's autograd in float64.

For each small model below this script draws random float32 weights, writes them to
`grad-<name>.safetensors` under attnlab's parameter names, and builds the same model as plain
torch modules that mirror attnlab's arithmetic (make_reference.py does the same in numpy for the
forward pass). It runs a batch of two sequences of different lengths with fixed labels, some of
them -100 (no loss), takes the mean cross-entropy over the counted positions, calls backward(),
and writes every parameter's gradient as `grad.<name>` to `grad-<name>-expected.safetensors`,
with the loss, ids, labels and configuration in its metadata.

Each sequence is run on its own, unpadded: attnlab pads the batch and masks, so this checks the
padding too. TransformerTests/GradientReferenceTests.swift loads both files and compares.

    /path/to/python Tests/TransformerTests/Fixtures/make_gradients.py   # needs torch and numpy
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_reference import make_weights, t5_bucket, write_safetensors  # noqa: E402  (same weights, same buckets)

torch.set_default_dtype(torch.float64)


class Model(torch.nn.Module):
    """One attnlab model: parameters under attnlab's names, the forward of Model.swift/Block.swift."""

    def __init__(self, cfg, arch, weights):
        super().__init__()
        self.cfg, self.arch = cfg, arch
        self.names = sorted(weights)
        for i, name in enumerate(self.names):   # ParameterDict keys may not contain dots
            self.register_parameter(f"p{i}", torch.nn.Parameter(torch.tensor(weights[name], dtype=torch.float64)))

    def p(self, name):
        return getattr(self, f"p{self.names.index(name)}")

    def has(self, name):
        return name in self.names

    # ---- ops

    def norm(self, x, prefix):
        eps = self.cfg["eps"]
        if self.cfg["norm"] == "layer":
            mu = x.mean(-1, keepdim=True)
            var = ((x - mu) ** 2).mean(-1, keepdim=True)
            y = (x - mu) / torch.sqrt(var + eps) * self.p(prefix + ".weight")
            return y + self.p(prefix + ".bias") if self.has(prefix + ".bias") else y
        return x / torch.sqrt((x ** 2).mean(-1, keepdim=True) + eps) * self.p(prefix + ".weight")

    def linear(self, x, prefix):
        y = x @ self.p(prefix + ".weight").T
        return y + self.p(prefix + ".bias") if self.has(prefix + ".bias") else y

    def act(self, x):
        a = self.cfg["activation"]
        if a == "gelu":
            return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        if a == "gelu-tanh":
            return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
        return torch.relu(x)

    def attention(self, prefix, x_q, x_kv, mask, bias):
        H, d = self.cfg["heads"], self.cfg["width"]
        dh = d // H
        def heads(t):
            return t.reshape(t.shape[0], H, dh).transpose(0, 1)
        q, k, v = heads(self.linear(x_q, prefix + ".q")), heads(self.linear(x_kv, prefix + ".k")), heads(self.linear(x_kv, prefix + ".v"))
        scale = 1.0 / math.sqrt(dh) if self.cfg["score_scaling"] == "sqrt" else 1.0
        scores = scale * q @ k.transpose(1, 2)
        if bias is not None:
            scores = scores + bias
        scores = scores.masked_fill(mask[None] == 0, float("-inf"))
        pattern = torch.softmax(scores, -1)
        z = (pattern @ v).transpose(0, 1).reshape(x_q.shape[0], d)
        return self.linear(z, prefix + ".o")

    def position_bias(self, name, T):
        table = self.p(f"{name}.0.self_attn.relative_bias")   # [buckets, H]
        idx = torch.tensor([[t5_bucket(j - i, name == "encoder", self.cfg["buckets"], self.cfg["max_distance"])
                             for j in range(T)] for i in range(T)])
        return table[idx].permute(2, 0, 1)   # [H, T, T]

    def stack(self, name, x, self_mask, memory=None):
        pre = self.cfg["placement"] == "pre"
        bias = self.position_bias(name, x.shape[0]) if self.cfg["positions"] == "relative" else None
        def sub(x, norm, f):
            return x + f(self.norm(x, norm)) if pre else self.norm(x + f(x), norm)
        for l in range(self.cfg["layers"]):
            b = f"{name}.{l}."
            x = sub(x, b + "self_attn_norm", lambda h: self.attention(b + "self_attn", h, h, self_mask, bias))
            if memory is not None:
                ones = torch.ones(x.shape[0], memory.shape[0])
                x = sub(x, b + "cross_attn_norm", lambda h: self.attention(b + "cross_attn", h, memory, ones, None))
            x = sub(x, b + "mlp_norm", lambda h: self.linear(self.act(self.linear(h, b + "mlp.up")), b + "mlp.down"))
        return self.norm(x, name + ".final_norm") if pre else x

    def embed(self, ids):
        x = self.p("embed.token")[torch.tensor(ids)]
        T, d = len(ids), self.cfg["width"]
        if self.cfg["positions"] == "learned":
            x = x + self.p("embed.position")[:T]
        elif self.cfg["positions"] == "sinusoidal":
            pe = torch.zeros(T, d)
            for p in range(T):
                for i in range(0, d, 2):
                    angle = p / 10000 ** (i / d)
                    pe[p, i] = math.sin(angle)
                    if i + 1 < d:
                        pe[p, i + 1] = math.cos(angle)
            x = x + pe
        return self.norm(x, "embed.norm") if self.cfg["embedding_norm"] else x

    def forward(self, enc_ids, dec_ids):
        """Logits [T, vocab] for one unpadded sequence."""
        if self.arch == "encoder-only":
            T = len(enc_ids)
            h = self.stack("encoder", self.embed(enc_ids), torch.ones(T, T))
        elif self.arch == "decoder-only":
            T = len(dec_ids)
            h = self.stack("decoder", self.embed(dec_ids), torch.tril(torch.ones(T, T)))
        else:
            S, T = len(enc_ids), len(dec_ids)
            memory = self.stack("encoder", self.embed(enc_ids), torch.ones(S, S))
            h = self.stack("decoder", self.embed(dec_ids), torch.tril(torch.ones(T, T)), memory)
        if self.cfg["tied"]:
            if self.cfg["scale_tied_logits"]:
                h = h * self.cfg["width"] ** -0.5
            return h @ self.p("embed.token").T
        return h @ self.p("unembed.weight").T


BASE = dict(width=16, heads=2, layers=2, mlp_width=32, vocab=30, max_length=16, norm="layer", eps=1e-5,
            positions="learned", score_scaling="sqrt", activation="gelu-tanh", biases=True,
            embedding_norm=False, tied=True, scale_tied_logits=False)
T5 = dict(BASE, placement="pre", norm="rms", eps=1e-6, positions="relative", buckets=8, max_distance=8,
          score_scaling="none", activation="relu", biases=False, tied=True, scale_tied_logits=True)
MODELS = {}
for arch in ["encoder-only", "decoder-only", "encoder-decoder"]:
    for placement in ["pre", "post"]:
        MODELS[f"{arch}-{placement}-learned"] = (arch, dict(BASE, placement=placement))
MODELS["decoder-only-pre-sinusoidal"] = ("decoder-only", dict(BASE, placement="pre", positions="sinusoidal"))
MODELS["encoder-decoder-post-sinusoidal"] = ("encoder-decoder", dict(BASE, placement="post", positions="sinusoidal",
                                                                     activation="gelu"))
MODELS["decoder-only-t5"] = ("decoder-only", T5)
MODELS["encoder-decoder-t5"] = ("encoder-decoder", T5)
MODELS["encoder-only-bert"] = ("encoder-only", dict(BASE, placement="post", eps=1e-12, activation="gelu",
                                                     embedding_norm=True, tied=False))


def main():
    rng = np.random.default_rng(20260301)
    for name, (arch, cfg) in MODELS.items():
        W = make_weights(cfg, arch, rng)
        model = Model(cfg, arch, W)
        V = cfg["vocab"]
        enc = [rng.integers(0, V, n).tolist() for n in (7, 5)] if arch != "decoder-only" else [[], []]
        dec = [rng.integers(0, V, n).tolist() for n in (6, 5)] if arch != "encoder-only" else [[], []]
        out = enc if arch == "encoder-only" else dec
        labels = [rng.integers(0, V, len(s)).tolist() for s in out]
        labels[0][1] = -100
        labels[1][-1] = -100
        counted = sum(l != -100 for row in labels for l in row)
        total = 0
        for b in range(2):
            logits = model(enc[b], dec[b])
            total = total + F.cross_entropy(logits, torch.tensor(labels[b]), ignore_index=-100, reduction="sum")
        loss = total / counted
        loss.backward()
        grads = {"grad." + n: model.p(n).grad.numpy() for n in model.names}
        write_safetensors(os.path.join(HERE, f"grad-{name}.safetensors"), W)
        meta = {"architecture": arch, "config": json.dumps(cfg, sort_keys=True), "encoder_ids": json.dumps(enc),
                "decoder_ids": json.dumps(dec), "labels": json.dumps(labels), "loss": repr(loss.item())}
        write_safetensors(os.path.join(HERE, f"grad-{name}-expected.safetensors"), grads, meta)
        print(f"{name}: {arch}, {len(W)} tensors, loss {loss.item():.6f}, "
              f"max |grad| {max(np.abs(g).max() for g in grads.values()):.4g}")


if __name__ == "__main__":
    main()
