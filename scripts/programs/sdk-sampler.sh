#!/usr/bin/env bash
# Builds sdk-sampler (scripts/programs/sdk-sampler/: a test-only probe showing that the
# OpenTelemetry Go SDK, configured only by OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and
# OTEL_TRACES_SAMPLER_ARG, samples as those variables say and fetches its strategy from a real
# Jaeger remote-sampling endpoint) once per version of go.opentelemetry.io/contrib/samplers/jaegerremote,
# into ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/sdk-sampler-<version>/. A warm run
# builds nothing. SDK_SAMPLER_BIN (an sdk-sampler binary) skips the build.
set -euo pipefail

readonly version="0.38.0"
readonly here="$(cd "$(dirname "$0")" && pwd)"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/sdk-sampler-$version"

if [[ -n "${SDK_SAMPLER_BIN:-}" ]]; then
  [[ -x "$SDK_SAMPLER_BIN" ]] || { echo "sdk-sampler: SDK_SAMPLER_BIN=$SDK_SAMPLER_BIN is not an executable" >&2; exit 1; }
  echo "sdk-sampler: using SDK_SAMPLER_BIN=$SDK_SAMPLER_BIN; nothing to build"
  exit 0
fi
if [[ -x "$dest/sdk-sampler" ]]; then
  echo "sdk-sampler: jaegerremote v$version cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "sdk-sampler: 'go' is not installed; cannot build sdk-sampler (jaegerremote v$version)" >&2; exit 1; }
grep -q "go.opentelemetry.io/contrib/samplers/jaegerremote v$version\$" "$here/sdk-sampler/go.mod" \
  || { echo "sdk-sampler: $here/sdk-sampler/go.mod does not require jaegerremote v$version" >&2; exit 1; }

start=$SECONDS
mkdir -p "$dest"
(cd "$here/sdk-sampler" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$dest/sdk-sampler.partial" .)
mv "$dest/sdk-sampler.partial" "$dest/sdk-sampler"
echo "sdk-sampler: built jaegerremote v$version into $dest in $((SECONDS - start)) s"
