#!/usr/bin/env python3
"""The baby pretraining run in PyTorch: the reference for bench/pretrain.ts's validation loss.

Same math as gpt-lab's GPT and Trainer (src/model, src/train): char-level Tiny Shakespeare split 90/10,
4 pre-LN blocks of 4 heads and 128 dims, no biases, exact GELU, LM head tied to the token embedding,
GPT-2 init (std 0.02, residual projections 0.02/sqrt(2L)), AdamW (betas 0.9/0.99, eps 1e-8, decay 0.1
on 2-D weights only), warmup 100 then cosine 1e-3 -> 1e-4 over 2000 steps, clipping at norm 1,
batch 12 x 64, dropout 0. Its own random batches (torch's generator), so it measures how far the
validation loss moves with the seed, not our batches.

  /usr/bin/python3 bench/torch_pretrain.py --data /work/shared/datasets/tinyshakespeare.txt --steps 2000 --seed 1337

Prints one JSON object: the validation loss at the end on 20 batches (nanoGPT's CPU eval_iters) and
on 200, train loss, ms/step, torch threads.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True, help='path to tinyshakespeare.txt')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--seed', type=int, default=1337)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    return p.parse_args()


def layer_norm(C):
    # torch 1.13 (Debian's) has no LayerNorm(bias=False): keep the bias at zero and out of training.
    ln = torch.nn.LayerNorm(C)
    ln.bias.requires_grad_(False)
    return ln


class Block(torch.nn.Module):
    def __init__(self, C, H, L):
        super().__init__()
        self.H = H
        self.ln1, self.ln2 = layer_norm(C), layer_norm(C)
        self.qkv = torch.nn.Linear(C, 3 * C, bias=False)
        self.proj = torch.nn.Linear(C, C, bias=False)
        self.fc = torch.nn.Linear(C, 4 * C, bias=False)
        self.out = torch.nn.Linear(4 * C, C, bias=False)
        for w in (self.qkv.weight, self.fc.weight):
            torch.nn.init.normal_(w, std=0.02)
        for w in (self.proj.weight, self.out.weight):
            torch.nn.init.normal_(w, std=0.02 / math.sqrt(2 * L))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)  # 3 x [B, T, C]
        heads = lambda t: t.view(B, T, self.H, C // self.H).transpose(1, 2)  # [B, H, T, hs]
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.H)  # [B, H, T, T]
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float('-inf')).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # [B, T, C]
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(torch.nn.Module):
    def __init__(self, V, T, C, H, L):
        super().__init__()
        self.wte = torch.nn.Embedding(V, C)
        self.wpe = torch.nn.Embedding(T, C)
        torch.nn.init.normal_(self.wte.weight, std=0.02)
        torch.nn.init.normal_(self.wpe.weight, std=0.02)
        self.blocks = torch.nn.ModuleList([Block(C, H, L) for _ in range(L)])
        self.lnf = layer_norm(C)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        logits = self.lnf(x) @ self.wte.weight.t()  # [B, T, V]
        return F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))


def lr_at(step, warmup=100, decay=2000, max_lr=1e-3, min_lr=1e-4):
    if step < warmup:
        return max_lr * (step + 1) / warmup
    if step >= decay:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (step - warmup) / (decay - warmup))) * (max_lr - min_lr)


def main():
    a = parse()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    text = open(a.data, encoding='utf-8').read()
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text], dtype=torch.long)
    n = int(0.9 * len(ids))
    train, val = ids[:n], ids[n:]
    B, T = 12, 64
    model = GPT(len(chars), T, 128, 4, 4)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=1e-3, betas=(0.9, 0.99), eps=1e-8)

    def batch(split):
        data = train if split == 'train' else val
        ix = torch.randint(len(data) - T, (B,))
        return torch.stack([data[i:i + T] for i in ix]), torch.stack([data[i + 1:i + 1 + T] for i in ix])

    @torch.no_grad()
    def evaluate(split, n):
        model.eval()
        losses = [model(*batch(split)).item() for _ in range(n)]
        model.train()
        return sum(losses) / n

    start = time.time()
    for step in range(a.steps):
        for g in opt.param_groups:
            # as gpt-lab's trainConfigFor: the decay spans the run, warmup is 100 steps or a tenth of a short run
            g['lr'] = lr_at(step, warmup=min(100, a.steps // 10), decay=a.steps)
        loss = model(*batch('train'))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    wall = time.time() - start
    print(json.dumps({
        'library': 'pytorch', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seed': a.seed,
        'steps': a.steps, 'params': sum(p.numel() for p in params),
        'valLoss20': evaluate('val', 20), 'valLoss200': evaluate('val', 200), 'trainLoss200': evaluate('train', 200),
        'wallSeconds': wall, 'msPerStep': 1000 * wall / a.steps,
    }))


if __name__ == '__main__':
    main()
