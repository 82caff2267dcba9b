#!/bin/sh
# The layer check (docs/design.md "Layers"): every #include of src/ and include/mplan/ goes
# down, never up. Layers, lowest first:
#   core < io < lua < run < cli      (include/mplan/ is the public face, usable by all)
# - a file of src/L includes "M/..." only for M = mplan or a layer M at or below L;
# - Lua's headers (lua.h, lauxlib.h, lualib.h) only in src/lua; src/run and src/cli talk to
#   the host through Lua-free headers, so no header they include may pull Lua in, directly
#   or through other headers;
# - src/core does no I/O: no libyaml, jansson, libmd, POSIX file or directory headers;
# - src/cli reads the model through include/mplan: no core header;
# - include/mplan/ includes only include/mplan/ and the C library.
# Usage: sh tests/layers.sh [ROOT]   (ROOT: the source tree, default the current directory)
# Prints each violation as FILE:LINE: what, and exits 1 when there is any.
root=${1:-.}
cd "$root" || exit 2

files=$(find src include/mplan -name '*.[ch]' | LC_ALL=C sort)
[ -n "$files" ] || { echo "layers: no sources under $root" >&2; exit 2; }

# All include lines as FILE:LINE:KIND:TARGET (KIND q for "...", s for <...>).
incs=$(for f in $files; do
    awk -v f="$f" '
        /^[ \t]*#[ \t]*include[ \t]*"/ { split($0, a, "\""); print f ":" NR ":q:" a[2]; next }
        /^[ \t]*#[ \t]*include[ \t]*</ { split($0, a, "[<>]"); print f ":" NR ":s:" a[2] }' "$f"
done)

# Headers under src/ that pull Lua in, directly or through headers they include (a fixpoint).
lua_re='^(lua|lauxlib|lualib)\.h$'
tainted=$(printf '%s\n' "$incs" | awk -F: -v re="$lua_re" '$4 ~ re { print $1 }' | sort -u)
while :; do
    more=$(printf '%s\n' "$incs" | awk -F: -v t="$tainted" '
        BEGIN { n = split(t, a, "\n"); for (i = 1; i <= n; i++) bad[a[i]] = 1 }
        $3 == "q" && ("src/" $4) in bad { print $1 }' | sort -u)
    all=$(printf '%s\n%s\n' "$tainted" "$more" | grep -v '^$' | sort -u)
    [ "$all" = "$tainted" ] && break
    tainted=$all
done

printf '%s\n' "$incs" | awk -F: -v re="$lua_re" -v t="$tainted" '
    BEGIN {
        rank["core"] = 0; rank["io"] = 1; rank["lua"] = 2; rank["run"] = 3; rank["cli"] = 4
        n = split(t, a, "\n"); for (i = 1; i <= n; i++) luaish[a[i]] = 1
        bad = 0
    }
    function fail(msg) { print $1 ":" $2 ": " msg; bad = 1 }
    {
        file = $1; kind = $3; tgt = $4
        split(file, p, "/")
        if (p[1] == "include") {
            if (kind == "q" && tgt !~ /^mplan\//)
                fail("the public header includes \"" tgt "\": include/mplan/ may include only include/mplan/")
            else if (tgt ~ re)
                fail("the public header includes <" tgt ">: the public API is Lua-free")
            next
        }
        layer = p[2]
        if (!(layer in rank)) { fail("a file outside the layers core, io, lua, run, cli"); next }
        if (tgt ~ re && layer != "lua") {
            fail("src/" layer " includes " tgt ": only src/lua may include Lua headers"); next
        }
        if (layer == "core" && kind == "s" && tgt ~ /^(yaml|jansson|sha2|dirent|fcntl|unistd)\.h$|^sys\//) {
            fail("src/core includes <" tgt ">: the core does no I/O"); next
        }
        if (kind != "q") next
        split(tgt, q, "/")
        if (q[1] == "mplan") next
        if (!(q[1] in rank)) { fail("src/" layer " includes \"" tgt "\": not under a layer"); next }
        if (rank[q[1]] > rank[layer]) {
            fail("src/" layer " includes \"" tgt "\": " q[1] " is above " layer " (layers go core < io < lua < run < cli)")
            next
        }
        if (layer == "cli" && q[1] == "core") {
            fail("src/cli includes \"" tgt "\": the CLI reads the model through include/mplan"); next
        }
        if ((layer == "run" || layer == "cli") && ("src/" tgt) in luaish)
            fail("src/" layer " includes \"" tgt "\", which includes Lua headers: go through a Lua-free header")
    }
    END { exit bad }'
rc=$?
n=$(printf '%s\n' "$files" | wc -l)
[ $rc -eq 0 ] && echo "layers: ok, $((n)) files, no include goes up"
exit $rc
