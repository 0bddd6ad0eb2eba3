# shellcheck shell=bash
# The man page and the shell completions, generated from the same argument
# definitions the binary parses. Sourced (after scripts/lib/setup.sh and
# build_release, which set $ROOT and $TLSPROBE_BIN) by scripts/install-extras,
# which installs them under a prefix, and by scripts/package, which puts them
# where Debian's man-db, bash-completion, zsh and fish look for a package's own.
#
#   generate_extras DIR   writes DIR/tlsprobe.1 (uncompressed), DIR/tlsprobe.bash,
#                         DIR/_tlsprobe (zsh) and DIR/tlsprobe.fish

generate_extras() {
    local dir=$1 page
    mkdir -p "$dir"
    # The man page: swift-argument-parser's GenerateManual plugin. It builds every
    # product first, and in its default release configuration it would replace
    # build_release's .build/release/tlsprobe with one linked to the shared Swift
    # runtime (it does not pass --static-swift-stdlib); the debug configuration is
    # the one `swift build` and scripts/test already build, so it costs nothing
    # there. The help text, and so the page, is the same in both.
    (cd "$ROOT" && swift package --allow-writing-to-package-directory generate-manual --configuration debug >&2)
    page="$ROOT/.build/plugins/GenerateManual/outputs/tlsprobe/tlsprobe.1"
    [ -f "$page" ] || { echo "extras: the manual plugin wrote no $page" >&2; return 1; }
    # The plugin lists every subcommand, hidden or not: drop the internal ones
    # (worker, runtime workers), each an `.It Em NAME` entry closed by its own .Bl … .El.
    awk '
        /^\.It Em (worker|workers)$/ { skipping = 1; depth = 0; next }
        skipping && /^\.Bl/ { depth++; next }
        skipping && /^\.El/ { if (--depth == 0) skipping = 0; next }
        !skipping { print }
    ' "$page" >"$dir/tlsprobe.1"
    if grep -qE '^\.It Em (worker|workers)$' "$dir/tlsprobe.1"; then
        echo "extras: hidden commands left in the manual" >&2
        return 1
    fi

    "$TLSPROBE_BIN" --generate-completion-script bash >"$dir/tlsprobe.bash"
    "$TLSPROBE_BIN" --generate-completion-script zsh >"$dir/_tlsprobe"
    "$TLSPROBE_BIN" --generate-completion-script fish >"$dir/tlsprobe.fish"
}
