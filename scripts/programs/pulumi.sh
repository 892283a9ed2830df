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
# shellcheck source=_go-module.sh
source "$(dirname "$0")/_go-module.sh"

readonly cli_version="3.248.0"
readonly provider_version="4.25.0"
readonly provider_module="github.com/pulumi/pulumi-kubernetes/provider/v4"
readonly provider_module_version="v4.0.0-20260115033456-f47bc2d6f199"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"

# build_cli DEST: the CLI into DEST/pulumi.
build_cli() {
  local work
  work="$(copy_go_module github.com/pulumi/pulumi/pkg/v3 "v$cli_version")"
  (
    cd "$work/src"
    go mod edit -dropreplace github.com/pulumi/pulumi/sdk/v3
    go mod download github.com/pulumi/pulumi/sdk/v3
    go mod download
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$cli_version" \
      -o "$1/pulumi.partial" ./cmd/pulumi
  )
  mv "$1/pulumi.partial" "$1/pulumi"
  remove_go_module_copy "$work"
}

# build_provider DEST: the provider into DEST/pulumi-resource-kubernetes.
build_provider() {
  local work
  work="$(copy_go_module "$provider_module" "$provider_module_version")"
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
      -o "$1/pulumi-resource-kubernetes.partial" .
  )
  mv "$1/pulumi-resource-kubernetes.partial" "$1/pulumi-resource-kubernetes"
  remove_go_module_copy "$work"
}

# ensure WHAT ENV_VAR DEST BINARY BUILD: nothing when $ENV_VAR names an executable or DEST/BINARY
# is cached; otherwise BUILD DEST.
ensure() {
  local what=$1 env_var=$2 dest=$3 binary=$4 build=$5 start=$SECONDS
  local override="${!env_var:-}"
  if [[ -n "$override" ]]; then
    [[ -x "$override" ]] || { echo "pulumi: $env_var=$override is not an executable" >&2; exit 1; }
    echo "pulumi: using $env_var=$override for $what"
  elif [[ -x "$dest/$binary" ]]; then
    echo "pulumi: $what cached in $dest"
  else
    command -v go >/dev/null || { echo "pulumi: 'go' is not installed; cannot build $what" >&2; exit 1; }
    mkdir -p "$dest"
    "$build" "$dest"
    echo "pulumi: built $what into $dest in $((SECONDS - start)) s"
  fi
}

ensure "the CLI v$cli_version" PULUMI_BIN "$cache/pulumi-$cli_version" pulumi build_cli
ensure "the Kubernetes provider v$provider_version" PULUMI_KUBERNETES_BIN "$cache/pulumi-kubernetes-$provider_version" \
  pulumi-resource-kubernetes build_provider
