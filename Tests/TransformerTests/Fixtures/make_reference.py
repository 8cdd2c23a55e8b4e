#!/usr/bin/env python3
"""Reference forward passes for attnlab's model core, computed independently in numpy float64.

For each of three small models — GPT-2-like (decoder-only), BERT-like (encoder-only) and
T5-like (encoder-decoder) — this script draws random float32 weights, writes them to
`<name>.safetensors` under attnlab's parameter names, runs one forward pass from the
definitions (in float64, from those same float32 weights) and writes every attention
pattern and the logits to `<name>-expected.safetensors`. The token ids and the
configuration travel in the expected file's metadata.

TransformerTests/ReferenceTests.swift loads both and requires attnlab to agree to 1e-4.

    python3 Tests/TransformerTests/Fixtures/make_reference.py   # needs numpy only
"""
import json
import math
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- safetensors, written by hand (the format is an 8-byte length, a JSON header, raw data)

def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


# ---- the arithmetic, from the definitions

def layer_norm(x, p, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * p["weight"] + p.get("bias", 0.0)


def rms_norm(x, p, eps):
    return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * p["weight"]


def gelu_exact(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def relu(x):
    return np.maximum(x, 0.0)


def linear(x, p):
    return x @ p["weight"].T + p.get("bias", 0.0)


def t5_bucket(rel, bidirectional, num_buckets, max_distance):
    """T5's relative position bucket for key position minus query position `rel`."""
    bucket = 0
    if bidirectional:
        num_buckets //= 2
        bucket += num_buckets if rel > 0 else 0
        n = abs(rel)
    else:
        n = max(-rel, 0)
    max_exact = num_buckets // 2
    if n < max_exact:
        return bucket + n
    large = max_exact + int(np.float32(np.log(np.float32(n / max_exact)) / np.float32(math.log(max_distance / max_exact))
                                       * (num_buckets - max_exact)))
    return bucket + min(large, num_buckets - 1)


def attention(cfg, p, x_q, x_kv, mask, bias):
    """Multi-head attention; returns (output [Tq, d], pattern [H, Tq, Tk])."""
    H, d = cfg["heads"], cfg["width"]
    dh = d // H
    def heads(t):  # [T, d] -> [H, T, dh]
        return t.reshape(t.shape[0], H, dh).transpose(1, 0, 2)
    q, k, v = heads(linear(x_q, p["q"])), heads(linear(x_kv, p["k"])), heads(linear(x_kv, p["v"]))
    scale = 1.0 / math.sqrt(dh) if cfg["score_scaling"] == "sqrt" else 1.0
    scores = scale * q @ k.transpose(0, 2, 1)
    if bias is not None:
        scores = scores + bias
    scores = np.where(mask[None] > 0, scores, -np.inf)
    scores = scores - scores.max(-1, keepdims=True)
    e = np.exp(scores)
    pattern = e / e.sum(-1, keepdims=True)
    z = (pattern @ v).transpose(1, 0, 2).reshape(x_q.shape[0], d)
    return linear(z, p["o"]), pattern


def run_stack(cfg, P, name, x, self_mask, memory=None, patterns=None):
    norm = layer_norm if cfg["norm"] == "layer" else rms_norm
    act = {"gelu": gelu_exact, "gelu-tanh": gelu_tanh, "relu": relu}[cfg["activation"]]
    eps = cfg["eps"]
    T = x.shape[0]
    bias = None
    if cfg["positions"] == "relative":
        table = P[f"{name}.0.self_attn.relative_bias"]
        bidirectional = name == "encoder"
        bias = np.zeros((cfg["heads"], T, T))
        for i in range(T):
            for j in range(T):
                bias[:, i, j] = table[t5_bucket(j - i, bidirectional, cfg["buckets"], cfg["max_distance"])]
    pre = cfg["placement"] == "pre"
    for l in range(cfg["layers"]):
        B = lambda part: P[f"{name}.{l}.{part}"]
        h = norm(x, B("self_attn_norm"), eps) if pre else x
        h, pat = attention(cfg, B("self_attn"), h, h, self_mask, bias)
        patterns[f"{name}.{l}.self_attn.pattern"] = pat
        x = x + h if pre else norm(x + h, B("self_attn_norm"), eps)
        if memory is not None:
            h = norm(x, B("cross_attn_norm"), eps) if pre else x
            h, pat = attention(cfg, B("cross_attn"), h, memory, np.ones((T, memory.shape[0])), None)
            patterns[f"{name}.{l}.cross_attn.pattern"] = pat
            x = x + h if pre else norm(x + h, B("cross_attn_norm"), eps)
        h = norm(x, B("mlp_norm"), eps) if pre else x
        h = linear(act(linear(h, B("mlp")["up"])), B("mlp")["down"])
        x = x + h if pre else norm(x + h, B("mlp_norm"), eps)
    if pre:
        x = norm(x, P[f"{name}.final_norm"], eps)
    return x


def embed(cfg, P, ids):
    x = P["embed.token"][ids]
    if cfg["positions"] == "learned":
        x = x + P["embed.position"][: len(ids)]
    if cfg["embedding_norm"]:
        x = layer_norm(x, P["embed.norm"], cfg["eps"])
    return x


def unembed(cfg, P, h):
    if cfg["tied"]:
        if cfg["scale_tied_logits"]:
            h = h * cfg["width"] ** -0.5
        return h @ P["embed.token"].T
    return h @ P["unembed.weight"].T


def forward(cfg, P, arch, enc_ids, dec_ids):
    patterns = {}
    if arch == "encoder-only":
        T = len(enc_ids)
        h = run_stack(cfg, P, "encoder", embed(cfg, P, enc_ids), np.ones((T, T)), patterns=patterns)
    elif arch == "decoder-only":
        T = len(dec_ids)
        h = run_stack(cfg, P, "decoder", embed(cfg, P, dec_ids), np.tril(np.ones((T, T))), patterns=patterns)
    else:
        S, T = len(enc_ids), len(dec_ids)
        memory = run_stack(cfg, P, "encoder", embed(cfg, P, enc_ids), np.ones((S, S)), patterns=patterns)
        h = run_stack(cfg, P, "decoder", embed(cfg, P, dec_ids), np.tril(np.ones((T, T))), memory, patterns)
    return unembed(cfg, P, h), patterns


# ---- the models' parameters, under attnlab's names

def make_weights(cfg, arch, rng):
    d, f, V = cfg["width"], cfg["mlp_width"], cfg["vocab"]
    W = {}
    def mat(name, shape):
        W[name] = (rng.standard_normal(shape) * 0.4).astype(np.float32)
    def vec(name, n, centre):
        W[name] = (centre + rng.standard_normal(n) * 0.1).astype(np.float32)
    def lin(name, out, inn):
        mat(name + ".weight", (out, inn))
        if cfg["biases"]:
            vec(name + ".bias", out, 0.0)
    def norm(name):
        vec(name + ".weight", d, 1.0)
        if cfg["norm"] == "layer" and cfg["biases"]:
            vec(name + ".bias", d, 0.0)
    def attn(name, first):
        for part in "qkvo":
            lin(f"{name}.{part}", d, d)
        if first and cfg["positions"] == "relative":
            mat(f"{name}.relative_bias", (cfg["buckets"], cfg["heads"]))
    mat("embed.token", (V, d))
    if cfg["positions"] == "learned":
        mat("embed.position", (cfg["max_length"], d))
    if cfg["embedding_norm"]:
        norm("embed.norm")
    stacks = {"encoder-only": ["encoder"], "decoder-only": ["decoder"], "encoder-decoder": ["encoder", "decoder"]}[arch]
    for s in stacks:
        for l in range(cfg["layers"]):
            norm(f"{s}.{l}.self_attn_norm")
            attn(f"{s}.{l}.self_attn", l == 0)
            if arch == "encoder-decoder" and s == "decoder":
                norm(f"{s}.{l}.cross_attn_norm")
                attn(f"{s}.{l}.cross_attn", False)
            norm(f"{s}.{l}.mlp_norm")
            lin(f"{s}.{l}.mlp.up", f, d)
            lin(f"{s}.{l}.mlp.down", d, f)
        if cfg["placement"] == "pre":
            norm(f"{s}.final_norm")
    if not cfg["tied"]:
        mat("unembed.weight", (V, d))
    return W


def nest(W):
    """{"a.b.weight": t} -> lookups by prefix, e.g. P["a.b"]["weight"], as the forward code reads them."""
    class Params(dict):
        def __getitem__(self, key):
            if dict.__contains__(self, key):
                return dict.__getitem__(self, key)
            sub = Params({k[len(key) + 1:]: v for k, v in self.items() if k.startswith(key + ".")})
            if not sub:
                raise KeyError(key)
            return sub
    return Params({k: v.astype(np.float64) for k, v in W.items()})


BASE = dict(width=16, heads=4, layers=2, mlp_width=32, vocab=40, max_length=16)
MODELS = {
    "gpt2-like": ("decoder-only", dict(BASE, placement="pre", norm="layer", eps=1e-5, positions="learned",
                                       score_scaling="sqrt", activation="gelu-tanh", biases=True,
                                       embedding_norm=False, tied=True, scale_tied_logits=False)),
    "bert-like": ("encoder-only", dict(BASE, placement="post", norm="layer", eps=1e-12, positions="learned",
                                       score_scaling="sqrt", activation="gelu", biases=True,
                                       embedding_norm=True, tied=False, scale_tied_logits=False)),
    "t5-like": ("encoder-decoder", dict(BASE, placement="pre", norm="rms", eps=1e-6, positions="relative",
                                        buckets=8, max_distance=8, score_scaling="none", activation="relu",
                                        biases=False, embedding_norm=False, tied=True, scale_tied_logits=True)),
}


def main():
    rng = np.random.default_rng(20261129)
    for name, (arch, cfg) in MODELS.items():
        W = make_weights(cfg, arch, rng)
        enc_ids = rng.integers(0, cfg["vocab"], 12).tolist() if arch != "decoder-only" else []
        dec_ids = rng.integers(0, cfg["vocab"], 10).tolist() if arch != "encoder-only" else []
        logits, patterns = forward(cfg, nest(W), arch, enc_ids, dec_ids)
        write_safetensors(os.path.join(HERE, f"{name}.safetensors"), W)
        meta = {"architecture": arch, "config": json.dumps(cfg, sort_keys=True),
                "encoder_ids": json.dumps(enc_ids), "decoder_ids": json.dumps(dec_ids)}
        write_safetensors(os.path.join(HERE, f"{name}-expected.safetensors"), dict(patterns, logits=logits), meta)
        print(f"{name}: {arch}, {sum(v.size for v in W.values())} parameters, {len(patterns)} patterns, logits {logits.shape}")


if __name__ == "__main__":
    main()
