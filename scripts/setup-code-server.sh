#!/usr/bin/env bash
# Non-interactive, offline-safe (npm registry + Debian apt only) install of code-server 4.100.3
# (= VS Code 1.100.3 server + web workbench) on Debian 12 / node 20, plus Debian chromium and
# playwright-core for driving it. Recipe: ../shared/vscode-e2e.md ("Recipe 1").
#
# Usage: setup-code-server.sh [install-dir]
#   install-dir defaults to $SEQLAB_CODE_SERVER_DIR, else $HOME/.cache/seqlab-code-server.
#   A complete install (marker file .seqlab-ready with the same versions) is reused as is.
# Prints the install dir on stdout as its last line.
set -euo pipefail
DIR=${1:-${SEQLAB_CODE_SERVER_DIR:-$HOME/.cache/seqlab-code-server}}
CS_VERSION=${CS_VERSION:-4.100.3}
PW_VERSION=${PW_VERSION:-1.65.1}
MARKER="$DIR/.seqlab-ready"
WANT="code-server@$CS_VERSION playwright-core@$PW_VERSION node@$(node -p 'process.versions.modules')"
t() { local s=$SECONDS; "$@"; echo "[setup] $((SECONDS-s))s: $*" >&2; }

# one install at a time into the same folder (e.g. a CI run beside a developer's test run)
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock 9

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] && command -v chromium >/dev/null; then
  echo "[setup] reusing $DIR ($WANT)" >&2
  echo "$DIR"; exit 0
fi

# 1. system packages: chromium (browser), ripgrep (replaces @vscode/ripgrep's GitHub download),
#    libkrb5-dev (kerberos native module), build tools for node-gyp.
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1 || ! command -v make >/dev/null; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  t $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  t $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      chromium ripgrep libkrb5-dev build-essential python3 fonts-liberation >/dev/null
fi

rm -f "$MARKER"
mkdir -p "$DIR"; cd "$DIR"
cat > package.json <<JSON
{ "name": "code-server-harness", "private": true, "version": "0.0.0",
  "dependencies": { "code-server": "$CS_VERSION", "playwright-core": "$PW_VERSION" } }
JSON
# 2. code-server itself, scripts off (its postinstall would run a networked npm install in lib/vscode).
t npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2
# argon2 is required at startup even with --auth none; build it from source (no prebuilt download).
t npm rebuild argon2 --build-from-source --loglevel=error >&2

# 3. VS Code's own server dependencies, scripts off, then build only the native modules by hand.
VS="$DIR/node_modules/code-server/lib/vscode"
NODE_GYP="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
# node headers: Debian's nodejs ships them; pass them explicitly so node-gyp never downloads headers.
NODEDIR="$(node -p "require('path').resolve(process.execPath, '../..')")"
GYP_ARGS=(); [ -f "$NODEDIR/include/node/node.h" ] && GYP_ARGS=(--nodedir="$NODEDIR")
cd "$VS"
t npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
for m in @vscode/spdlog node-pty native-watchdog @vscode/deviceid kerberos; do
  (cd "node_modules/$m" && t node "$NODE_GYP" rebuild -j 2 "${GYP_ARGS[@]}" --loglevel=error >/dev/null)
done
# @parcel/watcher ships prebuilt @parcel/watcher-linux-x64-glibc: nothing to build.
# 4. ripgrep: use Debian's binary where @vscode/ripgrep expects its download.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# 5. what code-server's postinstall.sh does besides the npm installs.
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && t npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2 && node postinstall.mjs >/dev/null)

# 6. sanity: every native module loads in this node.
node -e "for (const m of ['@vscode/spdlog','node-pty','native-watchdog','kerberos','@parcel/watcher','@vscode/deviceid']) require('$VS/node_modules/'+m); require('$DIR/node_modules/argon2'); console.error('[setup] native modules OK')"
"$VS/node_modules/@vscode/ripgrep/bin/rg" --version >/dev/null
echo "$WANT" > "$MARKER"
echo "[setup] done in ${SECONDS}s; size: $(du -sh "$DIR" | cut -f1)" >&2
echo "$DIR"
