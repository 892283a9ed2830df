#!/usr/bin/env bash
# Installs the Azure Blob Storage emulator the test suite runs Tempo against: Azurite (npm package
# `azurite`, Microsoft's emulator), once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/azurite-<version>/ with
# `npm install --prefix` (it is not a dependency of the project: `npm ci` stays lean), with a link
# <that folder>/azurite-blob to the blob service's executable, which the tests run. A warm run
# installs nothing. AZURITE_BIN (an azurite-blob executable) skips the install.
#
# 3.35.0 is the newest Azurite whose package declares support for Node 20 (the Node of .ci/run);
# 3.36.0 and later declare Node >= 21 and >= 22.
set -euo pipefail

readonly version="3.35.0"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/azurite-$version"

if [[ -n "${AZURITE_BIN:-}" ]]; then
  echo "azurite: AZURITE_BIN=$AZURITE_BIN is set; installing nothing"
  exit 0
fi
if [[ -x "$dest/azurite-blob" ]]; then
  echo "azurite: $version installed in $dest"
  exit 0
fi
command -v npm >/dev/null || { echo "azurite: 'npm' is not installed; cannot install Azurite $version" >&2; exit 1; }

start=$SECONDS
mkdir -p "$cache"
# Installed next to its final place, then renamed: an interrupted install never looks complete.
work="$(mktemp -d "$cache/.azurite-$version.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo '{ "name": "azurite-install", "private": true }' >"$work/package.json"
npm install --prefix "$work" --no-audit --no-fund --omit=dev --loglevel=error "azurite@$version" >/dev/null
ln -s node_modules/.bin/azurite-blob "$work/azurite-blob"
"$work/azurite-blob" --help >/dev/null
rm -rf "$dest"
mv "$work" "$dest"
trap - EXIT
echo "azurite: installed Azurite $version into $dest in $((SECONDS - start)) s"
