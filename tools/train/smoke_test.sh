#!/bin/sh
# Smoke test of the training pipeline: a few steps of a tiny configuration, then the
# export (safetensors, config, vocab, reference logits, held-out set), its read-back and
# diagnose.py are checked.
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
print("smoke_test: export ok,", len(got), "tensors,", len(raw), "bytes")
PY
# Round trip: load_model reads the export back, and its logits are the reference ones.
"$py" - "$out" "$here" <<'PY'
import json, sys
import torch
sys.path.insert(0, sys.argv[2])
from export import load_model
d = sys.argv[1]
model, _ = load_model(d)
for r in json.load(open(f"{d}/reference_logits.json"))["inputs"]:
    with torch.no_grad():
        got = model(torch.tensor([r["tokens"]]))[0]
    err = (got - torch.tensor(r["logits"])).abs().max().item()
    assert err < 1e-5, err
print("smoke_test: load_model round trip ok")
PY
"$py" "$here/diagnose.py" "$out" --rows 4 | grep '^| countdown |' >/dev/null || { echo "smoke_test: diagnose.py printed no countdown row"; exit 1; }
echo "smoke_test: ok"
