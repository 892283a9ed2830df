# Shared by the build scripts of the Java programs the tests run (java-sampler, kafka, search
# servers): check the JDK, and copy a pom's runtime jars from Maven Central, exactly the pinned ones.
# Source this file; it defines two functions (their locals are prefixed: callers' globals are readonly).

# require_java17 NAME TOOL...
#   Exits unless every TOOL is on PATH and `java` is Java 17 or newer; sets java_bin and java_major.
#   NAME prefixes the messages.
require_java17() {
  local mj_name=$1 mj_tool
  shift
  for mj_tool in "$@"; do
    command -v "$mj_tool" >/dev/null || { echo "$mj_name: '$mj_tool' is not installed; cannot build $mj_name" >&2; exit 1; }
  done
  java_bin="$(readlink -f "$(command -v java)")"
  java_major="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  [[ "$java_major" =~ ^[0-9]+$ && "$java_major" -ge 17 ]] || { echo "$mj_name: $java_bin is Java '$java_major'; needs 17 or newer" >&2; exit 1; }
}

# copy_pinned_jars NAME SRC LIB [REPO]
#   Copies the runtime jars of SRC/pom.xml into LIB with `mvn dependency:copy-dependencies` and
#   strict checksums (-C), into the Maven repository REPO (default: Maven's own), then checks that
#   LIB holds exactly the jars of SRC/jars.sha256, each with its pinned SHA-256.
copy_pinned_jars() {
  local mj_name=$1 mj_src=$2 mj_lib=$3 mj_repo=${4:-}
  local mj_log="$mj_lib/../mvn.log"
  mvn -B -q -C -Dstyle.color=never ${mj_repo:+-Dmaven.repo.local="$mj_repo"} -f "$mj_src/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$mj_lib" >"$mj_log" 2>&1 \
    || { cat "$mj_log" >&2; echo "$mj_name: mvn dependency:copy-dependencies failed" >&2; exit 1; }
  rm "$mj_log"
  diff <(cd "$mj_lib" && ls -1 | sort) <(awk '{print $2}' "$mj_src/jars.sha256" | sort) >&2 \
    || { echo "$mj_name: the resolved jars differ from $mj_src/jars.sha256 (< resolved, > pinned)" >&2; exit 1; }
  (cd "$mj_lib" && sha256sum --quiet -c "$mj_src/jars.sha256") \
    || { echo "$mj_name: a jar's SHA-256 differs from $mj_src/jars.sha256" >&2; exit 1; }
}
