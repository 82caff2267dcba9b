#!/bin/sh
# `make install` into a temporary DESTDIR, as a user of the library sees it: exactly the
# files of the layout in docs/design.md; libmplan.so exporting the functions include/mplan
# declares and nothing else; C programs built with `pkg-config mplan` (shared, and fully
# static with --static) giving hand-computed answers; the installed mplan finding a shipped
# pack by name; `make uninstall` leaving nothing. Run by `make test-install` (MAKE, BUILD and
# PREFIX from there). Prints ok/FAIL lines like tests/e2e.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
: "${MAKE:=make}" "${BUILD:=build}" "${PREFIX:=/usr/local}" "${CC:=cc}"
unset MPLAN_RULES_PATH
PY=/usr/bin/python3
D=$TMP/dest
P=$D$PREFIX

# The version, from version.h's three numbers (the Makefile reads the same lines).
major=$(sed -n 's/^#define MP_VERSION_MAJOR \([0-9]*\)$/\1/p' include/mplan/version.h)
minor=$(sed -n 's/^#define MP_VERSION_MINOR \([0-9]*\)$/\1/p' include/mplan/version.h)
patch=$(sed -n 's/^#define MP_VERSION_PATCH \([0-9]*\)$/\1/p' include/mplan/version.h)
version=$major.$minor.$patch

if ! $MAKE --no-print-directory install DESTDIR="$D" PREFIX="$PREFIX" >"$TMP/log" 2>&1; then
    fail "make install" "$(tail -20 "$TMP/log")"
    finish
fi
ok "make install DESTDIR PREFIX=$PREFIX"

# ---- the layout: these files and links, nothing more ----
{
    echo "bin/mplan"
    echo "libexec/mplan/mplan-share"
    echo "lib/libmplan.a"
    echo "lib/libmplan.so"
    echo "lib/libmplan.so.$major"
    echo "lib/libmplan.so.$version"
    echo "lib/pkgconfig/mplan.pc"
    for h in include/mplan/*.h; do echo "$h"; done
    echo "share/man/man1/mplan.1"
    echo "share/bash-completion/completions/mplan"
    echo "share/mplan/lua/mplan.d.lua"
    find rules -type f ! -name '*.tmp.*' | sed 's|^|share/mplan/|'
    # the shipped packs whose committed signatures verify, bundled (Makefile `bundles`)
    (cd "$BUILD" && find bundles -type f) | sed 's|^|share/mplan/|'
    for k in dist/keys/*.pub; do echo "share/mplan/keys/${k##*/}"; done
} | LC_ALL=C sort >"$TMP/expected"
(cd "$P" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/installed"
if [ "$(cd "$D" && find . ! -type d ! -path ".$PREFIX/*")" ]; then
    fail "everything under PREFIX" "$(cd "$D" && find . ! -type d ! -path ".$PREFIX/*" | head -5)"
elif cmp -s "$TMP/expected" "$TMP/installed"; then
    ok "installed files: $(wc -l <"$TMP/installed") as docs/design.md lists"
else
    fail "installed files" "$(diff "$TMP/expected" "$TMP/installed" | head -20)"
fi
[ "$(readlink "$P/lib/libmplan.so")" = "libmplan.so.$major" ] &&
    [ "$(readlink "$P/lib/libmplan.so.$major")" = "libmplan.so.$version" ] &&
    ok "libmplan.so -> libmplan.so.$major -> libmplan.so.$version" ||
    fail "shared library links" "$(ls -l "$P/lib")"
[ -x "$P/bin/mplan" ] && [ ! -x "$P/lib/libmplan.so.$version" ] && [ ! -x "$P/share/man/man1/mplan.1" ] &&
    ok "modes: the binary executable, libraries and data not" || fail "modes" "$(ls -l "$P/bin" "$P/lib")"

# ---- the shared library: its soname, and only the public API exported ----
soname=$(readelf -d "$P/lib/libmplan.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libmplan.so.$major" ] && ok "soname libmplan.so.$major" || fail "soname" "'$soname'"
# The compiler's own list of the functions the installed headers declare (-aux-info).
for h in "$P"/include/mplan/*.h; do echo "#include <mplan/${h##*/}>"; done >"$TMP/all.c"
if $CC -std=c11 -I"$P/include" -fsyntax-only -aux-info "$TMP/all.aux" "$TMP/all.c" 2>"$TMP/err"; then
    grep -F "$P/include/mplan/" "$TMP/all.aux" | sed -E 's/^[^*]*\*\/ *//; s/ \(.*//; s/.*[ *]//' |
        LC_ALL=C sort -u >"$TMP/declared"
    nm -D --defined-only "$P/lib/libmplan.so.$version" | awk '{print $3}' | LC_ALL=C sort -u >"$TMP/exported"
    if [ "$(wc -l <"$TMP/declared")" -lt 50 ]; then
        fail "public functions" "only $(wc -l <"$TMP/declared") found in the headers"
    elif cmp -s "$TMP/declared" "$TMP/exported"; then
        ok "libmplan.so exports exactly the $(wc -l <"$TMP/declared") functions include/mplan declares"
    else
        fail "exports = declarations" "< declared only, > exported only: $(diff "$TMP/declared" "$TMP/exported" | grep '^[<>]' | head -20)"
    fi
    nm -D --defined-only "$P/lib/libmplan.so.$version" | awk '$2 != "T"' >"$TMP/data"
    [ -s "$TMP/data" ] && fail "no data exported" "$(head -5 "$TMP/data")" || ok "no data symbols exported"
else
    fail "headers compile alone" "$(head -5 "$TMP/err")"
fi

# ---- pkg-config: a program against the installed library, shared and static ----
grep -qx "prefix=$PREFIX" "$P/lib/pkgconfig/mplan.pc" && ok "mplan.pc prefix=$PREFIX" ||
    fail "mplan.pc prefix" "$(head -5 "$P/lib/pkgconfig/mplan.pc")"
# The install is staged in DESTDIR: the same .pc with its prefix moved there (libdir and
# includedir follow the prefix).
mkdir -p "$TMP/pc"
sed "s|^prefix=.*|prefix=$P|" "$P/lib/pkgconfig/mplan.pc" >"$TMP/pc/mplan.pc"
export PKG_CONFIG_PATH="$TMP/pc"
[ "$(pkg-config --modversion mplan)" = "$version" ] && ok "pkg-config --modversion mplan is $version" ||
    fail "pkg-config --modversion" "$(pkg-config --modversion mplan 2>&1)"
expected=$($PY -c '
import math
# tests/e2e/plans/two-exp.yaml: the optimum spends x = 2y, x + y = 1000; GMV is the baseline
# 100 plus 1000 (1 - e^(-x/500)) + 500 (1 - e^(-y/250)); channel a (paid) has 2/3 of the spend.
x, y = 2000 / 3, 1000 / 3
gmv = 100 + 1000 * (1 - math.exp(-x / 500)) + 500 * (1 - math.exp(-y / 250))
print("version %s %s" % ("'"$version"'", "'"$version"'"))
print("spend 0 %.6f\nspend 1 %.6f\ngmv %.6f\npaid_share %.6f" % (x, y, gmv, 2 / 3))')
plan=tests/e2e/plans/two-exp.yaml
if $CC -std=c11 -Wall -Wextra -Werror tests/install/embed.c -o "$TMP/embed" $(pkg-config --cflags --libs mplan) 2>"$TMP/err"; then
    ok "cc embed.c \$(pkg-config --cflags --libs mplan)"
    readelf -d "$TMP/embed" | grep -q "NEEDED.*\[libmplan.so.$major\]" && ok "embed links libmplan.so.$major" ||
        fail "embed links libmplan.so.$major" "$(readelf -d "$TMP/embed" | grep NEEDED)"
    out=$(LD_LIBRARY_PATH="$P/lib" "$TMP/embed" "$plan" "$P/share/mplan/rules/kpi-extra" 2>&1)
    [ "$out" = "$expected" ] && ok "embed (shared): allocation, GMV, a shipped pack's KPI" ||
        fail "embed (shared)" "got: $out; expected: $expected"
else
    fail "cc embed.c (shared)" "$(head -10 "$TMP/err")"
fi
if $CC -static -std=c11 -Wall -Wextra -Werror tests/install/embed.c -o "$TMP/embed-static" \
    $(pkg-config --static --cflags --libs mplan) 2>"$TMP/err"; then
    ok "cc -static embed.c \$(pkg-config --static --cflags --libs mplan)"
    readelf -d "$TMP/embed-static" 2>/dev/null | grep -q NEEDED && fail "embed-static is static" "it needs shared libraries" ||
        ok "embed-static needs no shared library"
    out=$("$TMP/embed-static" "$plan" "$P/share/mplan/rules/kpi-extra" 2>&1)
    [ "$out" = "$expected" ] && ok "embed (static): the same answers" || fail "embed (static)" "got: $out; expected: $expected"
else
    fail "cc -static embed.c" "$(grep -v 'statically linked applications' "$TMP/err" | head -10)"
fi

# ---- libmplan's run pipeline from the installed tree (tests/embed, docs/design.md) ----
# tests/embed/embed_run.c and the example of docs/design.md, built with pkg-config alone,
# print for every example plan the bytes the installed mplan prints with --format json.
sed -n '/^<!-- embed-example -->$/,/^<!-- \/embed-example -->$/p' docs/design.md | sed '/^<!--/d; /^```/d' \
    >"$TMP/embed_doc.c"
if $CC -std=c11 -Wall -Wextra -Werror tests/embed/embed_run.c -o "$TMP/embed_run" $(pkg-config --cflags --libs mplan) \
    2>"$TMP/err" && $CC -std=c11 -Wall -Wextra -Werror "$TMP/embed_doc.c" -o "$TMP/embed_doc" \
    $(pkg-config --cflags --libs mplan) 2>>"$TMP/err"; then
    ok "tests/embed/embed_run.c and the design.md example build with pkg-config mplan"
    for p in examples/*/*.yaml; do
        grep -q '^horizon:' "$p" || continue
        "$P/bin/mplan" run "$p" --format json >"$TMP/cli.json" 2>"$TMP/err" &&
            LD_LIBRARY_PATH="$P/lib" "$TMP/embed_run" "$p" >"$TMP/lib.json" 2>>"$TMP/err" &&
            cmp -s "$TMP/cli.json" "$TMP/lib.json" && ok "installed libmplan JSON = mplan run JSON: $p" ||
            fail "installed libmplan JSON = mplan run JSON: $p" "$(diff "$TMP/cli.json" "$TMP/lib.json" | head -3; head -c 300 "$TMP/err")"
    done
    LD_LIBRARY_PATH="$P/lib" "$TMP/embed_doc" examples/618-flagship/with-packs.yaml >"$TMP/doc.txt" 2>"$TMP/err" &&
        grep -q '^goal gmv	met$' "$TMP/doc.txt" && [ "$(grep -c '	' "$TMP/doc.txt")" -ge 6 ] &&
        ok "the design.md example runs against the installed library" ||
        fail "design.md example (installed)" "$(head -c 300 "$TMP/doc.txt" "$TMP/err")"
else
    fail "embedding programs with pkg-config" "$(head -10 "$TMP/err")"
fi

# ---- the installed mplan: version, packs by name ----
[ "$("$P/bin/mplan" --version)" = "mplan $version" ] && ok "installed mplan --version" ||
    fail "installed mplan --version" "$("$P/bin/mplan" --version 2>&1)"
grep -q "^\.TH MPLAN 1 \"[0-9-]*\" \"mplan $version\"" docs/mplan.1 && ok "the man page is of mplan $version" ||
    fail "the man page is of mplan $version" "$(head -1 docs/mplan.1)"
[ ! -f debian/changelog ] || { head -1 debian/changelog | grep -qE "^mplan \($version(-[^)]*)?\) " &&
    ok "debian/changelog is of mplan $version" || fail "debian/changelog version" "$(head -1 debian/changelog)"; }
mkdir -p "$TMP/plan"
cp "$plan" "$TMP/plan/p.yaml"
printf 'packs:\n  - {path: kpi-extra}\n' >>"$TMP/plan/p.yaml"
# Staged in DESTDIR, mplan looks for PREFIX/share/mplan/rules (compiled in): not there yet.
expect_exit "installed mplan, no packs at PREFIX yet (exit 5)" 5 "$P/bin/mplan" run "$TMP/plan/p.yaml"
expect_err "installed mplan looks in PREFIX/share/mplan/rules" "none on the rules path $PREFIX/share/mplan/rules"
MPLAN_RULES_PATH="$P/share/mplan/rules" expect_exit "installed mplan runs a plan naming an installed pack" 0 \
    "$P/bin/mplan" run "$TMP/plan/p.yaml" --format json
$PY - "$TMP/out" <<'EOF' && ok "the installed pack computes paid share 2/3" || fail "installed pack by name" "see above"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["kpis"]["custom"]["kpi-extra.paid_share"] - 2/3) < 1e-9, d["kpis"]["custom"]
EOF
(cd "$TMP" && MPLAN_RULES_PATH="$P/share/mplan/rules" "$P/bin/mplan" pack test roi-greedy >"$TMP/out" 2>&1) &&
    grep -qx '1 passed, 0 failed' "$TMP/out" && ok "installed pack passes its own tests" ||
    fail "installed pack passes its own tests" "$(tail -3 "$TMP/out")"

# The shipped bundles install by name, signed by the project key shipped beside them
# (staged in DESTDIR: the compiled-in directories are pointed at it).
for p in roi-greedy kpi-extra; do
    [ -f "$P/share/mplan/bundles/$p.mpack" ] || { fail "bundle $p shipped" "rules/$p changed since it was signed"; continue; }
    MPLAN_HOME="$TMP/store" MPLAN_INDEX="$P/share/mplan/bundles" MPLAN_KEYS_DIR="$P/share/mplan/keys" \
        expect_exit "installed mplan installs the shipped $p by name" 0 "$P/bin/mplan" pack install $p
done
MPLAN_HOME="$TMP/store" MPLAN_KEYS_DIR="$P/share/mplan/keys" "$P/bin/mplan" pack list >"$TMP/out" 2>&1
grep -q '^roi-greedy .* signed by mplan-project (' "$TMP/out" && ok "the shipped bundle is signed by mplan-project" ||
    fail "the shipped bundle is signed by mplan-project" "$(cat "$TMP/out")"

# ---- uninstall: nothing of mplan left ----
if $MAKE --no-print-directory uninstall DESTDIR="$D" PREFIX="$PREFIX" >"$TMP/log" 2>&1; then
    left=$(cd "$D" && find . ! -type d -o -type d -name '*mplan*')
    [ -z "$left" ] && ok "make uninstall leaves nothing" || fail "make uninstall leaves nothing" "$left"
else
    fail "make uninstall" "$(tail -5 "$TMP/log")"
fi
finish
