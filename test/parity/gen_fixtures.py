#!/usr/bin/python3
"""Golden parity fixtures from PyTorch, in float64, mapped into Sequence Lab's flat ONNX-layout parameters.

Run with Debian's PyTorch:  /usr/bin/python3 test/parity/gen_fixtures.py
Writes test/fixtures/parity/*.json. Tests read only the committed JSON; PyTorch is not needed to run them.

Models (dropout 0):
  char:        nn.Embedding(V,E) -> L x nn.LSTM/GRU/RNN(tanh) -> nn.Linear(H,V); loss = mean cross-entropy over T*B
  regression:  dense (T,B,F)     -> L x cell                    -> nn.Linear(H,O) on every step; loss = mean MSE over T*B*O
Stacked layers are separate single-layer modules so every layer's hidden sequence Y is observable
(identical to num_layers=L with dropout 0).

Parameter mapping into src/engine/params.ts layout:
  emb (V,E) = Embedding.weight
  W{l} (G*H,I) = weight_ih, R{l} (G*H,H) = weight_hh, B{l} (2*G*H) = [bias_ih, bias_hh], gate rows reordered:
     LSTM: PyTorch i,f,g,o -> ONNX i,o,f,c ; GRU: PyTorch r,z,n -> ONNX z,r,h (PyTorch GRU == ONNX GRU linear_before_reset=1)
  headW (H,O) = Linear.weight transposed, headB (O) = Linear.bias
Gradients are mapped the same way.

JSON keys: config, T, B, inputs, targets, h0, c0 (LSTM), params, logits, loss, hT, cT (LSTM), Y, grads,
and extra: dh0 / dc0 (dLoss/d initial state per layer, flat (B,H)).
"""
import json
import os

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)

V, E, H, T, B = 7, 5, 6, 4, 3
F, HR, O = 3, 5, 2
SEED = 1234
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'parity')

ORDER = {'lstm': [0, 3, 1, 2], 'gru': [1, 0, 2], 'rnn': [0]}
GATES = {'lstm': 4, 'gru': 3, 'rnn': 1}


def make_cell(cell, inp, hid):
    if cell == 'lstm':
        return nn.LSTM(inp, hid)
    if cell == 'gru':
        return nn.GRU(inp, hid)
    return nn.RNN(inp, hid, nonlinearity='tanh')


def reorder(x, cell, hid):
    """Reorder gate blocks along dim 0 from PyTorch order to ONNX order."""
    blocks = [x[g * hid:(g + 1) * hid] for g in range(GATES[cell])]
    return torch.cat([blocks[i] for i in ORDER[cell]], dim=0)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def build(kind, cell, layers):
    hid = H if kind == 'char' else HR
    first = E if kind == 'char' else F
    outs = V if kind == 'char' else O
    emb = nn.Embedding(V, E) if kind == 'char' else None
    cells = [make_cell(cell, first if l == 0 else hid, hid) for l in range(layers)]
    head = nn.Linear(hid, outs)
    with torch.no_grad():
        if emb is not None:
            emb.weight.uniform_(-1.0, 1.0)
        for c in cells:
            for p in c.parameters():
                p.uniform_(-0.5, 0.5)
        head.weight.uniform_(-0.5, 0.5)
        head.bias.uniform_(-0.5, 0.5)
    config = {
        'kind': kind, 'cell': cell, 'layers': layers, 'hidden': hid,
        'vocab': V if kind == 'char' else 0, 'emb': E if kind == 'char' else 0,
        'features': 0 if kind == 'char' else F, 'outputs': outs, 'dropout': 0,
    }
    return config, emb, cells, head


def fixture(kind, cell, layers):
    config, emb, cells, head = build(kind, cell, layers)
    hid = config['hidden']
    if kind == 'char':
        inputs = torch.randint(0, V, (T, B))
        targets = torch.randint(0, V, (T, B))
        x = emb(inputs)                                         # (T,B,E)
    else:
        inputs = torch.randn(T, B, F)
        targets = torch.randn(T, B, O)
        x = inputs
    h0 = [(torch.rand(1, B, hid) - 0.5).requires_grad_() for _ in range(layers)]
    c0 = [(torch.rand(1, B, hid) - 0.5).requires_grad_() for _ in range(layers)] if cell == 'lstm' else None
    Ys, hT, cT = [], [], []
    for l, c in enumerate(cells):
        if cell == 'lstm':
            x, (h, cc) = c(x, (h0[l], c0[l]))
            cT.append(cc)
        else:
            x, h = c(x, h0[l])
        Ys.append(x)
        hT.append(h)
    logits = head(x)                                           # (T,B,O)
    if kind == 'char':
        loss = nn.functional.cross_entropy(logits.reshape(T * B, V), targets.reshape(T * B))
    else:
        loss = nn.functional.mse_loss(logits, targets)
    loss.backward()

    params, grads = {}, {}
    if emb is not None:
        params['emb'] = flat(emb.weight)
        grads['emb'] = flat(emb.weight.grad)
    for l, c in enumerate(cells):
        for key, src in (('W', 'weight_ih_l0'), ('R', 'weight_hh_l0')):
            p = getattr(c, src)
            params[f'{key}{l}'] = flat(reorder(p, cell, hid))
            grads[f'{key}{l}'] = flat(reorder(p.grad, cell, hid))
        bi, bh = c.bias_ih_l0, c.bias_hh_l0
        params[f'B{l}'] = flat(reorder(bi, cell, hid)) + flat(reorder(bh, cell, hid))
        grads[f'B{l}'] = flat(reorder(bi.grad, cell, hid)) + flat(reorder(bh.grad, cell, hid))
    params['headW'] = flat(head.weight.t())
    grads['headW'] = flat(head.weight.grad.t())
    params['headB'] = flat(head.bias)
    grads['headB'] = flat(head.bias.grad)

    out = {
        'config': config, 'T': T, 'B': B,
        'inputs': [int(v) for v in inputs.reshape(-1).tolist()] if kind == 'char' else flat(inputs),
        'targets': [int(v) for v in targets.reshape(-1).tolist()] if kind == 'char' else flat(targets),
        'h0': [flat(h) for h in h0],
    }
    if cell == 'lstm':
        out['c0'] = [flat(c) for c in c0]
    out.update({
        'params': params,
        'logits': flat(logits),
        'loss': float(loss.item()),
        'hT': [flat(h) for h in hT],
    })
    if cell == 'lstm':
        out['cT'] = [flat(c) for c in cT]
    out['Y'] = [flat(y) for y in Ys]
    out['grads'] = grads
    out['dh0'] = [flat(h.grad) for h in h0]
    if cell == 'lstm':
        out['dc0'] = [flat(c.grad) for c in c0]
    return out


def onnx_forward(fx):
    """Independent re-computation from the JSON in OUR layout with the ONNX op equations; asserts the mapping."""
    cfg, Tn, Bn = fx['config'], fx['T'], fx['B']
    hid, cell, G = cfg['hidden'], cfg['cell'], GATES[cfg['cell']]
    P = {k: torch.tensor(v) for k, v in fx['params'].items()}
    if cfg['kind'] == 'char':
        x = P['emb'].reshape(cfg['vocab'], cfg['emb'])[torch.tensor(fx['inputs']).reshape(Tn, Bn)]
    else:
        x = torch.tensor(fx['inputs']).reshape(Tn, Bn, cfg['features'])
    sat, tot = 0, 0
    for l in range(cfg['layers']):
        W = P[f'W{l}'].reshape(G * hid, -1)
        R = P[f'R{l}'].reshape(G * hid, hid)
        Wb, Rb = P[f'B{l}'][:G * hid], P[f'B{l}'][G * hid:]
        h = torch.tensor(fx['h0'][l]).reshape(Bn, hid)
        c = torch.tensor(fx['c0'][l]).reshape(Bn, hid) if cell == 'lstm' else None
        ys = []
        for t in range(Tn):
            xw = x[t] @ W.t() + Wb
            hr = h @ R.t() + Rb
            if cell == 'lstm':
                a = xw + hr
                i, o, f, g = (a[:, k * hid:(k + 1) * hid] for k in range(4))
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif cell == 'gru':
                z = torch.sigmoid(xw[:, :hid] + hr[:, :hid])
                r = torch.sigmoid(xw[:, hid:2 * hid] + hr[:, hid:2 * hid])
                n = torch.tanh(xw[:, 2 * hid:] + r * hr[:, 2 * hid:])   # linear_before_reset=1
                h = (1 - z) * n + z * h
                a = torch.cat([xw + hr], 1)
            else:
                a = xw + hr
                h = torch.tanh(a)
            sat += int((a.abs() > 4).sum()); tot += a.numel()
            ys.append(h)
        x = torch.stack(ys)
        assert torch.allclose(x.reshape(-1), torch.tensor(fx['Y'][l]), atol=1e-12), f'Y{l} mismatch'
        assert torch.allclose(h.reshape(-1), torch.tensor(fx['hT'][l]), atol=1e-12), f'hT{l} mismatch'
        if cell == 'lstm':
            assert torch.allclose(c.reshape(-1), torch.tensor(fx['cT'][l]), atol=1e-12), f'cT{l} mismatch'
    logits = x @ P['headW'].reshape(hid, cfg['outputs']) + P['headB']
    assert torch.allclose(logits.reshape(-1), torch.tensor(fx['logits']), atol=1e-12), 'logits mismatch'
    return sat / tot


def main():
    os.makedirs(OUT, exist_ok=True)
    specs = [('char', c, l) for c in ('lstm', 'gru', 'rnn') for l in (1, 2)]
    specs += [('regression', c, 1) for c in ('lstm', 'gru', 'rnn')] + [('regression', 'lstm', 2)]
    for i, (kind, cell, layers) in enumerate(specs):
        torch.manual_seed(SEED + i)
        fx = fixture(kind, cell, layers)
        name = f"{'char' if kind == 'char' else 'reg'}_{cell}_l{layers}.json"
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(fx, f, separators=(',', ':'))
            f.write('\n')
        sat = onnx_forward(fx)
        assert sat < 0.2, f'{name}: {sat:.0%} of gate pre-activations saturated'
        print(f'{name}: loss={fx["loss"]:.6f}  ONNX-equation re-check ok, |preact|>4: {sat:.1%}')


if __name__ == '__main__':
    main()
