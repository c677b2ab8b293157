#!/usr/bin/env python3
# Independent readers of what `gpt-lab export` writes, for test/export/export.test.ts. Written from
# each layout's own conventions, sharing no code with gpt-lab: a GPT-2 as Hugging Face's
# GPT2LMHeadModel lays it out (Conv1D weights [in, out], every bias, lm_head tied to wte, config.json),
# a GPT as nanoGPT's model.py (nn.Linear [out, in], optional biases, loaded from ckpt.pt with
# load_state_dict(strict=True)), and a reader of Hugging Face's tokenizer.json (added tokens, the
# ByteLevel / Split pre-tokenizers, BPE merges by rank) for when the tokenizers library is absent.
#
# One JSON request per line on stdin, one JSON answer per line on stdout ({"error": traceback} on failure):
#   {"mode": "hf", "dir": D, "ids": [[...]]}                       -> {"logits": [[[...]]]}
#   {"mode": "nanogpt", "dir": D, "ids": [[...]]}                  -> {"logits": ..., "iter_num": ..., "model_args": ...}
#   {"mode": "nanogpt-step", "dir": D, "x": [[...]], "y": [[...]], "lr": LR, "ids": [[...]]}
#        one AdamW step of nanoGPT's optimizer (state from ckpt.pt) on the loss of (x, y) -> {"logits": ...}
#   {"mode": "tokenize", "file": F, "texts": [...]}                -> {"ids": [[...]]}
#   {"mode": "make-hf" | "make-nanogpt", "dir": D, "chars": [...], "bias": B, "ids": [[...]]}
#        writes a random model as the Hub's GPT-2 / nanoGPT's train.py would save it -> {"logits": ...}
# Runs on Debian's python3-torch 1.13 with Python 3.11 (no transformers, no tokenizers, no `regex`
# module): the split patterns' \p{L} classes are spelled out from unicodedata for Python's re.
# Left out: dropout (eval mode only), KV caches.

import json
import math
import pickle
import re
import struct
import sys
import unicodedata

import torch
import torch.nn as nn
from torch.nn import functional as F


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for name, t in header.items():
        assert t['dtype'] == 'F32', (name, t['dtype'])
        b, e = t['data_offsets']
        buf = bytearray(data[8 + n + b:8 + n + e])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(t['shape']).clone()
    return out, meta


def causal_attention(q, k, v):
    """q, k, v: [B, nh, T, hs] -> [B, nh, T, hs], softmax(q k^T / sqrt(hs)) with a causal mask."""
    T = q.size(-2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    att = att.masked_fill(~mask, float('-inf'))
    return F.softmax(att, dim=-1) @ v


# ---- Hugging Face GPT-2 layout -------------------------------------------------------------------

class Conv1D(nn.Module):
    """HF's GPT-2 linear layer: weight [in, out], y = x @ W + b."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class HfBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg['n_embd']
        inner = cfg.get('n_inner') or 4 * C
        eps = cfg['layer_norm_epsilon']
        self.n_head = cfg['n_head']
        self.act = cfg['activation_function']
        self.ln_1 = nn.LayerNorm(C, eps=eps)
        self.attn = nn.Module()
        self.attn.c_attn = Conv1D(3 * C, C)
        self.attn.c_proj = Conv1D(C, C)
        self.ln_2 = nn.LayerNorm(C, eps=eps)
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(inner, C)
        self.mlp.c_proj = Conv1D(C, inner)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
        heads = lambda t: t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = causal_attention(heads(q), heads(k), heads(v)).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.attn.c_proj(y)
        h = self.mlp.c_fc(self.ln_2(x))
        if self.act == 'gelu':
            h = F.gelu(h)
        elif self.act == 'gelu_new':
            h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
        else:
            raise SystemExit(f'unknown activation_function {self.act}')
        return x + self.mlp.c_proj(h)


class HfGPT2(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C = cfg['n_embd']
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(cfg['vocab_size'], C)
        self.transformer.wpe = nn.Embedding(cfg['n_positions'], C)
        self.transformer.h = nn.ModuleList([HfBlock(cfg) for _ in range(cfg['n_layer'])])
        self.transformer.ln_f = nn.LayerNorm(C, eps=cfg['layer_norm_epsilon'])
        self.lm_head = nn.Linear(C, cfg['vocab_size'], bias=False)
        assert cfg.get('tie_word_embeddings', True)
        self.lm_head.weight = self.transformer.wte.weight

    def forward(self, idx):
        t = self.transformer
        x = t.wte(idx) + t.wpe(torch.arange(idx.size(1)))
        for block in t.h:
            x = block(x)
        return self.lm_head(t.ln_f(x))


def load_hf(d):
    with open(f'{d}/config.json') as f:
        cfg = json.load(f)
    assert cfg['model_type'] == 'gpt2' and cfg['architectures'] == ['GPT2LMHeadModel'], cfg
    model = HfGPT2(cfg)
    state, meta = read_safetensors(f'{d}/model.safetensors')
    assert meta.get('format') == 'pt', meta  # transformers refuses safetensors without it
    missing, unexpected = model.load_state_dict(state, strict=False)
    # save_pretrained leaves out the tied head; nothing else may be missing or extra
    assert missing == ['lm_head.weight'] and unexpected == [], (missing, unexpected)
    return model.eval()


# ---- nanoGPT layout (model.py, without flash attention: torch 1.13) -------------------------------

class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm with an optional bias."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.c_attn = nn.Linear(a['n_embd'], 3 * a['n_embd'], bias=a['bias'])
        self.c_proj = nn.Linear(a['n_embd'], a['n_embd'], bias=a['bias'])
        self.n_head = a['n_head']

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        heads = lambda t: t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = causal_attention(heads(q), heads(k), heads(v)).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.c_fc = nn.Linear(a['n_embd'], 4 * a['n_embd'], bias=a['bias'])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * a['n_embd'], a['n_embd'], bias=a['bias'])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.ln_1 = LayerNorm(a['n_embd'], a['bias'])
        self.attn = CausalSelfAttention(a)
        self.ln_2 = LayerNorm(a['n_embd'], a['bias'])
        self.mlp = MLP(a)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class NanoGPT(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(a['vocab_size'], a['n_embd']),
            wpe=nn.Embedding(a['block_size'], a['n_embd']),
            h=nn.ModuleList([Block(a) for _ in range(a['n_layer'])]),
            ln_f=LayerNorm(a['n_embd'], a['bias']),
        ))
        self.lm_head = nn.Linear(a['n_embd'], a['vocab_size'], bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx):
        t = self.transformer
        x = t.wte(idx) + t.wpe(torch.arange(idx.size(1)))
        for block in t.h:
            x = block(x)
        return self.lm_head(t.ln_f(x))

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        """nanoGPT's: 2+-dim parameters decay, the rest do not, in named_parameters() order."""
        params = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
        groups = [
            {'params': [p for p in params.values() if p.dim() >= 2], 'weight_decay': weight_decay},
            {'params': [p for p in params.values() if p.dim() < 2], 'weight_decay': 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)


def load_nanogpt(d):
    ckpt = torch.load(f'{d}/ckpt.pt', map_location='cpu')
    model = NanoGPT(ckpt['model_args'])
    state = {k[len('_orig_mod.'):] if k.startswith('_orig_mod.') else k: v for k, v in ckpt['model'].items()}
    model.load_state_dict(state, strict=True)
    return model.eval(), ckpt


# ---- Hugging Face tokenizer.json ------------------------------------------------------------------

GPT2_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


_CLASSES = {}


def unicode_class(name):
    """The code points of a Unicode general category (L, N, Lu, M, ...) as re class ranges."""
    if name not in _CLASSES:
        ranges, start, prev = [], None, None
        for cp in range(0x110000):
            if unicodedata.category(chr(cp)).startswith(name):
                if start is None:
                    start = cp
                prev = cp
            elif start is not None:
                ranges.append((start, prev))
                start = None
        esc = lambda c: f'\\U{c:08x}'
        _CLASSES[name] = ''.join(esc(a) if a == b else f'{esc(a)}-{esc(b)}' for a, b in ranges)
    return _CLASSES[name]


def to_python_regex(pattern):
    """Rewrites \\p{X} (which Python's re lacks) as explicit ranges; re (3.11+) has possessive quantifiers."""
    out, i, in_class = '', 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == '\\' and pattern.startswith('\\p{', i):
            end = pattern.index('}', i)
            ranges = unicode_class(pattern[i + 3:end])
            out += ranges if in_class else f'[{ranges}]'
            i = end + 1
            continue
        if c == '\\':
            out += pattern[i:i + 2]
            i += 2
            continue
        if c == '[' and not in_class:
            in_class = True
        elif c == ']' and in_class:
            in_class = False
        out += c
        i += 1
    return out


def isolated_split(pattern, text):
    out, at = [], 0
    for m in re.finditer(to_python_regex(pattern), text):
        if m.start() > at:
            out.append(text[at:m.start()])
        if m.end() > m.start():
            out.append(m.group(0))
        at = m.end()
    if at < len(text):
        out.append(text[at:])
    return out


def pre_tokenize(pre, text):
    """Text -> words (strings of the model's vocabulary alphabet)."""
    if pre is None:
        return [text] if text else []
    b2u = bytes_to_unicode()
    to_bytes = lambda w: ''.join(b2u[b] for b in w.encode('utf8'))
    if pre['type'] == 'ByteLevel':
        words = isolated_split(GPT2_SPLIT, text) if pre['use_regex'] else [text]
        return [to_bytes(w) for w in words if w]
    assert pre['type'] == 'Sequence' and len(pre['pretokenizers']) == 2, pre
    split, level = pre['pretokenizers']
    assert split['type'] == 'Split' and split['behavior'] == 'Isolated' and not split['invert'], split
    assert level['type'] == 'ByteLevel' and not level['use_regex'], level
    return [to_bytes(w) for w in isolated_split(split['pattern']['Regex'], text)]


def bpe_word(word, model, ranks):
    vocab = model['vocab']
    if model.get('ignore_merges') and word in vocab:
        return [vocab[word]]
    parts = list(word)
    while len(parts) > 1:
        best = min(range(len(parts) - 1), key=lambda i: ranks.get((parts[i], parts[i + 1]), math.inf))
        pair = (parts[best], parts[best + 1])
        if pair not in ranks:
            break
        merged, i = [], 0
        while i < len(parts):
            if i + 1 < len(parts) and (parts[i], parts[i + 1]) == pair:
                merged.append(parts[i] + parts[i + 1])
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return [vocab[p] for p in parts]


def hf_encode(tj, text):
    model = tj['model']
    assert model['type'] == 'BPE' and tj['normalizer'] is None
    merges = [tuple(m.split(' ')) if isinstance(m, str) else tuple(m) for m in model['merges']]
    ranks = {m: i for i, m in enumerate(merges)}
    added = sorted(tj['added_tokens'], key=lambda a: -len(a['content']))
    ids, at, plain = [], 0, ''
    while at < len(text):
        hit = next((a for a in added if text.startswith(a['content'], at)), None)
        if hit is None:
            plain += text[at]
            at += 1
            continue
        for w in pre_tokenize(tj['pre_tokenizer'], plain):
            ids += bpe_word(w, model, ranks)
        plain = ''
        ids.append(hit['id'])
        at += len(hit['content'])
    for w in pre_tokenize(tj['pre_tokenizer'], plain):
        ids += bpe_word(w, model, ranks)
    return ids


def write_safetensors(path, tensors):
    header, blobs, at = {'__metadata__': {'format': 'pt'}}, [], 0
    for name, t in tensors.items():
        raw = t.detach().float().contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header).encode('utf8')
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def randomize(model):
    """Every weight uniform in [-0.4, 0.4) (LayerNorm gains around 1), so a mix-up shows in the logits."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.uniform_(-0.4, 0.4)
            if ('ln_' in name) and name.endswith('.weight'):
                p.add_(1.0)


def make(req):
    """Writes a random model as nanoGPT or the Hub's GPT-2 would have saved it; returns the model."""
    d, V, T, bias = req['dir'], len(req['chars']), 8, req['bias']
    if req['mode'] == 'make-nanogpt':
        a = {'n_layer': 2, 'n_head': 2, 'n_embd': 16, 'block_size': T, 'bias': bias, 'vocab_size': V, 'dropout': 0.0}
        model = NanoGPT(a)
        randomize(model)
        # as train.py saves a torch.compile'd model, with the causal-mask buffers of nanoGPT without flash
        state = {'_orig_mod.' + k: v for k, v in model.state_dict().items()}
        for i in range(2):
            state[f'_orig_mod.transformer.h.{i}.attn.bias'] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
        torch.save({'model': state, 'optimizer': {}, 'model_args': a, 'iter_num': 123, 'best_val_loss': torch.tensor(2.5),
                    'config': {'dataset': 'shakespeare_char'}}, f'{d}/ckpt.pt')
        with open(f'{d}/meta.pkl', 'wb') as f:
            itos = dict(enumerate(req['chars']))
            pickle.dump({'vocab_size': V, 'itos': itos, 'stoi': {c: i for i, c in itos.items()}}, f)
        return model
    cfg = {'model_type': 'gpt2', 'architectures': ['GPT2LMHeadModel'], 'vocab_size': V, 'n_positions': T, 'n_embd': 16,
           'n_layer': 2, 'n_head': 2, 'n_inner': None, 'activation_function': 'gelu', 'layer_norm_epsilon': 1e-5}
    model = HfGPT2(cfg)
    randomize(model)
    # the Hub's gpt2 layout: no 'transformer.' prefix, the attention mask buffers, the tied head written out
    state = {k[len('transformer.'):] if k.startswith('transformer.') else k: v for k, v in model.state_dict().items()}
    for i in range(2):
        state[f'h.{i}.attn.bias'] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
    write_safetensors(f'{d}/model.safetensors', state)
    with open(f'{d}/config.json', 'w') as f:
        json.dump(cfg, f)
    return model


def answer(req):
    mode = req['mode']
    torch.manual_seed(0)
    if mode == 'tokenize':
        with open(req['file'], encoding='utf8') as f:
            tj = json.load(f)
        return {'ids': [hf_encode(tj, t) for t in req['texts']]}
    if mode.startswith('make-'):
        model, extra = make(req).eval(), {}
    elif mode == 'hf':
        model, extra = load_hf(req['dir']), {}
    else:
        model, ckpt = load_nanogpt(req['dir'])
        extra = {'iter_num': ckpt['iter_num'], 'model_args': ckpt['model_args'], 'best_val_loss': float(ckpt['best_val_loss']),
                 'optimizer_states': len(ckpt['optimizer']['state'])}
    if mode == 'nanogpt-step':
        a = ckpt['config']
        opt = model.configure_optimizers(a['weight_decay'], req['lr'], (a['beta1'], a['beta2']))
        opt.load_state_dict(ckpt['optimizer'])
        for g in opt.param_groups:
            g['lr'] = req['lr']
        model.train()
        logits = model(torch.tensor(req['x']))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), torch.tensor(req['y']).view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(req['ids']))
    return {'logits': logits.tolist(), **extra}


def main():
    """One request per line on stdin, one answer per line on stdout (PyTorch is imported once)."""
    for line in sys.stdin:
        try:
            out = answer(json.loads(line))
        except Exception:  # the test prints it
            import traceback
            out = {'error': traceback.format_exc()}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
