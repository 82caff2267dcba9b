# shellcheck shell=sh
# Shared set-up of the bench/*.sh scripts (not a benchmark: bench/run.sh skips it). A script
# moves to the repository root and sources it:
#     cd "$(dirname "$0")/.." || exit 2
#     . bench/lib.sh
#     bench_bin "$1"
# Python runs as Debian's /usr/bin/python3: the one `make deps-bench` gives numpy, scipy and
# pandas, whatever python3 comes first on PATH.
# shellcheck disable=SC2034 # used by the scripts that source this
PY=/usr/bin/python3

# bench_bin [MPLAN]: the mplan binary (default build/mplan) as an absolute path in $BIN, its
# build directory (where libmplan.a is) in $BUILD, and $OUT=$BUILD/bench, made, for generated
# files and helper binaries. Exits 2 with a usage line when there is no such executable.
bench_bin() {
    if ! BIN=$(realpath "${1:-build/mplan}" 2>/dev/null) || [ ! -x "$BIN" ]; then
        echo "usage: sh $0 [PATH/TO/mplan]   (no executable ${1:-build/mplan})" >&2
        exit 2
    fi
    BUILD=$(dirname "$BIN")
    OUT=$BUILD/bench
    mkdir -p "$OUT"
}

# bench_cc NAME [PKG...]: compile bench/NAME.c against $BUILD/libmplan.a (and the pkg-config
# packages PKG) into $OUT/NAME, with -O2.
bench_cc() {
    name=$1
    shift
    # shellcheck disable=SC2046 # pkg-config's flags are words
    ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Iinclude -Isrc \
        $([ $# -gt 0 ] && pkg-config --cflags "$@") "bench/$name.c" "$BUILD/libmplan.a" \
        $([ $# -gt 0 ] && pkg-config --libs "$@") -lm -o "$OUT/$name"
}

# run NAME CMD...: best wall time over $RUNS runs in $best (s), largest peak RSS in $rss (KiB),
# from /usr/bin/time; the output of the last run in $OUT/NAME.out, its stderr in
# $OUT/NAME.err. A failing run stops the script with the tail of its stderr.
run() {
    name=$1
    shift
    best='' rss=0
    i=0
    while [ $i -lt "$RUNS" ]; do
        /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" ||
            { echo "FAIL $name: $(tail -3 "$OUT/$name.err")" >&2; exit 1; }
        read -r t m <"$OUT/time"
        best=$(echo "$t ${best:-$t}" | awk '{print ($1 < $2) ? $1 : $2}')
        [ "$m" -gt "$rss" ] && rss=$m
        i=$((i + 1))
    done
}
