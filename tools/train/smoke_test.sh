#!/bin/sh
# Smoke test of the training pipeline: a few steps of a tiny configuration, then the
# export (safetensors, config, vocab, reference logits, held-out set) is checked.
# Exit 77 (CTest SKIP_RETURN_CODE) when no Python with PyTorch is available.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=""
for cand in "${UNMASK_PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$cand" ] || continue
  if "$cand" -c 'import torch' >/dev/null 2>&1; then py=$cand; break; fi
done
if [ -z "$py" ]; then echo "smoke_test: no python3 with torch; skipped"; exit 77; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$py" "$here/train.py" --steps 6 --warmup 2 --d-model 32 --layers 2 --heads 2 --mlp 64 \
  --token-budget 512 --max-seq 96 --eval-n 2 --seed 7 --out "$out"
for f in model.safetensors config.json vocab.json reference_logits.json heldout.json training.json; do
  [ -s "$out/$f" ] || { echo "smoke_test: missing $out/$f"; exit 1; }
done
"$py" - "$out" <<'PY'
import json, struct, sys
d = sys.argv[1]
raw = open(f"{d}/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8 + n])
cfg = json.load(open(f"{d}/config.json"))
want = {"model.transformer.wte.weight", "model.transformer.ln_f.weight", "model.transformer.ff_out.weight"}
for i in range(cfg["n_layers"]):
    for t in ("attn_norm", "q_proj", "k_proj", "v_proj", "attn_out", "ff_norm", "ff_proj", "up_proj", "ff_out"):
        want.add(f"model.transformer.blocks.{i}.{t}.weight")
got = set(h) - {"__metadata__"}
assert got == want, (sorted(got ^ want))
end = max(v["data_offsets"][1] for k, v in h.items() if k != "__metadata__")
assert len(raw) == 8 + n + end, "data section size"
info = json.load(open(f"{d}/training.json"))
assert info["steps"] == 6 and info["seed"] == 7, info
refs = json.load(open(f"{d}/reference_logits.json"))["inputs"]
assert all(len(r["logits"]) == len(r["tokens"]) for r in refs)
print("smoke_test: ok,", len(got), "tensors,", len(raw), "bytes")
PY
