#!/usr/bin/env python3
"""Sequence Lab training script for PyTorch: the recipe below, trained with DDP under torchrun, exported to ONNX.

Written by `seqlab export-pytorch` (or "Sequence Lab: Export Training Script for PyTorch..."). It needs only torch
(1.13 or newer). It does the job of Sequence Lab's own engine, on as many processes and machines as torchrun gives it:

  data      the code-point vocabulary (sorted distinct characters, or the one of the model it continues); files joined
            with a newline where one does not end in one; the validation split (the tail, or blocks spread over it)
  model     nn.Embedding -> nn.LSTM / nn.GRU / nn.RNN (layers, hidden size, dropout between layers) -> nn.Linear
  forecast  (a forecasting recipe, KIND = 'forecast') a CSV's target and feature columns, gaps filled as Sequence Lab
            fills them; the 70/20/10 split in time order; z-scores from the training part; windows of W rows whose
            targets are seen relative to the last observed value (scaled by the RMS of one-step changes); the model
            nn.LSTM / nn.GRU / nn.RNN -> nn.Linear predicts the next `horizon` steps at once (MSE on the last step);
            prediction intervals from the validation residuals at each horizon step
  training  B parallel streams, truncated BPTT with the hidden state carried over; the recipe's optimizer and
            learning-rate schedule, global-norm clipping, validation every N steps, best weights kept, early stopping
  scale     DDP: gloo on CPU, nccl on GPU, picked automatically. The B streams are split across the processes (each
            keeps only its streams' text); the global batch, and so the mathematics, stay those of one process.
            Rank 0 writes the checkpoints; --resume continues after a pre-emption
  log       one JSON line per logged step (the fields of `seqlab train --json`) on stdout and in OUT/train.log.jsonl
  result    OUT/model.onnx: the best weights through torch.onnx.export (time-major tokens [T,B] int64, stacked states
            [layers,B,H]), with the vocabulary, the recipe and a training summary in metadata_props.
            `seqlab import OUT/model.onnx` (or "Import ONNX Model...") brings it back into the editor.

Run it:
  python train.py                                             one process (CPU or one GPU)
  torchrun --standalone --nproc_per_node=4 train.py           four processes on this machine
  torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 train.py   on two machines
"""
import argparse
import csv
import json
import math
import os
import random
import sys
import time

# ---------------------------------------------------------------------------------------------------------------------
# The recipe (every value can be changed with the flag of the same name, e.g. --hidden 512 --lr 0.001 --eval-every 200)
RECIPE = {}  # @@RECIPE@@
# The data files (paths as the recipe gave them, made absolute) and, when continuing a model, its vocabulary
DATA = []  # @@DATA@@
VOCAB = None  # @@VOCAB@@
NAME = 'model'  # @@NAME@@
KIND = 'char'  # @@KIND@@
FORECAST = None  # @@FORECAST@@
# ---------------------------------------------------------------------------------------------------------------------

MIN_TORCH = (1, 13)


def fail(message):
    print(f'train.py: {message}', file=sys.stderr)
    sys.exit(2)


try:
    import torch
    import torch.distributed as dist
    import torch.nn as nn
except ImportError:
    fail('PyTorch is not installed for this Python: pip install torch (1.13 or newer), or run it with the Python that has it')
if tuple(int(x) for x in torch.__version__.split('+')[0].split('.')[:2]) < MIN_TORCH:
    fail(f'PyTorch {torch.__version__} is too old: this script needs {MIN_TORCH[0]}.{MIN_TORCH[1]} or newer')


def parse_args():
    p = argparse.ArgumentParser(description=f'Train the Sequence Lab recipe "{NAME}" with PyTorch (DDP under torchrun).')
    p.add_argument('--data', nargs='+', default=DATA, help='text files or folders (default: the recipe\'s)')
    p.add_argument('--out', default='.', help='folder for model.onnx, the checkpoint and the log (default: here)')
    p.add_argument('--resume', action='store_true', help='continue from OUT/checkpoint.pt (after a pre-emption: the same command plus --resume; --steps and --minutes count from the start of the run)')
    p.add_argument('--device', default='auto', help='auto (a GPU when there is one), cpu or cuda')
    for k, v in RECIPE.items():
        kind = type(v) if not isinstance(v, bool) else (lambda s: s.lower() in ('1', 'true', 'yes'))
        kebab = ''.join(f'-{c.lower()}' if c.isupper() else c for c in k)  # evalEvery -> eval-every, as seqlab train
        names = [f'--{kebab}'] + ([f'--{k}'] if kebab != k else [])
        p.add_argument(*names, dest=k, type=kind, default=v, help=f'(default {v})')
    return p.parse_args()


# ---- data ------------------------------------------------------------------------------------------------------------
SKIP_DIRS = {'.git', 'node_modules', '__pycache__', '.seqlab', '.venv', 'venv', 'dist', 'out', 'build'}


def text_files(paths):
    """The files to read, in order: named files as given, folders walked in sorted order (hidden, dependency and
    build folders skipped; files that are not UTF-8 text skipped)."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith('.'))
                for f in sorted(files):
                    if not f.startswith('.'):
                        out.append((os.path.join(root, f), False))
        elif os.path.isfile(p):
            out.append((p, True))
        else:
            fail(f'no such file or folder: {p}')
    return out


def read_text(paths):
    parts = []
    for f, named in text_files(paths):
        with open(f, 'rb') as fh:
            raw = fh.read()
        try:
            if raw[:2] in (b'\xff\xfe', b'\xfe\xff'):
                text = raw.decode('utf-16')
            else:
                text = raw.decode('utf-8-sig')
            if '\x00' in text[:8192]:
                raise UnicodeError('binary')
        except UnicodeError:
            if named:
                fail(f'{f} is not UTF-8 (or UTF-16) text')
            continue
        if text:
            parts.append(text)
    if not parts:
        fail('no text to train on')
    return ''.join(t if i == len(parts) - 1 or t.endswith('\n') else t + '\n' for i, t in enumerate(parts))


def js_round(x):
    return int(math.floor(x + 0.5))


def split(ids, val_fraction, how):
    """(train, val, blocks): the tail validates, or (spread) up to 32 blocks of at least 1024 ids, one ending at each
    m-th of the text; the same rule as Sequence Lab's engine (src/data/batches.ts)."""
    n = len(ids)
    n_val = 0 if val_fraction == 0 else js_round(n * val_fraction)
    if how == 'spread':
        m = min(32, n_val // 1024)
        if m >= 2:
            L = n_val // m
            train, val, start_from = [], [], 0
            for j in range(m):
                end = js_round((j + 1) * n / m)
                start = end - L
                train.append(ids[start_from:start])
                val.append(ids[start:end])
                start_from = end
            return torch.cat(train), torch.cat(val), m
    return ids[:n - n_val], ids[n - n_val:], 1 if n_val else 0


class Streams:
    """B contiguous streams over ids, as char-rnn: stream b starts at b*S (S = (N-1)//B); batch k reads T steps at
    position k*T of every stream; the position wraps to 0 (a new epoch) when the next batch would not fit. This process
    keeps only the streams [b0, b1) of the B."""

    def __init__(self, ids, B, T, b0=0, b1=None):
        b1 = B if b1 is None else b1
        self.S = (len(ids) - 1) // B
        if self.S < T:
            fail(f'the text is too short for batch {B} x seq {T}: {len(ids)} characters')
        self.T, self.pos, self.epoch = T, 0, 0
        self.ids = ids[b0 * self.S:b1 * self.S + 1].clone()  # this process's share only
        self.n = b1 - b0

    @property
    def batches_per_epoch(self):
        return self.S // self.T

    def next(self):
        T, S, p = self.T, self.S, self.pos
        idx = torch.arange(self.n).unsqueeze(0) * S + p + torch.arange(T).unsqueeze(1)  # (T,B)
        x, y = self.ids[idx], self.ids[idx + 1]
        first = p == 0
        self.pos = p + T
        if self.pos + T > S:
            self.pos, self.epoch = 0, self.epoch + 1
        return x, y, first


# ---- forecasting data -------------------------------------------------------------------------------------------
MISSING = {'', 'na', 'n/a', 'nan', 'null', 'none', '-', '?'}


def read_columns(path, fc):
    """(n, F) float64 rows of the targets then the features, in time order, gaps filled (interpolate or ffill) as
    Sequence Lab fills them."""
    if not os.path.isfile(path):
        fail(f'no such CSV file: {path}')
    with open(path, newline='', encoding='utf-8-sig') as fh:
        sample = fh.read(65536)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=',;\t|')
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.DictReader(fh, dialect=dialect))
    cols = fc['targets'] + fc['features']
    if not rows:
        fail(f'{path} has no data rows')
    missing = [c for c in cols + ([fc['timeColumn']] if fc['timeColumn'] else []) if c not in rows[0]]
    if missing:
        fail(f'{path} has no column {", ".join(missing)} (the recipe reads {", ".join(cols)})')
    if fc['timeColumn']:
        def key(r):
            t = r[fc['timeColumn']].strip()
            try:
                return (0, float(t), '')
            except ValueError:
                return (1, 0.0, t)  # ISO dates sort as text
        rows.sort(key=key)
    out = []
    for c in cols:
        v = []
        for r in rows:
            t = (r.get(c) or '').strip()
            try:
                v.append(None if t.lower() in MISSING else float(t.replace(',', '')) if t.count(',') and '.' in t else float(t))
            except ValueError:
                fail(f'{path}: "{t}" in column {c} is not a number')
        known = [i for i, x in enumerate(v) if x is not None and math.isfinite(x)]
        if not known:
            fail(f'{path}: column {c} has no numbers')
        for i in range(len(v)):
            if v[i] is not None and math.isfinite(v[i]):
                continue
            prev = max((k for k in known if k < i), default=None)
            nxt = min((k for k in known if k > i), default=None)
            if fc['fill'] == 'interpolate' and prev is not None and nxt is not None:
                v[i] = v[prev] + (v[nxt] - v[prev]) * (i - prev) / (nxt - prev)
            else:
                v[i] = v[prev] if prev is not None else v[nxt]
        out.append(v)
    return torch.tensor(out, dtype=torch.float64).t().contiguous()


def js_split(n, f):
    n_test, n_val = js_round(n * f[2]), js_round(n * f[1])
    a = n - n_val - n_test
    return (0, a), (a, a + n_val), (a + n_val, n)


class Windows:
    """The samples whose target rows lie in [s, e): sample j's inputs are the W rows before row r = first + j, its
    targets rows r .. r+horizon-1; targets relative to row r-1 and divided by s_k (relative mode)."""

    def __init__(self, z, K, rng, W, horizon, ds):
        self.z, self.K, self.W, self.Hz, self.ds = z, K, W, horizon, ds
        self.first = max(rng[0], W)
        self.N = max(0, rng[1] - horizon + 1 - self.first)

    def batch(self, idx):
        r = idx + self.first  # (B,)
        x = self.z[r.unsqueeze(0) - self.W + torch.arange(self.W).unsqueeze(1)]  # (W,B,F)
        y = self.z[r.unsqueeze(0) + torch.arange(self.Hz).unsqueeze(1), :self.K]  # (Hz,B,K)
        if self.ds is not None:
            last = self.z[r - 1, :self.K]  # (B,K)
            x = x.clone()
            x[:, :, :self.K] = (x[:, :, :self.K] - last) / self.ds
            y = (y - last) / self.ds
        return x.float(), y.permute(1, 0, 2).reshape(len(idx), -1).float()  # (B, Hz*K), h-major as the engine

    def to_original(self, pred, idx, stats):
        r = idx + self.first
        p = pred.double().reshape(len(idx), self.Hz, self.K)
        z = self.z[r - 1, :self.K].unsqueeze(1) + p * self.ds if self.ds is not None else p
        return z * stats[1][:self.K] + stats[0][:self.K]

    def actual(self, idx, values):
        r = idx + self.first
        return values[r.unsqueeze(1) + torch.arange(self.Hz).unsqueeze(0), :self.K]  # (B,Hz,K) original units


# ---- model -----------------------------------------------------------------------------------------------------------
def init_like_engine(m, cfg):
    """Sequence Lab's initialization: every recurrent and output weight U(-1/sqrt(H), 1/sqrt(H)), LSTM forget bias 1
    (the embedding, when there is one, is N(0,1))."""
    s = 1 / math.sqrt(cfg['hidden'])
    with torch.no_grad():
        for name, w in list(m.rnn.named_parameters()) + list(m.head.named_parameters()):
            nn.init.uniform_(w, -s, s)
        if m.cell == 'lstm':
            H = cfg['hidden']
            for l in range(cfg['layers']):
                getattr(m.rnn, f'bias_ih_l{l}')[H:2 * H] = 1.0  # PyTorch gate order i,f,g,o
                getattr(m.rnn, f'bias_hh_l{l}')[H:2 * H] = 0.0


class CharModel(nn.Module):
    def __init__(self, cfg, vocab_size):
        super().__init__()
        self.cell = cfg['cell']
        rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[self.cell]
        self.emb = nn.Embedding(vocab_size, cfg['emb'])
        self.rnn = rnn(cfg['emb'], cfg['hidden'], num_layers=cfg['layers'], dropout=cfg['dropout'] if cfg['layers'] > 1 else 0)
        self.head = nn.Linear(cfg['hidden'], vocab_size)
        with torch.no_grad():
            nn.init.normal_(self.emb.weight)
        init_like_engine(self, cfg)

    def zero_state(self, B, device):
        L, H = self.rnn.num_layers, self.rnn.hidden_size
        h = torch.zeros(L, B, H, device=device)
        return (h, torch.zeros_like(h)) if self.cell == 'lstm' else h

    def forward(self, tokens, state):
        y, state = self.rnn(self.emb(tokens), state)
        return self.head(y), state


class ForecastModel(nn.Module):
    """nn.LSTM / nn.GRU / nn.RNN over the window's rows (time-major [W,B,F]) -> nn.Linear to horizon*K outputs."""

    def __init__(self, cfg, F, O):
        super().__init__()
        self.cell = cfg['cell']
        rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[self.cell]
        self.rnn = rnn(F, cfg['hidden'], num_layers=cfg['layers'])
        self.head = nn.Linear(cfg['hidden'], O)
        init_like_engine(self, cfg)

    zero_state = CharModel.zero_state

    def forward(self, x, state):
        y, state = self.rnn(x, state)
        return self.head(y), state


class Exported(nn.Module):
    """The export signature `seqlab import` reads: tokens [T,B], states [layers,B,H] in and out."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, tokens, h0, c0=None):
        logits, st = self.m(tokens, (h0, c0) if c0 is not None else h0)
        return (logits, st[0], st[1]) if isinstance(st, tuple) else (logits, st)


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


# ---- helpers ---------------------------------------------------------------------------------------------------------
def save_atomic(obj, path):
    tmp = f'{path}.tmp-{os.getpid()}'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def metadata_props(pairs):
    """ONNX ModelProto.metadata_props entries (field 14) as protobuf bytes; appended to a serialized model they add
    to its metadata (a later occurrence of a repeated field appends). torch alone cannot set them; this is the format."""
    out = bytearray()
    for k, v in pairs:
        kb, vb = k.encode('utf-8'), v.encode('utf-8')
        entry = b'\x0a' + varint(len(kb)) + kb + b'\x12' + varint(len(vb)) + vb
        out += b'\x72' + varint(len(entry)) + entry
    return bytes(out)


def log_line(fh, obj):
    line = json.dumps(obj)
    print(line, flush=True)
    fh.write(line + '\n')
    fh.flush()


# ---- the two jobs: text and forecasting -----------------------------------------------------------------------------
class CharTask:
    """A character model on text: B streams with the state carried between batches (truncated BPTT)."""

    def __init__(self, a, cfg, rank, world, device):
        B, T = cfg['batch'], cfg['seq']
        self.B, self.per, self.cfg, self.device = B, B // world, cfg, device
        # every process reads the text (for the vocabulary), then keeps only its streams
        text = read_text(a.data)
        self.vocab = VOCAB if VOCAB is not None else sorted({ord(c) for c in text})
        index = {cp: i for i, cp in enumerate(self.vocab)}
        fallback = index.get(ord(' '), index.get(ord('\n'), 0))
        ids = torch.tensor([index.get(ord(c), fallback) for c in text], dtype=torch.long)
        train_ids, self.val_ids, self.blocks = split(ids, cfg['valFraction'], cfg['valSplit'])
        self.train = Streams(train_ids, B, T, rank * self.per, (rank + 1) * self.per)
        self.has_val = len(self.val_ids) > B * T  # known to every process; only rank 0 evaluates
        self.model = CharModel(cfg, len(self.vocab)).to(device)
        self.loss_fn = nn.CrossEntropyLoss()
        self.chars_per_step = B * T
        self.identity = self.vocab

    def batch(self):
        x, y, first = self.train.next()
        return x, y, first

    def loss(self, out, y):
        return self.loss_fn(out.reshape(-1, out.shape[-1]), y.to(self.device).reshape(-1))

    def evaluate(self):
        B, T, cfg = self.B, self.cfg['seq'], self.cfg
        v = Streams(self.val_ids, B, T)
        st = self.model.zero_state(B, self.device)
        n = min(cfg['evalBatches'], v.batches_per_epoch) if cfg['evalBatches'] > 0 else v.batches_per_epoch
        total = 0.0
        with torch.no_grad():
            for _ in range(n):
                x, y, _ = v.next()
                logits, st = self.model(x.to(self.device), st)
                total += float(self.loss(logits, y))
        return total / max(1, n)

    def position(self):
        return {'pos': self.train.pos, 'epoch': self.train.epoch}

    def restore(self, p):
        self.train.pos, self.train.epoch = p['pos'], p['epoch']

    @property
    def epoch(self):
        return self.train.epoch

    def export(self, model, cfg, summary, onnx_path):
        """model.onnx with the vocabulary; the summary gets PyTorch's own greedy continuation of a short prime, so the
        import can be checked against it."""
        vocab = self.vocab
        prime = [vocab.index(c) for c in map(ord, 'the ') if c in vocab] or [0]
        with torch.no_grad():
            logits, st = model(torch.tensor(prime).unsqueeze(1), model.zero_state(1, 'cpu'))
            out = []
            for _ in range(40):
                nxt = int(logits[-1, 0].argmax())
                out.append(nxt)
                logits, st = model(torch.tensor([[nxt]]), st)
        summary['greedy'] = {'prime': ''.join(chr(vocab[i]) for i in prime), 'text': ''.join(chr(vocab[i]) for i in out)}
        summary['validation_blocks'] = self.blocks
        sample = torch.zeros(cfg['seq'], 2, dtype=torch.long)
        export_onnx(model, cfg, sample, 'tokens', 'logits', onnx_path, [('seqlab.vocab', json.dumps(vocab))], summary)


class ForecastTask:
    """A forecaster on a CSV: random windows of W rows (a fresh zero state for each), MSE of the last step's outputs."""

    def __init__(self, a, cfg, rank, world, device):
        fc = FORECAST
        self.fc, self.cfg, self.device = fc, cfg, device
        self.B, self.per = cfg['batch'], cfg['batch'] // world
        self.data_file = a.data[0]
        self.values = read_columns(self.data_file, fc)  # (n, F)
        n, F = self.values.shape
        K, W, Hz = len(fc['targets']), fc['window'], fc['horizon']
        self.K, self.O = K, Hz * K
        tr, va, te = js_split(n, (0.7, 0.2, 0.1))
        self.parts = {'train': tr, 'val': va, 'test': te}
        t = self.values[tr[0]:tr[1]]
        mean, std = t.mean(0), t.std(0, unbiased=False)
        std = torch.where(std > 1e-12 * mean.abs().clamp(min=1), std, torch.ones_like(std))
        self.stats = (mean, std)
        z = ((self.values - mean) / std).float().double()  # z-scored in float32, as the engine
        ds = None
        if fc['relative']:
            d = z[tr[0] + 1:tr[1], :K] - z[tr[0]:tr[1] - 1, :K]
            ds = d.pow(2).mean(0).sqrt() if len(d) else torch.zeros(K, dtype=torch.float64)
            ds = torch.where(ds > 1e-6, ds, torch.ones_like(ds))
        self.ds = ds
        self.train = Windows(z, K, tr, W, Hz, ds)
        self.val = Windows(z, K, va, W, Hz, ds)
        if self.train.N < self.B:
            fail(f'{a.data[0]} has {self.train.N} training windows, fewer than the batch of {self.B}: use a smaller --batch or --window')
        self.has_val = self.val.N > 0
        self.model = ForecastModel(cfg, F, self.O).to(device)
        self.gen = torch.Generator().manual_seed(cfg['seed'] * 1000 + rank)
        self.order, self.pos, self._epoch = torch.randperm(self.train.N, generator=self.gen), 0, 0
        self.chars_per_step = self.B * W  # rows read per step, in the log's chars_per_sec field
        self.identity = [fc['targets'], fc['features'], W, Hz]

    def batch(self):
        if self.pos + self.per > self.train.N:
            self.order, self.pos, self._epoch = torch.randperm(self.train.N, generator=self.gen), 0, self._epoch + 1
        idx = self.order[self.pos:self.pos + self.per]
        self.pos += self.per
        x, y = self.train.batch(idx)
        return x, y, True

    def loss(self, out, y):
        return nn.functional.mse_loss(out[-1], y.to(self.device))

    def predict(self, model, w, idx):
        x, _ = w.batch(idx)
        with torch.no_grad():
            out, _ = model(x.to(self.device), model.zero_state(len(idx), self.device))
        return out[-1].cpu()

    def evaluate(self):
        total, n = 0.0, 0
        for s in range(0, self.val.N, self.B):
            idx = torch.arange(s, min(s + self.B, self.val.N))
            _, y = self.val.batch(idx)
            total += float(nn.functional.mse_loss(self.predict(self.model, self.val, idx), y, reduction='sum'))
            n += y.numel()
        return total / max(1, n)

    def position(self):
        return {'pos': self.pos, 'epoch': self._epoch, 'order': self.order, 'gen': self.gen.get_state()}

    def restore(self, p):
        self.pos, self._epoch, self.order = p['pos'], p['epoch'], p['order']
        self.gen.set_state(p['gen'])

    @property
    def epoch(self):
        return self._epoch

    def export(self, model, cfg, summary, onnx_path):
        """model.onnx with the forecasting settings Sequence Lab reads (seqlab.norm) and intervals from the validation
        residuals; the summary gets PyTorch's own forecast after the last rows, so the import can be checked."""
        fc, K, W, Hz = self.fc, self.K, self.fc['window'], self.fc['horizon']
        cov = fc.get('coverage', 0.9)
        lower, upper = [0.0] * self.O, [0.0] * self.O
        if self.has_val:
            idx = torch.arange(self.val.N)
            pred = self.val.to_original(self.predict(model, self.val, idx), idx, self.stats).reshape(len(idx), -1)
            res = (self.val.actual(idx, self.values).reshape(len(idx), -1) - pred).sort(0).values
            lower = [quantile(res[:, o], (1 - cov) / 2) for o in range(self.O)]
            upper = [quantile(res[:, o], (1 + cov) / 2) for o in range(self.O)]
        # the forecast after the last row: the window of the last W rows
        n = self.values.shape[0]
        zw = ((self.values[n - W:] - self.stats[0]) / self.stats[1]).float().double()
        last = zw[-1, :K]
        x = zw.clone()
        if self.ds is not None:
            x[:, :K] = (x[:, :K] - last) / self.ds
        with torch.no_grad():
            out, _ = model(x.float().unsqueeze(1), model.zero_state(1, 'cpu'))
        p = out[-1, 0].double().reshape(Hz, K)
        z = last + p * self.ds if self.ds is not None else p
        summary['forecast'] = (z * self.stats[1][:K] + self.stats[0][:K]).reshape(-1).tolist()
        norm = {'format': 1, 'kind': 'forecast', 'timeColumn': fc['timeColumn'], 'timeKind': fc['timeKind'], 'step': fc['step'],
                'targets': fc['targets'], 'features': fc['features'], 'window': W, 'horizon': Hz, 'fill': fc['fill'],
                'stats': {'columns': fc['targets'] + fc['features'], 'mean': self.stats[0].tolist(), 'std': self.stats[1].tolist()},
                'deltaScale': None if self.ds is None else self.ds.tolist(),
                'intervals': {'coverage': cov, 'lower': lower, 'upper': upper} if self.has_val else None}
        request = dict(fc['request'], file=os.path.abspath(self.data_file))
        sample = torch.zeros(W, 2, self.values.shape[1])
        export_onnx(model, cfg, sample, 'x', 'y', onnx_path, [('seqlab.norm', json.dumps(norm)), ('seqlab.forecast', json.dumps({'request': request, 'rows': n}))], summary)


def quantile(r, q):
    """The q-quantile of sorted values r, linearly interpolated (as Sequence Lab's residual intervals)."""
    pos = q * (len(r) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(r) - 1)
    return float(r[lo] + (pos - lo) * (r[hi] - r[lo]))


def export_onnx(model, cfg, sample, name_in, name_out, onnx_path, props, summary):
    """torch.onnx.export in the layout `seqlab import` reads: input [T,B,...] time-major, states [layers,B,H] in and
    out; the recipe and the summary (and `props`) in metadata_props; written atomically."""
    L, H = cfg['layers'], cfg['hidden']
    lstm = cfg['cell'] == 'lstm'
    args = (sample, torch.zeros(L, 2, H)) + ((torch.zeros(L, 2, H),) if lstm else ())
    names_in = [name_in, 'h0'] + (['c0'] if lstm else [])
    names_out = [name_out, 'hN'] + (['cN'] if lstm else [])
    axes = {name_in: {0: 'T', 1: 'B'}, name_out: {0: 'T', 1: 'B'}}
    axes.update({n: {1: 'B'} for n in names_in[1:] + names_out[1:]})
    tmp = onnx_path + '.tmp'
    torch.onnx.export(Exported(model), args, tmp, opset_version=14, input_names=names_in, output_names=names_out, dynamic_axes=axes)
    with open(tmp, 'ab') as fh:
        fh.write(metadata_props(props + [('seqlab.recipe', json.dumps({'name': NAME, 'kind': KIND, 'options': cfg})), ('seqlab.summary', json.dumps(summary))]))
    os.replace(tmp, onnx_path)


# ---- the run ---------------------------------------------------------------------------------------------------------
def main():
    a = parse_args()
    cfg = {k: getattr(a, k) for k in RECIPE}
    distributed = int(os.environ.get('WORLD_SIZE', '1')) > 1
    use_cuda = a.device == 'cuda' or (a.device == 'auto' and torch.cuda.is_available())
    if distributed:
        dist.init_process_group('nccl' if use_cuda else 'gloo')
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    local = int(os.environ.get('LOCAL_RANK', '0'))
    device = torch.device(f'cuda:{local}' if use_cuda else 'cpu')
    if use_cuda:
        torch.cuda.set_device(device)
    B = cfg['batch']
    if B % world:
        fail(f'the batch ({B} streams) must divide by the number of processes ({world}): use --batch {world * max(1, B // world)}')
    torch.manual_seed(cfg['seed'])
    random.seed(cfg['seed'])
    os.makedirs(a.out, exist_ok=True)

    task = (ForecastTask if KIND == 'forecast' else CharTask)(a, cfg, rank, world, device)
    model, per = task.model, task.per
    net = nn.parallel.DistributedDataParallel(model, device_ids=[local] if use_cuda else None) if distributed else model
    params = list(model.parameters())
    opt = {
        'adam': lambda: torch.optim.Adam(params, lr=cfg['lr'], betas=(cfg['beta1'], cfg['beta2']), eps=cfg['eps'], weight_decay=cfg['weightDecay']),
        'sgd': lambda: torch.optim.SGD(params, lr=cfg['lr'], momentum=cfg['momentum'], weight_decay=cfg['weightDecay']),
        'rmsprop': lambda: torch.optim.RMSprop(params, lr=cfg['lr'], alpha=cfg['momentum'], eps=cfg['eps'], weight_decay=cfg['weightDecay']),
    }[cfg['optimizer']]()
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=cfg['lrDecayEvery'], gamma=cfg['lrDecay'])
    state = model.zero_state(per, device)
    step, best_loss, best_step, since_best, spent = 0, None, 0, 0, 0.0
    best = {k: v.detach().clone() for k, v in model.state_dict().items()}
    ck_path = os.path.join(a.out, 'checkpoint.pt')
    rank_path = os.path.join(a.out, f'streams-rank{rank}.pt')
    if a.resume:
        if not os.path.exists(ck_path):
            fail(f'--resume: there is no checkpoint at {ck_path}')
        ck = torch.load(ck_path, map_location=device)
        if ck['identity'] != task.identity or ck['world'] != world:
            fail('--resume needs the same data and the same number of processes as the run it continues')
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        sched.load_state_dict(ck['scheduler'])
        best = ck['best']
        step, best_loss, best_step, since_best, spent = ck['step'], ck['best_loss'], ck['best_step'], ck['since_best'], ck['seconds']
        torch.set_rng_state(ck['rng'])
        if os.path.exists(rank_path):
            st = torch.load(rank_path, map_location=device)
            state = tuple(st['state']) if isinstance(st['state'], list) else st['state']
            task.restore(st['position'])

    def save_checkpoint(seconds):
        if rank == 0:
            save_atomic({
                'model': model.state_dict(), 'optimizer': opt.state_dict(), 'scheduler': sched.state_dict(), 'best': best,
                'step': step, 'best_loss': best_loss, 'best_step': best_step, 'since_best': since_best, 'seconds': seconds,
                'rng': torch.get_rng_state(), 'identity': task.identity, 'world': world, 'recipe': cfg,
            }, ck_path)
        save_atomic({'state': list(state) if isinstance(state, tuple) else state, 'position': task.position()}, rank_path)

    log = open(os.path.join(a.out, 'train.log.jsonl'), 'a' if a.resume else 'w') if rank == 0 else None
    max_steps = cfg['steps'] if cfg['steps'] > 0 else math.inf
    max_sec = cfg['minutes'] * 60 if cfg['minutes'] > 0 else math.inf
    t0, start_step, reason = time.time(), step, None
    model.train()
    while reason is None:
        x, y, reset = task.batch()
        if reset:
            state = model.zero_state(per, device)
        out, state = net(x.to(device), state)
        state = detach(state)
        loss = task.loss(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg['clip'] if cfg['clip'] > 0 else float('inf'))
        lr = opt.param_groups[0]['lr']
        opt.step()
        sched.step()
        step += 1
        if distributed:  # every process reports the mean loss of the global batch
            lt = loss.detach().clone()
            dist.all_reduce(lt)
            loss_value = float(lt) / world
        else:
            loss_value = float(loss)
        sec = time.time() - t0
        # rank 0 decides for every process: 1 = early stop, 2 = the time budget, 3 = diverged
        stop = torch.zeros(1)
        if rank == 0:
            if spent + sec >= max_sec:
                stop[0] = 2
            if not math.isfinite(loss_value):
                stop[0] = 3
        if distributed:
            dist.broadcast(stop, 0)
        evaluating = task.has_val and stop[0] != 3 and (step % cfg['evalEvery'] == 0 or step >= max_steps or stop[0] == 2)
        line = {'step': step, 'epoch': task.epoch, 'train_loss': round(loss_value, 4), 'chars_per_sec': round((step - start_step) * task.chars_per_step / max(sec, 1e-9)),
                'elapsed_s': round(spent + sec, 2), 'grad_norm': round(float(norm), 4), 'lr': lr}
        if evaluating and rank == 0:
            model.eval()
            vl = task.evaluate()
            model.train()
            line['val_loss'] = round(vl, 4)
            if best_loss is None or vl < best_loss:
                best_loss, best_step, since_best = vl, step, 0
                best = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                since_best += 1
            if cfg['patience'] > 0 and since_best >= cfg['patience'] and stop[0] == 0:
                stop[0] = 1
        if evaluating and distributed:
            dist.broadcast(stop, 0)
        if stop[0] == 1:
            reason = f'validation loss stopped improving (best {best_loss:.4f} at step {best_step}; {cfg["patience"]} evaluations without improvement)'
        elif stop[0] == 2:
            reason = f'reached the time budget of {cfg["minutes"]} minute(s)'
        elif stop[0] == 3:
            reason = f'training diverged at step {step}: the loss became {loss_value}; kept the best weights (step {best_step})'
        elif step >= max_steps:
            reason = f'reached {step} steps'
        if rank == 0 and (step % 10 == 0 or evaluating or reason):
            log_line(log, line)
        if evaluating or reason:
            save_checkpoint(spent + sec)
    spent += time.time() - t0
    if not task.has_val:
        best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        best_step = step

    if rank == 0:
        model.load_state_dict(best)
        model.eval().cpu()
        task.device = torch.device('cpu')
        summary = {'name': NAME, 'kind': KIND, 'steps': step, 'best_step': best_step, 'best_val_loss': best_loss,
                   'best_val_bpc': None if best_loss is None or KIND != 'char' else best_loss / math.log(2), 'train_seconds': round(spent, 2),
                   'processes': world, 'device': device.type, 'stopped': reason, 'torch': torch.__version__,
                   'data': [os.path.abspath(p) for p in a.data]}
        onnx_path = os.path.join(a.out, 'model.onnx')
        task.export(model, cfg, summary, onnx_path)
        with open(os.path.join(a.out, 'summary.json'), 'w') as fh:
            json.dump(summary, fh, indent=2)
        log_line(log, {'done': True, 'model': onnx_path, 'steps': step, 'best_val_loss': None if best_loss is None else round(best_loss, 4),
                       'reason': reason, 'elapsed_s': round(spent, 2)})
        log.close()
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
