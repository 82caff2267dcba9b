# Helpers for end-to-end tests: source it, then call check_* ; finish with `finish`.
# Each check prints "ok NAME" or "FAIL NAME: why".
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

# expect_exit NAME CODE CMD... : run CMD, keep stdout in $TMP/out and stderr in $TMP/err.
expect_exit() {
    name=$1 code=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name"; return 0; fi
    fail "$name" "exit $rc, expected $code; stderr: $(head -c 400 "$TMP/err")"
    return 1
}

# expect_err NAME TEXT : stderr of the last expect_exit contains TEXT (fixed string).
expect_err() {
    if grep -qF -- "$2" "$TMP/err"; then ok "$1"; else fail "$1" "stderr lacks '$2': $(head -c 400 "$TMP/err")"; fi
}

# greedy_plan FILE [LINE...]: write FILE, the plan of the roi-greedy tests: 400 to spend in one
# week on a (hill, beta 1000, k 100, s 1: 1000 x / (x + 100)) and b (ROAS 1.5), allocated by
# rules/roi-greedy in 4 slices of 100. Each LINE (as `objective: {target_roas: 12}`) is added
# to the plan's top level after the budget.
greedy_plan() {
    gp_file=$1
    shift
    {
        printf '%s\n' 'mplan: 1' 'store: {name: Greedy test, currency: USD}' \
            'horizon: {start: 2027-01-04, periods: 1, period: week}' 'budget: {total: 400}' "$@"
        cat <<EOF
channels:
  - {id: a, kind: paid, response: {curve: hill, beta: 1000, k: 100, s: 1}}
  - {id: b, kind: paid, response: {curve: linear, roas: 1.5}}
packs:
  - {path: $PWD/rules/roi-greedy, params: {steps: 4}}
allocator: roi-greedy.greedy
EOF
    } >"$gp_file"
}

finish() { exit $failed; }
