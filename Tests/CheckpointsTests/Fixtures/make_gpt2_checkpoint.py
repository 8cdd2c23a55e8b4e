"""Reads the GPT-2 checkpoint attnlab wrote (gpt2-tiny/, made by GPT2ReferenceTests'
writeTheFixtureCheckpoint) with Hugging Face transformers, runs fixed ids through it, and writes
what transformers computed to gpt2-tiny-expected.safetensors:

    logits         [T, vocab]   float32
    attentions.L   [H, T, T]    the attention pattern of layer L (eager attention)
    metadata       input_ids, text and text_ids (the tokenizers library's split of text), versions

and saves the model again with transformers' own save_pretrained into gpt2-tiny-hf/, which attnlab
must read into the very same weights.

GPT2ReferenceTests requires attnlab's logits and patterns to agree within 1e-4. Run from anywhere:

    python Tests/CheckpointsTests/Fixtures/make_gpt2_checkpoint.py

Needs torch, transformers, tokenizers and safetensors; the Swift tests need none of them.
"""
import os

import numpy as np
import safetensors.numpy
import tokenizers
import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "gpt2-tiny")
OUT = os.path.join(HERE, "gpt2-tiny-expected.safetensors")
HF_FOLDER = os.path.join(HERE, "gpt2-tiny-hf")
IDS = [2, 6, 4, 9, 8, 5, 21, 12, 27, 3, 14, 2]   # <bos> c a f e b r i x <eos> k <bos>
TEXT = "c a f e b"


def main():
    model, info = transformers.GPT2LMHeadModel.from_pretrained(
        FOLDER, attn_implementation="eager", torch_dtype=torch.float32, output_loading_info=True)
    # Every tensor of the file must have been used, and every weight found (lm_head is tied).
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        left = [k for k in info.get(kind, []) if k != "lm_head.weight"]
        assert not left, f"{kind}: {left}"
    assert not info.get("error_msgs"), info["error_msgs"]
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr(), "lm_head is not tied"
    model.eval()
    with torch.no_grad():
        out = model(torch.tensor([IDS]), output_attentions=True)
    tensors = {"logits": out.logits[0].numpy().astype(np.float32)}
    for layer, pattern in enumerate(out.attentions):
        tensors[f"attentions.{layer}"] = pattern[0].numpy().astype(np.float32)

    tokenizer = tokenizers.Tokenizer.from_file(os.path.join(FOLDER, "tokenizer.json"))
    text_ids = tokenizer.encode(TEXT).ids
    metadata = {
        "input_ids": " ".join(map(str, IDS)), "text": TEXT, "text_ids": " ".join(map(str, text_ids)),
        "torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
    }
    safetensors.numpy.save_file(tensors, OUT, metadata=metadata)
    # The other direction: the same model as transformers itself saves it, for attnlab to read.
    model.save_pretrained(HF_FOLDER)
    print(f"wrote {OUT}: logits {tensors['logits'].shape}, {len(out.attentions)} attention patterns; "
          f"'{TEXT}' -> {text_ids}")


if __name__ == "__main__":
    main()
