# post.sh of the rust layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Builds the crates a submission may `use` without Cargo: libc, rand and rand_xoshiro, DMOJ's
# set (its Rust executor's Cargo.toml, less its own `dmoj` crate, which Debian does not
# package), from the crate sources Debian's librust-*-dev packages install in
# /usr/share/cargo/registry, offline, with the layer's own rustc and the flags of the rust
# language's compile (-O, one codegen unit, the C runtime linked statically). Their rlibs go to
# /usr/lib/caged/rust-crates; the compile finds them with `-L dependency=` that directory and
# `--extern NAME=` the stable names linked in its extern/ (rustc wants lib*.rlib, and a second
# name of a crate in the searched directory would make it ambiguous). rustc reads a crate given
# by --extern only when the program names it: a program using none compiles as before.
set -eu
out=/usr/lib/caged/rust-crates
work=/tmp/caged-rust-crates
rm -rf "$work" "$out"
mkdir -p "$work/src" "$work/cargo-home" "$out/extern"
cat > "$work/Cargo.toml" <<'TOML'
[package]
name = "caged-rust-crates"
version = "0.0.0"
edition = "2021"

[dependencies]
libc = "0.2"
rand = "0.8"
rand_xoshiro = "0.6"

[profile.release]
opt-level = 3
codegen-units = 1
TOML
echo 'fn main() {}' > "$work/src/main.rs"
cat > "$work/cargo-home/config.toml" <<'TOML'
[source.crates-io]
replace-with = "debian-packages"

[source.debian-packages]
directory = "/usr/share/cargo/registry"

[net]
offline = true
TOML
cd "$work"
CARGO_HOME="$work/cargo-home" RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --offline --target-dir "$work/target"
# The dependencies' rlibs (each crate once: the build resolved one version of each).
for f in "$work"/target/release/deps/lib*.rlib; do cp "$f" "$out/"; done
for crate in libc rand rand_xoshiro; do
  set -- "$out"/lib"$crate"-*.rlib
  if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
    echo "rust crates: expected one rlib of $crate in $out, found: $*" >&2
    exit 1
  fi
  ln -s "../$(basename "$1")" "$out/extern/lib$crate.rlib"
done
chmod -R a+rX "$out"
cd /
rm -rf "$work"
ls -l "$out" "$out/extern"
