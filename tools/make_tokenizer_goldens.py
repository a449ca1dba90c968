"""Reference tokenizations and chat-template renderings for the Java tokenizer tests.

Trains small tokenizers with the reference libraries, encodes a few hundred varied strings with them and
renders the chat templates with jinja2 the way transformers does; the Java tests
(src/test/java/io/github/compresskv/tokenizer/) must reproduce every id and string exactly.

What it makes (under OUT_DIR, then packed as OUT_DIR/../goldens.tar.gz):
  bpe_llama3/   byte-level BPE, vocab 2000, Split(Llama 3 regex, isolated) + ByteLevel(no regex),
                special tokens appended after the vocabulary, TemplateProcessing adding <|begin_of_text|>
  bpe_qwen2/    the same with Qwen2's regex, an NFC normalizer and ChatML special tokens, no BOS
  bpe_gpt2/     ByteLevel(use_regex=True) pre-tokenizer (GPT-2's regex), <|endoftext|>
  spm/          SentencePiece BPE (vocab 1000, byte_fallback, identity normalization, as Llama 2 was
                trained) as tokenizer.model, plus tokenizer.json built from it the way transformers'
                SentencePiece converter does (Prepend/Replace normalizer, ByteFallback decoder)
  spm_hf/       the same tokenizer.model converted by transformers itself (if that works there)
  golden_*.json ids, decodes and pre-tokenizer splits of every test string
  templates_golden.json  chat templates rendered with jinja2 (transformers' environment)

How it was run (one call on the GPU machine, which has tokenizers 0.23, sentencepiece 0.2,
transformers 5.x and jinja2; the GPU itself is not used):
  here:    mkdir -p .devcarry/tokenizer
           cp tools/make_tokenizer_goldens.py .devcarry/tokenizer/
           cp -r src/test/resources/io/github/compresskv/tokenizer/templates .devcarry/tokenizer/
           (head -c 150000 alice_in_wonderland.txt; head -c 350000 dorian_gray.txt;
            head -c 300000 frankenstein.txt; head -c 200000 dracula.txt) from ../shared/data/corpus
              > .devcarry/tokenizer/corpus.txt
  device:  PYTHONUNBUFFERED=1 timeout 170 python3 .devcarry/tokenizer/make_tokenizer_goldens.py \
               .devcarry/tokenizer/corpus.txt .devcarry/tokenizer/templates $OUT/goldens 2>&1 | tee $OUT/log.txt
           (carry: .devcarry/tokenizer; one H100 call, 20 s of run time; versions recorded in every
            golden's "meta": tokenizers 0.23.2, sentencepiece 0.2.2, transformers 5.17.0, jinja2 3.1.6)
  here:    tar xzf goldens.tar.gz -C src/test/resources/io/github/compresskv/tokenizer/
"""
import json
import os
import random
import shutil
import sys
import tarfile
import traceback

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                   "<|eot_id|>"]
QWEN2_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
GPT2_SPECIALS = ["<|endoftext|>"]
USER_DEFINED = "<|user_defined|>"  # a non-special added token: always matched in text


def log(*a):
    print(*a, flush=True)


def test_strings(corpus_text):
    s = [
        "", " ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \t\n ", "\x0b\x0c", "a\x0bb",
        "Hello world", " Hello world", "Hello world ", "Hello  world", "Hello   world   ", "hello\nworld",
        "hello \n world", "a\r\nb", "line1\n\n\nline2", "   leading", "trailing   ", "tab\tseparated\tvalues",
        "mixed \t \n  spaces", "a  \n  b", "a \n\n b", "word   \t\n", "  \n", "x \r y", "end.\n", "\n\nstart",
        " \n\n \n", "a\n \nb", "a\t\tb", "\t\tindent",
        "I'm", "you're", "it's", "We'll", "they've", "He'd", "don't", "IT'S", "YOU'RE", "I'M", "WE'LL",
        "'s", "''s", "'ll've", "rock'n'roll", "O'Neil's", "it'\u017f", "'S", "l'amour", " 's", "can't",
        "Don\u2019t", "'", "' s", "the dog's bone's", "'re'", "x'D", "'m'", "'LL'VE",
        "1", "12", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "2024-01-15",
        "x1y22z333", "\u0663\u0664\u0665", "\u2460\u2461\u2462", "\u216b", "\u00bd", "10\u2075", " 42", "a 1 b 22",
        "version 2.0.1-rc3", "0xDEADBEEF", "+1 (555) 123-4567",
        "Hello, world!", "...", "!!!???", "a-b_c", "(parenthesized)", "[1, 2, 3]", '{"key": "value"}',
        "<html><body>", "email@example.com", "https://example.com/path?q=1&r=2", "C++ & C#", "#!/bin/bash",
        "a.b.c", "--flag=value", "$100.00", "100%", "@user #tag", "$hello", '"quoted"', "__init__",
        "\nword", "\r\nword", "!\n", "?!\n\n", " ,\r\n", "...\n\t", "A1B2", "1st 2nd 3rd", "\u00bfQu\u00e9?",
        "caf\u00e9", "na\u00efve", "r\u00e9sum\u00e9", "\u00c5ngstr\u00f6m", "e\u0301", "cafe\u0301",
        "Stra\u00dfe", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u0420\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442",
        "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0939\u093f\u0928\u094d\u0926\u0940",
        "\u4e2d\u6587\u5b57\u7b26", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "\ud55c\uad6d\uc5b4", "\u0e44\u0e17\u0e22",
        "\U0001F642", "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466",
        "\U0001F1FA\U0001F1F8", "emoji \U0001F680 rocket", "\U0001F600\U0001F603\U0001F604",
        "\u03a9\u2248\u00e7\u221a\u222b", "\u2200x\u2208\u211d", "\u00a0nbsp", "a\u3000b", "a\u2009b",
        "zero\u200bwidth", "x\u2028y", "\ufeffbom", "\U0001D518\U0001D52B\U0001D526\U0001D520\U0001D52C\U0001D521\U0001D522",
        "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48", " \u00a0 word", "\u00a0\u00a0", "a\u0085b",
        "\u4f60\u597d\uff0c\u4e16\u754c\uff01", "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\u3002",
        "Mixed \u4e2d\u6587 and English 123", "\u00e9\u00e9\u00e9 \u00e8\u00e8 \u00ea", "\u1e9e\u00df",
        "def foo(x):\n    return x + 1\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}", "    indented",
        "if x:\n\n    pass", "SELECT * FROM t WHERE a = 'b';", "x = [i**2 for i in range(10)]",
        "<|begin_of_text|>Hello", "Hello<|eot_id|>", "a <|end_of_text|> b", "<|eot_id|><|eot_id|>",
        "<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>", "<|eot_id", "<|unknown|>",
        "<|im_start|>user\nHi<|im_end|>\n", "<|endoftext|>", "text<|endoftext|>more", " <|im_end|> ",
        "a" + USER_DEFINED + "b", " " + USER_DEFINED + " ", "<s>", "</s>", "<s>Hello</s>", "x <s> y",
        "<unk>", "<0x41>", "\u2581", "\u2581\u2581word", "Ġ", "ĠĠx",
        "The quick brown fox jumps over the lazy dog.",
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!",
        "It was the best of times, it was the worst of times.",
        "Supercalifragilisticexpialidocious antidisestablishmentarianism",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ababababababababab", "     many     spaces     ",
    ]
    lines = [ln.strip() for ln in corpus_text.splitlines() if len(ln.strip()) > 20]
    rng = random.Random(20240501)
    for ln in rng.sample(lines, min(70, len(lines))):
        s.append(ln)
    for _ in range(10):  # multi-line passages with their original whitespace
        start = rng.randrange(0, len(corpus_text) - 400)
        s.append(corpus_text[start:start + rng.randrange(50, 400)])
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "     ", "\n\t\r",
        ".,;:!?'\"()[]{}-_/\\@#$%^&*+=<>|~`", "\u00e9\u00e8\u00ea\u00e0\u00fc\u00f6\u00e4\u00df\u00f1\u00e7",
        "\u4e2d\u6587\u65e5\u672c\u8a9e\ud55c\uad6d", "\U0001F600\U0001F680\U0001F44D\u2764\ufe0f",
        "\u0391\u0392\u0393\u03b1\u03b2\u03b3\u0410\u0411\u0430\u0431", "'s'S't'll'VE'd",
        "\u00a0\u3000\u2009\u200b",
    ]
    for _ in range(110):
        n = rng.randrange(1, 40)
        s.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    seen, out = set(), []
    for x in s:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def train_byte_level(corpus, out_dir, kind):
    from tokenizers import Tokenizer, Regex, AddedToken, models, trainers, pre_tokenizers, decoders, \
        processors, normalizers
    tok = Tokenizer(models.BPE())
    if kind == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    else:
        regex = LLAMA3_REGEX if kind == "llama3" else QWEN2_REGEX
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    if kind == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2000, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([corpus], trainer)
    specials = {"llama3": LLAMA3_SPECIALS, "qwen2": QWEN2_SPECIALS, "gpt2": GPT2_SPECIALS}[kind]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tok.add_tokens([AddedToken(USER_DEFINED, special=False, normalized=False)])
    sid = {t: tok.token_to_id(t) for t in specials}
    if kind == "llama3":
        bos = sid["<|begin_of_text|>"]
        tp = processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                           pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                           special_tokens=[("<|begin_of_text|>", bos)])
        try:
            tok.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=False), tp])
        except Exception:
            tok.post_processor = tp
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    added = {str(sid[t]): {"content": t, "special": True, "normalized": False, "lstrip": False,
                           "rstrip": False, "single_word": False} for t in specials}
    added[str(tok.token_to_id(USER_DEFINED))] = {"content": USER_DEFINED, "special": False,
                                                  "normalized": False, "lstrip": False, "rstrip": False,
                                                  "single_word": False}
    if kind == "llama3":
        config = {"add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added,
                  "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                  "chat_template": open(os.path.join(TEMPLATES, "llama3.jinja")).read(),
                  "clean_up_tokenization_spaces": True, "model_max_length": 8192,
                  "tokenizer_class": "PreTrainedTokenizerFast"}
        gen = {"bos_token_id": sid["<|begin_of_text|>"],
               "eos_token_id": [sid["<|end_of_text|>"], sid["<|eot_id|>"]]}
    elif kind == "qwen2":
        config = {"added_tokens_decoder": added, "bos_token": None, "eos_token": "<|im_end|>",
                  "pad_token": "<|endoftext|>", "errors": "replace", "split_special_tokens": False,
                  "chat_template": open(os.path.join(TEMPLATES, "chatml.jinja")).read(),
                  "model_max_length": 32768, "tokenizer_class": "Qwen2Tokenizer"}
        gen = {"bos_token_id": sid["<|endoftext|>"],
               "eos_token_id": [sid["<|im_end|>"], sid["<|endoftext|>"]], "pad_token_id": sid["<|endoftext|>"]}
    else:
        config = {"add_bos_token": False, "added_tokens_decoder": added, "bos_token": "<|endoftext|>",
                  "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "model_max_length": 1024,
                  "tokenizer_class": "GPT2Tokenizer"}
        gen = {"bos_token_id": sid["<|endoftext|>"], "eos_token_id": sid["<|endoftext|>"]}
    json.dump(config, open(os.path.join(out_dir, "tokenizer_config.json"), "w"), ensure_ascii=False, indent=2)
    json.dump(gen, open(os.path.join(out_dir, "generation_config.json"), "w"), indent=2)
    return tok


def hf_golden(tok, strings, with_splits):
    cases = []
    for text in strings:
        c = {"text": text}
        try:
            plain = tok.encode(text, add_special_tokens=False).ids
            c["ids"] = plain
            c["ids_with_specials"] = tok.encode(text, add_special_tokens=True).ids
            try:
                tok.encode_special_tokens = True
                c["ids_special_as_text"] = tok.encode(text, add_special_tokens=False).ids
            finally:
                try:
                    tok.encode_special_tokens = False
                except Exception:
                    pass
            c["decoded"] = tok.decode(plain, skip_special_tokens=False)
            c["decoded_with_specials_skipped"] = tok.decode(c["ids_with_specials"], skip_special_tokens=True)
            if with_splits and tok.pre_tokenizer is not None:
                c["splits"] = [p for p, _ in tok.pre_tokenizer.pre_tokenize_str(text)]
        except Exception as e:
            c["error"] = repr(e)
        cases.append(c)
    return cases


def train_spm(corpus, out_dir):
    import sentencepiece as spm
    os.makedirs(out_dir, exist_ok=True)
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=os.path.join(out_dir, "tokenizer"), model_type="bpe", vocab_size=1000,
        character_coverage=0.9995, byte_fallback=True, normalization_rule_name="identity",
        add_dummy_prefix=True, remove_extra_whitespaces=False, split_digits=True,
        allow_whitespace_only_pieces=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=8,
        max_sentence_length=16384)
    os.remove(os.path.join(out_dir, "tokenizer.vocab"))
    return spm.SentencePieceProcessor(model_file=os.path.join(out_dir, "tokenizer.model"))


def spm_config():
    return {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
            "unk_token": "<unk>", "legacy": True, "model_max_length": 4096, "tokenizer_class": "LlamaTokenizer",
            "chat_template": open(os.path.join(TEMPLATES, "mistral.jinja")).read()}


def spm_to_tokenizer_json(sp, out_dir):
    """tokenizer.json for a SentencePiece BPE model, built as transformers' converter builds Llama's."""
    from tokenizers import Tokenizer, AddedToken, models, normalizers, decoders, processors
    n = sp.get_piece_size()
    vocab = {sp.id_to_piece(i): i for i in range(n)}
    scores = {sp.id_to_piece(i): sp.get_score(i) for i in range(n)}
    merges = []
    for piece, score in scores.items():
        local = []
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda x: x[2], reverse=True)
    bpe = models.BPE(vocab=vocab, merges=[(a, b) for a, b, _ in merges], unk_token="<unk>", fuse_unk=True,
                     byte_fallback=True)
    tok = Tokenizer(bpe)
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ["<unk>", "<s>", "</s>"]])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                       special_tokens=[("<s>", 1)])
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    json.dump(spm_config(), open(os.path.join(out_dir, "tokenizer_config.json"), "w"), indent=2)
    return tok


def spm_golden(sp, strings):
    cases = []
    for text in strings:
        c = {"text": text}
        try:
            c["ids"] = sp.encode(text)
            c["pieces"] = sp.encode(text, out_type=str)
            c["decoded"] = sp.decode(c["ids"])
        except Exception as e:
            c["error"] = repr(e)
        cases.append(c)
    return cases


def template_scenarios():
    sys_user = [{"role": "system", "content": "  You are terse.  "},
                {"role": "user", "content": "What is 2+2?"},
                {"role": "assistant", "content": "4"},
                {"role": "user", "content": " And 3+3? "}]
    return [
        {"name": "one_user", "messages": [{"role": "user", "content": "Hello!"}], "add_generation_prompt": True},
        {"name": "conversation", "messages": sys_user, "add_generation_prompt": True},
        {"name": "no_generation_prompt", "messages": [{"role": "user", "content": "Hi"},
                                                      {"role": "assistant", "content": "Hello there."}],
         "add_generation_prompt": False},
        {"name": "alternating", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                                             {"role": "user", "content": "c"}], "add_generation_prompt": True},
        {"name": "not_alternating", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
         "add_generation_prompt": True},
        {"name": "unicode", "messages": [{"role": "user", "content": "caf\u00e9 \u4e2d\u6587 \U0001F680 \"q\"\n\tx"}],
         "add_generation_prompt": True},
        {"name": "command", "messages": [{"role": "user", "content": "/weather_report in Paris?"}],
         "add_generation_prompt": True},
        {"name": "tool_calls", "messages": [
            {"role": "user", "content": " a banana "},
            {"role": "assistant", "content": "calling",
             "tool_calls": [{"name": "peel", "arguments": {"fruit": "banana", "times": 2, "ripe": True,
                                                           "notes": None, "weight": 0.25}}]}],
         "add_generation_prompt": False},
    ]


def render_templates(template_dir):
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    import jinja2.ext

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: "01 Jan 2000"  # unused: goldens pass date_string

    hf_compile = None
    try:
        from transformers.utils.chat_template_utils import _compile_jinja_template
        hf_compile = _compile_jinja_template
    except Exception as e:
        log("transformers template compiler not importable:", repr(e))

    tokens = {"llama3": ("<|begin_of_text|>", "<|eot_id|>"), "chatml": ("", "<|im_end|>"),
              "mistral": ("<s>", "</s>"), "llama31_style": ("<|begin_of_text|>", "<|eot_id|>"),
              "features": ("<s>", "</s>")}
    extra = {"llama31_style": {"date_string": "15 Mar 2025",
                               "tools": [{"name": "get_weather", "description": "Weather in a city",
                                          "parameters": {"city": {"type": "string"}, "days": 3}}]},
             "features": {"meta": {"lang": "en", "n": 3, "ok": True, "ratio": 0.5}}}
    results = []
    for name in sorted(tokens):
        src = open(os.path.join(template_dir, name + ".jinja")).read()
        for sc in template_scenarios():
            bos, eos = tokens[name]
            kwargs = dict(messages=sc["messages"], add_generation_prompt=sc["add_generation_prompt"],
                          bos_token=bos, eos_token=eos, **extra.get(name, {}))
            r = {"template": name, "scenario": sc["name"], "messages": sc["messages"],
                 "add_generation_prompt": sc["add_generation_prompt"], "bos_token": bos, "eos_token": eos,
                 "extra": extra.get(name, {})}
            try:
                r["rendered"] = env.from_string(src).render(**kwargs)
            except Exception as e:
                r["error"] = str(e)
            if hf_compile is not None:
                try:
                    hf = hf_compile(src).render(**kwargs)
                    if hf != r.get("rendered"):
                        r["transformers_rendered"] = hf
                except Exception as e:
                    if "error" not in r:
                        r["transformers_error"] = str(e)
            results.append(r)
    return results


def main():
    global TEMPLATES
    corpus, TEMPLATES, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    versions = {}
    for mod in ["tokenizers", "sentencepiece", "transformers", "jinja2"]:
        try:
            versions[mod] = __import__(mod).__version__
        except Exception as e:
            versions[mod] = "unavailable: " + repr(e)
    log("versions", versions)
    corpus_text = open(corpus, encoding="utf-8").read()
    strings = test_strings(corpus_text)
    log("test strings:", len(strings))
    meta = {"versions": versions, "script": "tools/make_tokenizer_goldens.py"}

    for kind in ["llama3", "qwen2", "gpt2"]:
        try:
            tok = train_byte_level(corpus, os.path.join(out, "bpe_" + kind), kind)
            cases = hf_golden(tok, strings, with_splits=True)
            json.dump({"meta": meta, "tokenizer": "bpe_" + kind, "cases": cases},
                      open(os.path.join(out, "golden_bpe_%s.json" % kind), "w"), ensure_ascii=False)
            log(kind, "vocab", tok.get_vocab_size(), "errors", sum("error" in c for c in cases))
        except Exception:
            traceback.print_exc()

    try:
        spm_dir = os.path.join(out, "spm")
        sp = train_spm(corpus, spm_dir)
        cases = spm_golden(sp, strings)
        json.dump({"meta": meta, "tokenizer": "spm", "cases": cases},
                  open(os.path.join(out, "golden_spm.json"), "w"), ensure_ascii=False)
        log("spm vocab", sp.get_piece_size(), "errors", sum("error" in c for c in cases))
        tok = spm_to_tokenizer_json(sp, spm_dir)
        cases = hf_golden(tok, strings, with_splits=False)
        json.dump({"meta": meta, "tokenizer": "spm (tokenizer.json)", "cases": cases},
                  open(os.path.join(out, "golden_spm_tokenizer_json.json"), "w"), ensure_ascii=False)
        log("spm tokenizer.json errors", sum("error" in c for c in cases))
    except Exception:
        traceback.print_exc()

    try:  # transformers' own conversion of tokenizer.model (as real Llama 2 folders were made)
        from transformers import AutoTokenizer
        from tokenizers import Tokenizer
        src = os.path.join(out, "spm_src")
        os.makedirs(src, exist_ok=True)
        shutil.copy(os.path.join(out, "spm", "tokenizer.model"), src)
        json.dump(spm_config(), open(os.path.join(src, "tokenizer_config.json"), "w"), indent=2)
        hf = AutoTokenizer.from_pretrained(src)
        dst = os.path.join(out, "spm_hf")
        hf.save_pretrained(dst)
        shutil.rmtree(src)
        shutil.copy(os.path.join(out, "spm", "tokenizer.model"), dst)
        tok = Tokenizer.from_file(os.path.join(dst, "tokenizer.json"))
        cases = hf_golden(tok, strings, with_splits=False)
        json.dump({"meta": meta, "tokenizer": "spm_hf (transformers conversion)", "cases": cases},
                  open(os.path.join(out, "golden_spm_hf.json"), "w"), ensure_ascii=False)
        log("spm_hf", type(hf).__name__, os.listdir(dst), "errors", sum("error" in c for c in cases))
    except Exception:
        traceback.print_exc()

    try:
        results = render_templates(TEMPLATES)
        json.dump({"meta": meta, "renderings": results},
                  open(os.path.join(out, "templates_golden.json"), "w"), ensure_ascii=False, indent=1)
        log("templates", len(results), "errors", sum("error" in r for r in results),
            "transformers differs", sum("transformers_rendered" in r for r in results))
    except Exception:
        traceback.print_exc()

    archive = os.path.join(os.path.dirname(os.path.abspath(out)), "goldens.tar.gz")
    with tarfile.open(archive, "w:gz") as tf:
        for name in sorted(os.listdir(out)):
            tf.add(os.path.join(out, name), arcname=name)
    shutil.rmtree(out)
    log("wrote", archive, os.path.getsize(archive), "bytes")


if __name__ == "__main__":
    main()
