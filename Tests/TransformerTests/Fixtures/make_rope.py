#!/usr/bin/env python3
"""Rotary position embedding (RoPE) references for attnlab, computed in numpy float32.

Hugging Face's Llama convention, written out here from its definition rather than taken from
attnlab: inverse frequencies theta_i = base^(-2i/d) for i < d/2 (float32, as transformers'
`_compute_default_rope_parameters` computes them), optionally stretched by Llama 3.1's "llama3"
scaling (`_compute_llama3_parameters`: wavelengths beyond original/low divided by `factor`,
below original/high kept, the band between blended linearly in original/wavelength), then
"rotate half": in each head, dims i and i + d/2 are a pair rotated by the angle p * theta_i,

    out = x * cos(emb) + rotate_half(x) * sin(emb),  emb = concat(p * theta, p * theta),
    rotate_half(x) = concat(-x[d/2:], x[:d/2]).

It writes `rope.safetensors`: a random x [T, heads * d], its rotation at positions
start..start+T with plain frequencies (`plain`) and with llama3 scaling (`llama3`), and both sets
of inverse frequencies; the settings travel in the metadata. TransformerTests/RotaryTests.swift
requires attnlab's rotated q to match to 1e-5.

When transformers is importable, the script also checks its own inverse frequencies against
transformers' functions (it needs only numpy to write the fixture).

    python3 Tests/TransformerTests/Fixtures/make_rope.py
"""
import json
import math
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

HEADS, HEAD_WIDTH, TOKENS, START = 3, 16, 5, 4090
BASE = 500000.0
LLAMA3 = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": {k: str(v) for k, v in metadata.items()}}, 0, []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def plain_frequencies(d, base):
    exponents = np.arange(0, d, 2, dtype=np.float32) / np.float32(d)
    return (np.float32(1) / np.power(np.float32(base), exponents)).astype(np.float32)


def llama3_frequencies(d, base, s):
    theta = plain_frequencies(d, base)
    factor, low, high = np.float32(s["factor"]), np.float32(s["low_freq_factor"]), np.float32(s["high_freq_factor"])
    old = np.float32(s["original_max_position_embeddings"])
    low_wavelength, high_wavelength = old / low, old / high
    out = np.empty_like(theta)
    for i, f in enumerate(theta):
        wavelength = np.float32(2 * math.pi) / f
        if wavelength < high_wavelength:
            out[i] = f
        elif wavelength > low_wavelength:
            out[i] = f / factor
        else:
            smooth = (old / wavelength - low) / (high - low)
            out[i] = (np.float32(1) - smooth) * f / factor + smooth * f
    return out.astype(np.float32)


def rotate(x, theta, start):
    t, width = x.shape
    d = 2 * len(theta)
    positions = np.arange(start, start + t, dtype=np.float32)
    angles = (positions[:, None] * theta[None, :]).astype(np.float32)        # [T, d/2]
    emb = np.concatenate([angles, angles], axis=1)                           # [T, d]
    cos, sin = np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)
    out = np.empty_like(x)
    for h in range(width // d):
        head = x[:, h * d:(h + 1) * d]
        rotated_half = np.concatenate([-head[:, d // 2:], head[:, :d // 2]], axis=1)
        out[:, h * d:(h + 1) * d] = head * cos + rotated_half * sin
    return out


def check_against_transformers(x, plain, scaled, rotated):
    try:
        import torch
        from transformers import LlamaConfig
        from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
        from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb
    except ImportError:
        print("transformers not importable: not cross-checked")
        return
    config = LlamaConfig(hidden_size=HEADS * HEAD_WIDTH, num_attention_heads=HEADS, head_dim=HEAD_WIDTH,
                         max_position_embeddings=131072, rope_theta=BASE,
                         rope_scaling={"rope_type": "llama3", **LLAMA3})
    theirs, _ = ROPE_INIT_FUNCTIONS["llama3"](config, torch.device("cpu"))
    assert np.allclose(theirs.numpy(), scaled, rtol=1e-6, atol=0), (theirs, scaled)
    dims = torch.arange(0, HEAD_WIDTH, 2, dtype=torch.int64).to(dtype=torch.float)
    default = 1.0 / (BASE ** (dims / HEAD_WIDTH))
    assert np.allclose(default.numpy(), plain, rtol=1e-6, atol=0)
    # The whole rotation, as LlamaAttention applies it to q: [batch, heads, T, d].
    q = torch.from_numpy(x).reshape(1, TOKENS, HEADS, HEAD_WIDTH).transpose(1, 2)
    positions = torch.arange(START, START + TOKENS).unsqueeze(0)
    cos, sin = LlamaRotaryEmbedding(config)(q, positions)
    theirs_q, _ = apply_rotary_pos_emb(q, q, cos, sin)
    theirs_q = theirs_q.transpose(1, 2).reshape(TOKENS, HEADS * HEAD_WIDTH).numpy()
    difference = np.abs(theirs_q - rotated).max()
    assert difference < 1e-5, difference
    print(f"inverse frequencies and rotated q agree with transformers (max |diff| {difference:.1e})")


def main():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((TOKENS, HEADS * HEAD_WIDTH)).astype(np.float32)
    plain = plain_frequencies(HEAD_WIDTH, BASE)
    scaled = llama3_frequencies(HEAD_WIDTH, BASE, LLAMA3)
    tensors = {
        "x": x,
        "plain": rotate(x, plain, START),
        "llama3": rotate(x, scaled, START),
        "plain_frequencies": plain,
        "llama3_frequencies": scaled,
    }
    check_against_transformers(x, plain, scaled, tensors["llama3"])
    metadata = {"heads": HEADS, "head_width": HEAD_WIDTH, "start": START, "base": BASE,
                "llama3": json.dumps(LLAMA3)}
    write_safetensors(os.path.join(HERE, "rope.safetensors"), tensors, metadata)
    print("wrote rope.safetensors")


if __name__ == "__main__":
    main()
