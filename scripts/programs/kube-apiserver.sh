#!/usr/bin/env bash
# Builds kube-apiserver v1.37.2 (the test suite's server-side dry run of every example object) from
# the Go module proxy, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/kube-apiserver-<version>/. A warm run builds
# nothing. KUBE_APISERVER_BIN (a kube-apiserver binary) skips the build.
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@…` is refused (kubernetes' go.mod replaces its
# staging modules with folders), so scripts/programs/kube-apiserver/ is a small module of our own
# whose go.mod points every staging module at its published v0.37.2.
# A cold build takes ~450 CPU-s and ~2.4 GB of memory; the binary is ~120 MB.
set -euo pipefail

readonly version="1.37.2"
readonly here="$(cd "$(dirname "$0")" && pwd)"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/kube-apiserver-$version"

if [[ -n "${KUBE_APISERVER_BIN:-}" ]]; then
  [[ -x "$KUBE_APISERVER_BIN" ]] || { echo "kube-apiserver: KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN is not an executable" >&2; exit 1; }
  echo "kube-apiserver: using KUBE_APISERVER_BIN=$KUBE_APISERVER_BIN; nothing to build"
  exit 0
fi
if [[ -x "$dest/kube-apiserver" ]]; then
  echo "kube-apiserver: v$version cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "kube-apiserver: 'go' is not installed; cannot build kube-apiserver v$version" >&2; exit 1; }
grep -q "k8s.io/kubernetes v$version\$" "$here/kube-apiserver/go.mod" \
  || { echo "kube-apiserver: $here/kube-apiserver/go.mod does not require k8s.io/kubernetes v$version" >&2; exit 1; }

start=$SECONDS
mkdir -p "$dest"
pkg="k8s.io/component-base/version"
ldflags="-s -w -X $pkg.gitVersion=v$version -X $pkg.gitMajor=${version%%.*} -X $pkg.gitMinor=$(cut -d. -f2 <<<"$version")"
ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
(cd "$here/kube-apiserver" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$dest/kube-apiserver.partial" .)
mv "$dest/kube-apiserver.partial" "$dest/kube-apiserver"
echo "kube-apiserver: built v$version into $dest in $((SECONDS - start)) s"
