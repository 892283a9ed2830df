#!/usr/bin/env bash
# Builds the Pulumi CLI v3.248.0 and the Pulumi Kubernetes resource provider v4.25.0 (the real
# `pulumi up` of test/programs/pulumi.test.ts) from the Go module proxy, once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/pulumi-<version>/pulumi and
# .../pulumi-kubernetes-<version>/pulumi-resource-kubernetes. A warm run builds nothing.
# PULUMI_BIN and PULUMI_KUBERNETES_BIN (executables) skip the respective build.
#
# The versions match the npm packages the project pins: @pulumi/pulumi 3.248.0 (the newest that
# runs on Node 20) and @pulumi/kubernetes 4.25.0, which asks for provider 4.25.0.
# - CLI: module github.com/pulumi/pulumi/pkg/v3 v3.248.0, package ./cmd/pulumi. Its go.mod replaces
#   the SDK with a sibling folder, so the module is copied and the replace line dropped: the
#   published sdk/v3 of the same version is used instead.
# - Provider: only the pseudo-version below of github.com/pulumi/pulumi-kubernetes/provider/v4 is on
#   the proxy; it is the v4.25.0 tag. Its SDK replace line is dropped for the published sdk/v4
#   v4.25.0, and `go generate` embeds the provider schema before the build.
# Cold: ~700 CPU-s and 2 GB for the CLI, then ~1,400 CPU-s and 4.2 GB for the provider.
# The Node.js language host is not needed: the test runs an Automation API inline program.
set -euo pipefail

readonly cli_version="3.248.0"
readonly provider_version="4.25.0"
readonly provider_module="github.com/pulumi/pulumi-kubernetes/provider/v4"
readonly provider_module_version="v4.0.0-20260115033456-f47bc2d6f199"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly cli_dest="$cache/pulumi-$cli_version"
readonly provider_dest="$cache/pulumi-kubernetes-$provider_version"

# copy_module MODULE VERSION: prints a writable copy of the module's source (its caller removes it).
copy_module() {
  go mod download "$1@$2"
  local work
  work="$(mktemp -d)"
  cp -R "$(go env GOMODCACHE)/$1@$2/." "$work/src"
  chmod -R u+w "$work/src"
  echo "$work"
}

remove_copy() {
  chmod -R u+w "$1" 2>/dev/null || true
  rm -rf "$1"
}

build_cli() {
  local start=$SECONDS work
  work="$(copy_module github.com/pulumi/pulumi/pkg/v3 "v$cli_version")"
  (
    cd "$work/src"
    go mod edit -dropreplace github.com/pulumi/pulumi/sdk/v3
    go mod download github.com/pulumi/pulumi/sdk/v3
    go mod download
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$cli_version" \
      -o "$cli_dest/pulumi.partial" ./cmd/pulumi
  )
  mv "$cli_dest/pulumi.partial" "$cli_dest/pulumi"
  remove_copy "$work"
  echo "pulumi: built the CLI v$cli_version into $cli_dest in $((SECONDS - start)) s"
}

build_provider() {
  local start=$SECONDS work
  work="$(copy_module "$provider_module" "$provider_module_version")"
  (
    cd "$work/src"
    go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
      -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$provider_version"
    go mod download github.com/pulumi/pulumi-kubernetes/sdk/v4
    go mod download
    cd cmd/pulumi-resource-kubernetes
    VERSION="$provider_version" go generate main.go
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X $provider_module/pkg/version.Version=$provider_version" \
      -o "$provider_dest/pulumi-resource-kubernetes.partial" .
  )
  mv "$provider_dest/pulumi-resource-kubernetes.partial" "$provider_dest/pulumi-resource-kubernetes"
  remove_copy "$work"
  echo "pulumi: built the Kubernetes provider v$provider_version into $provider_dest in $((SECONDS - start)) s"
}

need_go() {
  command -v go >/dev/null || { echo "pulumi: 'go' is not installed; cannot build $1" >&2; exit 1; }
}

if [[ -n "${PULUMI_BIN:-}" ]]; then
  [[ -x "$PULUMI_BIN" ]] || { echo "pulumi: PULUMI_BIN=$PULUMI_BIN is not an executable" >&2; exit 1; }
  echo "pulumi: using PULUMI_BIN=$PULUMI_BIN"
elif [[ -x "$cli_dest/pulumi" ]]; then
  echo "pulumi: CLI v$cli_version cached in $cli_dest"
else
  need_go "the Pulumi CLI v$cli_version"
  mkdir -p "$cli_dest"
  build_cli
fi

if [[ -n "${PULUMI_KUBERNETES_BIN:-}" ]]; then
  [[ -x "$PULUMI_KUBERNETES_BIN" ]] || { echo "pulumi: PULUMI_KUBERNETES_BIN=$PULUMI_KUBERNETES_BIN is not an executable" >&2; exit 1; }
  echo "pulumi: using PULUMI_KUBERNETES_BIN=$PULUMI_KUBERNETES_BIN"
elif [[ -x "$provider_dest/pulumi-resource-kubernetes" ]]; then
  echo "pulumi: Kubernetes provider v$provider_version cached in $provider_dest"
else
  need_go "the Pulumi Kubernetes provider v$provider_version"
  mkdir -p "$provider_dest"
  build_provider
fi
