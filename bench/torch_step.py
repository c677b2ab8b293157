#!/usr/bin/env python3
# The PyTorch reference for bench/step.ts: the same training step as gpt-lab's GPT, written the way a
# learner would write it in PyTorch (nanoGPT's model.py, trimmed), timed the same way.
#
# The math is gpt-lab's: token + position embeddings, nLayer pre-LN blocks (LayerNorm without bias
# unless --bias, causal attention, MLP with exact GELU), a final LayerNorm, the LM head tied to the
# token embedding, mean cross-entropy, gradient clipping at norm 1, and AdamW (betas 0.9 / 0.99,
# eps 1e-8, weight decay 0.1 on parameters of rank >= 2 only, lr 1e-3). Batches are random tokens.
#
#   /usr/bin/python3 bench/torch_step.py --config baby --steps 20            # one JSON document
#   /usr/bin/python3 bench/torch_step.py --serve [--threads 1] [--device cuda]
#       then one JSON request per line on stdin, {"config": "baby", "steps": 5}, one JSON answer per
#       line on stdout. bench/step.ts drives it this way so PyTorch and tfjs take turns in one run.
#
# Attention: torch >= 2 has F.scaled_dot_product_attention (flash/memory-efficient kernels on CUDA);
# --attention auto uses it when present (what nanoGPT does), manual always writes softmax(QKᵀ)V out.
# Left out: dropout (the reference steps have none), mixed precision, torch.compile.

import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The reference steps of issue 7 (bench/step.ts has the same table).
CONFIGS = {
    'baby': dict(batch=12, block=64, n_embd=128, n_layer=4, n_head=4, vocab=65),
    'gpu': dict(batch=16, block=128, n_embd=256, n_layer=4, n_head=4, vocab=512),
}


class Block(nn.Module):
    def __init__(self, c, bias, use_sdpa):
        super().__init__()
        C = c['n_embd']
        self.n_head = c['n_head']
        self.use_sdpa = use_sdpa
        self.ln_1 = nn.LayerNorm(C, elementwise_affine=True)
        self.c_attn = nn.Linear(C, 3 * C, bias=bias)
        self.c_proj = nn.Linear(C, C, bias=bias)
        self.ln_2 = nn.LayerNorm(C)
        self.c_fc = nn.Linear(C, 4 * C, bias=bias)
        self.gelu = nn.GELU()  # exact erf form, as gpt-lab's gelu
        self.mlp_proj = nn.Linear(4 * C, C, bias=bias)
        if not bias:
            self.ln_1.bias = None
            self.ln_2.bias = None
        T = c['block']
        self.register_buffer('mask', torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T), persistent=False)

    def attn(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # [B, nh, T, hs]
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        if self.use_sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # [B, nh, T, T]
            att = att.masked_fill(~self.mask[:, :, :T, :T], float('-inf'))
            y = F.softmax(att, dim=-1) @ v  # [B, nh, T, hs]
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, c, bias, use_sdpa):
        super().__init__()
        C = c['n_embd']
        self.wte = nn.Embedding(c['vocab'], C)
        self.wpe = nn.Embedding(c['block'], C)
        self.h = nn.ModuleList([Block(c, bias, use_sdpa) for _ in range(c['n_layer'])])
        self.ln_f = nn.LayerNorm(C)
        if not bias:
            self.ln_f.bias = None
        # GPT-2's init, as gpt-lab's params.ts: normal(0, 0.02), residual projections 0.02 / sqrt(2L).
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * c['n_layer']) if name.endswith('c_proj.weight') or name.endswith('mlp_proj.weight') else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith('bias'):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()  # tied head: [B, T, V]
        return F.cross_entropy(logits.view(B * T, -1), targets.reshape(B * T))


def make_optimizer(model, lr=1e-3):
    """nanoGPT's AdamW: weight decay 0.1 on matrices and embeddings, none on gains; betas 0.9/0.99."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{'params': [p for p in params if p.dim() >= 2], 'weight_decay': 0.1},
              {'params': [p for p in params if p.dim() < 2], 'weight_decay': 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99), eps=1e-8)


class Runner:
    """One model, optimizer and device per config; `steps(n)` runs and times n training steps."""

    def __init__(self, name, device, bias, attention):
        c = CONFIGS[name]
        self.c = c
        self.device = device
        torch.manual_seed(1337)
        self.use_sdpa = attention == 'sdpa' or (attention == 'auto' and hasattr(F, 'scaled_dot_product_attention'))
        self.model = GPT(c, bias, self.use_sdpa).to(device)
        self.opt = make_optimizer(self.model)
        self.gen = torch.Generator(device='cpu').manual_seed(1)
        self.params = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        self.steps_done = 0
        self.last_loss = None

    def sync(self):
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()

    def one_step(self):
        c = self.c
        idx = torch.randint(0, c['vocab'], (c['batch'], c['block'] + 1), generator=self.gen).to(self.device)
        x, y = idx[:, :-1], idx[:, 1:]
        loss = self.model(x, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.steps_done += 1
        return loss

    def steps(self, n):
        """Runs n steps; the loss is read once at the end (as the tfjs trainer reads it every logEvery)."""
        self.sync()
        t0 = time.perf_counter()
        loss = None
        for _ in range(n):
            loss = self.one_step()
        self.last_loss = float(loss.item())  # waits for the device
        ms = (time.perf_counter() - t0) * 1000 / n
        return ms


def peak_memory(device):
    out = {'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    if device.startswith('cuda'):
        out['peakDeviceBytes'] = torch.cuda.max_memory_allocated()
    return out


def describe(device):
    info = {
        'torch': torch.__version__,
        'device': device,
        'threads': torch.get_num_threads(),
        'interopThreads': torch.get_num_interop_threads(),
    }
    if device.startswith('cuda'):
        info['gpu'] = torch.cuda.get_device_name(0)
    return info


def answer(runners, req, device, bias, attention):
    name = req['config']
    if name not in CONFIGS:
        return {'error': f"unknown config '{name}'; known: {', '.join(CONFIGS)}"}
    r = runners.get(name)
    if r is None:
        r = runners[name] = Runner(name, device, bias, attention)
        r.steps(max(1, int(req.get('warmup', 2))))  # allocator, kernels, autotuning
    ms = r.steps(int(req.get('steps', 5)))
    c = r.c
    tokens = c['batch'] * c['block']
    return {'config': name, 'msPerStep': ms, 'tokensPerSec': tokens * 1000 / ms, 'params': r.params,
            'loss': r.last_loss, 'stepsDone': r.steps_done, 'attention': 'sdpa' if r.use_sdpa else 'manual',
            **peak_memory(device), **describe(device)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--config', default='baby', choices=sorted(CONFIGS))
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: torch default)')
    ap.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'auto' (cuda when available)")
    ap.add_argument('--bias', action='store_true', help='Linear and LayerNorm biases (GPT-2); default none')
    ap.add_argument('--attention', default='auto', choices=['auto', 'manual', 'sdpa'])
    ap.add_argument('--serve', action='store_true', help='answer JSON requests line by line on stdin')
    a = ap.parse_args()
    device = 'cuda' if a.device == 'auto' and torch.cuda.is_available() else ('cpu' if a.device == 'auto' else a.device)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    runners = {}
    if not a.serve:
        print(json.dumps(answer(runners, {'config': a.config, 'steps': a.steps, 'warmup': a.warmup}, device, a.bias, a.attention)))
        return
    print(json.dumps({'ready': True, **describe(device)}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = answer(runners, json.loads(line), device, a.bias, a.attention)
        except Exception as e:  # the driver reports it and carries on without PyTorch
            out = {'error': f'{type(e).__name__}: {e}'}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
