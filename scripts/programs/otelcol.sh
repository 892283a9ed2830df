#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the test suite runs, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/otelcol-<version>/otelcol. A warm run builds
# nothing. OTELCOL_BIN (an otelcol binary with the same components) skips the build: the tests
# then use that binary instead.
#
# No released collector distribution is on the module mirror here, so this is a custom build made
# with the OpenTelemetry Collector Builder (OCB, go.opentelemetry.io/collector/cmd/builder) from a
# manifest of our own (below) holding exactly the components the library's configurations use.
# Core components are v0.140.0 (stable modules v1.46.0), contrib components v0.140.1: the newest
# the mirror has, and the collector version inside Jaeger v2.13. At v0.140.x file_storage is its own
# module (extension/storage/filestorage), not a package of extension/storage. The checksum database
# has no entries for the contrib modules, for aws-sdk-go-v2/service/servicediscovery v1.39.15 (the
# load-balancing exporter's Cloud Map resolver) or for collector/otelcol/otelcoltest v0.140.0 (a
# test import `go mod tidy` still resolves), so those three are in GONOSUMDB; everything else is
# still checked.
set -euo pipefail

readonly version="0.140.1"
readonly core="v0.140.0"
readonly stable="v1.46.0"
readonly contrib="v0.140.1"
readonly builder_version="v0.140.0"
readonly contrib_module="github.com/open-telemetry/opentelemetry-collector-contrib"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/otelcol-$version"
readonly ocb_dir="$cache/ocb-${builder_version#v}"

if [[ -n "${OTELCOL_BIN:-}" ]]; then
  echo "otelcol: OTELCOL_BIN=$OTELCOL_BIN is set; building nothing"
  exit 0
fi
if [[ -x "$dest/otelcol" ]]; then
  echo "otelcol: v$version binary cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "otelcol: 'go' is not installed; cannot build the collector v$version" >&2; exit 1; }

start=$SECONDS
unchecked=(
  "$contrib_module"
  github.com/aws/aws-sdk-go-v2/service/servicediscovery
  go.opentelemetry.io/collector/otelcol/otelcoltest
)
GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$(IFS=,; echo "${unchecked[*]}")"
export GONOSUMDB

# The builder itself, once (installed beside the cache, then renamed: never half-written).
if [[ ! -x "$ocb_dir/builder" ]]; then
  mkdir -p "$ocb_dir"
  rm -rf "$ocb_dir/.install"
  GOBIN="$ocb_dir/.install" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version"
  mv "$ocb_dir/.install/builder" "$ocb_dir/builder"
  rm -rf "$ocb_dir/.install"
fi

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/manifest.yaml" <<EOF
dist:
  name: otelcol
  module: github.com/cdk8s-tracing/otelcol
  description: OpenTelemetry Collector built for the cdk8s-tracing test suite
  version: $version
  output_path: $work/dist
  cgo_enabled: false

receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver $core

processors:
  - gomod: go.opentelemetry.io/collector/processor/batchprocessor $core
  - gomod: go.opentelemetry.io/collector/processor/memorylimiterprocessor $core
  - gomod: $contrib_module/processor/tailsamplingprocessor $contrib
  - gomod: $contrib_module/processor/k8sattributesprocessor $contrib
  - gomod: $contrib_module/processor/resourceprocessor $contrib
  - gomod: $contrib_module/processor/filterprocessor $contrib

exporters:
  - gomod: go.opentelemetry.io/collector/exporter/otlpexporter $core
  - gomod: go.opentelemetry.io/collector/exporter/otlphttpexporter $core
  - gomod: go.opentelemetry.io/collector/exporter/debugexporter $core
  - gomod: $contrib_module/exporter/loadbalancingexporter $contrib

extensions:
  - gomod: $contrib_module/extension/healthcheckextension $contrib
  - gomod: $contrib_module/extension/storage/filestorage $contrib

providers:
  - gomod: go.opentelemetry.io/collector/confmap/provider/envprovider $stable
  - gomod: go.opentelemetry.io/collector/confmap/provider/fileprovider $stable
  - gomod: go.opentelemetry.io/collector/confmap/provider/yamlprovider $stable
EOF

# The builder generates the sources in output_path, then runs `go mod tidy` and `go build`
# (CGO_ENABLED=0 from cgo_enabled: false; -trimpath, -ldflags "-s -w").
CGO_ENABLED=0 "$ocb_dir/builder" --config="$work/manifest.yaml"

mkdir -p "$dest"
cp "$work/dist/otelcol" "$dest/otelcol.partial"
mv "$dest/otelcol.partial" "$dest/otelcol"
echo "otelcol: built v$version into $dest in $((SECONDS - start)) s"
