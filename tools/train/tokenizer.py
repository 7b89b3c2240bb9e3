"""Tokenizer of the synthetic vocabulary: the task keyword is one token, the rest one token per character."""
import json

MASK = "<|mdm_mask|>"
EOS = "<|endoftext|>"
KEYWORDS = ("countdown", "reverse", "sort", "repeat", "add")
CHARS = " 0123456789abcdefghijklmnopqrstuvwxyz+=,"
TOKENS = (MASK, EOS) + KEYWORDS + tuple(CHARS)
INDEX = {t: i for i, t in enumerate(TOKENS)}
MASK_ID = INDEX[MASK]
EOS_ID = INDEX[EOS]
VOCAB = len(TOKENS)


def encode(text):
    """Prompt text -> ids. The first word must be a keyword; every other character is a token."""
    head, _, rest = text.partition(" ")
    if head not in KEYWORDS:
        raise ValueError(f"prompt must start with one of {KEYWORDS}: {text!r}")
    ids = [INDEX[head]]
    if rest or text.endswith(" "):
        ids.append(INDEX[" "])
    for c in rest:
        if c not in INDEX or len(c) != 1:
            raise ValueError(f"character {c!r} is not in the vocabulary")
        ids.append(INDEX[c])
    return ids


def encode_answer(text):
    return [INDEX[c] for c in text]


def decode(ids):
    """Ids -> text, stopping at the first EOS; a mask shows as '_'."""
    out = []
    for i in ids:
        if i == EOS_ID:
            break
        out.append("_" if i == MASK_ID else TOKENS[i])
    return "".join(out)


def vocab_json():
    return json.dumps({"tokens": list(TOKENS), "mask_id": MASK_ID, "eos_id": EOS_ID,
                       "keywords": list(KEYWORDS)}, indent=1)
