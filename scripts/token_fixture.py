#!/usr/bin/env python3
"""Writes Tests/QuorumCoreTests/Fixtures/o200k_counts.json: texts and chat examples with the token
counts tiktoken gives them under o200k_base, for the Swift tokenizer's tests to match exactly.

Needs `pip install tiktoken` and the ranks file (`make tokenizer` puts it in .cache/):
    python3 scripts/token_fixture.py .cache/o200k_base.tiktoken
"""
import json
import random
import sys

import tiktoken
from tiktoken.load import load_tiktoken_bpe

# The o200k_base pattern as tiktoken_ext/openai_public.py builds it.
PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])

TEXTS = [
    "", " ", "hello world", "Hello, World!", "I'm sure they'll say it's fine, we've done what you'd do.",
    "DON'T SHOUT'S", "1234567890", "3.14159 and 2,718 and 1e10", "👩‍👩‍👧‍👦 family", "🇫🇷🇩🇪 flags",
    "𠮷野家 東京 日本語のテキスト", "한국어 텍스트", "مرحبا بالعالم", "नमस्ते दुनिया", "cafe\u0301 naïve",
    "line one\r\nline two\r\n\r\n", "tabs\t\tand   spaces    ", "   leading", "trailing   ", "\n\n\n",
    "def f(x):\n    return x ** 2  # square\n", "if (a && b) { c = d / e; }", "https://example.com/a/b?c=d",
    "<|endoftext|> is just text here", "ſ'ſ and it'ſ", "ＡＢＣ full width", "a\u0300\u0301\u0302 marks",
    "emoji 😀😃😄 in a row", "x" * 300, "ab" * 150, "The quick brown fox jumps over the lazy dog. " * 5,
]


def random_texts(count, seed=42):
    rng = random.Random(seed)
    alphabet = list("abcXYZ019 '\t\r\n.,!?/-_()[]{}") + ["é", "ß", "Ä", "ñ", "日", "本", "😀", "👍🏽", "\u200d", "\u0301",
                                                        "ſ", "Ǆ", "ǅ", "ʰ", "Ⅻ", "½", "١", "\u00a0", "\u3000", "ℌ"]
    words = ["the", "The", "DON'T", "it's", "we'll", "Hello", "123456", "  ", "\n", "ok", "😀"]
    out = []
    for _ in range(count):
        parts = [rng.choice(alphabet) if rng.random() < 0.7 else rng.choice(words) for _ in range(rng.randint(1, 40))]
        out.append("".join(parts))
    return out


def main():
    ranks = load_tiktoken_bpe(sys.argv[1])
    enc = tiktoken.Encoding(name="o200k_base", pat_str=PAT, mergeable_ranks=ranks, special_tokens={})
    count = lambda s: len(enc.encode_ordinary(s))
    texts = [{"text": t, "tokens": count(t)} for t in TEXTS + random_texts(400)]
    examples = []
    rng = random.Random(7)
    for i in range(60):
        messages = [{"role": "system", "content": rng.choice(TEXTS)}]
        for t in range(rng.randint(1, 4)):
            message = {"role": "user" if t % 2 == 0 else "assistant", "content": rng.choice(TEXTS)}
            if rng.random() < 0.2:
                message["name"] = "agent_" + str(i)
            if message["role"] == "assistant" and rng.random() < 0.3:
                message["weight"] = 1
            messages.append(message)
        total = 3
        for message in messages:
            total += 3
            for key, value in message.items():
                if isinstance(value, str):
                    total += count(value)
                    if key == "name":
                        total += 1
        examples.append({"messages": messages, "tokens": total})
    out = "Tests/QuorumCoreTests/Fixtures/o200k_counts.json"
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"encoding": "o200k_base", "texts": texts, "examples": examples}, f, ensure_ascii=False, indent=0)
    print(f"wrote {len(texts)} texts and {len(examples)} examples to {out}")


if __name__ == "__main__":
    main()
