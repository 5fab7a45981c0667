#!/usr/bin/env bash
# Writes a seed corpus for every fuzz target into fuzz/target/seeds/<target>/ (not committed:
# the minimised corpus in fuzz/corpus/ is). Every key here is a throwaway made for the
# corpus with ssh-keygen and openssl; none is used anywhere.
set -euo pipefail
cd "$(dirname "$0")"
out=target/seeds
rm -rf "$out"
mkdir -p "$out"/{parse_key,parse_bulk,known_hosts_plan,host_query}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


seed() { cat > "$(mktemp "$out/$1/seed-XXXXXX")"; }

for spec in "ed25519" "ecdsa 256" "ecdsa 384" "ecdsa 521" "rsa 2048" "dsa 1024"; do
  set -- $spec
  f="$tmp/id_$1_${2:-0}"
  ssh-keygen -q -t "$1" ${2:+-b "$2"} -N '' -C "seed $spec" -f "$f"
  seed parse_key < "$f"
  seed parse_key < "$f.pub"
  ssh-keygen -e -f "$f.pub" | seed parse_key
  ssh-keygen -e -m PKCS8 -f "$f.pub" 2>/dev/null | seed parse_key || true
  ssh-keygen -e -m PEM -f "$f.pub" 2>/dev/null | seed parse_key || true
  cp "$f" "$f.pem"
  ssh-keygen -q -p -N '' -m PEM -f "$f.pem" >/dev/null 2>&1 && seed parse_key < "$f.pem" || true
  cp "$f" "$f.p8"
  ssh-keygen -q -p -N '' -m PKCS8 -f "$f.p8" >/dev/null 2>&1 && seed parse_key < "$f.p8" || true
  cp "$f" "$f.enc"
  ssh-keygen -q -p -N 'seed pass' -f "$f.enc" >/dev/null 2>&1 && seed parse_key < "$f.enc" || true
done
openssl ecparam -name prime256v1 -genkey 2>/dev/null | seed parse_key
openssl genpkey -algorithm ed25519 2>/dev/null | seed parse_key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null | tee "$tmp/rsa.pem" | seed parse_key
openssl rsa -in "$tmp/rsa.pem" -traditional 2>/dev/null | seed parse_key
openssl rsa -in "$tmp/rsa.pem" -pubout 2>/dev/null | seed parse_key
openssl rsa -in "$tmp/rsa.pem" -RSAPublicKey_out 2>/dev/null | seed parse_key
ed=$(cat "$tmp"/id_ed25519_0.pub)
rsa=$(cat "$tmp"/id_rsa_2048.pub)
printf '\xef\xbb\xbf\r\ncommand="echo \\"hi there\\"",no-pty %s\r\n' "$ed" | seed parse_key
printf '# comment\n\nrestrict,from="10.0.0.0/8" %s\n' "$rsa" | seed parse_key
printf 'ssh-ed25519-cert-v01@openssh.com AAAA x\n' | seed parse_key

# Bulk: authorized_keys files.
cat "$tmp"/*.pub | seed parse_bulk
printf '# team keys\n%s\nno-pty,command="x y" %s\n\nnot a key\nssh-rsa AAAA\n' "$ed" "$rsa" | seed parse_bulk
printf '\xef\xbb\xbf%s\r\n%s\r\n' "$ed" "$ed" | seed parse_bulk

# known_hosts: first line = queries, then the file.
kh="$tmp/known_hosts"
{
  echo "old.example.com,192.0.2.7 $(cut -d' ' -f1,2 "$tmp"/id_ed25519_0.pub)"
  printf '[old.example.com]:2222\t%s\r\n' "$(cut -d' ' -f1,2 "$tmp"/id_rsa_2048.pub)"
  echo "*.example.com,!bad.example.com $(cut -d' ' -f1,2 "$tmp"/id_ecdsa_256.pub)"
  echo "@cert-authority *.example.com $(cut -d' ' -f1,2 "$tmp"/id_ed25519_0.pub)"
  echo "@revoked old.example.com $(cut -d' ' -f1,2 "$tmp"/id_ecdsa_384.pub)"
  echo "# a comment"
  echo "broken line"
  echo "foo.example.com $(cut -d' ' -f1,2 "$tmp"/id_ecdsa_521.pub)"
  echo "[10.0.0.5]:2200,10.0.0.5 $(cut -d' ' -f1,2 "$tmp"/id_dsa_1024.pub)"
  printf 'last.example.com %s' "$(cut -d' ' -f1,2 "$tmp"/id_ed25519_0.pub)"
} > "$kh"
grep -v -e '^@' -e '^#' -e '^broken' "$kh" > "$tmp/hashed"
ssh-keygen -H -f "$tmp/hashed" >/dev/null 2>&1 || { echo "ssh-keygen -H failed" >&2; exit 1; }
{ echo "old.example.com [old.example.com]:2222 10.0.0.5:2200 foo.example.com"; cat "$kh"; } | seed known_hosts_plan
{ echo "old.example.com [old.example.com]:2222 10.0.0.5:2200 foo.example.com"; cat "$tmp/hashed"; } | seed known_hosts_plan
{ echo "192.0.2.7 bad.example.com"; cat "$kh"; } | seed known_hosts_plan
printf 'a\n' | seed known_hosts_plan

# Host queries.
for q in example.com Example.COM 192.0.2.7 host:2222 '[host]:2222' '[host]' '::1' 'fe80::1:2' \
         '[2001:db8::7]:22' ' host ' 'host:' 'host:0' 'host:65536' '[host' '*.example.com' '!host' 'a,b' 'h|x'; do
  printf '%s' "$q" | seed host_query
done
echo "seeds: $(find "$out" -type f | wc -l) files in $out/"
