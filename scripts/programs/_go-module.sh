# Shared by the build scripts of programs whose Go module `go install` refuses (its go.mod has
# replace lines): download the module, copy it somewhere writable, build packages inside it.
# Source this file; it defines three functions (their locals are prefixed: callers' globals are readonly).

# copy_go_module MODULE VERSION
#   Downloads MODULE@VERSION and prints a new temporary directory holding a writable copy of it in
#   src/ (remove it with remove_go_module_copy).
copy_go_module() {
  go mod download "$1@$2"
  local gm_work
  gm_work="$(mktemp -d)"
  cp -R "$(go env GOMODCACHE)/$1@$2/." "$gm_work/src"
  chmod -R u+w "$gm_work/src"
  echo "$gm_work"
}

# remove_go_module_copy DIR: removes a directory made by copy_go_module (the module cache's files are read-only).
remove_go_module_copy() {
  chmod -R u+w "$1" 2>/dev/null || true
  rm -rf "$1"
}

# build_go_module MODULE VERSION LDFLAGS DEST PACKAGE...
#   Builds each ./cmd/PACKAGE of MODULE@VERSION into DEST/PACKAGE (via DEST/PACKAGE.partial, so
#   an interrupted build never leaves a binary that looks complete).
build_go_module() {
  local gm_module=$1 gm_version=$2 gm_ldflags=$3 gm_dest=$4
  shift 4
  local gm_work gm_package
  gm_work="$(copy_go_module "$gm_module" "$gm_version")"
  mkdir -p "$gm_dest"
  for gm_package in "$@"; do
    (cd "$gm_work/src" && go mod download && CGO_ENABLED=0 go build -trimpath -ldflags "$gm_ldflags" -o "$gm_dest/$gm_package.partial" "./cmd/$gm_package")
    mv "$gm_dest/$gm_package.partial" "$gm_dest/$gm_package"
  done
  remove_go_module_copy "$gm_work"
}
