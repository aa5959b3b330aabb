#!/usr/bin/python3
"""PyTorch reference for `npm run bench:train`: the same char models, data split and optimizer as Sequence Lab.

Run with Debian's PyTorch (`apt-get install python3-torch libopenblas0`), i.e. /usr/bin/python3:

    /usr/bin/python3 bench/torch_train.py [--configs C1,C2,C3] [--threads 1,2] [--steps 300] [--data FILE]

Configs (char model: Embedding(V,64) -> RNN stack -> Linear(H,V); batch 32, seq 64):
    C1  1 x LSTM 128     C2  2 x LSTM 256     C3  1 x GRU 256
Data: first 90% of the file trains, the last 10% validates. B=32 contiguous streams; the hidden state is carried
between batches (detached), as truncated BPTT. Adam lr 2e-3, gradient-norm clip 5.

Prints one JSON object per line per (config, threads) run, each run in its own process so peak RSS is its own:
    {"engine": "pytorch", "config": "C1", "threads": 1, "steps": 300, "ms_per_step": ..., "chars_per_s": ...,
     "val_loss": ..., "train_loss": ..., "peak_rss_mb": ..., ...}
ms/step is timed over the steps after `--warmup` (default 5) and covers forward, backward, clip and Adam.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

CONFIGS = {
    'C1': dict(cell='lstm', layers=1, hidden=128),
    'C2': dict(cell='lstm', layers=2, hidden=256),
    'C3': dict(cell='gru', layers=1, hidden=256),
}
DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'data', 'tinyshakespeare.txt')


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--configs', default='C1,C2,C3')
    p.add_argument('--threads', default='1,2')
    p.add_argument('--steps', type=int, default=300)
    p.add_argument('--warmup', type=int, default=5, help='steps not timed (still trained)')
    p.add_argument('--data', default=DEFAULT_DATA)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--seq', type=int, default=64)
    p.add_argument('--emb', type=int, default=64)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--clip', type=float, default=5.0)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--val-batches', type=int, default=0, help='cap on validation batches (0: the whole split)')
    p.add_argument('--one', action='store_true', help=argparse.SUPPRESS)
    return p.parse_args()


def run_one(a):
    import torch
    import torch.nn as nn

    threads = int(a.threads)
    torch.set_num_threads(threads)
    torch.manual_seed(a.seed)
    cfg = CONFIGS[a.configs]
    with open(a.data, 'r', encoding='utf-8') as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    V = len(chars)
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n_train = int(len(data) * 0.9)
    B, T = a.batch, a.seq

    def streams(d):
        n = (len(d) - 1) // B
        return d[:n * B].view(B, n), d[1:n * B + 1].view(B, n)

    tx, ty = streams(data[:n_train])
    vx, vy = streams(data[n_train:])

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, a.emb)
            rnn = nn.LSTM if cfg['cell'] == 'lstm' else nn.GRU
            self.rnn = rnn(a.emb, cfg['hidden'], num_layers=cfg['layers'])  # time-major, as our engine
            self.head = nn.Linear(cfg['hidden'], V)

        def forward(self, x, h):
            y, h = self.rnn(self.emb(x), h)
            return self.head(y), h

    model = CharModel()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    lossf = nn.CrossEntropyLoss()

    def zero_state():
        z = lambda: torch.zeros(cfg['layers'], B, cfg['hidden'])
        return (z(), z()) if cfg['cell'] == 'lstm' else z()

    def detach(h):
        return tuple(t.detach() for t in h) if isinstance(h, tuple) else h.detach()

    h = zero_state()
    pos = 0
    train_loss = float('nan')
    t_start = None
    for step in range(a.steps + a.warmup):
        if step == a.warmup:
            t_start = time.perf_counter()
        if pos + T > tx.shape[1]:
            pos, h = 0, zero_state()
        x = tx[:, pos:pos + T].t().contiguous()  # (T,B)
        y = ty[:, pos:pos + T].t().contiguous()
        pos += T
        h = detach(h)
        logits, h = model(x, h)
        loss = lossf(logits.view(-1, V), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        train_loss = loss.item()
    elapsed = time.perf_counter() - t_start if t_start is not None else float('nan')

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        hv = zero_state()
        nb = vx.shape[1] // T
        if a.val_batches:
            nb = min(nb, a.val_batches)
        for i in range(nb):
            x = vx[:, i * T:(i + 1) * T].t().contiguous()
            y = vy[:, i * T:(i + 1) * T].t().contiguous()
            logits, hv = model(x, hv)
            total += nn.functional.cross_entropy(logits.view(-1, V), y.view(-1), reduction='sum').item()
            count += y.numel()
    ms = elapsed * 1000 / a.steps if a.steps else float('nan')
    print(json.dumps({
        'engine': 'pytorch', 'config': a.configs, **cfg, 'emb': a.emb, 'vocab': V, 'batch': B, 'seq': T,
        'threads': threads, 'steps': a.steps, 'ms_per_step': round(ms, 3), 'chars_per_s': round(B * T * 1000 / ms, 1),
        'val_loss': round(total / max(count, 1), 5), 'val_chars': count, 'train_loss': round(train_loss, 5),
        'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        'torch': torch.__version__, 'params': sum(p.numel() for p in model.parameters()),
    }), flush=True)


def main():
    a = parse()
    if a.one:
        run_one(a)
        return
    if not os.path.exists(a.data):
        sys.exit(f'no data file: {a.data}')
    for c in a.configs.split(','):
        if c not in CONFIGS:
            sys.exit(f'unknown config {c} (known: {", ".join(CONFIGS)})')
        for t in a.threads.split(','):
            argv = [sys.executable, os.path.abspath(__file__), '--one', '--configs', c, '--threads', t]
            for k in ('steps', 'warmup', 'data', 'batch', 'seq', 'emb', 'lr', 'clip', 'seed', 'val_batches'):
                argv += [f'--{k.replace("_", "-")}', str(getattr(a, k))]
            env = dict(os.environ, OMP_NUM_THREADS=t)  # the BLAS threads follow too
            r = subprocess.run(argv, env=env)
            if r.returncode != 0:
                sys.exit(r.returncode)


if __name__ == '__main__':
    main()
