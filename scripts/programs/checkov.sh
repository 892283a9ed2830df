#!/usr/bin/env bash
# Installs Checkov 3.3.30 (PyPI `checkov`, the manifest scanner test/programs/checkov.test.ts runs
# over the example stacks) into a virtual environment of its own, once per version, under
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/checkov-<version>/. A warm run installs
# nothing. CHECKOV_BIN (a checkov executable) skips the install. Needs Python 3.9+ with venv.
# The `checkov` link is made last, so an interrupted install never looks complete.
# Cold: about 50 s and 300 MB.
set -euo pipefail

readonly version="3.3.30"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly dest="$cache/checkov-$version"

if [[ -n "${CHECKOV_BIN:-}" ]]; then
  [[ -x "$CHECKOV_BIN" ]] || { echo "checkov: CHECKOV_BIN=$CHECKOV_BIN is not an executable" >&2; exit 1; }
  echo "checkov: using CHECKOV_BIN=$CHECKOV_BIN; nothing to install"
  exit 0
fi
if [[ -x "$dest/checkov" ]]; then
  echo "checkov: $version cached in $dest"
  exit 0
fi
command -v python3 >/dev/null || { echo "checkov: 'python3' is not installed; cannot install Checkov $version" >&2; exit 1; }

start=$SECONDS
rm -rf "$dest"
mkdir -p "$dest"
python3 -m venv "$dest/venv"
"$dest/venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$version"
"$dest/venv/bin/checkov" --version > /dev/null
ln -s venv/bin/checkov "$dest/checkov"
echo "checkov: installed $version into $dest in $((SECONDS - start)) s"
