"""Makes the Hugging Face checkpoints attnlab's checkpoint reader is tested against, and what
transformers computes with them.

For each model type (bert, gpt2, t5 v1.0, t5 v1.1, bart, llama, qwen2) it builds a tiny random model
with transformers (about 32 wide, 2 layers, 128 ids), draws every weight from a seeded generator at
a scale that gives peaked attention (transformers' own 0.02 initialisation gives nearly uniform
patterns, which would hide a wrong score), and saves it with save_pretrained (always safetensors in
transformers 5) into hf/<name>/, keeping config.json, model.safetensors and generation_config.json.
Then it reads the folder back with from_pretrained (eager attention, float32: a bfloat16 or float16
file is widened exactly), runs fixed ids with output_attentions=True and writes
hf/<name>-expected.safetensors:

    encoder.ids, decoder.ids            [T]            the ids the model ran (as float32)
    encoder.{L}.self_attn.pattern       [H, T, T]      attnlab's hook names
    decoder.{L}.self_attn.pattern       [H, T, T]
    decoder.{L}.cross_attn.pattern      [H, Tdec, Tenc]
    logits                              [T, vocab]     decoder positions; bert: the MLM logits
    generate.prompt, generate.tokens                   gpt2, t5, bart: greedy generate's input and new tokens

Greedy generation is made comparable: generate(do_sample=False, num_beams=1, max_new_tokens=8) with
BART's forced_eos_token_id removed (it would force </s> at the last step), every model's eos inside
its vocabulary, and the tokens checked against a plain argmax loop over full forward passes, so no
logits processor changed a choice; each step's margin between the best and second-best logit is
checked to be far above float32 noise, so attnlab cannot pick another token by rounding.
The decoder start token transformers used (t5: 0 = pad, bart: 2 = decoder_start_token_id) is the
first token of generate's output and goes in the metadata.

From the real all-MiniLM-L6-v2 (a bare BertModel, read-only under Output/models/ of the main
checkout, or $ATTNLAB_MINILM) it writes hf/minilm-expected.safetensors (the patterns and the last
hidden state [T, 384] of one sentence) and hf/minilm-ids.json (its tokenizer's ids for a few
sentences, [CLS] and [SEP] included).

Run with the reference venv; the Swift tests need no Python:

    /tmp/ref/bin/python Tests/CheckpointsTests/Fixtures/make_hf_models.py
"""
import json
import os
import shutil

import numpy as np
import safetensors.numpy
import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hf")
VOCAB = 128
KEEP = {"config.json", "model.safetensors", "generation_config.json"}
ENCODER_IDS = [5, 17, 42, 99, 8, 63, 120, 31, 77, 14, 1]
DECODER_IDS = [7, 19, 88, 45, 102, 3, 56, 21, 90, 11, 64, 33]
MINILM_SENTENCE = "The quick brown fox jumps over the lazy dog today."
MINILM_SENTENCES = [MINILM_SENTENCE, "Attention is all you need.", "Hello, world!",
                    "Transformers read every token at once; decoders read left to right."]


def randomise(model, seed, gain):
    """Every parameter (and BART's final_logits_bias buffer) drawn again: matrices [out, in] with
    std gain/sqrt(in), embedding tables with std 1, norm scales 1 ± 0.1, biases ± 0.1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        named = dict(model.named_parameters())
        named.update({n: b for n, b in model.named_buffers() if n.endswith("final_logits_bias")})
        for name, p in sorted(named.items()):
            if p.dim() == 2 and ("embed" in name or "shared" in name or name.startswith("transformer.w")
                                 or "relative_attention_bias" in name):
                value = torch.randn(p.shape, generator=g)
            elif p.dim() == 2 and "final_logits_bias" in name:
                value = 0.1 * torch.randn(p.shape, generator=g)
            elif p.dim() == 2:
                # GPT-2's Conv1D keeps [in, out]; nn.Linear [out, in].
                fan_in = p.shape[0] if ".c_" in name else p.shape[1]
                value = gain / fan_in ** 0.5 * torch.randn(p.shape, generator=g)
            elif name.endswith("weight"):
                value = 1 + 0.1 * torch.randn(p.shape, generator=g)
            else:
                value = 0.1 * torch.randn(p.shape, generator=g)
            p.copy_(value)


def bert():
    config = transformers.BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, max_position_embeddings=64, type_vocab_size=2)
    return transformers.BertForMaskedLM(config), 1.5


def gpt2():
    config = transformers.GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                     bos_token_id=1, eos_token_id=2)
    return transformers.GPT2LMHeadModel(config), 1.5


def t5(version):
    # Few buckets and a short max distance, so that 11 tokens reach T5's logarithmic buckets too.
    common = dict(vocab_size=VOCAB, d_model=32, d_kv=6, d_ff=64, num_layers=2, num_heads=4,
                  relative_attention_num_buckets=8, relative_attention_max_distance=20,
                  pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    if version == "1.0":
        config = transformers.T5Config(feed_forward_proj="relu", tie_word_embeddings=True, **common)
    else:
        config = transformers.T5Config(feed_forward_proj="gated-gelu", tie_word_embeddings=False, **common)
    model = transformers.T5ForConditionalGeneration(config)
    if version == "1.1":
        # transformers 5 always ties lm_head to shared at construction; a separate head (as T5
        # v1.1 has) is kept when the file holds one that differs.
        model.lm_head.weight = torch.nn.Parameter(torch.empty(VOCAB, 32))
    # v1.0's head is the tied embedding: a larger gain lets the blocks, not the last token's own
    # embedding, decide what comes next, so greedy generation does not repeat one token.
    return model, 2.0 if version == "1.0" else 1.0


def bart():
    config = transformers.BartConfig(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2,
                                     encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64,
                                     decoder_ffn_dim=64, max_position_embeddings=64, scale_embedding=True,
                                     forced_eos_token_id=None, bos_token_id=0, pad_token_id=1, eos_token_id=2,
                                     decoder_start_token_id=2)
    return transformers.BartForConditionalGeneration(config), 1.5


def llama():
    # rope_theta 100 and head_dim 8 give wavelengths 6.3, 20, 63 and 200 positions: with an original
    # length of 32, llama3 scaling keeps the first (< 32/4), smooths the second and divides the rest.
    config = transformers.LlamaConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        rope_parameters={"rope_type": "llama3", "rope_theta": 100.0, "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 32})
    return transformers.LlamaForCausalLM(config), 1.5


def qwen2():
    config = transformers.Qwen2Config(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                      tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    return transformers.Qwen2ForCausalLM(config), 1.5


# name: (builder, seed, file dtype, greedy generation?)
MODELS = {
    "bert": (bert, 11, torch.float32, False),
    "gpt2": (gpt2, 42, torch.float32, True),
    "t5-v1_0": (lambda: t5("1.0"), 33, torch.float32, True),
    "t5-v1_1": (lambda: t5("1.1"), 14, torch.float32, True),
    "bart": (bart, 35, torch.float32, True),
    "llama": (llama, 16, torch.bfloat16, False),
    "qwen2": (qwen2, 17, torch.float16, False),
}


def save(model, folder, dtype):
    shutil.rmtree(folder, ignore_errors=True)
    model.to(dtype).save_pretrained(folder)
    for name in os.listdir(folder):
        if name not in KEEP:
            os.remove(os.path.join(folder, name))


def reload(folder):
    """The folder as transformers reads it, in float32, every tensor of the file used."""
    config = transformers.AutoConfig.from_pretrained(folder)
    cls = getattr(transformers, config.architectures[0])
    model, info = cls.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32,
                                      output_loading_info=True)
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        assert not info.get(kind), f"{folder}: {kind} {info[kind]}"
    return model.eval()


def patterns(out, tensors, is_encoder_decoder, encoder_only=False):
    def put(stack, kind, attentions):
        for layer, pattern in enumerate(attentions):
            tensors[f"{stack}.{layer}.{kind}.pattern"] = pattern[0].numpy().astype(np.float32)
    if is_encoder_decoder:
        put("encoder", "self_attn", out.encoder_attentions)
        put("decoder", "self_attn", out.decoder_attentions)
        put("decoder", "cross_attn", out.cross_attentions)
    else:
        put("encoder" if encoder_only else "decoder", "self_attn", out.attentions)


def greedy(model, prompt, encoder_ids, steps=8):
    """generate's new tokens, checked against an argmax loop with its margins."""
    with torch.no_grad():
        if encoder_ids is None:
            made = model.generate(torch.tensor([prompt]), max_new_tokens=steps, do_sample=False, num_beams=1,
                                  attention_mask=torch.ones(1, len(prompt), dtype=torch.long))
            start = made[0, :len(prompt)].tolist()
            assert start == prompt, (start, prompt)
        else:
            made = model.generate(torch.tensor([encoder_ids]), max_new_tokens=steps, do_sample=False, num_beams=1)
            start = made[0, :1].tolist()
        new = made[0, len(start):].tolist()
        # The same choices by hand: full forward passes and argmax, no processors.
        sequence, margins = list(start), []
        eos = model.generation_config.eos_token_id
        for _ in range(len(new)):
            if encoder_ids is None:
                logits = model(torch.tensor([sequence])).logits[0, -1]
            else:
                logits = model(input_ids=torch.tensor([encoder_ids]), decoder_input_ids=torch.tensor([sequence])).logits[0, -1]
            top = torch.topk(logits, 2).values
            margins.append(float(top[0] - top[1]))
            sequence.append(int(torch.argmax(logits)))
            if sequence[-1] == eos:
                break
        assert sequence[len(start):] == new, (sequence, new)
        assert min(margins) > 1e-3, f"a near tie in greedy choice: margins {margins}"
    return start, new, min(margins)


def write(tensors, path, metadata):
    """The metadata as one JSON string: safetensors keeps several in a hash map whose order, and so
    the file's bytes, change from run to run."""
    safetensors.numpy.save_file(tensors, path, metadata={"reference": json.dumps(metadata, sort_keys=True)})


def make(name):
    build, seed, dtype, generates = MODELS[name]
    torch.manual_seed(seed)
    model, gain = build()
    randomise(model, seed, gain)
    folder = os.path.join(OUT, name)
    save(model, folder, dtype)
    model = reload(folder)
    encoder_decoder = model.config.is_encoder_decoder
    tensors, metadata = {}, {"transformers": transformers.__version__, "torch": torch.__version__}
    with torch.no_grad():
        if encoder_decoder:
            decoder_ids = [model.config.decoder_start_token_id] + DECODER_IDS[:6]
            out = model(input_ids=torch.tensor([ENCODER_IDS]), decoder_input_ids=torch.tensor([decoder_ids]),
                        output_attentions=True)
            tensors["encoder.ids"] = np.array(ENCODER_IDS, dtype=np.float32)
            tensors["decoder.ids"] = np.array(decoder_ids, dtype=np.float32)
        elif name == "bert":
            out = model(torch.tensor([ENCODER_IDS]), output_attentions=True)
            tensors["encoder.ids"] = np.array(ENCODER_IDS, dtype=np.float32)
        else:
            out = model(torch.tensor([DECODER_IDS]), output_attentions=True)
            tensors["decoder.ids"] = np.array(DECODER_IDS, dtype=np.float32)
    patterns(out, tensors, encoder_decoder, encoder_only=name == "bert")
    peaks = [float(t.max(axis=-1).mean()) for k, t in tensors.items() if k.endswith("pattern")]
    print(f"  mean of each pattern row's largest weight: {min(peaks):.2f} to {max(peaks):.2f}")
    tensors["logits"] = out.logits[0].numpy().astype(np.float32)
    if generates:
        prompt = None if encoder_decoder else DECODER_IDS[:5]
        start, new, margin = greedy(model, prompt, ENCODER_IDS if encoder_decoder else None)
        tensors["generate.prompt"] = np.array(start, dtype=np.float32)
        tensors["generate.tokens"] = np.array(new, dtype=np.float32)
        metadata.update(generate_start=" ".join(map(str, start)), generate_tokens=" ".join(map(str, new)),
                        generate_smallest_margin=f"{margin:.4f}")
        print(f"  greedy from {start}: {new} (smallest margin {margin:.3f})")
    write(tensors, os.path.join(OUT, f"{name}-expected.safetensors"), metadata)
    print(f"{name}: {sorted(os.listdir(folder))}, {len(tensors)} expected tensors")


def minilm():
    folder = os.environ.get("ATTNLAB_MINILM") or os.path.join(HERE, "../../../../main/Output/models/all-MiniLM-L6-v2")
    folder = os.path.normpath(folder)
    if not os.path.isdir(folder):
        print(f"no MiniLM at {folder}; skipped")
        return
    import tokenizers
    tokenizer = tokenizers.Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tokenizer.no_padding()   # its tokenizer.json pads every sentence to 128
    tokenizer.no_truncation()
    ids = {sentence: tokenizer.encode(sentence).ids for sentence in MINILM_SENTENCES}
    with open(os.path.join(OUT, "minilm-ids.json"), "w") as f:
        lines = [json.dumps({"text": s, "ids": i}) for s, i in ids.items()]
        f.write('{"tokenizers": "%s", "sentences": [\n  %s\n]}\n' % (tokenizers.__version__, ",\n  ".join(lines)))
    model = transformers.BertModel.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
    sentence_ids = ids[MINILM_SENTENCE]
    with torch.no_grad():
        out = model(torch.tensor([sentence_ids]), output_attentions=True)
    tensors = {"encoder.ids": np.array(sentence_ids, dtype=np.float32),
               "hidden": out.last_hidden_state[0].numpy().astype(np.float32)}
    patterns(out, tensors, False, encoder_only=True)
    write(tensors, os.path.join(OUT, "minilm-expected.safetensors"),
          {"text": MINILM_SENTENCE, "transformers": transformers.__version__})
    print(f"minilm: {len(sentence_ids)} ids {sentence_ids}")


def main():
    # One thread and deterministic kernels: the same bytes on every run.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    for name in MODELS:
        make(name)
    minilm()
    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(OUT) for f in files)
    print(f"hf/ holds {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
