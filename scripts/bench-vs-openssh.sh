#!/bin/bash
# Reproduces BENCHMARKS.md: the side-by-side benchmark against OpenSSH (key generation,
# bulk import, known_hosts), the inventory at 100,000 key pairs, and memory, including
# the peak RSS of the real window (eframe under a private Xvfb display) idle with
# 100,000 key pairs loaded.
#
#   scripts/bench-vs-openssh.sh                 # everything (8 to 15 minutes, with the load)
#   scripts/bench-vs-openssh.sh --quick         # 5 runs each, to try it out
#   scripts/bench-vs-openssh.sh keygen import   # some sections (see benches/report.rs)
#   GUI_ONLY=1 scripts/bench-vs-openssh.sh      # only the window's memory
#
# Needs ssh-keygen and openssl; installs Xvfb (Debian package xvfb) if missing.
# Results: target/bench-results/report.md and target/bench-results/memory-gui.md.
# Run it on an otherwise idle machine: the RSA figures use both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
results=target/bench-results
mkdir -p "$results"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== $(ssh -V 2>&1); $(openssl version)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z ${GUI_ONLY:-} ]]; then
  cargo bench --bench report -- "$@"
fi

# ---- the real window's memory -------------------------------------------------------
wants_gui=1
for a in "$@"; do
  case $a in -*) ;; memory|all) wants_gui=1; break ;; *) wants_gui=0 ;; esac
done
[[ $wants_gui == 1 ]] || exit 0

fixture=target/bench-data/inventory-100k.sqlite3
if [[ ! -f $fixture ]]; then
  # Made by the report's scale/memory sections; a single quick run makes it.
  cargo bench --bench report -- --runs 1 memory >/dev/null
fi
cargo build --release --bin keyshelf
if ! command -v Xvfb >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq xvfb) >/dev/null 2>&1 || { echo "cannot install Xvfb" >&2; exit 1; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$fixture" "$tmp/inv100k.sqlite3"
idle=${IDLE_SECONDS:-12}

# Prints "peak_kib rss_kib" of the window after it has been idle for $idle seconds.
measure() {
  local db=$1 disp=:$((300 + RANDOM % 400))
  Xvfb "$disp" -screen 0 1280x800x24 >/dev/null 2>&1 &
  local xpid=$!
  sleep 1
  DISPLAY=$disp XDG_RUNTIME_DIR=$tmp target/release/keyshelf --db "$db" >"$tmp/app.log" 2>&1 &
  local apid=$!
  sleep "$idle"
  if ! kill -0 "$apid" 2>/dev/null; then
    echo "the app exited early:" >&2; cat "$tmp/app.log" >&2
    kill "$xpid"; return 1
  fi
  local peak rss
  peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$apid/status")
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$apid/status")
  kill "$apid"; wait "$apid" 2>/dev/null || true
  kill "$xpid"; wait "$xpid" 2>/dev/null || true
  echo "$peak $rss"
}

echo "== window memory: empty inventory, then 100,000 key pairs ($idle s idle each)"
read -r e_peak e_rss < <(measure "$tmp/empty.sqlite3")
read -r b_peak b_rss < <(measure "$tmp/inv100k.sqlite3")
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
{
  echo "### Memory of the real window (eframe, Xvfb 1280x800, software rendering), idle ${idle} s after start"
  echo
  echo "| inventory | peak RSS (VmHWM) | RSS when idle |"
  echo "|---|---|---|"
  echo "| empty | $(mib "$e_peak") | $(mib "$e_rss") |"
  echo "| 100,000 key pairs | $(mib "$b_peak") | $(mib "$b_rss") |"
  echo "| difference (what 100,000 key pairs cost) | $(mib $((b_peak - e_peak))) | $(mib $((b_rss - e_rss))) |"
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results/memory-gui.md"
