#!/usr/bin/env bash
# Makes sure an etcd binary is there for the kube-apiserver tests (test/programs/kube-apiserver.test.ts
# starts its own etcd on 127.0.0.1 with a fresh data directory; the package's service is not used).
# ETCD_BIN (an etcd binary) or an `etcd` on PATH is used as is; otherwise Debian's `etcd-server`
# (3.4.x) is installed with apt-get, which needs root.
set -euo pipefail

if [[ -n "${ETCD_BIN:-}" ]]; then
  [[ -x "$ETCD_BIN" ]] || { echo "etcd: ETCD_BIN=$ETCD_BIN is not an executable" >&2; exit 1; }
  echo "etcd: using ETCD_BIN=$ETCD_BIN ($("$ETCD_BIN" --version | head -1))"
  exit 0
fi
if command -v etcd >/dev/null; then
  echo "etcd: found $(command -v etcd) ($(etcd --version | head -1)); nothing installed"
  exit 0
fi
command -v apt-get >/dev/null || { echo "etcd: not on PATH and no apt-get to install etcd-server; set ETCD_BIN" >&2; exit 1; }
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
echo "etcd: installed Debian etcd-server: $(command -v etcd) ($(etcd --version | head -1))"
