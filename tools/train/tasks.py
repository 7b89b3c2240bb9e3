"""Synthetic tasks for the tiny masked diffusion model, with exact checkers.

Every problem is a prompt string and one correct answer string. Answers range
from 1 to 112 characters, so a sampler that fixes the generation length either
truncates long answers or pads short ones with many EOS tokens.

Text format (the tokenizer in tokenizer.py / tools/model/tokenizer.hpp):
  countdown 12 3      -> "12 11 10 9 8 7 6 5 4 3"
  reverse hgfdq       -> "qdfgh"
  sort 5301           -> "0135"
  repeat cat 3        -> "cat cat cat"
  add 2+5+7           -> "2+5=7,7+7=14"      (worked steps)
"""
import random

TASKS = ("countdown", "reverse", "sort", "repeat", "add")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
WORDS = ("cat", "dog", "sun", "tree", "blue", "fox", "moon", "red", "sky", "bird",
         "fish", "star", "rain", "wolf", "leaf", "hat", "box", "cup", "pen", "map")

# Limits (answers <= 112 characters: countdown 40 0).
MAX_COUNTDOWN = 40
MAX_LIST = 24
MAX_REPEAT = 20
MAX_TERMS = 6


def solve(prompt):
    """The unique correct answer for `prompt`, or None if it is not a valid problem."""
    parts = prompt.split(" ")
    task = parts[0]
    try:
        if task == "countdown" and len(parts) == 3:
            hi, lo = int(parts[1]), int(parts[2])
            if not 0 <= lo <= hi:
                return None
            return " ".join(str(i) for i in range(hi, lo - 1, -1))
        if task == "reverse" and len(parts) == 2:
            return parts[1][::-1]
        if task == "sort" and len(parts) == 2:
            return "".join(sorted(parts[1]))
        if task == "repeat" and len(parts) == 3:
            return " ".join([parts[1]] * int(parts[2]))
        if task == "add" and len(parts) == 2:
            terms = [int(t) for t in parts[1].split("+")]
            if len(terms) < 2:
                return None
            steps, acc = [], terms[0]
            for t in terms[1:]:
                steps.append(f"{acc}+{t}={acc + t}")
                acc += t
            return ",".join(steps)
    except ValueError:
        return None
    return None


def check(prompt, answer):
    """Exact checker: the answer text (EOS and everything after it removed) equals the solution."""
    want = solve(prompt)
    return want is not None and answer == want


def sample(rng, task=None):
    """One (prompt, answer) problem drawn with `rng` (a random.Random)."""
    task = task or rng.choice(TASKS)
    if task == "countdown":
        hi = rng.randint(1, MAX_COUNTDOWN)
        prompt = f"countdown {hi} {rng.randint(0, hi - 1)}"
    elif task == "reverse":
        prompt = "reverse " + "".join(rng.choice(LETTERS) for _ in range(rng.randint(1, MAX_LIST)))
    elif task == "sort":
        prompt = "sort " + "".join(rng.choice(DIGITS) for _ in range(rng.randint(1, MAX_LIST)))
    elif task == "repeat":
        prompt = f"repeat {rng.choice(WORDS)} {rng.randint(1, MAX_REPEAT)}"
    else:
        terms = [rng.randint(1, 9) for _ in range(rng.randint(2, MAX_TERMS))]
        prompt = "add " + "+".join(str(t) for t in terms)
    return prompt, solve(prompt)


def held_out(n, seed=20260101):
    """The evaluation set: n problems from a fixed seed, none of which appears in
    training (train.py rejects every prompt in held_out(HELD_OUT_SIZE))."""
    rng = random.Random(seed)
    out, seen = [], set()
    for _ in range(100 * n + 1000):
        if len(out) == n:
            break
        p, a = sample(rng, TASKS[len(out) % len(TASKS)])
        if p in seen:
            continue
        seen.add(p)
        out.append((p, a))
    return out


if __name__ == "__main__":
    r = random.Random(0)
    for _ in range(10):
        p, a = sample(r)
        assert check(p, a)
        print(f"{p!r:32} -> {a!r} ({len(a)})")
