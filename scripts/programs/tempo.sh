#!/usr/bin/env bash
# Builds the Tempo 2 binary the test suite runs from the Go module proxy, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/tempo-<version>/tempo. A warm run builds nothing.
# TEMPO_BIN (a tempo binary, 2.x or 3.x) skips the build: the tests then use that binary instead.
#
# Tempo 3 is not on the module mirror here. The newest Tempo that is, is the pseudo-version
# v1.5.1-0.20250529124718-87c2dc380cec of github.com/grafana/tempo: commit 87c2dc380cec on main,
# just after v2.8.0-rc.0, i.e. a pre-release of Tempo 2.8 (Tempo 2.8 configuration). The binary
# says so: `tempo -version` prints "version 2.8.0-pre-87c2dc3". The checksum database has no entry
# for it (GONOSUMDB), and `go install` refuses it (its go.mod has replace lines), so the module is
# downloaded, copied somewhere writable and built there.
set -euo pipefail
# shellcheck source=_go-module.sh
source "$(dirname "$0")/_go-module.sh"

readonly version="2.8.0-pre-87c2dc3"
readonly module="github.com/grafana/tempo"
readonly module_version="v1.5.1-0.20250529124718-87c2dc380cec"
readonly revision="87c2dc380ceca577d9c20336875013c059cb9624"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/tempo-$version"

if [[ -n "${TEMPO_BIN:-}" ]]; then
  echo "tempo: TEMPO_BIN=$TEMPO_BIN is set; building nothing"
  exit 0
fi
if [[ -x "$dest/tempo" ]]; then
  echo "tempo: $version binary cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "tempo: 'go' is not installed; cannot build Tempo $version" >&2; exit 1; }

start=$SECONDS
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$module"
ldflags="-X main.Version=$version -X main.Branch=main -X main.Revision=$revision"
build_go_module "$module" "$module_version" "$ldflags" "$dest" tempo
echo "tempo: built $version ($module@$module_version) into $dest in $((SECONDS - start)) s"
