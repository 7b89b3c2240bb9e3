"""Plot `unmask-demo eval --json` output: accuracy and token evaluations per policy.

  build/bin/unmask-demo eval --n 100 --json > /tmp/eval.json
  /usr/bin/python3 tools/train/plot_eval.py /tmp/eval.json docs/daedal.png
"""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    data = json.load(open(src))
    rows = data["rows"]
    fixed = [r for r in rows if r["policy"].startswith("llada-")]
    daedal = [r for r in rows if r["policy"].startswith("daedal")]
    lens = [int(r["policy"].split("-")[1]) for r in fixed]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(lens, [100 * r["accuracy"] for r in fixed], "o-", label="LLaDA, fixed length")
    a2.plot(lens, [r["token_evals"] for r in fixed], "o-", label="LLaDA, fixed length")
    for r in daedal:
        L = r["mean_total_length"]
        a1.plot([L], [100 * r["accuracy"]], "r*", markersize=14, label=f"{r['policy']} (at its mean final length)")
        a2.plot([L], [r["token_evals"]], "r*", markersize=14, label=r["policy"])
    a1.set_xscale("log", base=2)
    a2.set_xscale("log", base=2)
    a2.set_yscale("log")
    a1.set_xlabel("generation length (tokens)")
    a2.set_xlabel("generation length (tokens)")
    a1.set_ylabel("accuracy (%)")
    a2.set_ylabel("model token evaluations per problem")
    a1.set_title(f"tiny-mdm, {data.get('problems', '?')} held-out problems")
    a2.set_title("cost: sum over calls of rows x length")
    for a in (a1, a2):
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(dst, dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
