#!/usr/bin/env python3
"""unmask benchmarks: the score / sample / step kernels written the way the PyTorch
references write them, timed on the same shapes as unmask-bench, printed beside
unmask's figures as a ratio table (and optionally plotted).

    build/bin/unmask-bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \\
        --benchmark_format=json --benchmark_out=bench.json
    python3 benchmarks/compare_pytorch.py --unmask-json bench.json --plot docs/performance.png

Reference code (public repositories, the lines each function below mirrors):
  LLaDA generate.py (ML-GSAI/LLaDA): add_gumbel_noise, the low_confidence branch of generate()
  Fast-dLLM llada/generate.py (NVlabs/Fast-dLLM): get_transfer_index (float64 softmax, threshold)
  Dream generation_utils.py (the copy in NVlabs/Fast-dLLM): sample_tokens (margin, entropy),
    top_k_logits, _sample (shift, per-step top-k over positions)
Needs python3-torch (and python3-matplotlib for --plot).
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

SHAPES = [(rows, vocab) for vocab in (32000, 126464, 151936) for rows in (32, 256, 1024)]


def make_logits(rows, vocab, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, vocab, generator=g) * 2.3
    x[torch.arange(rows), torch.randint(0, vocab, (rows,), generator=g)] += 9.0
    return x


# ---- the reference formulations -------------------------------------------------------

def add_gumbel_noise(logits, temperature):
    # LLaDA: "The Gumbel max is a method for sampling categorical distributions ...
    # low-precision Gumbel Max improves perplexity score but reduces generation quality,
    # so we use float64."
    if temperature == 0:
        return logits
    logits = logits.to(torch.float64)
    noise = torch.rand_like(logits, dtype=torch.float64)
    gumbel_noise = (-torch.log(noise)) ** temperature
    return logits.exp() / gumbel_noise


def low_confidence(logits):  # LLaDA, temperature 0
    x0 = torch.argmax(add_gumbel_noise(logits, 0.0), dim=-1)
    p = F.softmax(logits, dim=-1)
    return x0, torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)


def low_confidence_f64(logits):  # Fast-dLLM get_transfer_index
    x0 = torch.argmax(logits, dim=-1)
    p = F.softmax(logits.to(torch.float64), dim=-1)
    return x0, torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)


def margin(logits):  # Dream sample_tokens(margin_confidence=True)
    probs = torch.softmax(logits, dim=-1)
    confidence, x0 = probs.max(dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    return x0, sorted_probs[:, 0] - sorted_probs[:, 1]


def entropy(logits):  # Dream sample_tokens(neg_entropy=True)
    probs = torch.softmax(logits, dim=-1)
    confidence, x0 = probs.max(dim=-1)
    log_probs = torch.log(probs + 1e-10)
    return x0, torch.sum(probs * log_probs, dim=-1)


def temperature(logits, t=0.7):  # LLaDA with temperature: float64 Gumbel per entry
    x0 = torch.argmax(add_gumbel_noise(logits, t), dim=-1)
    p = F.softmax(logits, dim=-1)
    return x0, torch.gather(p, -1, x0.unsqueeze(-1)).squeeze(-1)


def top_k(logits, k=50):  # Dream top_k_logits
    indices_to_remove = logits < torch.topk(logits, k)[0][..., -1, None]
    return logits.masked_fill(indices_to_remove, torch.finfo(logits.dtype).min)


# One whole step on a canvas of 4 prompt tokens + `rows` masks whose step commits
# every mask (the configuration of unmask's BM_Step_*); the model returns a fixed
# block (a copy), as in unmask-bench.
def step_llada(block, x, mask_index, k):
    logits = block.clone()[None]  # the model's output [1, L, V]
    logits_with_noise = add_gumbel_noise(logits, 0.0)
    x0 = torch.argmax(logits_with_noise, dim=-1)
    p = F.softmax(logits, dim=-1)
    x0_p = torch.squeeze(torch.gather(p, dim=-1, index=torch.unsqueeze(x0, -1)), -1)
    x0 = torch.where(mask_index, x0, x)
    confidence = torch.where(mask_index, x0_p, -float("inf"))
    transfer_index = torch.zeros_like(x0, dtype=torch.bool)
    _, select_index = torch.topk(confidence[0], k=k)
    transfer_index[0, select_index] = True
    x = x.clone()
    x[transfer_index] = x0[transfer_index]
    return x


def step_fastdllm(block, x, mask_index, threshold=0.0):
    logits = block.clone()[None]
    x0 = torch.argmax(logits, dim=-1)
    p = F.softmax(logits.to(torch.float64), dim=-1)
    x0_p = torch.squeeze(torch.gather(p, dim=-1, index=torch.unsqueeze(x0, -1)), -1)
    x0 = torch.where(mask_index, x0, x)
    confidence = torch.where(mask_index, x0_p, -float("inf"))
    transfer_index = confidence >= threshold
    _, best = torch.max(confidence, dim=-1)
    transfer_index[0, best] = True
    x = x.clone()
    x[transfer_index] = x0[transfer_index]
    return x


def step_dream(block, x, mask_index, k):
    logits = block.clone()[None]
    logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)  # Dream's right shift
    mask_logits = logits[mask_index]
    probs = torch.softmax(mask_logits, dim=-1)
    confidence, x0 = probs.max(dim=-1)
    full_confidence = torch.full_like(x, -torch.inf, dtype=logits.dtype)
    full_confidence[mask_index] = confidence
    _, transfer_index = torch.topk(full_confidence, k)
    x_ = torch.zeros_like(x) + 126336
    x_[mask_index] = x0.clone()
    row_indices = torch.arange(x.size(0)).unsqueeze(1).expand_as(transfer_index)
    x = x.clone()
    x[row_indices, transfer_index] = x_[row_indices, transfer_index]
    return x


# ---- timing -----------------------------------------------------------------------------

def timed(fn, repetitions, min_time):
    """Median over `repetitions` of the mean time of a call (ms), each repetition
    running the call until min_time seconds have passed (as Google Benchmark)."""
    fn()  # warm-up
    medians = []
    for _ in range(repetitions):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        medians.append(elapsed / n * 1e3)
    return statistics.median(medians)


KERNELS = {
    # name: (function of (logits, rows, vocab) -> callable, unmask benchmark)
    "LowConfidence": (lambda l, r, v: (lambda: low_confidence(l)), "BM_Score_LowConfidence"),
    "LowConfidenceF64": (lambda l, r, v: (lambda: low_confidence_f64(l)), "BM_Score_LowConfidenceF64"),
    "Margin": (lambda l, r, v: (lambda: margin(l)), "BM_Score_Margin"),
    "Entropy": (lambda l, r, v: (lambda: entropy(l)), "BM_Score_Entropy"),
    "Temperature": (lambda l, r, v: (lambda: temperature(l)), "BM_Sample_Temperature"),
    "TopK": (lambda l, r, v: (lambda: top_k(l)), "BM_Select_TopK"),
}
STEPS = {
    "Step_LLaDA": (step_llada, "BM_Step_LLaDA"),
    "Step_FastDllm": (step_fastdllm, "BM_Step_FastDllm"),
    "Step_Dream": (step_dream, "BM_Step_Dream"),
}


def step_callable(fn, logits, rows, vocab):
    prompt = 4
    block = torch.cat([logits[:1].expand(prompt, vocab), logits], dim=0)  # [prompt + rows, V]
    x = torch.cat([torch.arange(1, prompt + 1), torch.full((rows,), vocab - 1)])[None]
    mask_index = x == vocab - 1
    if fn is step_fastdllm:
        return lambda: fn(block, x, mask_index)
    return lambda: fn(block, x, mask_index, rows)


def load_unmask(path):
    """{benchmark name: median real time in ms} from unmask-bench's JSON output."""
    if not path:
        return {}
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        name = b["name"]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            name = b["run_name"]
        name = name.replace("/real_time", "")
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        out[name] = b["real_time"] * scale
    return out


def fmt(x):
    return "-" if x is None else ("%.3g" % x if x < 100 else "%.0f" % x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--unmask-json", help="unmask-bench --benchmark_format=json output")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--kernels", nargs="+", default=list(KERNELS) + list(STEPS))
    ap.add_argument("--shapes", nargs="+", default=None, help="rows/vocab, e.g. 256/126464")
    ap.add_argument("--out-json", help="write every figure (PyTorch and unmask) here")
    ap.add_argument("--plot", help="PNG: ms/step vs rows (vocab 126 464) for unmask, PyTorch and the floor")
    args = ap.parse_args()

    shapes = SHAPES if not args.shapes else [tuple(int(t) for t in s.split("/")) for s in args.shapes]
    unmask = load_unmask(args.unmask_json)
    results = {}  # (kernel, rows, vocab, threads) -> ms
    print("torch %s, threads %s" % (torch.__version__, args.threads), file=sys.stderr)
    for rows, vocab in shapes:
        logits = make_logits(rows, vocab)
        for name in args.kernels:
            for threads in args.threads:
                torch.set_num_threads(threads)
                try:
                    if name in KERNELS:
                        fn = KERNELS[name][0](logits, rows, vocab)
                    else:
                        fn = step_callable(STEPS[name][0], logits, rows, vocab)
                    ms = timed(fn, args.repetitions, args.min_time)
                except RuntimeError as e:  # out of memory on the largest shapes
                    print("%s %d/%d: %s" % (name, rows, vocab, e), file=sys.stderr)
                    ms = None
                results[(name, rows, vocab, threads)] = ms
                print("%-18s %5d/%-6d %dT  torch %s ms" % (name, rows, vocab, threads, fmt(ms)), file=sys.stderr)
        del logits

    # The ratio table: PyTorch / unmask (how many times faster unmask is), and each
    # unmask figure over the streaming-read floor of the same shape.
    print("| kernel | rows/vocab | threads | PyTorch ms | unmask ms | PyTorch / unmask | unmask / floor |")
    print("|---|---|---|---|---|---|---|")
    for name in args.kernels:
        bench = KERNELS[name][1] if name in KERNELS else STEPS[name][1] + "_Simd"
        for rows, vocab in shapes:
            for threads in args.threads:
                suffix = "" if threads == 1 else ("_2T" if name in KERNELS else "2T")
                key = "%s%s/%d/%d" % (bench, suffix, rows, vocab)
                floor = unmask.get("BM_Floor_StreamRead%s/%d/%d" % ("" if threads == 1 else "_2T", rows, vocab))
                u, t = unmask.get(key), results.get((name, rows, vocab, threads))
                ratio = t / u if (t and u) else None
                over = u / floor if (u and floor) else None
                print("| %s | %d/%d | %d | %s | %s | %s | %s |" % (name, rows, vocab, threads, fmt(t), fmt(u),
                                                                fmt(ratio), fmt(over)))
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump({"torch": {"%s/%d/%d/%dT" % k: v for k, v in results.items()}, "unmask": unmask}, f, indent=1)
    if args.plot:
        plot(args.plot, results, unmask, args.threads)


def plot(path, results, unmask, threads):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    vocab = 126464
    rows = [32, 256, 1024]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    def line(values, label, style):
        pts = [(r, v) for r, v in zip(rows, values) if v]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
    for t in threads:
        sfx, ssfx = ("", "") if t == 1 else ("_2T", "2T")
        line([results.get(("Step_LLaDA", r, vocab, t)) for r in rows], "PyTorch LLaDA step, %d thread%s" % (t, "s" * (t > 1)),
             "s--" if t == 1 else "s:")
        line([unmask.get("BM_Step_LLaDA_Simd%s/%d/%d" % (ssfx, r, vocab)) for r in rows],
             "unmask LLaDA step (simd_backend), %d thread%s" % (t, "s" * (t > 1)), "o-" if t == 1 else "o:")
        line([unmask.get("BM_Floor_StreamRead%s/%d/%d" % (sfx, r, vocab)) for r in rows],
             "floor: one read of the logits, %d thread%s" % (t, "s" * (t > 1)), "k-" if t == 1 else "k:")
    line([unmask.get("BM_Step_LLaDA/%d/%d" % (r, vocab)) for r in rows], "unmask LLaDA step (portable_backend)", "^-")
    line([unmask.get("BM_Floor_Memcpy/%d/%d" % (r, vocab)) for r in rows], "the model's copy of the block (memcpy)", "x-.")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(rows)
    ax.set_xticklabels([str(r) for r in rows])
    ax.set_xlabel("masked positions scored per step (rows), vocab 126 464, float32")
    ax.set_ylabel("ms per step")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
