#!/bin/sh
# The bash completion (dist/mplan.bash.in): subcommands, option values, packs by name, and
# for every command exactly the long options its `mplan help` lists.
. tests/e2e/lib.sh
command -v bash >/dev/null || { ok "completion: no bash, skipped"; finish; }
mkdir -p "$TMP/rules/my-pack" "$TMP/rules/not-a-pack" "$TMP/dirs/mine"
touch "$TMP/rules/my-pack/pack.yaml"

# complete WORDS... : what the completion offers for the command line WORDS (the cursor at
# the end of the last word), sorted, one a line.
complete_words() {
    MPLAN_RULES_PATH="$TMP/rules" bash -c '
        . dist/mplan.bash.in
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _mplan
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort -u' mplan "$@"
}
# expect_words NAME "EXPECTED" WORDS... : the offers, space-separated, are EXPECTED.
expect_words() {
    name=$1 want=$2
    shift 2
    got=$(complete_words "$@" | paste -sd' ')
    [ "$got" = "$want" ] && ok "$name" || fail "$name" "got '$got', expected '$want'"
}

expect_words "commands starting r" "report review run" mplan r
expect_words "pack subcommands" "check" mplan pack ch
expect_words "help takes a command" "segment" mplan help se
expect_words "--format values" "csv json table xlsx" mplan run plan.yaml --format ""
expect_words "pack info --format values" "json table" mplan pack info x --format ""
expect_words "--kind values" "segmenter strategy" mplan pack new x --kind s
expect_words "--kind, a comma list" "allocator,kpi" mplan pack new x --kind allocator,k
expect_words "--pack offers installed packs by name" "my-pack" mplan segment c.csv --pack my
expect_words "pack check offers installed packs" "my-pack" mplan pack check m
got=$(cd "$TMP/dirs" && MPLAN_RULES_PATH="$TMP/rules" bash -c '
    . "$0"; COMP_WORDS=(mplan segment c.csv --pack m); COMP_CWORD=4; _mplan
    printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' "$OLDPWD/dist/mplan.bash.in" | paste -sd' ')
[ "$got" = "mine my-pack" ] && ok "--pack offers directories too" || fail "--pack offers directories too" "got '$got'"

# Every command's long options, as its help lists them (--help goes without saying), and
# nothing else.
for cmd in run whatif review report calendar segment abtest eval pack; do
    { "$MPLAN" help $cmd | grep -o -- '--[a-z][a-z-]*'; echo --help; } | LC_ALL=C sort -u >"$TMP/help"
    if [ $cmd = pack ]; then
        for sub in new check test info lock bundle sign install list remove index search update; do complete_words mplan pack $sub --; done
    elif [ $cmd = abtest ]; then
        complete_words mplan abtest design --
    else
        complete_words mplan $cmd --
    fi | LC_ALL=C sort -u >"$TMP/comp"
    if [ ! -s "$TMP/help" ]; then
        fail "options of $cmd" "mplan help $cmd lists none"
    elif cmp -s "$TMP/help" "$TMP/comp"; then
        ok "options of $cmd: the $(wc -l <"$TMP/help") of its help"
    else
        fail "options of $cmd" "< help only, > completion only: $(diff "$TMP/help" "$TMP/comp" | grep '^[<>]' | paste -sd' ')"
    fi
done
finish
