# Sourced by scripts/build-runtime-worker and scripts/test: runs SwiftPM so that
# COpenSSL compiles against a runtime folder's OpenSSL headers and links its
# libraries (a folder made by `tlsprobe runtime fetch`, with include/ and pkgconfig/).
#
#   swift_against_runtime RUNTIME_DIR SCRATCH_DIR SWIFTPM_ARGS...
#
# pkg-config finds the folder's openssl.pc first. SwiftPM puts every -L a .pc
# file gives in front of the others, and the host's libelf.pc and libcap.pc name
# the host's library folder, which also holds the host's libssl.so: copies of
# them that name no folder (the linker searches it by default, last) shadow
# them. A runtime with its own, newer libc has libraries that need symbols this
# host's libc lacks: the linker is told to allow that (they resolve at run time
# against the folder's libc), and where to find the libraries they need.
swift_against_runtime() {
  local runtime=$1 scratch=$2 pc dir
  shift 2
  mkdir -p "$scratch/pkgconfig"
  for pc in libelf libcap; do
    dir=$(pkg-config --variable=pcfiledir "$pc") || { echo "pkg-config cannot find $pc (apt-get install ${pc}-dev)" >&2; return 1; }
    sed -e 's/-L${libdir} *//' "$dir/$pc.pc" >"$scratch/pkgconfig/$pc.pc"
  done
  PKG_CONFIG_PATH=$scratch/pkgconfig:$runtime/pkgconfig \
    swift "$@" --scratch-path "$scratch" -Xlinker --allow-shlib-undefined -Xlinker "-rpath-link=$runtime"
}
