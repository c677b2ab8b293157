#!/usr/bin/env python3
# nanoGPT's ckpt.pt, to and from the plain files `gpt-lab export --format nanogpt` writes.
#
#   python3 nanogpt_ckpt.py to-pt DIR           DIR/model.safetensors + DIR/ckpt.json [+ optimizer.safetensors]
#                                               -> DIR/ckpt.pt (torch.save of nanoGPT's dict) [+ DIR/meta.pkl]
#   python3 nanogpt_ckpt.py from-pt CKPT OUT    a nanoGPT ckpt.pt -> OUT/model.safetensors + OUT/ckpt.json
#                                               [+ OUT/optimizer.safetensors, AdamW's moments by name]
#
# gpt-lab writes the weights already in nanoGPT's names and nn.Linear's [out, in] layout; this script
# only wraps them the way nanoGPT's train.py saves and resumes:
#   {'model': state_dict, 'optimizer': AdamW state_dict, 'model_args': ..., 'iter_num': ...,
#    'best_val_loss': ..., 'config': ...}
# The optimizer's parameters follow nanoGPT's configure_optimizers: named_parameters() order (the tied
# lm_head appears once, as transformer.wte.weight), tensors of 2+ dims in group 0 (weight decay), the
# rest in group 1 (none). Without moments the state is empty: AdamW starts fresh, as in a new run.
# Needs only torch (and the standard library): safetensors are read and written by hand.
# Left out: sharded or fp16/bf16 checkpoints (from-pt converts every tensor to float32).

import json
import os
import pickle
import struct
import sys

import torch


def read_safetensors(path):
    """Name -> float32 tensor, in file order."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf8'))
    header.pop('__metadata__', None)
    out = {}
    base = 8 + n
    for name, t in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
        if t['dtype'] != 'F32':
            sys.exit(f'{path}: tensor {name} is {t["dtype"]}; expected F32')
        b, e = t['data_offsets']
        buf = bytearray(data[base + b:base + e])
        out[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(t['shape']).clone() if e > b \
            else torch.zeros(t['shape'])
    return out


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        raw = t.detach().to(torch.float32).contiguous().cpu().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - len(text.encode('utf8')) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text.encode('utf8'))))
        f.write(text.encode('utf8'))
        for c in chunks:
            f.write(c)


def to_pt(d):
    with open(os.path.join(d, 'ckpt.json')) as f:
        info = json.load(f)
    weights = read_safetensors(os.path.join(d, 'model.safetensors'))
    state = dict(weights)
    # nanoGPT ties lm_head to wte: one tensor under both names, as its state_dict() holds it
    state['lm_head.weight'] = state['transformer.wte.weight']
    names = list(weights.keys())  # named_parameters() order
    decay = [n for n in names if weights[n].dim() >= 2]
    no_decay = [n for n in names if weights[n].dim() < 2]
    order = decay + no_decay
    opt = info.get('optimizer') or {}
    groups = [
        {'weight_decay': opt.get('weight_decay', 0.1), 'params': list(range(len(decay)))},
        {'weight_decay': 0.0, 'params': list(range(len(decay), len(order)))},
    ]
    for g in groups:
        g.update({'lr': opt.get('lr', 1e-3), 'betas': tuple(opt.get('betas', (0.9, 0.95))), 'eps': opt.get('eps', 1e-8),
                  'amsgrad': False, 'maximize': False, 'foreach': None, 'capturable': False})
    moments = {}
    opt_file = os.path.join(d, 'optimizer.safetensors')
    if os.path.exists(opt_file):
        m = read_safetensors(opt_file)
        step = torch.tensor(float(opt['step']))
        for i, n in enumerate(order):
            moments[i] = {'step': step.clone(), 'exp_avg': m['exp_avg.' + n], 'exp_avg_sq': m['exp_avg_sq.' + n]}
    ckpt = {
        'model': state,
        'optimizer': {'state': moments, 'param_groups': groups},
        'model_args': info['model_args'],
        'iter_num': info['iter_num'],
        'best_val_loss': info['best_val_loss'],
        'config': info['config'],
    }
    torch.save(ckpt, os.path.join(d, 'ckpt.pt'))
    if info.get('meta'):
        meta = info['meta']
        itos = {i: s for i, s in enumerate(meta['itos'])}
        stoi = {s: i for i, s in itos.items() if len(s) == 1}
        with open(os.path.join(d, 'meta.pkl'), 'wb') as f:
            pickle.dump({'vocab_size': meta['vocab_size'], 'itos': itos, 'stoi': stoi}, f)


def jsonable(x):
    if isinstance(x, torch.Tensor):
        return x.item() if x.numel() == 1 else x.tolist()
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def read_optimizer(opt, weights, out):
    """AdamW's moments by parameter name (nanoGPT's grouping, as to_pt writes it), or why not."""
    if not isinstance(opt, dict) or not opt.get('state') or len(opt.get('param_groups', [])) != 2:
        return {'skipped': 'the checkpoint holds no AdamW state in nanoGPT\'s two groups'}
    names = list(weights.keys())  # state_dict order = named_parameters() order, buffers and lm_head left out
    order = [n for n in names if weights[n].dim() >= 2] + [n for n in names if weights[n].dim() < 2]
    groups = opt['param_groups']
    indices = groups[0]['params'] + groups[1]['params']
    if len(indices) != len(order):
        return {'skipped': f'the optimizer has {len(indices)} parameters, the model {len(order)}'}
    moments, steps = {}, set()
    for i, n in zip(indices, order):
        s = opt['state'].get(i)
        if s is None or s['exp_avg'].shape != weights[n].shape:
            return {'skipped': f'the optimizer state of {n} is missing or has another shape'}
        moments['exp_avg.' + n] = s['exp_avg'].float()
        moments['exp_avg_sq.' + n] = s['exp_avg_sq'].float()
        steps.add(float(s['step']))
    if len(steps) != 1:
        return {'skipped': f'the parameters have different step counts {sorted(steps)}'}
    write_safetensors(os.path.join(out, 'optimizer.safetensors'), moments, {'format': 'pt'})
    g = groups[0]
    return {'step': int(steps.pop()), 'lr': g['lr'], 'betas': list(g['betas']), 'eps': g['eps'], 'weight_decay': g['weight_decay']}


def from_pt(ckpt_path, out):
    ckpt = torch.load(ckpt_path, map_location='cpu')
    if not isinstance(ckpt, dict) or 'model' not in ckpt or 'model_args' not in ckpt:
        sys.exit(f'{ckpt_path} is not a nanoGPT checkpoint (a dict with model and model_args)')
    state = {}
    for k, v in ckpt['model'].items():
        if k.startswith('_orig_mod.'):  # saved from a torch.compile'd model
            k = k[len('_orig_mod.'):]
        state[k] = v
    weights = {}
    for k, v in state.items():
        if k.endswith('.attn.bias') or k.endswith('.attn.masked_bias'):  # the causal mask buffer
            continue
        if k == 'lm_head.weight':
            if 'transformer.wte.weight' in state and not torch.equal(v, state['transformer.wte.weight']):
                sys.exit(f'{ckpt_path}: lm_head.weight differs from transformer.wte.weight; gpt-lab ties the two')
            continue
        weights[k] = v.float()
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, 'model.safetensors'), weights, {'format': 'pt'})
    info = {k: jsonable(ckpt.get(k)) for k in ('model_args', 'iter_num', 'best_val_loss', 'config')}
    info['optimizer'] = read_optimizer(ckpt.get('optimizer'), weights, out)
    meta_file = os.path.join(os.path.dirname(os.path.abspath(ckpt_path)), 'meta.pkl')
    if os.path.exists(meta_file):
        with open(meta_file, 'rb') as f:
            meta = pickle.load(f)
        itos = meta['itos']
        info['meta'] = {'vocab_size': meta['vocab_size'], 'itos': [itos[i] for i in range(len(itos))]}
    with open(os.path.join(out, 'ckpt.json'), 'w') as f:
        json.dump(info, f)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'to-pt':
        to_pt(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'from-pt':
        from_pt(sys.argv[2], sys.argv[3])
    else:
        sys.exit('usage: nanogpt_ckpt.py to-pt DIR | from-pt CKPT OUT')
