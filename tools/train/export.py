"""Export a TinyLLaDA to safetensors + config.json + vocab.json + reference logits.

safetensors layout: 8-byte little-endian header length N, N bytes of JSON
({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}),
then the raw little-endian tensor data; offsets are relative to the data start.
Written by hand so that no package beyond PyTorch is needed.
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer as tok  # noqa: E402


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous().cpu()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """The F32 tensors of a file written by write_safetensors, by name."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {meta['dtype']}, expected F32")
        b, e = meta["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).view(meta["shape"])
    return out


def load_model(model_dir):
    """A TinyLLaDA from an exported directory (config.json + model.safetensors)."""
    from model import TinyLLaDA  # noqa: E402
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    model = TinyLLaDA(cfg)
    tensors = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    model.load_state_dict({k[len("model."):]: v for k, v in tensors.items()})
    model.eval()
    return model, cfg


def reference_inputs():
    """A few canvases: prompt, partly decoded answer, masks, EOS; the C++ forward must match PyTorch on them."""
    m, e = tok.MASK_ID, tok.EOS_ID
    a = tok.encode("countdown 12 3") + tok.encode_answer("12 11 10") + [m] * 12 + [e] * 4
    b = tok.encode("reverse hello") + [m] * 9
    c = tok.encode("add 12+5+7") + tok.encode_answer("12+5=17,") + [m] * 20 + [e] * 8
    return [a, b, c]


def write_heldout(path, n=500, seed=20260101):
    """The evaluation problems (train.py never trains on these prompts)."""
    import tasks
    probs = tasks.held_out(n, seed)
    with open(path, "w") as f:
        json.dump({"seed": seed, "note": "tasks.held_out(n, seed); excluded from training",
                   "problems": [{"prompt": p, "answer": a} for p, a in probs]}, f, indent=0)


@torch.no_grad()
def export(model, cfg, out, training_info=None):
    os.makedirs(out, exist_ok=True)
    model.eval()
    tensors = {"model." + k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    with open(os.path.join(out, "vocab.json"), "w") as f:
        f.write(tok.vocab_json())
    refs = []
    for ids in reference_inputs():
        logits = model(torch.tensor([ids]))[0]
        refs.append({"tokens": ids, "logits": [[round(float(v), 6) for v in row] for row in logits]})
    with open(os.path.join(out, "reference_logits.json"), "w") as f:
        json.dump({"note": "PyTorch float32 logits of the exported model, position-major (seq x vocab)",
                   "torch": torch.__version__, "inputs": refs}, f, separators=(",", ":"))
    write_heldout(os.path.join(out, "heldout.json"))
    if training_info is not None:
        with open(os.path.join(out, "training.json"), "w") as f:
            json.dump(training_info, f, indent=1)


def main():
    """Export a checkpoint written by train.py --ckpt (e.g. to evaluate a run while it trains)."""
    import argparse
    from model import TinyLLaDA  # noqa: E402
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--ckpt", required=True, help="a train.py --ckpt file")
    ap.add_argument("--out", required=True, help="the model directory to write")
    args = ap.parse_args()
    ck = torch.load(args.ckpt)
    model = TinyLLaDA(ck["cfg"])
    model.load_state_dict(ck["model"])
    export(model, ck["cfg"], args.out, {"steps": ck["step"], "exported_from": args.ckpt})
    print(f"exported step {ck['step']} to {args.out}")


if __name__ == "__main__":
    main()
