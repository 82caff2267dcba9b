#!/bin/sh
# The Debian packages `make deb` built (in DIR, default build/deb): each holds its part of
# the layout, the command finds its packs under /usr/share/mplan/rules, the library and
# pkg-config file sit in the multiarch directory. Lintian ran in `make deb` already.
# usage: sh tests/install/deb.sh [DIR]; prints ok/FAIL lines like tests/e2e.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
dir=${1:-build/deb}
unset MPLAN_RULES_PATH
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
v=$(dpkg-parsechangelog -l debian/changelog -SVersion)
major=$(sed -n 's/^#define MP_VERSION_MAJOR \([0-9]*\)$/\1/p' include/mplan/version.h)

# has PACKAGE PATH... : the package's .deb holds every PATH.
has() {
    pkg=$1
    shift
    deb=$dir/${pkg}_${v}_$(dpkg --print-architecture).deb
    [ -f "$deb" ] || { fail "$pkg .deb" "no $deb"; return; }
    dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$TMP/list"
    missing=
    for p in "$@"; do grep -qx "$p" "$TMP/list" || missing="$missing $p"; done
    [ -z "$missing" ] && ok "$pkg holds $*" || fail "$pkg contents" "missing:$missing"
    dpkg-deb -x "$deb" "$TMP/root"
}
has mplan /usr/bin/mplan /usr/libexec/mplan/mplan-share /usr/share/mplan/bundles/index.json /usr/share/mplan/keys/mplan-project.pub /usr/share/man/man1/mplan.1.gz /usr/share/bash-completion/completions/mplan \
    /usr/share/mplan/rules/roi-greedy/pack.yaml /usr/share/mplan/lua/mplan.d.lua
has "libmplan$major" "/usr/lib/$ma/libmplan.so.$major"
has libmplan-dev /usr/include/mplan/plan.h /usr/include/mplan/version.h "/usr/lib/$ma/libmplan.a" \
    "/usr/lib/$ma/libmplan.so" "/usr/lib/$ma/pkgconfig/mplan.pc"

R=$TMP/root
grep -qx 'prefix=/usr' "$R/usr/lib/$ma/pkgconfig/mplan.pc" &&
    grep -qx "libdir=\${exec_prefix}/lib/$ma" "$R/usr/lib/$ma/pkgconfig/mplan.pc" &&
    ok "mplan.pc: prefix /usr, libdir multiarch" || fail "mplan.pc" "$(grep dir= "$R/usr/lib/$ma/pkgconfig/mplan.pc")"
mkdir -p "$TMP/plan"
cp tests/e2e/plans/two-exp.yaml "$TMP/plan/p.yaml"
printf 'packs:\n  - {path: roi-greedy}\nallocator: roi-greedy.greedy\n' >>"$TMP/plan/p.yaml"
expect_exit "packaged mplan looks in /usr/share/mplan/rules" 5 "$R/usr/bin/mplan" run "$TMP/plan/p.yaml"
expect_err "packaged mplan names /usr/share/mplan/rules" "none on the rules path /usr/share/mplan/rules"
MPLAN_RULES_PATH=$R/usr/share/mplan/rules expect_exit "packaged mplan runs a plan with a packaged pack" 0 \
    "$R/usr/bin/mplan" run "$TMP/plan/p.yaml" --format csv
finish
