"""Makes the fixtures of TokenizersTests: tiny tokenizers of every kind attnlab reads, and the ids
Hugging Face `tokenizers` gives for a few hundred strings with each of them.

    /tmp/ref/bin/python Tests/TokenizersTests/Fixtures/make_tokenizer_fixtures.py

Run from the package root (tokenizers 0.23.3; sentencepiece and protobuf for T5's compiled
normaliser). It trains each tokenizer on the small corpus below,
adjusts its tokenizer.json the way the real checkpoint it imitates is set up, and writes:

  strings.json                 the test strings, in order
  <kind>/tokenizer.json        the tokenizer
  <kind>/expected.json         {"ids": [[...] per string], "prefix": [...], "suffix": [...],
                                "ids_with_special": [null or [...] per string]}
                               encode(add_special_tokens=True) gives prefix + ids + suffix
                               wherever ids_with_special is null (checked here, string by string).
  all-MiniLM-L6-v2-expected.json   the same for the real all-MiniLM-L6-v2 tokenizer.json, when it is
                               found (ATTNLAB_MINILM or Output/models/all-MiniLM-L6-v2); the
                               tokenizer itself is not copied.

Truncation and padding are switched off for the expected ids: attnlab's reader ignores them.
The same script gives the same files, byte for byte: the library's trainers break some ties in
hash-map order, so WordPiece and the suffixed BPE are learnt here (ties broken by text), and the
Unigram trainer's vocabulary is put in a canonical order (see canonical_unigram).
"""

import base64
import json
import os
import sys
import unicodedata

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import (  # noqa: E402
    AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers,
)

HERE = os.path.dirname(os.path.abspath(__file__))

GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                  r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# ---------------------------------------------------------------------------------------------
# The training corpus: a little of everything the test strings hold, so that every kind learns
# some words, some sub-words, and leaves some characters out.

CORPUS_LINES = [
    "The cat sat on the mat, and the dog sat on the log.",
    "Attention lets every token look at every other token in the sequence.",
    "A decoder-only model sees only the tokens before it; an encoder sees them all.",
    "Transformers were introduced in 2017 in the paper 'Attention Is All You Need'.",
    "She said: \"I'll be there at 10:30, don't worry!\"",
    "We're learning how words become tokens, and tokens become numbers.",
    "It's 3.14159 and 2,718 and 1,000,000 and 42.",
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! Hello again, world? Hello... world.",
    "def attention(q, k, v):\n    return softmax(q @ k.T / sqrt(d)) @ v",
    "for i in range(10):\n\tprint(i * 2)",
    "Email me at teacher@example.com or visit https://example.org/lessons?id=7.",
    "Café, naïve, résumé, façade, coöperate, über, Ångström, São Paulo, jalapeño.",
    "Le modèle lit une phrase et prédit le mot suivant.",
    "Der schnelle braune Fuchs springt über den faulen Hund. Straße, Größe, Fußball.",
    "El niño comió una manzana en la mañana.",
    "Привет, мир! Как дела? Всё хорошо.",
    "Γειά σου κόσμε. Η προσοχή είναι το μόνο που χρειάζεσαι.",
    "我们今天学习注意力机制。模型读取每一个词。",
    "机器学习很有趣，深度学习更有趣。",
    "今日は良い天気ですね。トークナイザーを学びましょう。",
    "東京は日本の首都です。ひらがなとカタカナ。",
    "안녕하세요, 세계! 오늘은 토큰화를 배웁니다.",
    "한국어 문장도 잘 나뉘어야 합니다.",
    "مرحبا بالعالم. هذا نص عربي قصير.",
    "שלום עולם, זה טקסט בעברית.",
    "नमस्ते दुनिया, यह हिंदी में एक वाक्य है।",
    "สวัสดีชาวโลก นี่คือภาษาไทย",
    "Emoji: 😀 👍🏽 ❤️ 🇫🇷 🇯🇵 👩‍💻 👨‍👩‍👧‍👦 🎉",
    "Numbers in words: one two three four five six seven eight nine ten.",
    "UPPER CASE WORDS AND lower case words And Mixed Case Words.",
    "Tabs\tand\tnewlines\nand  double  spaces   and triple.",
    "(brackets) [square] {curly} <angle> 'single' \"double\" `back`",
    "!!! ??? ... --- *** ### $$$ %%% &&& @@@",
    "running runner runs ran run; jumping jumper jumps jumped jump",
    "tokenization tokenizer tokenize tokens token tokenized",
    "unbelievable unbelievably believe believer believing",
    "The encoder reads the source sentence; the decoder writes the target sentence.",
    "Cross-attention connects the decoder to the encoder's output.",
    "Key, query and value vectors are projections of the same hidden state.",
]
CORPUS = [line for _ in range(6) for line in CORPUS_LINES]

# ---------------------------------------------------------------------------------------------
# The test strings.


def both_forms(words):
    """Each word in NFC and in NFD form (where they differ, both)."""
    out = []
    for w in words:
        nfc, nfd = unicodedata.normalize("NFC", w), unicodedata.normalize("NFD", w)
        out.append(nfc)
        if nfd != nfc:
            out.append(nfd)
    return out


def test_strings():
    s = []
    # ASCII sentences
    s += [
        "The cat sat on the mat.", "the cat sat on the mat", "THE CAT SAT ON THE MAT",
        "Attention is all you need.", "Hello, world!", "hello world", "Hello world's end",
        "I'm sure you're right, and they'll agree, we've seen it, he'd know, it's true.",
        "DON'T SHOUT, I'LL LISTEN. YOU'RE LOUD. SHE'S HERE. WE'VE GONE. I'M OK. HE'D GO.",
        "don't can't won't shouldn't", "'s 't 're 've 'm 'll 'd", "'S 'T 'RE 'VE 'M 'LL 'D",
        "rock'n'roll", "the dogs' bowls", "''quoted''",
        "A decoder-only model predicts the next token.", "encoder-decoder models translate",
        "The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs.",
        "tokenization", "untokenizable", "antidisestablishmentarianism",
        "Transformers were introduced in 2017.", "x = softmax(q @ k.T) @ v",
        "def f(x):\n    return x ** 2\n", "for i in range(10):\n\tprint(i)",
        "https://example.org/path?query=1&other=two#frag", "teacher@example.com",
        "C:\\Users\\attnlab\\file.txt", "<html><body>Hi</body></html>", '{"key": [1, 2, 3]}',
        "snake_case_name and camelCaseName and SCREAMING_CASE", "__init__", "a_b-c.d/e\\f",
        "#hashtag @mention $100 50% 3*4=12 a+b", "~tilde^caret|pipe", "e.g. i.e. etc. vs. Mr. Dr.",
    ]
    # accents and combining marks, in both normal forms
    s += both_forms([
        "café", "naïve", "résumé", "façade", "coöperate", "über", "Ångström", "São Paulo",
        "jalapeño", "Crème brûlée", "ÉCOLE ÉLÈVE", "Ça va très bien", "Zürich Göteborg Øresund",
        "Việt Nam", "Dvořák Škoda Łódź", "ﬁancé", "Ǆemal ǅemal ǆemal",
    ])
    s += [
        "e\u0301", "\u0301", "\u0301abc", "abc\u0301\u0302\u0303", "a\u0308\u0301", "\u0338=",
        "x\u20dd", "n\u0303o\u0308", "\u0300\u0301\u0302", "Z\u0351\u0352\u0357a\u035b\u0346l\u0304g\u0311o\u0302",
        "İstanbul ıi", "ΣΊΣΥΦΟΣ σίσυφος", "Straße STRASSE", "ǅ ǈ ǋ", "ﬀ ﬃ ﬆ", "Ⅻ ⅻ",
        "ℌℑℜ", "①②③", "x² y³ z¹", "½ ¼ ¾", "™ ℠ ©", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ｶﾀｶﾅ",
        "\u00c5 \u212b \u0041\u030a",
    ]
    # Chinese, Japanese, Korean
    s += [
        "我们今天学习注意力机制。", "机器学习", "中文", "中", "学", "模型读取每一个词",
        "注意力机制（attention）很重要！", "2024年5月1日", "𠀀𠀁𪚥", "〇一二三", "你好，世界！",
        "今日は良い天気ですね。", "トークナイザー", "ひらがな", "カタカナとひらがなと漢字",
        "東京タワー", "ｱｲｳｴｵ", "ー〜・「」『』", "日本語のテキストです",
        "안녕하세요", "세계", "한국어 문장도 잘 나뉘어야 합니다.", "토큰화", "ㄱㄴㄷ ㅏㅓㅗ",
        unicodedata.normalize("NFD", "한국어"), "韓國語 한국어", "가나다라마바사",
    ]
    # other scripts
    s += [
        "Привет, мир!", "Всё хорошо", "Γειά σου κόσμε", "مرحبا بالعالم", "שלום עולם",
        "नमस्ते दुनिया", "क्षत्रिय", "สวัสดีชาวโลก", "ሰላም", "Ողջույն", "გამარჯობა", "ᚠᚢᚦ",
        "Tiếng Việt có dấu", "ﷺ", "ﷲ", "अ ा ि",
    ]
    # emoji
    s += [
        "😀", "👍", "👍🏽", "❤️", "❤", "🇫🇷", "🇯🇵🇰🇷", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "1️⃣", "#️⃣",
        "I love it 😀😀😀", "emoji😀inside", "🎉🎉 party 🎉", "🧑🏿‍🚀", "👋🏻👋🏼👋🏽👋🏾👋🏿",
        "☃ ★ ☎ ♠ ♣", "🫠🥹🫶", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    ]
    # whitespace of every kind
    s += [
        " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n\n", " \n ", "\t\t", "a  b", "a   b", "a\tb", "a\nb",
        "a\r\nb", "a \n b", "a\n\nb", "a \t\n b", "hello  world  ", "line one\nline two\n",
        "  leading", "trailing  ", "  both  ", "\tleading tab", "trailing newline\n", "\nleading newline",
        "a\u00a0b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u2003b", "a\u200bb", "a\u0085b", "a\u000bb",
        "a\u000cb", "a\u001cb", " \u00a0 ", "end with spaces     ", "     start with spaces",
        "many\n\n\n\nnewlines", "mixed \t \n \r\n whitespace",
    ]
    # the empty string and single characters
    s += [""]
    s += list("aZ09.,!?;:'\"()[]{}<>-_/\\@#$%^&*+=~`|")
    s += ["é", "ß", "ı", "Ω", "я", "ж", "€", "£", "¥", "§", "¶", "•", "…", "—", "–", "«", "»", "¿", "¡",
          "\u00ad", "\ufeff", "\ufffd", "\u200d", "\u200c", "\ue000", "\U0001f600", "\u0000"]
    # punctuation clusters
    s += [
        "!!!", "???", "?!?!", "...", "…", "---", "***", "(((", ")))", "([{<>}])", "!@#$%^&*()",
        ".,;:", "''''", '""""', "—–-", "a...b", "wait—what?!", "#1!", "¡¿Qué?!", "«guillemets»",
        "“smart quotes” ‘single’", "【括号】「引号」",
    ]
    # digits
    s += [
        "0", "7", "42", "123", "1234", "12345", "1234567", "3.14159", "1,000,000", "2024-05-01",
        "10:30", "1e10", "0x1F", "v1.2.3", "٠١٢٣٤٥٦٧٨٩", "०१२३", "１２３", "⁰¹²³", "1st 2nd 3rd 4th",
        "phone: +1 (555) 123-4567", "99.9%", "$1,234.56", "-17", "3/4",
    ]
    # control characters and other invisible or invalid characters
    s += [
        "a\u0000b", "bell\u0007here", "esc\u001b[31mred\u001b[0m", "del\u007fete", "a\u0080b",
        "zero\u200bwidth", "join\u200dnow", "bom\ufeffhere", "soft\u00adhyphen", "rtl\u202emark",
        "replacement \ufffd char", bytes([0x66, 0x6f, 0xff, 0x6f]).decode("utf-8", "replace"),
        bytes([0xe2, 0x82, 0x20, 0xc3]).decode("utf-8", "replace"), "private \ue000\uf8ff use",
        "\u0001\u0002\u0003", "vs16\ufe0f alone", "tag\U000e0041chars",
    ]
    # characters whose class or normal form depends on the Unicode version: tokenizers reads BERT's
    # classes at Unicode 8.0, StripAccents and NFC/NFD/NFKC/NFKD at 9.0, its regexes at 16.0
    s += [
        "ali\u1885gali \u1886", "syloti\ua82cnagri", "arabic\u08ccsah \u089d", "hanunoo\u1734 ahom\U0001171e",
        "chi\u166dsign sharada\U000111c9mark", "vedic\u1cf2\u1cf3", "java\ua9bdnese", "grave\u0340acute\u0341",
        "segmented \U0001fbf0\U0001fbf9 digits", "modifier \U0001e030\U0001e031 letters", "new punctuation \u2e5d\u061d!",
        "unicode seventeen \ua7ce\ua7cf\u088f\u0c5c letters", "format \u08e2 \u0890\u0891 marks", "\ufeffbom at the start",
        "kaithi \U000110ab\U000110ba", "circled \U0001f12f\U0001f16c",
    ]
    # long words and long strings
    s += [
        "a" * 99, "a" * 100, "a" * 101, "b" * 150, "supercalifragilisticexpialidocious" * 4,
        "abc" * 120, "é" * 120, "中" * 60, "😀" * 40, "ab " * 300,
        "The cat sat on the mat. " * 80, "x" * 1000, " " * 200, "\n" * 50, "1234567890" * 30,
    ]
    # special tokens of every kind, inside text
    specials = ["[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "<s>", "</s>", "<pad>", "<unk>", "<mask>",
                "<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>",
                "<0x41>", "<|reserved_special_token_0|>"]
    s += specials
    for t in specials:
        s += [f"Hello {t} world", f"Hello{t}world", f"{t}{t}", f" {t} "]
    s += [
        "[cls] lower", "[CLS][SEP]", "[MASK]ed", "the [MASK] sat", "<s>hello</s>", "a <mask> b",
        "a <mask>b", "<mask>", "  <mask>  ", "<|im_start|>user\nHi<|im_end|>", "<|endoftext|><|endoftext|>",
        "<|endoftext|", "<s", "s>", "[CLS", "</s >",
        "foo", "foo bar", "foobar", "a foo b", "foo's", "(foo)", "afoo", "foo_bar", "<sep>", "x <sep>   y",
        "<kbd>", "Ctrl <KBD> C", "my <kbd>key</kbd>",
    ]
    return s


# ---------------------------------------------------------------------------------------------
# The tokenizers.

def train(tokenizer, trainer):
    tokenizer.train_from_iterator(CORPUS, trainer=trainer)
    return tokenizer


def edited(tokenizer, edit):
    """The tokenizer after `edit` changed its tokenizer.json as a dict."""
    spec = json.loads(tokenizer.to_str())
    edit(spec)
    return Tokenizer.from_str(json.dumps(spec))


def byte_tokens():
    return [f"<0x{b:02X}>" for b in range(256)]


def drop_added(names):
    """An edit that keeps `names` in the model's vocabulary but not among the added tokens."""
    def edit(spec):
        spec["added_tokens"] = [t for t in spec["added_tokens"] if t["content"] not in names]
    return edit


def corpus_words(tok):
    """How often each word of the corpus occurs, as `tok` normalises and cuts it."""
    counts = {}
    for line in CORPUS:
        text = tok.normalizer.normalize_str(line) if tok.normalizer else line
        for word, _ in tok.pre_tokenizer.pre_tokenize_str(text):
            counts[word] = counts.get(word, 0) + 1
    return counts


def learn_merges(counts, size, specials, prefix="", suffix=""):
    """BPE learnt the way `tokenizers`' BpeTrainer and WordPieceTrainer learn it (the most frequent
    neighbouring pair joined first; `prefix` on every piece but a word's first, `suffix` on its
    last), with ties broken by the pieces' text so that the result is the same on every run (the
    library's trainers number the prefixed and suffixed characters in hash-map order, so its ties
    fall differently from run to run). Gives the vocabulary {token: id} and the merges."""
    def pieces_of(word):
        pieces = [c if i == 0 else prefix + c for i, c in enumerate(word)]
        pieces[-1] += suffix
        return pieces
    words = {w: pieces_of(w) for w in counts}
    vocab = list(specials) + sorted({p for pieces in words.values() for p in pieces})
    merges = []
    while len(dict.fromkeys(vocab)) < size:
        pairs = {}
        for w, pieces in words.items():
            for a, b in zip(pieces, pieces[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + counts[w]
        if not pairs:
            break
        (a, b), _ = min(pairs.items(), key=lambda item: (-item[1], item[0]))
        merged = a + b[len(prefix):]
        vocab.append(merged)
        merges.append((a, b))
        for w, pieces in words.items():
            i, out = 0, []
            while i < len(pieces):
                if i + 1 < len(pieces) and pieces[i] == a and pieces[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(pieces[i])
                    i += 1
            words[w] = out
    return {token: i for i, token in enumerate(dict.fromkeys(vocab))}, merges


def wordpiece(lowercase):
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vocab, _ = learn_merges(corpus_words(tok), 700, specials, prefix="##")
    tok.model = models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100)
    tok.add_special_tokens(specials)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tok.decoder = decoders.WordPiece()
    # A non-special added token, matched after normalisation ("<KBD>" too when lower-cased).
    tok.add_tokens([AddedToken("<kbd>", normalized=True)])
    return tok


def wordpiece_splits(base):
    """The uncased WordPiece vocabulary behind Split pre-tokenizers of every behaviour, inverted
    and not, and NFKD + StripAccents + Lowercase instead of BERT's normaliser."""
    tok = Tokenizer.from_str(base.to_str())
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="removed"),
        pre_tokenizers.Split("-", behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"[.,;:]"), behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[!?]+"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"\p{L}+"), behavior="isolated", invert=True),
        pre_tokenizers.CharDelimiterSplit("'"),
    ])
    return tok


def bpe_with_suffix():
    """A BPE whose pieces carry "##" after a word's start and "</w>" at its end, like CLIP's and
    the original subword-nmt files, over the Whitespace pre-tokenizer."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["<unk>", "<|startoftext|>", "<|endoftext|>"]
    vocab, merges = learn_merges(corpus_words(tok), 700, specials, prefix="##", suffix="</w>")
    tok.model = models.BPE(vocab, merges, unk_token="<unk>", fuse_unk=False,
                           continuing_subword_prefix="##", end_of_word_suffix="</w>")
    tok.add_special_tokens(specials)
    tok.post_processor = processors.TemplateProcessing(
        single="<|startoftext|> $A <|endoftext|>",
        special_tokens=[("<|startoftext|>", vocab["<|startoftext|>"]), ("<|endoftext|>", vocab["<|endoftext|>"])])
    return tok


def wordlevel():
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation(behavior="isolated")])
    train(tok, trainers.WordLevelTrainer(vocab_size=500, special_tokens=["[UNK]", "[SEP]"], show_progress=False))
    tok.post_processor = processors.BertProcessing(("[SEP]", 1), ("[UNK]", 0))
    return tok


def gpt2():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    train(tok, trainers.BpeTrainer(vocab_size=800, special_tokens=["<|endoftext|>"], show_progress=False,
                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    # Non-special added tokens: one that matches single words only, one that eats the spaces after it.
    tok.add_tokens([AddedToken("foo", single_word=True), AddedToken("<sep>", rstrip=True)])
    return tok


def roberta():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    train(tok, trainers.BpeTrainer(vocab_size=700, special_tokens=specials, show_progress=False,
                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), add_prefix_space=True)
    # RoBERTa's mask token takes the spaces before it.
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    return tok


def split_byte_level(pattern, specials, vocab_size, normalizer):
    tok = Tokenizer(models.BPE())
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    train(tok, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def llama3():
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>"]
    tok = split_byte_level(LLAMA3_PATTERN, specials, 800, None)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)])])

    def edit(spec):
        spec["model"]["ignore_merges"] = True
        # Llama 3 writes its merges as pairs, not as "a b" strings.
        spec["model"]["merges"] = [m.split(" ") if isinstance(m, str) else m for m in spec["model"]["merges"]]
    return edited(tok, edit)


def qwen2():
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = split_byte_level(QWEN2_PATTERN, specials, 800, normalizers.NFC())
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def sentencepiece_bpe():
    """A Llama-2-like BPE: byte fallback, fused unknowns, `<0xNN>` tokens for the characters the
    corpus never shows it."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    specials = ["<unk>", "<s>", "</s>"] + byte_tokens()
    train(tok, trainers.BpeTrainer(vocab_size=700, special_tokens=specials,  
                                   show_progress=False))
    return edited(tok, drop_added(set(byte_tokens())))


def sentencepiece_legacy(base):
    """Llama 2 as first converted: Prepend + Replace normaliser, no pre-tokenizer."""
    tok = Tokenizer.from_str(base.to_str())
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = None
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def sentencepiece_metaspace(base):
    """Llama 2 as converted today: a Metaspace pre-tokenizer that prepends to the first piece only."""
    tok = Tokenizer.from_str(base.to_str())
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False),
                                     decoders.ByteFallback(), decoders.Fuse()])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def unigram_t5():
    """T5-like: Unigram over Metaspace pieces, `$A </s>`, with NFKC where T5 has its compiled
    nmt_nfkc rules (unigram-precompiled has those)."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    train(tok, trainers.UnigramTrainer(vocab_size=600, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>",
                                       max_piece_length=16, show_progress=False))
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B:1 </s>:1", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return edited(tok, canonical_unigram)


def canonical_unigram(spec):
    """The trainer's vocabulary made the same on every run. It sums scores in an order that varies
    in the last digits, lists pieces of equal score in hash-map order, and gives the characters it
    must keep but did not learn the scores min, min + 0.0001, min + 0.0002, … in hash-map order.
    Here scores are rounded, those characters all get `min`, and equal scores are listed by piece."""
    specials, pieces = spec["model"]["vocab"][:3], spec["model"]["vocab"][3:]
    lowest = min(score for _, score in pieces)
    kept_chars, step = set(), 0
    for piece, score in sorted(pieces, key=lambda p: p[1]):
        j = round((score - lowest) / 0.0001)
        if j > step + 1 or abs(score - (lowest + j * 0.0001)) > 1e-9:
            break
        kept_chars.add(piece)
        step = j
    pieces = [[piece, round(lowest if piece in kept_chars else score, 8)] for piece, score in pieces]
    spec["model"]["vocab"] = specials + sorted(pieces, key=lambda p: (-p[1], p[0]))


def unigram_precompiled(base):
    """The T5-like model with T5's own normaliser: SentencePiece's compiled nmt_nfkc rules
    (`Precompiled`), then runs of spaces made one."""
    def edit(spec):
        spec["normalizer"] = {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(nmt_nfkc_charsmap()).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
    return edited(base, edit)


def nmt_nfkc_charsmap():
    """SentencePiece's compiled nmt_nfkc rules (the normaliser of T5's spiece.model), taken from a
    model it trains on a few lines (needs `pip install sentencepiece protobuf`)."""
    import io
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS_LINES), model_writer=model, vocab_size=400, model_type="unigram",
        normalization_rule_name="nmt_nfkc", hard_vocab_limit=False, minloglevel=2)
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def unigram_byte_fallback(base):
    """The T5-like model with byte fallback, no normaliser and a Metaspace that never prepends."""
    def edit(spec):
        spec["model"]["byte_fallback"] = True
        spec["model"]["vocab"] += [[b, 0.0] for b in byte_tokens()]
        spec["normalizer"] = None
        spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": False}
        spec["post_processor"] = None
        spec["decoder"] = None
    return edited(base, edit)


def kinds():
    spm = sentencepiece_bpe()
    t5 = unigram_t5()
    uncased = wordpiece(lowercase=True)
    return {
        "wordpiece-uncased": uncased,
        "wordpiece-cased": wordpiece(lowercase=False),
        "wordpiece-splits": wordpiece_splits(uncased),
        "wordlevel": wordlevel(),
        "bpe-suffix": bpe_with_suffix(),
        "bpe-gpt2": gpt2(),
        "bpe-roberta": roberta(),
        "bpe-llama3": llama3(),
        "bpe-qwen2": qwen2(),
        "spm-bpe-legacy": sentencepiece_legacy(spm),
        "spm-bpe-metaspace": sentencepiece_metaspace(spm),
        "unigram-t5": t5,
        "unigram-precompiled": unigram_precompiled(t5),
        "unigram-byte-fallback": unigram_byte_fallback(t5),
    }


# ---------------------------------------------------------------------------------------------
# The expected ids.

def expected(tok, strings):
    """ids without special tokens, and the framing encode(add_special_tokens=True) adds."""
    tok.no_truncation()
    tok.no_padding()
    plain = [tok.encode(s, add_special_tokens=False).ids for s in strings]
    framed = [tok.encode(s, add_special_tokens=True).ids for s in strings]
    empty = tok.encode("", add_special_tokens=True).ids
    prefix, suffix = empty, []
    # The framing is what the empty string gets, split where a non-empty string's own ids go.
    for ids, with_special in zip(plain, framed):
        if ids:
            start = next(i for i in range(len(with_special) + 1) if with_special[i:i + len(ids)] == ids)
            prefix, suffix = with_special[:start], with_special[start + len(ids):]
            break
    return {
        "prefix": prefix,
        "suffix": suffix,
        "ids": plain,
        "ids_with_special": [None if f == prefix + p + suffix else f for p, f in zip(plain, framed)],
    }


def write_json(path, value, pretty=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if pretty:
            json.dump(value, f, ensure_ascii=False, indent=1)
        else:
            json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def main():
    strings = test_strings()
    assert len(strings) >= 300, len(strings)
    write_json(os.path.join(HERE, "strings.json"), strings, pretty=True)
    for name, tok in kinds().items():
        os.makedirs(os.path.join(HERE, name), exist_ok=True)
        tok.save(os.path.join(HERE, name, "tokenizer.json"), pretty=False)
        # Read back what was written, so that the ids come from the file the tests read.
        saved = Tokenizer.from_file(os.path.join(HERE, name, "tokenizer.json"))
        result = expected(saved, strings)
        write_json(os.path.join(HERE, name, "expected.json"), result)
        odd = sum(x is not None for x in result["ids_with_special"])
        print(f"{name}: vocab {saved.get_vocab_size()}, framing {result['prefix']} … {result['suffix']}, "
              f"{odd} strings framed otherwise")
    minilm = os.environ.get("ATTNLAB_MINILM") or os.path.join(os.getcwd(), "Output", "models", "all-MiniLM-L6-v2")
    path = os.path.join(minilm, "tokenizer.json")
    if os.path.exists(path):
        write_json(os.path.join(HERE, "all-MiniLM-L6-v2-expected.json"), expected(Tokenizer.from_file(path), strings))
        print(f"all-MiniLM-L6-v2: from {path}")
    else:
        print(f"all-MiniLM-L6-v2: no {path}; its expected ids were not written", file=sys.stderr)
    print(f"{len(strings)} strings")


if __name__ == "__main__":
    main()
