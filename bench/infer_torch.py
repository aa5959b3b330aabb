#!/usr/bin/python3
"""PyTorch side of bench/infer.ts: same models, same measures; prints one JSON line {name: row}."""
import json
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)
QUICK = '--quick' in sys.argv
V = 65
CONFIGS = [('C1 1xLSTM128', 1, 128), ('C2 2xLSTM256', 2, 256)]


class CharLSTM(nn.Module):
    def __init__(self, layers, hidden):
        super().__init__()
        self.emb = nn.Embedding(V, 64)
        self.rnn = nn.LSTM(64, hidden, num_layers=layers)
        self.head = nn.Linear(hidden, V)

    def forward(self, x, state):
        y, state = self.rnn(self.emb(x), state)
        return self.head(y), state


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(p * len(s)))]


@torch.no_grad()
def measure(m):
    g = torch.Generator().manual_seed(1)
    ctx = torch.randint(0, V, (256, 1), generator=g)
    one = lambda i: torch.tensor([[i]])
    lg, st = m(ctx[:16], None)
    for _ in range(20):
        lg, st = m(one(int(lg[-1, 0].argmax())), st)
    steps = []
    lg, st = m(ctx[:8], None)
    for _ in range(200 if QUICK else 1000):
        t0 = time.perf_counter()
        lg, st = m(one(int(lg[-1, 0].argmax())), st)
        steps.append((time.perf_counter() - t0) * 1000)
    autos = []
    for _ in range(10 if QUICK else 40):
        t0 = time.perf_counter()
        lg, st = m(ctx, None)
        for i in range(32):
            tok = int(lg[-1, 0].argmax())
            if i < 31:
                lg, st = m(one(tok), st)
        autos.append((time.perf_counter() - t0) * 1000)
    n = 300 if QUICK else 2000
    lg, st = m(ctx[:8], None)
    t0 = time.perf_counter()
    for _ in range(n):
        p = torch.softmax(lg[-1, 0], -1)
        tok = int(torch.multinomial(p, 1, generator=g))
        lg, st = m(one(tok), st)
    cps = n / (time.perf_counter() - t0)
    return {'step50': pct(steps, .5), 'step95': pct(steps, .95), 'auto50': pct(autos, .5), 'auto95': pct(autos, .95), 'charsPerSec': cps}


out = {}
for name, layers, hidden in CONFIGS:
    torch.manual_seed(3)
    out[name] = measure(CharLSTM(layers, hidden).eval())
print(json.dumps(out))
