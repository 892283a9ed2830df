#!/usr/bin/env bash
# Builds the Google Cloud Storage emulator the test suite runs Tempo against: fake-gcs-server
# (github.com/fsouza/fake-gcs-server, the JSON and XML APIs of GCS in one process, memory or
# filesystem backend), from the Go module proxy, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/fake-gcs-server-<version>/fake-gcs-server.
# A warm run builds nothing. GCS_SERVER_BIN (a fake-gcs-server binary) skips the build.
#
# v1.56.1 has no replace lines, so `go install` builds it directly (its go.mod asks for Go 1.26).
set -euo pipefail

readonly version="1.56.1"
readonly module="github.com/fsouza/fake-gcs-server"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/fake-gcs-server-$version"

if [[ -n "${GCS_SERVER_BIN:-}" ]]; then
  echo "gcs: GCS_SERVER_BIN=$GCS_SERVER_BIN is set; building nothing"
  exit 0
fi
if [[ -x "$dest/fake-gcs-server" ]]; then
  echo "gcs: fake-gcs-server v$version binary cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "gcs: 'go' is not installed; cannot build fake-gcs-server v$version" >&2; exit 1; }

start=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOBIN="$work" go install -trimpath "$module@v$version"
mkdir -p "$dest"
mv "$work/fake-gcs-server" "$dest/fake-gcs-server"
echo "gcs: built fake-gcs-server v$version into $dest in $((SECONDS - start)) s"
