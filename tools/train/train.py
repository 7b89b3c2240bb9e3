"""Train the tiny LLaDA-style masked diffusion model on the synthetic tasks.

  /usr/bin/python3 tools/train/train.py --loss-weighting uniform --steps 20000 --out models/tiny-mdm

Training data (LLaDA instruction tuning): prompt, answer, then EOS padding to the
batch's sequence length; the prompt is never masked; every answer/EOS token is
masked with probability t ~ U(0,1) (stratified over the batch); the loss is the
cross-entropy on masked tokens weighted by 1/t and divided by the row's answer
region length (answer + EOS padding). The EOS padding is what teaches the model
where an answer ends.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tasks  # noqa: E402
import tokenizer as tok  # noqa: E402
from model import TinyLLaDA, default_config  # noqa: E402

HELD_OUT_SIZE = 500


def make_batch(rng, excluded, token_budget, max_seq, long_fraction):
    """Rows of equal length S: prompt ++ answer ++ EOS*. Returns ids, gen_start per row."""
    n = max(4, token_budget // 64)
    pool = []
    while len(pool) < 4 * n:  # draw 4n problems, keep n of similar length (less padding)
        p, a = tasks.sample(rng)
        if p in excluded:
            continue
        pool.append((tok.encode(p), tok.encode_answer(a)))
    pool.sort(key=lambda r: len(r[0]) + len(r[1]))
    lo = rng.randint(0, 3 * n)
    rows = pool[lo:lo + n]
    rng.shuffle(rows)
    need = max(len(pi) + len(ai) + 1 for pi, ai in rows)
    if rng.random() < long_fraction:
        seq = rng.randint(need, max_seq)
    else:
        seq = min(max_seq, need + rng.randint(0, 24))
    rows = rows[:max(4, token_budget // seq)]
    ids = torch.full((len(rows), seq), tok.EOS_ID, dtype=torch.long)
    start = torch.zeros(len(rows), dtype=torch.long)
    for r, (pi, ai) in enumerate(rows):
        ids[r, :len(pi)] = torch.tensor(pi)
        ids[r, len(pi):len(pi) + len(ai)] = torch.tensor(ai)
        start[r] = len(pi)
    return ids, start


def diffusion_loss(model, ids, start, gen, weighting="elbo"):
    """elbo: LLaDA's CE x 1/t / answer length (unbiased, high variance at small t);
    uniform: mean CE over all masked tokens of the batch (lower variance, biased)."""
    b, s = ids.shape
    t = (torch.arange(b, dtype=torch.float32) + torch.rand(b, generator=gen)) / b   # stratified
    t = t.clamp(min=1e-3)
    pos = torch.arange(s).unsqueeze(0)
    answer = pos >= start.unsqueeze(1)
    masked = answer & (torch.rand(b, s, generator=gen) < t.unsqueeze(1))
    noisy = torch.where(masked, torch.full_like(ids, tok.MASK_ID), ids)
    logits = model(noisy)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids.reshape(-1), reduction="none").view(b, s)
    if weighting == "uniform":
        return (ce * masked).sum() / masked.sum().clamp(min=1)
    per_row = (ce * masked / t.unsqueeze(1)).sum(1) / answer.sum(1)
    return per_row.mean()


@torch.no_grad()
def greedy_decode(model, prompt_ids, gen_len, per_step=2, block=32):
    """LLaDA's semi-autoregressive low-confidence remasking: blocks of `block` positions
    left to right, `per_step` most confident masks of the block committed per step."""
    x = torch.tensor([prompt_ids + [tok.MASK_ID] * gen_len])
    p0 = len(prompt_ids)
    for lo in range(p0, p0 + gen_len, block):
        hi = min(lo + block, p0 + gen_len)
        for _ in range(hi - lo):
            m = x[0] == tok.MASK_ID
            m[:lo] = False
            m[hi:] = False
            if not m.any():
                break
            p = model(x)[0].softmax(-1)
            conf, pred = p.max(-1)
            conf = torch.where(m, conf, torch.full_like(conf, -1.0))
            idx = conf.topk(min(per_step, int(m.sum()))).indices
            x[0, idx] = pred[idx]
    return x[0, p0:].tolist()


def heldout_accuracy(model, n, gen_len=128):
    model.eval()
    per_task, ok = {}, 0
    probs = tasks.held_out(HELD_OUT_SIZE)[:n]
    for p, a in probs:
        out = tok.decode(greedy_decode(model, tok.encode(p), gen_len))
        good = tasks.check(p, out)
        ok += good
        t = p.split(" ")[0]
        c = per_task.setdefault(t, [0, 0])
        c[0] += good
        c[1] += 1
    model.train()
    return ok / max(1, len(probs)), per_task


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--d-model", type=int, default=96)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--mlp", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--token-budget", type=int, default=3072, help="tokens per batch")
    ap.add_argument("--max-seq", type=int, default=192)
    ap.add_argument("--long-fraction", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--loss-weighting", choices=("elbo", "uniform"), default="elbo")
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="wall-time budget: the lr schedule follows elapsed time and training stops there (0: steps only)")
    ap.add_argument("--eval-n", type=int, default=100, help="held-out problems decoded at the end")
    ap.add_argument("--out", default="models/tiny-mdm")
    ap.add_argument("--ckpt", default="", help="save a torch checkpoint here every 200 steps")
    ap.add_argument("--resume", default="")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    cfg = default_config(tok.VOCAB, tok.MASK_ID, tok.EOS_ID, args.d_model, args.layers, args.heads, args.mlp)
    model = TinyLLaDA(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    step0 = 0
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step0 = ck["step"]
        rng.setstate(ck["rng"])
        gen.set_state(ck["gen"])
    excluded = {p for p, _ in tasks.held_out(HELD_OUT_SIZE)}
    nparams = sum(p.numel() for p in model.parameters())
    print(f"params {nparams} config {json.dumps(cfg)}", flush=True)

    t0 = time.time()
    ema = None
    step = step0
    for step in range(step0, args.steps):
        # progress: by steps, or by wall time when --max-minutes is set (whichever is further),
        # so a run on a loaded machine still finishes its cosine decay inside the time budget.
        progress = step / args.steps
        if args.max_minutes:
            progress = max(progress, (time.time() - t0) / (60 * args.max_minutes))
        if progress >= 1:
            print(f"budget reached at step {step}", flush=True)
            step -= 1
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        ids, start = make_batch(rng, excluded, args.token_budget, args.max_seq, args.long_fraction)
        loss = diffusion_loss(model, ids, start, gen, args.loss_weighting)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 25 == 0:
            el = time.time() - t0
            print(f"step {step} loss {loss.item():.4f} ema {ema:.4f} lr {lr:.2e} seq {ids.shape[1]} "
                  f"rows {ids.shape[0]} elapsed {el:.0f}s ({(step - step0 + 1) / el:.2f} steps/s)", flush=True)
        if args.ckpt and step % 200 == 199:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                        "rng": rng.getstate(), "gen": gen.get_state(), "cfg": cfg}, args.ckpt)
    steps_done = step + 1
    wall = time.time() - t0
    if args.ckpt:
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": steps_done,
                    "rng": rng.getstate(), "gen": gen.get_state(), "cfg": cfg}, args.ckpt)
    print(f"trained {steps_done} steps in {wall:.0f}s", flush=True)

    from export import export  # noqa: E402
    acc, per_task = heldout_accuracy(model, args.eval_n) if args.eval_n > 0 else (float("nan"), {})
    print(f"held-out accuracy {acc:.3f} on {args.eval_n} problems: {per_task}", flush=True)
    export(model, cfg, args.out, {
        "seed": args.seed, "steps": steps_done, "train_seconds": round(wall),
        "heldout_accuracy_python_greedy": acc, "heldout_n": args.eval_n,
        "heldout_per_task": per_task, "command": " ".join(sys.argv),
        "final_loss_ema": ema})


if __name__ == "__main__":
    main()
