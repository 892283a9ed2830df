#!/usr/bin/env bash
# Builds the Jaeger v2 binaries the test suite runs (jaeger, and the v1 maintenance tools
# es-index-cleaner and es-rollover released with it) from the Go module proxy, once per version,
# into ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/jaeger-<version>/. A warm run builds
# nothing. JAEGER_BIN (a jaeger binary) skips the build of jaeger itself.
#
# Jaeger v2.13.0 is module github.com/jaegertracing/jaeger v1.76.0; `go install` refuses it (its
# go.mod has replace lines), so the module is downloaded, copied somewhere writable and built there.
set -euo pipefail
# shellcheck source=_go-module.sh
source "$(dirname "$0")/_go-module.sh"

readonly version="2.13.0"
readonly module="github.com/jaegertracing/jaeger"
readonly module_version="v1.76.0"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/jaeger-$version"
readonly tools=(jaeger es-index-cleaner es-rollover)

missing=()
for tool in "${tools[@]}"; do
  [[ -x "$dest/$tool" ]] || missing+=("$tool")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "jaeger: v$version binaries cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "jaeger: 'go' is not installed; cannot build Jaeger v$version" >&2; exit 1; }

start=$SECONDS
ldflags="-X $module/internal/version.latestVersion=v$version -X $module/internal/version.commitSHA=module-$module_version"
build_go_module "$module" "$module_version" "$ldflags" "$dest" "${missing[@]}"
echo "jaeger: built ${missing[*]} v$version into $dest in $((SECONDS - start)) s"
