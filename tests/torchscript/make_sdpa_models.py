"""TorchScript archives that call the real torch.nn.functional.scaled_dot_product_attention (PyTorch >= 2.1),
their inputs and what PyTorch computes, for run_on_gpu.sh to compare our conversion against.

usage: python3 make_sdpa_models.py OUT_DIR     (writes OUT_DIR/<model>.pt, <model>.<input>.npy,
       <model>.expected_<i>.npy and manifest.json)
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Masks(nn.Module):
    """Every argument form: default scale, bool mask with a scale, float mask, causal, causal with L == S."""

    def forward(self, q, k, v, keep, bias):
        a = F.scaled_dot_product_attention(q, k, v)
        b = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=0.3)
        c = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        d = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        e = F.scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], is_causal=True, scale=0.5)
        return a, b, c, d, e


class GroupedQuery(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)


class ByteGpt(nn.Module):
    """A byte-level GPT block stack written the way PyTorch users write one today (fused qkv, sdpa)."""

    def __init__(self, d=64, heads=4, layers=2, context=64):
        super().__init__()
        self.heads = heads
        self.tok = nn.Embedding(256, d)
        self.pos = nn.Embedding(context, d)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "ln1": nn.LayerNorm(d), "qkv": nn.Linear(d, 3 * d), "proj": nn.Linear(d, d),
                "ln2": nn.LayerNorm(d), "up": nn.Linear(d, 4 * d), "down": nn.Linear(4 * d, d)}))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 256, bias=False)

    def forward(self, ids):
        b, t = ids.shape
        x = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))
        for blk in self.blocks:
            q, k, v = blk["qkv"](blk["ln1"](x)).split(x.shape[-1], dim=-1)
            q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + blk["proj"](y.transpose(1, 2).reshape(b, t, -1))
            x = x + blk["down"](F.gelu(blk["up"](blk["ln2"](x))))
        return self.head(self.ln(x))


def main(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    rand = lambda *shape: torch.randn(*shape, generator=g)
    keep = torch.rand(2, 1, 5, 6, generator=g) > 0.4
    keep[..., 0] = True  # every query keeps a key (a fully masked row is NaN in PyTorch)
    cases = [
        ("masks", torch.jit.script(Masks()),
         {"q": rand(2, 3, 5, 4), "k": rand(2, 3, 6, 4), "v": rand(2, 3, 6, 8), "keep": keep, "bias": rand(5, 6)},
         ["q=batch,3,5,4", "k=batch,3,keys,4", "v=batch,3,keys,8", "keep:bool=batch,1,5,keys", "bias=5,keys"]),
        ("gqa", torch.jit.script(GroupedQuery()),
         {"q": rand(1, 4, 7, 8), "k": rand(1, 2, 7, 8), "v": rand(1, 2, 7, 8)},
         ["q=batch,4,sequence,8", "k=batch,2,sequence,8", "v=batch,2,sequence,8"]),
    ]
    torch.manual_seed(3)
    gpt = ByteGpt().eval()
    ids = torch.randint(0, 256, (2, 48), generator=g)
    cases.append(("byte_gpt", torch.jit.trace(gpt, (ids,)), {"ids": ids}, []))
    manifest = []
    for name, module, inputs, shapes in cases:
        module.save(os.path.join(out, name + ".pt"))
        with torch.no_grad():
            result = module(*inputs.values())
        outputs = result if isinstance(result, tuple) else (result,)
        for arg, value in inputs.items():
            np.save(os.path.join(out, f"{name}.{arg}.npy"), value.numpy())
        for i, value in enumerate(outputs):
            np.save(os.path.join(out, f"{name}.expected_{i}.npy"), value.numpy())
        ops = sorted({n.kind() for n in module.inlined_graph.nodes() if "scaled_dot" in n.kind()})
        manifest.append({"name": name, "inputs": list(inputs), "input_shapes": shapes, "outputs": len(outputs),
                         "sdpa_ops": ops})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "models": manifest}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
