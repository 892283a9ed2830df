#!/usr/bin/env bash
# Fetches the strict JSON Schemas of the Kubernetes 1.37 built-in kinds that the test suite validates
# every synthesized object against (test/_support/k8s-schema.ts). Runs as `npm test`'s pretest hook.
#
# Source: the PyPI wheel kubernetes-validate==1.37.0 (pinned by hash), folder
# kubernetes_validate/kubernetes-json-schema/v1.37.0-local-strict/. Only that folder is kept.
# Destination: ${K8S_SCHEMA_DIR:-$HOME/.cache/cdk8s-tracing/kubernetes-json-schema-v1.37.0}
#
# Idempotent: a warm run only checks that the folder exists. The folder is extracted next to its
# destination and renamed into place in one step, so an interrupted run never leaves a partial folder.
# Needs python3 with pip (not unzip). Prints one line on stdout.
# If the download fails: with CI=true the script fails; otherwise it says so and exits 0, and the
# schema tests skip with a hint.
set -euo pipefail

readonly version="1.37.0"
readonly wheel_sha256="85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
readonly member="kubernetes_validate/kubernetes-json-schema/v${version}-local-strict/"
readonly dest="${K8S_SCHEMA_DIR:-$HOME/.cache/cdk8s-tracing/kubernetes-json-schema-v${version}}"

if [[ -f "$dest/_definitions.json" ]]; then
  echo "k8s-schemas: Kubernetes ${version} schemas cached in $dest"
  exit 0
fi

give_up() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "k8s-schemas: $1" >&2
    exit 1
  fi
  echo "k8s-schemas: $1; schema validation tests will be skipped"
  exit 0
}

parent="$(dirname "$dest")"
mkdir -p "$parent"
work="$(mktemp -d "$parent/.k8s-schemas.XXXXXX")"
trap 'rm -rf "$work"' EXIT

printf 'kubernetes-validate==%s --hash=sha256:%s\n' "$version" "$wheel_sha256" > "$work/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes -r "$work/requirements.txt" -d "$work/wheel" >&2 \
  || give_up "could not download kubernetes-validate==${version} with 'python3 -m pip download'"

wheels=("$work"/wheel/kubernetes_validate-"${version}"-*.whl)
python3 - "${wheels[0]}" "$member" "$work/schemas" "$dest" <<'PY'
import os, sys, zipfile

wheel, member, staging, dest = sys.argv[1:5]
count = 0
with zipfile.ZipFile(wheel) as zf:
    for info in zf.infolist():
        if info.is_dir() or not info.filename.startswith(member):
            continue
        rel = info.filename[len(member):]
        if rel.startswith("/") or ".." in rel.split("/"):
            sys.exit(f"k8s-schemas: unexpected entry in wheel: {info.filename}")
        target = os.path.join(staging, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as dst:
            dst.write(src.read())
        count += 1
if not os.path.isfile(os.path.join(staging, "_definitions.json")):
    sys.exit(f"k8s-schemas: {member} missing or incomplete in {wheel}")
try:
    os.rename(staging, dest)  # atomic; replaces at most an empty directory
except OSError:
    if not os.path.isfile(os.path.join(dest, "_definitions.json")):
        raise
    print(f"k8s-schemas: Kubernetes schemas cached in {dest} (by a concurrent run)")
    sys.exit(0)
print(f"k8s-schemas: extracted {count} Kubernetes schema files into {dest}")
PY
