#!/bin/sh
# Sharing packs between stores (docs/packs.md, "Send a pack to another store"): bundle ->
# sign -> trust -> install -> a plan names the pack -> update -> the lock pins the old version
# until locked again; every hostile bundle refused with exit 3 and nothing installed; two
# stores sharing through an index served over HTTP on 127.0.0.1.
. tests/e2e/lib.sh
PY=/usr/bin/python3
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$TMP"' EXIT
export MPLAN_HOME="$TMP/home1" MPLAN_KEYS_DIR="$TMP/nokeys" MPLAN_INDEX="$TMP/noindex"
cd "$TMP" 2>/dev/null || exit 2
OLDPWD_REPO=$OLDPWD

# A pack whose KPI says which version ran: 1 for 1.0.0, 2 for 1.1.0.
make_pack() { # DIR NAME VERSION VALUE [REQUIRES]
    mkdir -p "$1/tests"
    printf 'name: %s\nversion: %s\nsummary: Reports version %s of %s\nmplan: ">=1.0"\nprovides: {kpis: [ver]}\n' \
        "$2" "$3" "$3" "$2" >"$1/pack.yaml"
    [ -n "$5" ] && printf 'requires: {%s}\n' "$5" >>"$1/pack.yaml"
    printf 'local M = {}\nfunction M.ver(t, params) return %s end\nreturn M\n' "$4" >"$1/init.lua"
    printf 'local pack = require("init")\nassert(pack.ver({}, {}) == %s)\n' "$4" >"$1/tests/basic.lua"
}
make_pack v100 verpack 1.0.0 1
make_pack v110 verpack 1.1.0 2
"$MPLAN" key new alice >/dev/null && "$MPLAN" key new mallory >/dev/null || fail "key new" "no keys"
[ "$(stat -c %a alice.key)" = 600 ] && ok "the secret key is mode 0600" || fail "the secret key is mode 0600" "$(stat -c %a alice.key)"

# ---- bundle: reproducible, its MANIFEST the digests python computes ----
expect_exit "bundle a pack" 0 "$MPLAN" pack bundle v100 -o a.mpack
touch v100/init.lua
expect_exit "bundle it again" 0 "$MPLAN" pack bundle v100 -o b.mpack
cmp -s a.mpack b.mpack && ok "same files, same bytes" || fail "same files, same bytes" "a.mpack and b.mpack differ"
$PY - a.mpack v100 <<'EOF' && ok "MANIFEST holds each file's SHA-256 and size; fixed owner and time" || fail "bundle contents" "see above"
import hashlib, os, sys, tarfile
t = tarfile.open(sys.argv[1])
names = t.getnames()
assert names == ["MANIFEST", "files/init.lua", "files/pack.yaml", "files/tests/basic.lua"], names
for m in t.getmembers():
    assert m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.isfile(), (m.name, m.mtime, m.uid)
man = t.extractfile("MANIFEST").read().decode().splitlines()
assert man[:3] == ["mplan-bundle 1", "name verpack", "version 1.0.0"], man
files = [l.split(" ", 3) for l in man if l.startswith("file ")]
for _, sha, size, rel in files:
    data = open(os.path.join(sys.argv[2], rel), "rb").read()
    assert sha == hashlib.sha256(data).hexdigest() and int(size) == len(data), rel
assert [f[3] for f in files] == ["init.lua", "pack.yaml", "tests/basic.lua"]
EOF
mkdir -p failing && cp -r v100/. failing/ && echo 'assert(false, "nope")' >failing/tests/basic.lua
expect_exit "bundle runs the pack's tests first (exit 1)" 1 "$MPLAN" pack bundle failing -o f.mpack
[ ! -e f.mpack ] && ok "no bundle from a pack whose tests fail" || fail "no bundle from a pack whose tests fail" "f.mpack written"

# ---- signatures and trust ----
expect_exit "an unsigned bundle is refused (exit 3)" 3 "$MPLAN" pack install a.mpack
expect_err "the refusal says how to allow it" "is not signed; refused (install it anyway with --allow-unsigned"
expect_exit "sign a bundle" 0 "$MPLAN" pack sign a.mpack --key alice.key
expect_exit "a key not in the trust list is refused (exit 3)" 3 "$MPLAN" pack install a.mpack
expect_err "the refusal names the signer" "signed by 'alice'"
expect_exit "trust add" 0 "$MPLAN" trust add alice.pub
"$MPLAN" trust list | grep -q '^alice ' && ok "trust list shows alice" || fail "trust list shows alice" "$("$MPLAN" trust list)"
expect_exit "install a trusted bundle" 0 "$MPLAN" pack install a.mpack
[ -f home1/packs/verpack/1.0.0/init.lua ] && ok "installed as NAME/VERSION" || fail "installed as NAME/VERSION" "$(find home1 | head)"
expect_exit "the same bundle again: installed already" 0 "$MPLAN" pack install a.mpack
grep -q 'verpack 1.0.0 is installed already' "$TMP/out" && ok "it says so" || fail "it says so" "$(cat "$TMP/out")"
mkdir -p other && cp -r v100/. other/ && echo '-- changed' >>other/init.lua
"$MPLAN" pack bundle other -o other.mpack --sign alice.key >/dev/null
expect_exit "other files under an installed version are refused" 3 "$MPLAN" pack install other.mpack
expect_err "it says to remove the installed one first" "is installed already with other files"
"$MPLAN" pack bundle v100 -o unsigned.mpack >/dev/null
"$MPLAN" pack remove verpack@1.0.0 >/dev/null
expect_exit "an unsigned bundle with --allow-unsigned" 0 "$MPLAN" pack install unsigned.mpack --allow-unsigned
"$MPLAN" pack list | grep -q '^verpack  *1.0.0  *UNSIGNED' && ok "pack list marks an unsigned pack" ||
    fail "pack list marks an unsigned pack" "$("$MPLAN" pack list)"
"$MPLAN" pack remove verpack >/dev/null && "$MPLAN" pack install a.mpack >/dev/null
"$MPLAN" pack list | grep -q '^verpack  *1.0.0  *signed by alice' && ok "pack list names the signer" ||
    fail "pack list names the signer" "$("$MPLAN" pack list)"

# ---- a plan names the pack; an update; the lock pins the old version ----
# two-exp.yaml with the pack's KPI; the KPI's value is the version that ran.
cp "$OLDPWD_REPO/tests/e2e/plans/two-exp.yaml" plan.yaml
printf 'packs:\n  - {name: verpack, version: "^1.0"}\n' >>plan.yaml
ver_ran() { "$MPLAN" run "$1" --format json | $PY -c 'import json,sys; print(json.load(sys.stdin)["kpis"]["custom"]["verpack.ver"])'; }
[ "$(ver_ran plan.yaml)" = 1.0 ] && ok "a plan runs the pack by name" || fail "a plan runs the pack by name" "$(ver_ran plan.yaml 2>&1)"
expect_exit "lock the plan" 0 "$MPLAN" pack lock plan.yaml
grep -q '^  signer: alice (' plan.lock && grep -q '^  version: 1.0.0$' plan.lock && ok "the lock records version and signer" ||
    fail "the lock records version and signer" "$(head -12 plan.lock)"
"$MPLAN" pack bundle v110 -o verpack-1.1.0.mpack --sign alice.key >/dev/null
expect_exit "install the new version beside the old" 0 "$MPLAN" pack install verpack-1.1.0.mpack
[ "$(ver_ran plan.yaml)" = 1.0 ] && ok "the lock pins 1.0.0 after the update" || fail "the lock pins 1.0.0 after the update" "$(ver_ran plan.yaml 2>&1)"
cp plan.yaml unlocked.yaml
[ "$(ver_ran unlocked.yaml)" = 2.0 ] && ok "without a lock the highest in range runs" || fail "without a lock the highest in range runs" "$(ver_ran unlocked.yaml 2>&1)"
expect_exit "lock again" 0 "$MPLAN" pack lock plan.yaml
[ "$(ver_ran plan.yaml)" = 2.0 ] && ok "locked again, 1.1.0 runs" || fail "locked again, 1.1.0 runs" "$(ver_ran plan.yaml 2>&1)"
sed 's/"\^1.0"/"~1.0.0"/' unlocked.yaml >tilde.yaml
[ "$(ver_ran tilde.yaml)" = 1.0 ] && ok "a range ~1.0.0 picks 1.0.0" || fail "a range ~1.0.0 picks 1.0.0" "$(ver_ran tilde.yaml 2>&1)"
sed 's/"\^1.0"/"^2"/' unlocked.yaml >two.yaml
expect_exit "a range no installed version satisfies (exit 3)" 3 "$MPLAN" run two.yaml
# column 30: the range's opening quote in `  - {name: verpack, version: "^2"}`
expect_err "it names the plan's line and what is installed" "two.yaml:$(grep -c '' two.yaml):30: no installed version of pack 'verpack' satisfies '^2' (installed: 1.0.0, 1.1.0)"

# ---- hostile bundles: each refused with exit 3, nothing installed ----
$PY - <<'EOF'
import gzip, hashlib, io, tarfile
def bundle(path, entries, manifest=True, listed=None):
    """entries: (name, data, kind); MANIFEST lists `listed` (default: every regular file)"""
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    files = [(n, d) for n, d, kind in (listed or entries) if kind == "file" and n.startswith("files/")]
    if manifest:
        man = "mplan-bundle 1\nname evil\nversion 1.0.0\n" + "".join(
            "file %s %d %s\n" % (hashlib.sha256(d).hexdigest(), len(d), n[6:]) for n, d in sorted(files))
        ti = tarfile.TarInfo("MANIFEST"); ti.size = len(man)
        t.addfile(ti, io.BytesIO(man.encode()))
    for n, d, kind in entries:
        ti = tarfile.TarInfo(n)
        if kind == "file":
            ti.size = len(d); t.addfile(ti, io.BytesIO(d)); continue
        ti.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE,
                   "fifo": tarfile.FIFOTYPE}[kind]
        ti.linkname = d.decode() if d else ""
        if kind == "chr": ti.devmajor, ti.devminor = 1, 3
        t.addfile(ti)
    t.close()
    open(path, "wb").write(gzip.compress(buf.getvalue(), compresslevel=1, mtime=0))
ok_files = [("files/pack.yaml", b'name: evil\nversion: 1.0.0\nmplan: ">=1.0"\n', "file"), ("files/init.lua", b"return {}\n", "file")]
bundle("dotdot.mpack", ok_files + [("files/../../escaped", b"x", "file")])
bundle("abs.mpack", ok_files + [("/tmp/abs-escaped", b"x", "file")])
bundle("symlink.mpack", ok_files + [("files/link", b"/etc/passwd", "symlink")])
bundle("hardlink.mpack", ok_files + [("files/hard", b"/etc/passwd", "hardlink")])
bundle("device.mpack", ok_files + [("files/null", b"", "chr")])
bundle("fifo.mpack", ok_files + [("files/fifo", b"", "fifo")])
bundle("big.mpack", ok_files + [("files/big.lua", b"-" * (16 * 1024 * 1024 + 1), "file")])
bundle("bomb.mpack", ok_files + [("files/b%d.lua" % i, b"-" * (15 * 1024 * 1024), "file") for i in range(5)], manifest=False)
bundle("many.mpack", ok_files + [("files/m%04d.lua" % i, b"", "file") for i in range(1001)])
bundle("extra.mpack", ok_files + [("files/unlisted.lua", b"x", "file")], listed=ok_files)
bundle("missing.mpack", ok_files, listed=ok_files + [("files/gone.lua", b"x", "file")])
# a listed file left out, and a file not listed
t = tarfile.open("a.mpack")
# changed byte inside a file, re-compressed: the digest no longer matches
buf = io.BytesIO(); out = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
for m in t.getmembers():
    d = t.extractfile(m).read()
    if m.name == "files/init.lua": d = d.replace(b"return 1", b"return 9")
    out.addfile(m, io.BytesIO(d))
out.close(); open("changed.mpack", "wb").write(gzip.compress(buf.getvalue(), compresslevel=1, mtime=0))
# MANIFEST rewritten to match the changed file: the signature no longer matches
buf = io.BytesIO(); out = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
evil = None
for m in t.getmembers():
    d = t.extractfile(m).read()
    if m.name == "files/init.lua":
        old = hashlib.sha256(d).hexdigest(); d = d.replace(b"return 1", b"return 9"); evil = (old, hashlib.sha256(d).hexdigest())
    out.addfile(m, io.BytesIO(d))
out.close()
raw = buf.getvalue()
# MANIFEST comes first: patch the digest in place (same length)
raw = raw.replace(evil[0].encode(), evil[1].encode(), 1)
open("resigned.mpack", "wb").write(gzip.compress(raw, compresslevel=1, mtime=0))
# one byte of the compressed file flipped
b = bytearray(open("a.mpack", "rb").read()); b[len(b) // 2] ^= 0x01
open("flipped.mpack", "wb").write(bytes(b))
EOF
[ -f flipped.mpack ] || fail "craft hostile bundles" "python3 failed"
before=$("$MPLAN" pack list)
hostile() { # NAME FILE TEXT
    expect_exit "$1 is refused (exit 3)" 3 "$MPLAN" pack install "$2" --allow-unsigned
    expect_err "$1: the message says why" "$3"
}
hostile "an entry with ../" dotdot.mpack "entry 'files/../../escaped' refused: a '..' component"
hostile "an absolute entry" abs.mpack "entry '/tmp/abs-escaped' refused: an absolute path"
hostile "a symbolic link" symlink.mpack "entry 'files/link' refused: a symbolic link"
hostile "a hard link" hardlink.mpack "entry 'files/hard' refused: a hard link"
hostile "a device" device.mpack "entry 'files/null' refused: a character device"
hostile "a FIFO" fifo.mpack "entry 'files/fifo' refused: a FIFO"
hostile "a file over 16 MiB" big.mpack "entry 'files/big.lua' is larger than 16 MiB unpacked"
hostile "over 64 MiB unpacked (a bomb)" bomb.mpack "more than 64 MiB unpacked"
hostile "more than 1000 files" many.mpack "more than 1000 files"
hostile "a file MANIFEST does not list" extra.mpack "unlisted.lua is not listed in MANIFEST"
hostile "a changed byte in a file" changed.mpack "init.lua does not match its SHA-256 in MANIFEST"
hostile "a changed file with its digest changed too" resigned.mpack "the bundle was changed after it was signed"
hostile "a file MANIFEST lists but the bundle lacks" missing.mpack "gone.lua is listed in MANIFEST but missing"
hostile "a flipped byte of the compressed bundle" flipped.mpack "flipped.mpack: "
[ -e "$TMP/escaped" ] || [ -e /tmp/abs-escaped ] && fail "no entry escaped" "a file landed outside the store" || ok "no entry escaped"
[ "$("$MPLAN" pack list)" = "$before" ] && [ -z "$(find home1 -name '.tmp*')" ] && ok "nothing half installed" ||
    fail "nothing half installed" "$(find home1/packs)"
"$MPLAN" key new other >/dev/null && cp a.mpack m.mpack && "$MPLAN" pack sign m.mpack --key mallory.key >/dev/null
expect_exit "a signature by an untrusted key (exit 3)" 3 "$MPLAN" pack install m.mpack
expect_err "it names the untrusted key" "signed by 'mallory'"

# ---- an index, served over HTTP; a second store ----
mkdir -p idx && cp a.mpack idx/verpack-1.0.0.mpack && cp verpack-1.1.0.mpack idx/
# 'uses' requires verpack and calls it: its KPI is 100 + the version verpack reports.
make_pack uses uses 1.0.0 7 'verpack: "^1.0"'
printf 'local v = require("verpack")\nlocal M = {}\nfunction M.ver(t, params) return 100 + v.ver(t, params) end\nreturn M\n' >uses/init.lua
printf 'assert(require("init").ver({}, {}) == 102)\n' >uses/tests/basic.lua
# 'stray' requires nothing, so verpack's modules are out of its reach.
make_pack stray stray 1.0.0 7
printf 'return {ver = function() return require("verpack").ver() end}\n' >stray/init.lua
make_pack cyc-a cyc-a 1.0.0 1 'cyc-b: "^1"'
make_pack cyc-b cyc-b 1.0.0 1 'cyc-a: "^1"'
for p in uses cyc-a cyc-b; do "$MPLAN" pack bundle $p -o idx/$p-1.0.0.mpack --sign alice.key >/dev/null || fail "bundle $p" "failed"; done
expect_exit "pack index" 0 "$MPLAN" pack index idx
$PY - idx <<'EOF' && ok "index.json lists each bundle with its digest and signer" || fail "index.json" "see above"
import hashlib, json, os, sys
d = json.load(open(os.path.join(sys.argv[1], "index.json")))
got = sorted((p["name"], p["version"]) for p in d["packs"])
assert got == [("cyc-a", "1.0.0"), ("cyc-b", "1.0.0"), ("uses", "1.0.0"), ("verpack", "1.0.0"), ("verpack", "1.1.0")], got
for p in d["packs"]:
    assert p["sha256"] == hashlib.sha256(open(os.path.join(sys.argv[1], p["file"]), "rb").read()).hexdigest()
    assert p["signer"]["name"] == "alice"
assert [p for p in d["packs"] if p["name"] == "uses"][0]["requires"] == {"verpack": "^1.0"}
EOF
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY -m http.server "$PORT" --bind 127.0.0.1 --directory idx >/dev/null 2>&1 &
SRV=$!
URL="http://127.0.0.1:$PORT"
i=0
until $PY -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$URL/index.json" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { fail "http server" "did not start"; finish; }; sleep 0.05
done
export MPLAN_HOME="$TMP/home2"
expect_exit "store 2: search the index" 0 "$MPLAN" pack search version --index "$URL"
[ "$(grep -c '^verpack ' "$TMP/out")" = 2 ] && ok "search finds both versions" || fail "search finds both versions" "$(cat "$TMP/out")"
expect_exit "store 2: install by name refused before trusting alice" 3 "$MPLAN" pack install verpack --index "$URL"
"$MPLAN" trust add alice.pub >/dev/null
expect_exit "store 2: install an old version by range over HTTP" 0 "$MPLAN" pack install 'verpack@~1.0.0' --index "$URL"
grep -q 'installed verpack 1.0.0' "$TMP/out" && ok "~1.0.0 installs 1.0.0" || fail "~1.0.0 installs 1.0.0" "$(cat "$TMP/out")"
expect_exit "store 2: pack update" 0 "$MPLAN" pack update
"$MPLAN" pack list | grep -q '^verpack  *1.1.0 ' && ok "update installs 1.1.0 from the index it came from" ||
    fail "update installs 1.1.0" "$("$MPLAN" pack list)"
expect_exit "store 2: an unsatisfiable range (exit 3)" 3 "$MPLAN" pack install 'verpack@^3' --index "$URL"
expect_err "it lists what the index has" "no version of pack 'verpack' satisfies '^3' ($URL has 1.0.0, 1.1.0)"
export MPLAN_HOME="$TMP/home3"
"$MPLAN" trust add alice.pub >/dev/null
expect_exit "store 3: install a pack with a dependency" 0 "$MPLAN" pack install uses --index "$URL"
"$MPLAN" pack list | awk '{print $1, $2}' | tr '\n' ' ' | grep -qx 'uses 1.0.0 verpack 1.1.0 ' &&
    ok "the dependency came from the same index" || fail "the dependency came from the same index" "$("$MPLAN" pack list)"
sed 's/name: verpack, version: "\^1.0"/name: uses/' "$TMP/unlocked.yaml" >uses.yaml
"$MPLAN" run uses.yaml --format json | $PY -c 'import json,sys; assert json.load(sys.stdin)["kpis"]["custom"]["uses.ver"] == 102' &&
    ok "a pack calls a module of the pack it requires" || fail "a pack calls a module of the pack it requires" "$("$MPLAN" run uses.yaml 2>&1 | tail -2)"
expect_exit "a pack cannot require a pack it does not depend on (its test fails)" 1 "$MPLAN" pack test stray
grep -qF "module 'verpack' not found: no file stray/verpack.lua" "$TMP/out" && ok "it is looked for in the pack itself only" || fail "it is looked for in the pack itself only" "$(cat "$TMP/out")"
expect_exit "store 3: a dependency cycle (exit 3)" 3 "$MPLAN" pack install cyc-a --index "$URL"
expect_err "it names the cycle" "dependency cycle: cyc-a -> cyc-b -> cyc-a"
"$MPLAN" pack list | grep -q '^cyc-' && fail "nothing of a cycle installed" "$("$MPLAN" pack list)" || ok "nothing of a cycle installed"
cp idx/verpack-1.1.0.mpack keep.mpack && cp flipped.mpack idx/verpack-1.1.0.mpack
expect_exit "a bundle that differs from the index's digest (exit 3)" 3 "$MPLAN" pack install verpack@1.1.0 --index "$URL"
expect_err "it says the bundle changed after the index" "is not the one the index lists"
cp keep.mpack idx/verpack-1.1.0.mpack
expect_exit "a missing index (exit 5)" 5 "$MPLAN" pack search x --index "$URL/nowhere"
expect_err "it names the URL and the HTTP status" "$URL/nowhere/index.json: HTTP 404"
expect_exit "remove a pack" 0 "$MPLAN" pack remove uses
expect_exit "remove it again (exit 3)" 3 "$MPLAN" pack remove uses
finish
