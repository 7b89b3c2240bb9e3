"""A LLaDA-architecture masked diffusion model, small.

Bidirectional transformer (no causal mask), pre-RMSNorm, rotary positions
(rotate-half convention, as LLaDA), SwiGLU MLP (ff_proj = gate, up_proj = up,
ff_out = down), no biases, untied output head. Parameter names follow the
LLaDA-8B checkpoint (model.transformer.wte / blocks.{i}.q_proj ... / ln_f / ff_out).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * self.weight


def rope_tables(seq, head_dim, theta, device=None):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))
    pos = torch.arange(seq, dtype=torch.float32, device=device)
    freqs = torch.outer(pos, inv)                   # seq x head_dim/2
    emb = torch.cat([freqs, freqs], dim=-1)         # seq x head_dim
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, f = cfg["d_model"], cfg["mlp_hidden_size"]
        self.n_heads = cfg["n_heads"]
        self.attn_norm = RMSNorm(d, cfg["rms_norm_eps"])
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.attn_out = nn.Linear(d, d, bias=False)
        self.ff_norm = RMSNorm(d, cfg["rms_norm_eps"])
        self.ff_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.ff_out = nn.Linear(f, d, bias=False)

    def forward(self, x, cos, sin):
        b, s, d = x.shape
        h = self.attn_norm(x)
        hd = d // self.n_heads
        q = self.q_proj(h).view(b, s, self.n_heads, hd).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.n_heads, hd).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.n_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.attn_out(y)
        h = self.ff_norm(x)
        x = x + self.ff_out(F.silu(self.ff_proj(h)) * self.up_proj(h))
        return x


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layers"])])
        self.ln_f = RMSNorm(cfg["d_model"], cfg["rms_norm_eps"])
        self.ff_out = nn.Linear(cfg["d_model"], cfg["vocab_size"], bias=False)


class TinyLLaDA(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        self.transformer = Transformer(cfg)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        # scale the residual projections (GPT-2 style) for a stabler start
        for blk in self.transformer.blocks:
            nn.init.normal_(blk.attn_out.weight, std=0.02 / math.sqrt(2 * cfg["n_layers"]))
            nn.init.normal_(blk.ff_out.weight, std=0.02 / math.sqrt(2 * cfg["n_layers"]))

    def forward(self, ids):
        """ids: batch x seq (long) -> logits batch x seq x vocab (float32)."""
        t = self.transformer
        cos, sin = rope_tables(ids.shape[1], self.cfg["d_model"] // self.cfg["n_heads"],
                               self.cfg["rope_theta"], ids.device)
        x = t.wte(ids)
        for blk in t.blocks:
            x = blk(x, cos, sin)
        return t.ff_out(t.ln_f(x))


def default_config(vocab, mask_id, eos_id, d_model=128, n_layers=4, n_heads=4, mlp=384):
    return {
        "model_type": "llada", "block_type": "llama",
        "d_model": d_model, "n_layers": n_layers, "n_heads": n_heads, "n_kv_heads": n_heads,
        "mlp_hidden_size": mlp, "vocab_size": vocab, "embedding_size": vocab,
        "max_sequence_length": 512, "rope_theta": 10000.0, "rms_norm_eps": 1e-5,
        "include_bias": False, "weight_tying": False, "activation_type": "silu",
        "mask_token_id": mask_id, "eos_token_id": eos_id,
    }
