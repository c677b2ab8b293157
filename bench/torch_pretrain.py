#!/usr/bin/env python3
"""The baby pretraining run in PyTorch: the reference for bench/pretrain.ts's validation loss.

Same math as gpt-lab's GPT and Trainer (src/model, src/train), with bench/torch_step.py's model:
char-level Tiny Shakespeare split 90/10, 4 pre-LN blocks of 4 heads and 128 dims, no biases, exact GELU, LM head tied to the token embedding,
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
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_step import CONFIGS, GPT, make_optimizer  # noqa: E402  the step benchmark's model and optimizer: one PyTorch copy of our math


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True, help='path to tinyshakespeare.txt')
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--seed', type=int, default=1337)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    return p.parse_args()


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
    index = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    n = int(0.9 * len(ids))
    train, val = ids[:n], ids[n:]
    c = dict(CONFIGS['baby'], vocab=len(chars))
    B, T = c['batch'], c['block']
    model = GPT(c, bias=False, use_sdpa=hasattr(F, 'scaled_dot_product_attention'))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(model)

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
