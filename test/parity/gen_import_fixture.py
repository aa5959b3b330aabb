#!/usr/bin/python3
"""A tiny PyTorch char model exported with torch.onnx.export, as a FOREIGN model for the import feature.

Run with Debian's PyTorch:  /usr/bin/python3 test/parity/gen_import_fixture.py
Writes test/fixtures/onnx/torch_char_lstm.onnx and torch_char_lstm.json:
  vocab   the characters, index = token id (a string)
  T, B, tokens (flat (T,B) int ids), h0, c0 (flat (L,B,H)), logits (flat (T,B,V)), hN, cN (flat (L,B,H))
computed by PyTorch in float32. The ONNX graph: inputs tokens int64 [T,B] (dynamic), h0/c0 float [L,B,H];
outputs logits [T,B,V], hN, cN. It carries no Sequence Lab metadata (vocab comes from the JSON).
"""
import json
import os

import torch
import torch.nn as nn

VOCAB = '\n !.?abcdehilnorstw'
E, H, L, T, B = 8, 12, 2, 10, 2
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'onnx')


class CharLSTM(nn.Module):
    def __init__(self, v):
        super().__init__()
        self.emb = nn.Embedding(v, E)
        self.rnn = nn.LSTM(E, H, num_layers=L)
        self.head = nn.Linear(H, v)

    def forward(self, tokens, h0, c0):
        y, (h, c) = self.rnn(self.emb(tokens), (h0, c0))
        return self.head(y), h, c


def main():
    torch.manual_seed(7)
    m = CharLSTM(len(VOCAB)).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.6, 0.6)
    text = 'hello there, wise old sir. '
    text = ''.join(ch for ch in text if ch in VOCAB)
    ids = [VOCAB.index(ch) for ch in text[:T * B]]
    tokens = torch.tensor(ids, dtype=torch.int64).reshape(B, T).t().contiguous()   # (T,B)
    h0 = torch.rand(L, B, H) - 0.5
    c0 = torch.rand(L, B, H) - 0.5
    with torch.no_grad():
        logits, hN, cN = m(tokens, h0, c0)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'torch_char_lstm.onnx')
    torch.onnx.export(
        m, (tokens, h0, c0), path, opset_version=14,
        input_names=['tokens', 'h0', 'c0'], output_names=['logits', 'hN', 'cN'],
        dynamic_axes={'tokens': {0: 'T', 1: 'B'}, 'h0': {1: 'B'}, 'c0': {1: 'B'},
                      'logits': {0: 'T', 1: 'B'}, 'hN': {1: 'B'}, 'cN': {1: 'B'}})
    flat = lambda t: [float(v) for v in t.reshape(-1).tolist()]
    meta = {
        'vocab': VOCAB, 'layers': L, 'hidden': H, 'T': T, 'B': B,
        'tokens': [int(v) for v in tokens.reshape(-1).tolist()],
        'h0': flat(h0), 'c0': flat(c0), 'logits': flat(logits), 'hN': flat(hN), 'cN': flat(cN),
    }
    with open(os.path.join(OUT, 'torch_char_lstm.json'), 'w') as f:
        json.dump(meta, f, separators=(',', ':'))
        f.write('\n')
    try:
        import onnx
        model = onnx.load(path)
        onnx.checker.check_model(model)
        print('ops:', sorted({n.op_type for n in model.graph.node}))
        print('inputs:', [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in model.graph.input])
        print('outputs:', [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in model.graph.output])
    except ImportError:
        pass
    print('wrote', path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
