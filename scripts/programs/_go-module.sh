# Shared by the build scripts of programs whose Go module `go install` refuses (its go.mod has
# replace lines): download the module, copy it somewhere writable, build packages inside it.
# Source this file; it defines one function (its locals are prefixed: callers' globals are readonly).

# build_go_module MODULE VERSION LDFLAGS DEST PACKAGE...
#   Builds each ./cmd/PACKAGE of MODULE@VERSION into DEST/PACKAGE (via DEST/PACKAGE.partial, so
#   an interrupted build never leaves a binary that looks complete).
build_go_module() {
  local gm_module=$1 gm_version=$2 gm_ldflags=$3 gm_dest=$4
  shift 4
  go mod download "$gm_module@$gm_version"
  local gm_src gm_work gm_package
  gm_src="$(go env GOMODCACHE)/$gm_module@$gm_version"
  gm_work="$(mktemp -d)"
  cp -R "$gm_src/." "$gm_work/src"
  chmod -R u+w "$gm_work/src"
  mkdir -p "$gm_dest"
  for gm_package in "$@"; do
    (cd "$gm_work/src" && go mod download && CGO_ENABLED=0 go build -trimpath -ldflags "$gm_ldflags" -o "$gm_dest/$gm_package.partial" "./cmd/$gm_package")
    mv "$gm_dest/$gm_package.partial" "$gm_dest/$gm_package"
  done
  chmod -R u+w "$gm_work" 2>/dev/null
  rm -rf "$gm_work"
}
