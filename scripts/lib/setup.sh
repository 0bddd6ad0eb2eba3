# Shared by scripts/tlsprobe, scripts/test and scripts/bench: make sure the
# system packages the build links against are present, then build.
# Sourced, not run: it sets $ROOT and defines functions.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"

# Debian packages the build needs. pkg-config finds OpenSSL, libcap and libelf;
# the -dev packages carry the headers the C module maps import (libelf-dev:
# elfutils' libelf, which `tlsprobe audit` reads ELF files with; libarchive-dev: the
# header of the library it reads packages and tar archives with as streams, loaded
# with dlopen at run time and never linked, so not asked of pkg-config). iproute2's
# `ip` flushes the TFO cookie cache inside the private namespaces of --kernel-tfo.
REQUIRED_PACKAGES=(libssl-dev libcap-dev libelf-dev libarchive-dev pkg-config iproute2)
# What scripts/bench measures with: hyperfine times commands, GNU time reports
# peak RSS, the openssl CLI is the alternative the matrix is compared with, and
# binutils' objdump and nm the ones `tlsprobe audit` is compared with; wrk drives
# HTTP load through examples/relay (figure 6); python3 reads the suite audit's JSON
# (figure 7, scripts/bench.d/suite-audit).
BENCH_PACKAGES=(hyperfine time openssl binutils wrk python3)
# What only the tests need: xmllint validates the JUnit output against docs/junit.xsd,
# python3-jsonschema the JSON against docs/report-schema.json and docs/audit-schema.json;
# gcc and libc6-dev build the audit's C fixtures (one statically linked) and the BIO plug-ins, binutils'
# objdump cross-checks what the audit reads from real packages; rpm's rpmbuild makes the .rpm the audit reads;
# RelayTests run curl through examples/relay to an `openssl s_server` origin.
TEST_PACKAGES=(libxml2-utils python3 python3-jsonschema gcc libc6-dev binutils rpm curl openssl)

missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
    done
}

# Installs what is missing when root; otherwise prints the exact command and
# exits 3 ("the environment cannot run probes at all").
ensure_packages() {
    local missing
    missing=$(missing_packages "$@" | tr '\n' ' ')
    missing=${missing% }
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "tlsprobe: missing system packages: $missing" >&2
        echo "tlsprobe: install them with: sudo apt-get install -y $missing" >&2
        exit 3
    fi
    echo "tlsprobe: installing $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >&2
}

require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "tlsprobe: no Swift toolchain on PATH (expected /opt/swift/usr/bin)" >&2
        exit 3
    fi
}

# Builds the release binary. SwiftPM itself decides what is stale, so a
# second run with unchanged sources costs about a second. The Swift runtime is
# linked statically: every matrix starts a parent and one worker per runtime,
# and loading the shared Swift libraries was a fifth of a matrix's wall time
# (docs/benchmarks.md); the binary is larger for it.
build_release() {
    require_swift
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --product tlsprobe >&2)
    TLSPROBE_BIN="$ROOT/.build/release/tlsprobe"
    stamp_release
}

# The release binary with this checkout's commit in it (scripts/lib/stamp-commit), so its
# `--version` names what it was built from: a copy in .build/release/stamped/, never the
# build's own output (stamping that in place would make the next `swift build` relink).
# Made again only when the binary or the commit changed; without git or objcopy (binutils)
# the plain binary runs and says `commit unknown`.
stamp_release() {
    command -v objcopy >/dev/null && git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1 || return 0
    local folder="$ROOT/.build/release/stamped" commit
    commit=$(git -C "$ROOT" rev-parse HEAD)
    [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no) ]] || commit+=-dirty
    if [[ ! -x $folder/tlsprobe || $TLSPROBE_BIN -nt $folder/tlsprobe || $(cat "$folder/commit" 2>/dev/null) != "$commit" ]]; then
        mkdir -p "$folder"
        cp "$TLSPROBE_BIN" "$folder/tlsprobe.new"
        "$ROOT/scripts/lib/stamp-commit" "$folder/tlsprobe.new" "$commit" >/dev/null
        mv -f "$folder/tlsprobe.new" "$folder/tlsprobe"
        printf '%s\n' "$commit" >"$folder/commit"
    fi
    TLSPROBE_BIN="$folder/tlsprobe"
}
