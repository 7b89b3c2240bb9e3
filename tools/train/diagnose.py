"""What an exported model has learned, per task: masked-token accuracy at mask rates t.

  /usr/bin/python3 tools/train/diagnose.py models/tiny-mdm [--rows 64] [--seed 5]

For each task, `rows` fresh problems (prompt ++ answer ++ a few EOS) have each answer
token masked with probability t; the table gives the cross-entropy and the argmax
accuracy on the masked answer tokens (EOS padding excluded). At small t the model sees
almost the whole answer, so a low accuracy there means the task's rule (e.g. copying
from the prompt) is not learned, not that the sampler is at fault.
"""
import argparse
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402
import tokenizer as tok  # noqa: E402
from export import load_model  # noqa: E402

RATES = (0.1, 0.5, 0.9, 1.0)


@torch.no_grad()
def task_row(model, task, rows, rng, gen):
    enc = []
    for _ in range(rows):
        p, a = tasks.sample(rng, task)
        enc.append((tok.encode(p), tok.encode_answer(a)))
    seq = max(len(pi) + len(ai) for pi, ai in enc) + 8
    ids = torch.full((rows, seq), tok.EOS_ID, dtype=torch.long)
    start = torch.zeros(rows, dtype=torch.long)
    for r, (pi, ai) in enumerate(enc):
        ids[r, :len(pi)] = torch.tensor(pi)
        ids[r, len(pi):len(pi) + len(ai)] = torch.tensor(ai)
        start[r] = len(pi)
    pos = torch.arange(seq).unsqueeze(0)
    region = pos >= start.unsqueeze(1)
    answer = region & (ids != tok.EOS_ID)
    cells = []
    for t in RATES:
        masked = region & (torch.rand(rows, seq, generator=gen) < t)
        logits = model(torch.where(masked, torch.full_like(ids, tok.MASK_ID), ids))
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids.reshape(-1), reduction="none").view(rows, seq)
        sel = masked & answer
        n = sel.sum().clamp(min=1)
        acc = ((logits.argmax(-1) == ids) & sel).sum() / n
        cells.append(f"{float((ce * sel).sum() / n):.2f} / {100 * float(acc):.0f}%")
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, _ = load_model(args.model_dir)
    rng, gen = random.Random(args.seed), torch.Generator().manual_seed(args.seed)
    print("| task | " + " | ".join(f"t = {t}: CE / accuracy" for t in RATES) + " |")
    print("|---|" + "---:|" * len(RATES))
    for task in tasks.TASKS:
        print(f"| {task} | " + " | ".join(task_row(model, task, args.rows, rng, gen)) + " |")


if __name__ == "__main__":
    main()
