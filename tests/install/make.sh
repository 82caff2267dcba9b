#!/bin/sh
# The Makefile itself: pkg-config asked once per make, not per compiled file; a clear stop
# naming `make deps` when a library is missing (but not for the goals that install them
# first); `clean` removing BUILD (and its -san twin) only. Run by `make test-install`.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
: "${MAKE:=make}"
unset MAKEFLAGS MFLAGS MAKELEVEL

# A pkg-config that logs its calls, then answers as the real one.
cat >"$TMP/pkg-config" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/calls"
exec pkg-config "\$@"
EOF
chmod +x "$TMP/pkg-config"
# Everything a fresh build would run (-n: printed, not run), into a scratch BUILD.
if $MAKE -n BUILD="$TMP/b" PKG_CONFIG="$TMP/pkg-config" all >"$TMP/plan" 2>"$TMP/err"; then
    n=$(grep -c '' "$TMP/calls")
    cc=$(grep -c ' -c ' "$TMP/plan")
    # cflags, the library's libs and the command's extra libs (PCLIBS_CLI)
    [ "$n" -eq 3 ] && [ "$cc" -gt 40 ] && ok "pkg-config asked $n times (cflags, libs, command libs) for $cc compiles" ||
        fail "pkg-config asked once per make" "$n calls for $cc compiles: $(sort "$TMP/calls" | uniq -c | head -5)"
    grep -q -- '-Wsign-conversion' "$TMP/plan" && ! grep -q -- '-Wno-sign-conversion' "$TMP/plan" &&
        ok "-Wsign-conversion on" || fail "-Wsign-conversion on" "$(grep -m1 ' -c ' "$TMP/plan")"
else
    fail "make -n all" "$(head -5 "$TMP/err")"
fi

# A machine without the libraries: pkg-config finds none of them.
printf '#!/bin/sh\nexit 1\n' >"$TMP/no-pkg-config"
chmod +x "$TMP/no-pkg-config"
expect_exit "make without the libraries stops (exit 2)" 2 $MAKE -n BUILD="$TMP/b" PKG_CONFIG="$TMP/no-pkg-config"
expect_err "it names the libraries" "pkg-config finds no lua5.4 yaml-0.1 jansson libmd"
expect_err "it names make deps" "run \`make deps\` first"
grep -q 'lauxlib.h' "$TMP/err" && fail "no compiler error" "$(head -3 "$TMP/err")" || ok "no compiler error"
for goal in clean uninstall; do
    expect_exit "make $goal needs no libraries" 0 $MAKE -n BUILD="$TMP/b" PKG_CONFIG="$TMP/no-pkg-config" $goal
done

# clean removes BUILD and BUILD-san, nothing else.
mkdir -p "$TMP/b/src" "$TMP/b-san/src" "$TMP/keep"
touch "$TMP/b/src/x.o" "$TMP/b-san/src/x.o"
expect_exit "make BUILD=DIR clean" 0 $MAKE BUILD="$TMP/b" clean
[ ! -e "$TMP/b" ] && [ ! -e "$TMP/b-san" ] && [ -d "$TMP/keep" ] && ok "clean removed BUILD and BUILD-san only" ||
    fail "clean honours BUILD" "$(ls "$TMP")"
finish
