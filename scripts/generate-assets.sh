#!/bin/bash
# Writes the generated files the Debian package ships, from the clap definitions:
# the man pages (assets/man/) and the bash, zsh and fish completions
# (assets/completions/). Run it after changing a command or its help; tests/package.rs
# fails while they differ from what `keyshelf man` and `keyshelf completions` print.
#
#   scripts/generate-assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
keyshelf=target/debug/keyshelf
rm -rf assets/man
"$keyshelf" man --dir assets/man >/dev/null
mkdir -p assets/completions
"$keyshelf" completions bash >assets/completions/keyshelf.bash
"$keyshelf" completions zsh >assets/completions/_keyshelf
"$keyshelf" completions fish >assets/completions/keyshelf.fish
echo "Wrote $(ls assets/man | wc -l) man pages to assets/man and 3 completion scripts to assets/completions."
