#!/bin/sh
# Hostile rule scripts and packs (tests/hostile/): each must fail with the exit code and the
# message its first line states ("-- expect 4: TEXT" / "# expect 4: TEXT"), soon, and
# without crashing. Scripts run through `mplan eval`; pack-*/ directories run through
# `mplan run` on base-plan.yaml plus their case.yaml (or `mplan segment` when it says so).
. tests/e2e/lib.sh
H=tests/hostile
# Sanitizers slow everything down: more time, so that the limit a case is about trips first.
TIMEOUT=2 BUDGET=10
[ -n "$MPLAN_SAN" ] && TIMEOUT=6 BUDGET=30
LIMITS="--max-steps 1e7 --timeout $TIMEOUT --max-mem 67108864" # 64 MiB

now_ms() { date +%s%3N; }

# check NAME FILE CMD...: FILE's first line holds the expectation.
check() {
    name=$1 file=$2
    shift 2
    line=$(head -n 1 "$file")
    want_rc=$(printf '%s' "$line" | sed -n 's/^[-#]* *expect \([0-9]*\):.*/\1/p')
    want_msg=$(printf '%s' "$line" | sed -n 's/^[-#]* *expect [0-9]*: //p')
    if [ -z "$want_rc" ] || [ -z "$want_msg" ]; then
        fail "$name" "$file: first line is not '-- expect CODE: TEXT'"
        return
    fi
    start=$(now_ms)
    timeout $((BUDGET + 5)) "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    took=$(( $(now_ms) - start ))
    if [ $rc -eq 124 ]; then
        fail "$name" "hung (killed after $((BUDGET + 5)) s)"
    elif [ $rc -ge 128 ]; then
        fail "$name" "crashed (signal $((rc - 128))): $(head -c 300 "$TMP/err")"
    elif [ $rc -ne "$want_rc" ]; then
        fail "$name" "exit $rc, expected $want_rc; stderr: $(head -c 300 "$TMP/err")"
    elif ! grep -qF -- "$want_msg" "$TMP/err"; then
        fail "$name" "stderr lacks '$want_msg': $(head -c 300 "$TMP/err")"
    elif [ $(wc -l <"$TMP/err") -gt 3 ] && [ -z "$MPLAN_SAN" ]; then
        fail "$name" "more than one message: $(head -c 300 "$TMP/err")"
    elif [ $took -gt $((BUDGET * 1000)) ]; then
        fail "$name" "took $took ms (more than $BUDGET s)"
    else
        ok "$name"
    fi
}

n=0
for f in $H/*.lua; do
    check "hostile $(basename "$f" .lua)" "$f" "$MPLAN" eval "$f" $LIMITS
    n=$((n + 1))
done
for d in $H/pack-*; do
    case_file=$d/case.yaml
    # A case may widen a limit that is not the one it is about ("# limits: --timeout 20").
    extra=$(sed -n 's/^# limits: //p' "$case_file")
    if grep -q '^# run: segment' "$case_file"; then
        # Needs `mplan segment` (docs/mplan.1); checked once the command exists.
        "$MPLAN" help segment >/dev/null 2>&1 || continue
        check "hostile $(basename "$d")" "$case_file" "$MPLAN" segment "$d/customers.csv" \
            --pack "$d" --rule stage $LIMITS $extra
    else
        { cat "$H/base-plan.yaml"; sed "s|PACKDIR|$PWD/$d|g" "$case_file"; } >"$TMP/plan.yaml"
        check "hostile $(basename "$d")" "$case_file" "$MPLAN" run "$TMP/plan.yaml" $LIMITS $extra --format csv
    fi
    n=$((n + 1))
done
[ $n -ge 30 ] && ok "hostile: $n cases" || fail "hostile" "only $n cases"
finish
