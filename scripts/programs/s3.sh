#!/usr/bin/env bash
# Builds the S3-compatible server the test suite runs Tempo against: VersityGW (an S3 gateway
# whose posix backend keeps each bucket as a directory), from the Go module proxy, once per
# version, into ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/versitygw-<version>/versitygw.
# A warm run builds nothing. S3_SERVER_BIN (a versitygw binary) skips the build.
#
# github.com/versity/versitygw v1.8.0 has no replace lines, so `go install` builds it directly.
set -euo pipefail

readonly version="1.8.0"
readonly module="github.com/versity/versitygw"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/versitygw-$version"

if [[ -n "${S3_SERVER_BIN:-}" ]]; then
  echo "s3: S3_SERVER_BIN=$S3_SERVER_BIN is set; building nothing"
  exit 0
fi
if [[ -x "$dest/versitygw" ]]; then
  echo "s3: versitygw v$version binary cached in $dest"
  exit 0
fi
command -v go >/dev/null || { echo "s3: 'go' is not installed; cannot build versitygw v$version" >&2; exit 1; }

start=$SECONDS
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOBIN="$work" go install -trimpath \
  -ldflags "-X main.Version=v$version -X main.Build=module-v$version -X main.BuildTime=unknown" "$module/cmd/versitygw@v$version"
mkdir -p "$dest"
mv "$work/versitygw" "$dest/versitygw"
echo "s3: built versitygw v$version into $dest in $((SECONDS - start)) s"
