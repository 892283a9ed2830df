#!/usr/bin/env bash
# Builds Prometheus 3.16.0 and its promtool (the rule checks and rule unit tests of the library's
# PrometheusRule groups, and a real server scraping the real Jaeger, collector and Tempo processes
# of the tests, see test/_support/prometheus.ts) from the Go module proxy, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/prometheus-<version>/prometheus and .../promtool.
# A warm run builds nothing. PROMETHEUS_BIN and PROMTOOL_BIN (executables) skip the respective build.
#
# Prometheus 3.16.0 is module github.com/prometheus/prometheus v0.316.0. Its go.mod has no replace
# lines, so `go install` builds both commands directly (the module's go.work, whose other modules
# are not in the module zip, is not used by `go install pkg@version`). The ldflags are the version
# ones of the module's .promu.yml. Built without the `builtinassets` tag: the web UI is not
# embedded (its pages answer 404), the HTTP API the tests use is all there. CGO_ENABLED=0 makes
# the `netgo` tag of the release builds moot.
# Cold (empty Go module and build caches, 2 shared cores): 286 s wall, 470 CPU-s, 3.4 GB peak RSS
# (one compile), 1.9 GB of module cache and 2.1 GB of build cache; the binaries (stripped: -s -w)
# are 105 MB (prometheus) and 88 MB (promtool).
set -euo pipefail

readonly version="3.16.0"
readonly module="github.com/prometheus/prometheus"
readonly module_version="v0.316.0"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/prometheus-$version"

# Each binary is built unless its override variable names an executable or it is cached.
missing=()
for pair in prometheus:PROMETHEUS_BIN promtool:PROMTOOL_BIN; do
  binary="${pair%%:*}" env_var="${pair#*:}"
  override="${!env_var:-}"
  if [[ -n "$override" ]]; then
    [[ -x "$override" ]] || { echo "prometheus: $env_var=$override is not an executable" >&2; exit 1; }
    echo "prometheus: using $env_var=$override for $binary"
  elif [[ -x "$dest/$binary" ]]; then
    echo "prometheus: $binary v$version cached in $dest"
  else
    missing+=("$binary")
  fi
done
[[ ${#missing[@]} -gt 0 ]] || exit 0
command -v go >/dev/null || { echo "prometheus: 'go' is not installed; cannot build ${missing[*]} v$version" >&2; exit 1; }

start=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
packages=()
for binary in "${missing[@]}"; do packages+=("$module/cmd/$binary@$module_version"); done
CGO_ENABLED=0 GOBIN="$work" go install -trimpath \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$version -X github.com/prometheus/common/version.Revision=module-$module_version -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildUser=cdk8s-tracing" \
  "${packages[@]}"
mkdir -p "$dest"
for binary in "${missing[@]}"; do
  mv "$work/$binary" "$dest/$binary.partial"
  mv "$dest/$binary.partial" "$dest/$binary"
done
echo "prometheus: built ${missing[*]} v$version into $dest in $((SECONDS - start)) s"
