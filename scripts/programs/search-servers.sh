#!/usr/bin/env bash
# Builds the search servers the Jaeger tests store spans in: OpenSearch 2.19.6, Elasticsearch
# 7.17.29 and Elasticsearch 8.19.21, each a single node on 127.0.0.1 with plain HTTP, from jars on
# Maven Central and a small Java main of our own (scripts/programs/search-server/<engine>/, its
# engine-independent part in search-server/common/), once per version, into
# ${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}/<engine>-<version>/:
#
#   lib/           the jars, copied from Maven Central by `mvn dependency:copy-dependencies` with
#                  strict checksums (-C) into a Maven repository of the cache's own
#                  (search-servers-m2/, so a cold build is a cold build whatever ~/.m2 holds),
#                  then checked against <engine>/jars.sha256 (exactly those jars, no others)
#   modules/       Elasticsearch 8 only: its plugin bundles (transport-netty4 with netty, and
#                  search-server: our REST handlers), which it loads in module layers
#   classes/       the main and common/SearchServerMain.java compiled by javac (--release 17)
#   search-server  the launcher: search-server --http-port <port> --transport-port <port> --dir <dir>
#                  (data in <dir>/data, logs in <dir>/logs; prints "search-server: ready ..."
#                  once it serves HTTP; SIGTERM stops it)
#
# A warm run builds nothing (an engine is rebuilt only if this script, its folder or common/ changed).
# OPENSEARCH_BIN, ELASTICSEARCH7_BIN or ELASTICSEARCH8_BIN (a launcher taking the same arguments)
# skips that engine's build. Needs Java 17+ (java, javac, jar) and Maven.
set -euo pipefail

readonly here="$(cd "$(dirname "$0")" && pwd)"
readonly src_root="$here/search-server"
# The engine-independent part of every main (arguments, directories, settings, running until SIGTERM).
readonly common_src="$src_root/common/SearchServerMain.java"
readonly cache="${CDK8S_TRACING_CACHE:-$HOME/.cache/cdk8s-tracing}"
readonly repo="$cache/search-servers-m2"
# shellcheck source=_maven-jars.sh
source "$here/_maven-jars.sh"

# engine folder, version, main class, override variable
readonly engines=(
  "opensearch 2.19.6 OpenSearchServer OPENSEARCH_BIN"
  "elasticsearch7 7.17.29 Elasticsearch7Server ELASTICSEARCH7_BIN"
  "elasticsearch8 8.19.21 Elasticsearch8Server ELASTICSEARCH8_BIN"
)

java_bin=""
java_major=""
check_tools() {
  [[ -n "$java_bin" ]] && return 0
  require_java17 search-servers java javac jar mvn
}

# The JVM settings of every launcher: 512 MB heap was enough for each (measured), the serial
# collector costs the least CPU on a shared 2-core machine.
readonly jvm_flags='-Xms512m -Xmx512m -XX:+UseSerialGC -Xss1m -Djava.awt.headless=true -Dfile.encoding=UTF-8'

build_engine() {
  local engine=$1 version=$2 main=$3
  local src="$src_root/$engine" dest="$cache/$engine-$version" work lib
  local hash
  # This script (launcher flags, module layout), the engine's folder and the common main.
  hash="$( (cat "$here/search-servers.sh" "$here/_maven-jars.sh" "$common_src" && cd "$src" && find . -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)"
  if [[ -x "$dest/search-server" && "$(cat "$dest/sources.sha256" 2>/dev/null)" == "$hash" ]]; then
    echo "search-servers: $engine $version cached in $dest"
    return 0
  fi
  check_tools
  grep -q "<[a-z]*\.version>$version</[a-z]*\.version>" "$src/pom.xml" \
    || { echo "search-servers: $src/pom.xml does not pin version $version" >&2; exit 1; }

  local start=$SECONDS
  work="$dest.partial"
  rm -rf "$work"
  mkdir -p "$work/lib" "$work/classes"
  copy_pinned_jars "search-servers: $engine" "$src" "$work/lib" "$repo"

  local launch
  if [[ "$engine" == elasticsearch8 ]]; then
    # The server jars go on the module path; transport-netty4 and netty form a plugin bundle with
    # the descriptor its jar carries; our REST handlers (GET and HEAD /, creation dates) another.
    local netty="$work/modules/transport-netty4" own="$work/modules/search-server"
    mkdir -p "$netty" "$own" "$work/plugin-classes"
    mv "$work/lib"/transport-netty4-*.jar "$work/lib"/netty-*.jar "$netty/"
    (cd "$netty" && jar --extract --file "transport-netty4-$version.jar" META-INF/es-plugins/transport-netty4/ \
      && mv META-INF/es-plugins/transport-netty4/* . && rm -r META-INF)
    javac --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$work/lib/*" -d "$work/plugin-classes" "$src/plugin/searchserver/SearchServerPlugin.java"
    jar --create --file "$own/search-server.jar" -C "$work/plugin-classes" .
    rm -rf "$work/plugin-classes"
    sed "s/@VERSION@/$version/g" "$src/plugin/plugin-descriptor.properties.in" >"$own/plugin-descriptor.properties"
    javac --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$work/lib/*" -d "$work/classes" "$src/$main.java" "$common_src"
    launch="--module-path \"\$here/lib\" --add-modules ALL-MODULE-PATH -Dsearch-server.modules=\"\$here/modules\" -cp \"\$here/classes\" $main"
  else
    javac --release 17 -Xlint:all -Werror -encoding UTF-8 -cp "$work/lib/*" -d "$work/classes" "$src/$main.java" "$common_src"
    launch="-cp \"\$here/classes:\$here/lib/*\" $main"
  fi
  cat >"$work/search-server" <<EOF
#!/usr/bin/env bash
# Generated by scripts/programs/search-servers.sh: $engine $version on 127.0.0.1, plain HTTP.
# usage: search-server --http-port <port> --transport-port <port> --dir <directory>
here="\$(cd "\$(dirname "\$(readlink -f "\$0")")" && pwd)"
exec "$java_bin" $jvm_flags $launch "\$@"
EOF
  chmod +x "$work/search-server"
  echo "$hash" >"$work/sources.sha256"
  rm -rf "$dest"
  mv "$work" "$dest"
  echo "search-servers: built $engine $version (Java $java_major, $(ls "$dest/lib" | wc -l) jars on Maven Central) into $dest in $((SECONDS - start)) s"
}

for entry in "${engines[@]}"; do
  read -r engine version main var <<<"$entry"
  if [[ -n "${!var:-}" ]]; then
    [[ -x "${!var}" ]] || { echo "search-servers: $var=${!var} is not an executable" >&2; exit 1; }
    echo "search-servers: using $var=${!var}; $engine not built"
    continue
  fi
  build_engine "$engine" "$version" "$main"
done
