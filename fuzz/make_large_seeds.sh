#!/usr/bin/env bash
# Writes multi-megabyte seeds for the fuzz runs with large inputs (`-max_len=4000000`)
# into fuzz/target/seeds-large/<target>/ (never committed: the corpus stays small).
# Bulk import reads files over 256 KiB on several threads, cutting them into runs of
# whole lines at byte offsets; small inputs never reach that path. These files are
# authorized_keys / known_hosts files of 1 to 3.5 MB whose comments are multibyte
# (Japanese, emoji, combining marks, U+FEFF) with mixed line endings, so that the cuts
# fall inside characters and between \r and \n. Every key is a throwaway.
set -euo pipefail
cd "$(dirname "$0")"
out=target/seeds-large
rm -rf "$out"
mkdir -p "$out"/{parse_bulk,known_hosts_plan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for spec in "ed25519" "ecdsa 256" "ecdsa 521" "rsa 2048"; do
  set -- $spec
  ssh-keygen -q -t "$1" ${2:+-b "$2"} -N '' -C '' -f "$tmp/id_$1_${2:-0}"
done
cat "$tmp"/*.pub | sed 's/ *$//' > "$tmp/keys"
grep -v '^$' "$tmp/keys" | awk '{print "foo.example.com " $0}' > "$tmp/plain"
ssh-keygen -H -f "$tmp/plain" >/dev/null 2>&1
cp "$tmp/plain" "$tmp/hashed"

python3 - "$tmp/keys" "$tmp/hashed" "$out" <<'PY'
import random, sys
keys = [l.strip() for l in open(sys.argv[1]) if l.strip()]
hashed = [l.strip() for l in open(sys.argv[2]) if l.strip() and not l.startswith('#')]
out = sys.argv[3]
rng = random.Random(20240611)
words = ["東京オフィス", "サーバー管理", "開発チームの鍵", "🔑", "👩‍💻", "e\u0301", "\u0301\u0308", "\ufeff",
         "한국어", "中文注释", "Ελληνικά", "\u3000", "\t", "x" * 7]
options = ["", "no-pty ", 'restrict,command="echo \\"hi there\\"" ', 'from="10.0.0.0/8,東京.example" ',
           'environment="NAME=värde 🔑" ']
endings = ["\n"] * 5 + ["\r\n"] * 3 + ["\r"]

def comment(n):
    return "".join(rng.choice(words) for _ in range(n))

def bulk_line():
    r = rng.random()
    if r < 0.6:
        return f"{rng.choice(options)}{rng.choice(keys)} {comment(rng.randint(1, 120))}"
    if r < 0.75:
        return "# " + comment(rng.randint(0, 60))
    if r < 0.85:
        return rng.choice(["", "  ", "\t", "\ufeff"])
    return comment(rng.randint(1, 40))  # junk

def write(path, size, line, ends, bom=False, final=True, head=""):
    parts, n = [head] if head else [], len(head)
    if bom:
        parts.append("\ufeff")
    while n < size:
        s = line() + rng.choice(ends)
        parts.append(s)
        n += len(s.encode())
    text = "".join(parts)
    if not final:
        text = text.rstrip("\r\n")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)

write(f"{out}/parse_bulk/japanese-comments-lf-3mb", 3_000_000,
      lambda: f"{rng.choice(keys)} {comment(rng.randint(20, 200))}", ["\n"])
write(f"{out}/parse_bulk/mixed-endings-bom-2mb", 2_000_000, bulk_line, endings, bom=True)
write(f"{out}/parse_bulk/mixed-no-final-newline-3500kb", 3_500_000, bulk_line, endings, final=False)
write(f"{out}/parse_bulk/just-over-256k-crlf", 262_144 + 5_000, bulk_line, ["\r\n"])

hosts = ["foo.example.com", "old.example.com,192.0.2.7", "[old.example.com]:2222", "*.example.com,!bad.example.com",
         "東京.example", "[10.0.0.5]:2200,10.0.0.5"]
def kh_line():
    r = rng.random()
    if r < 0.3:
        return rng.choice(hashed) + " " + comment(rng.randint(0, 20))
    if r < 0.75:
        marker = rng.choice(["", "", "", "@cert-authority ", "@revoked "])
        sep = rng.choice([" ", "\t"])
        return f"{marker}{rng.choice(hosts)}{sep}{rng.choice(keys)} {comment(rng.randint(0, 30))}"
    if r < 0.85:
        return "# " + comment(rng.randint(0, 40))
    if r < 0.9:
        return ""
    return comment(rng.randint(1, 30))

queries = "foo.example.com old.example.com [old.example.com]:2222 10.0.0.5:2200\n"
write(f"{out}/known_hosts_plan/hashed-and-multibyte-3mb", 3_000_000, kh_line, endings, head=queries)
write(f"{out}/known_hosts_plan/crlf-no-final-newline-1mb", 1_000_000, kh_line, ["\r\n"], final=False, head=queries)
PY
ls -l "$out"/*/
