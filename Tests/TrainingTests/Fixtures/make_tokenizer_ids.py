#!/usr/bin/env python3
"""Ids that Hugging Face's `tokenizers` gives for attnlab's word-level tokenizer.json.

`lm-tokenizer.json` is the file attnlab writes for the `lm` task (TokenizerTests checks that it
still writes exactly these bytes). This script opens it with the `tokenizers` library and writes
`lm-tokenizer-ids.json`: the vocabulary size and the ids of each test string. TokenizerTests
requires attnlab's ids to be the same. Needs `pip install tokenizers`; the tests do not.

    python3 Tests/TrainingTests/Fixtures/make_tokenizer_ids.py
"""
import json
import pathlib

from tokenizers import Tokenizer

HERE = pathlib.Path(__file__).parent
STRINGS = [
    "<bos> the small cats  near a dog<sep>sleep <mask> today<eos>",
    "the cat sleeps",
    "  every   dog\tsees\nthe cats  ",
    "<mask><mask> the",
    "",
]

tokenizer = Tokenizer.from_file(str(HERE / "lm-tokenizer.json"))
result = {"vocabulary_size": tokenizer.get_vocab_size(with_added_tokens=True),
          "cases": [{"text": s, "ids": tokenizer.encode(s).ids} for s in STRINGS]}
(HERE / "lm-tokenizer-ids.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
print(f"wrote {len(STRINGS)} cases with tokenizers")
