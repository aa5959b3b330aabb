#!/usr/bin/python3
"""PyTorch char models exported the usual way, as FOREIGN models for `seqlab import`: batch-first.

Most PyTorch char models are written with `batch_first=True` and take tokens [batch, time]. This script trains four
small ones for 40 steps on a paragraph of text (half-trained: their greedy text is English-like but differs
from model to model, so a wrong layout cannot pass by luck), exports each with
`torch.onnx.export` exactly as a tutorial would, and records PyTorch's own greedy text from a prime.

Run with Debian's PyTorch:  /usr/bin/python3 test/parity/gen_import_batchfirst.py
Writes test/fixtures/onnx/bf_<name>.onnx and bf_<name>.json:
  vocab     the characters, index = token id (a string)
  prime     the text the greedy run starts from
  greedy    PyTorch's greedy continuation (60 characters), one token at a time with the state carried over
  probe     tokens [2,3] (B=2, T=3: T != B, so a transposed reading is caught) and PyTorch's logits [2,3,V], from zero states
  signature a short description (for the test's messages)

The models:
  lstm1      nn.LSTM(batch_first=True), 1 layer; inputs tokens int64 [B,T], h0, c0; outputs logits [B,T,V], hN, cN
  gru2       nn.GRU(batch_first=True), 2 layers; inputs tokens int64 [B,T], h0; outputs logits, hN
  lstm2_i32  nn.LSTM(batch_first=True), 2 layers; tokens int32 [B,T]
  nostate    nn.LSTM(batch_first=True), 1 layer; forward(tokens) -> logits only (states start at zero)
"""
import json
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'onnx')
TEXT = (
    'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, '
    'it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of '
    'Darkness, it was the spring of hope, it was the winter of despair.\n'
)
VOCAB = ''.join(sorted(set(TEXT)))
PRIME = 'it was the '
E, H = 12, 32


class CharRNN(nn.Module):
    def __init__(self, cell, layers, with_state):
        super().__init__()
        self.cell, self.with_state = cell, with_state
        self.emb = nn.Embedding(len(VOCAB), E)
        self.rnn = (nn.LSTM if cell == 'lstm' else nn.GRU)(E, H, num_layers=layers, batch_first=True)
        self.head = nn.Linear(H, len(VOCAB))

    def forward(self, tokens, *state):
        x = self.emb(tokens)
        if not self.with_state:
            y, _ = self.rnn(x)
            return self.head(y)
        if self.cell == 'lstm':
            y, (h, c) = self.rnn(x, (state[0], state[1]))
            return self.head(y), h, c
        y, h = self.rnn(x, state[0])
        return self.head(y), h

    def step_all(self, tokens, state):
        """(logits, state) for tokens [B,T] from state (None = zeros), whatever the export signature."""
        y, st = self.rnn(self.emb(tokens), state)
        return self.head(y), st


def train(m, steps=40):
    ids = torch.tensor([VOCAB.index(c) for c in TEXT], dtype=torch.int64)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    T, B = 32, 8
    g = torch.Generator().manual_seed(3)
    for _ in range(steps):
        starts = torch.randint(0, len(ids) - T - 1, (B,), generator=g)
        x = torch.stack([ids[s:s + T] for s in starts])
        y = torch.stack([ids[s + 1:s + T + 1] for s in starts])
        logits, _ = m.step_all(x, None)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss)


def greedy(m, n=60):
    with torch.no_grad():
        x = torch.tensor([[VOCAB.index(c) for c in PRIME]], dtype=torch.int64)
        logits, st = m.step_all(x, None)
        out = []
        for _ in range(n):
            nxt = int(logits[0, -1].argmax())
            out.append(VOCAB[nxt])
            logits, st = m.step_all(torch.tensor([[nxt]], dtype=torch.int64), st)
    return ''.join(out)


def export(name, cell, layers, with_state=True, dtype=torch.int64):
    torch.manual_seed(11)
    m = CharRNN(cell, layers, with_state)
    loss = train(m)
    m.eval()
    B, T = 2, 5
    tokens = torch.zeros(B, T, dtype=dtype)
    args = (tokens,)
    inputs, outputs = ['tokens'], ['logits']
    axes = {'tokens': {0: 'batch', 1: 'time'}, 'logits': {0: 'batch', 1: 'time'}}
    if with_state:
        args += (torch.zeros(layers, B, H),)
        inputs.append('h0'); outputs.append('hN')
        axes.update({'h0': {1: 'batch'}, 'hN': {1: 'batch'}})
        if cell == 'lstm':
            args += (torch.zeros(layers, B, H),)
            inputs.append('c0'); outputs.append('cN')
            axes.update({'c0': {1: 'batch'}, 'cN': {1: 'batch'}})
    path = os.path.join(OUT, f'bf_{name}.onnx')
    torch.onnx.export(m, args, path, opset_version=14, input_names=inputs, output_names=outputs, dynamic_axes=axes)
    probe = torch.tensor([[VOCAB.index(c) for c in 'it '], [VOCAB.index(c) for c in 'was']], dtype=torch.int64)
    with torch.no_grad():
        probe_logits, _ = m.step_all(probe, None)
    meta = {
        'vocab': VOCAB, 'prime': PRIME, 'greedy': greedy(m),
        'probe': {'tokens': probe.tolist(), 'logits': [round(float(v), 6) for v in probe_logits.reshape(-1)]},
        'signature': f'{cell} x{layers} batch_first, tokens {str(dtype).replace("torch.", "")} [B,T], '
                     f'{"state inputs " + ",".join(inputs[1:]) if with_state else "no state inputs"}',
        'train_loss': round(loss, 4),
    }
    with open(os.path.join(OUT, f'bf_{name}.json'), 'w') as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print(name, os.path.getsize(path), 'bytes; loss', round(loss, 3), 'greedy', repr(meta['greedy']))


def main():
    os.makedirs(OUT, exist_ok=True)
    export('lstm1', 'lstm', 1)
    export('gru2', 'gru', 2)
    export('lstm2_i32', 'lstm', 2, dtype=torch.int32)
    export('nostate', 'lstm', 1, with_state=False)


if __name__ == '__main__':
    main()
