#!/usr/bin/env bash
# PyTorch for the tests and benchmarks that run our PyTorch training script (seqlab export-pytorch): Debian's
# python3-torch (torch 1.13 with gloo and torchrun) for /usr/bin/python3, from Debian's packages (no other download).
# Already there: nothing to do. Prints the Python to use on stdout as its last line; exits 1 when it cannot install.
set -euo pipefail
PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c 'import torch, torch.distributed' 2>/dev/null && command -v torchrun >/dev/null; then
  echo "$PY"; exit 0
fi
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
command -v apt-get >/dev/null || { echo "[setup-torch] no apt-get here: install PyTorch for $PY by hand" >&2; exit 1; }
exec 9>"${TMPDIR:-/tmp}/setup-torch.lock"
flock 9
echo "[setup-torch] installing python3-torch from Debian's packages (about 1 GB, once)" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-torch libopenblas0 >/dev/null
"$PY" -c 'import torch, torch.distributed' && command -v torchrun >/dev/null
echo "$PY"
