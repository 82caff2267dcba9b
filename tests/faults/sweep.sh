#!/bin/sh
# Out-of-memory sweep (make test-faults): run each command once counting the allocations
# it makes, then again failing the Nth allocation for every N from 1 to that count (a
# stride where noted). Each run must either end with exit 5 and an "mplan: " message on
# stderr (what it printed on stdout before a prefix of the clean run's), or succeed with
# exactly the output of the clean run: a failure absorbed by a retry (Lua's emergency
# collection) is fine, a success with missing output is not. Any sanitizer report (ASan,
# UBSan, a leak) fails the run.
# Usage: sh tests/faults/sweep.sh build-fi/mplan   (a binary built with make FI=1)
# Prints "ok NAME" / "FAIL NAME: why" lines like the e2e scripts.
FI=${1:?usage: sweep.sh PATH/TO/build-fi/mplan}
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
JOBS=${FI_JOBS:-2}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:exitcode=99:print_stacktrace=1
unset MPLAN_FI_FAIL MPLAN_FI_COUNT MPLAN_FI_SWEEP

# ---- small inputs: every code path, few allocations ----
plan=tests/e2e/plans/review4.yaml
cat >"$TMP/act.csv" <<'CSV'
period,channel,spend,impressions,clicks,orders,gmv,new_customers
1,a,700,60000,600,12,600,5
2027-01-11,a,800,70000,700,14,700,6
1,b,300,0,0,0,350,0
CSV
# Customers without a header row (--header names the columns).
cat >"$TMP/cust.csv" <<'CSV'
C1,,,,,,2,0,0,0,0,0,0,Ningbo
C2,2026-01-02,2026-03-01,20,3,450.5,1,0,1,0,1,0,0,Hangzhou
C3,2025-05-01,2025-06-01,300,1,99,0,1,0,0,0,0,0,Ningbo
C4,,,,,,0,0,0,0,0,0,0,Wuhan
CSV
# An A/B test: one row per visitor (a guardrail, an id column) and one row per variant.
printf 'id,variant,converted,revenue,returns\nu1,A,0,0,0\nu2,B,1,120.5,0\nu3,A,1,80,1\nu4,B,0,0,0\nu5,B,1,99.9,0\nu6,A,0,0,0\n' >"$TMP/ab.csv"
printf 'variant,visitors,conversions,revenue,revenue_sq\nA,1000,21,2100,900000\nB,1000,30,3300,1400000\nC,990,25,2400,950000\n' >"$TMP/abv.csv"
head=customer_id,first_visit,last_order,recency_days,orders,gmv,visits_30d,favorites,carts,follows,member_level,reviews,shares,city

# sweep NAME STRIDE CMD...: every STRIDE-th N from 1 to the count of the clean run, run and
# judged by the binary itself (MPLAN_FI_SWEEP in tests/faults/fi_alloc.c: a fork per run).
sweep() {
    name=$1 stride=$2
    shift 2
    case $name in *${FI_ONLY:-}*) ;; *) return ;; esac
    d="$TMP/$(echo "$name" | tr -c 'a-z0-9\n' '_')"
    mkdir -p "$d"
    MPLAN_FI_SWEEP=$d MPLAN_FI_STRIDE=$stride MPLAN_FI_JOBS=$JOBS MPLAN_FI_MAX_RUNS=$MAX_RUNS \
        "$@" >"$d/sweep" 2>&1
    rc=$?
    last=$(tail -n 1 "$d/sweep")
    case $last in
    "runs "*) ;;
    *) fail "$name" "the sweep did not finish (exit $rc): $(head -c 400 "$d/sweep")"; return ;;
    esac
    set -- $last # runs R count C stride S bad B
    every=$([ "$6" -eq 1 ] && echo "every N" || echo "N in steps of $6")
    if [ $rc -eq 0 ] && [ "$8" = 0 ]; then
        ok "$name: $2 runs, $every up to $4 allocations"
    else
        fail "$name" "$8 of $2 runs ($every up to $4) went wrong; first: $(head -n 3 "$d/sweep" | tr '\n' ';')"
    fi
}

# Strides keep `make test` short: at most FI_MAX_RUNS runs a sweep (default 150, about
# 1,500 runs in all; the stride widens to fit), and the big counts are mostly Lua starting a
# state and jansson building many alike nodes. FI_FULL=1: every N everywhere (about 5,000).
MAX_RUNS=${FI_MAX_RUNS:-150}
[ -n "${FI_FULL:-}" ] && MAX_RUNS=0
stride() { [ -n "${FI_FULL:-}" ] && echo 1 || echo "$1"; }
sweep "oom abtest analyze rows json" 1 "$FI" abtest analyze "$TMP/ab.csv" --bootstrap 20 --format json
sweep "oom abtest analyze table" 1 "$FI" abtest analyze "$TMP/abv.csv" --sequential --format table
sweep "oom abtest design csv" 1 "$FI" abtest design --baseline 2% --mde 10% --format csv
sweep "oom run table" 1 "$FI" run "$plan" --format table
sweep "oom run json" 1 "$FI" run "$plan" --format json
sweep "oom run csv" 1 "$FI" run "$plan" --format csv
sweep "oom whatif" 1 "$FI" whatif "$plan" --budget 3000..5000/3 --format json
sweep "oom review" "$(stride 2)" "$FI" review "$plan" "$TMP/act.csv" --format json
sweep "oom report" 1 "$FI" report "$plan" --actuals "$TMP/act.csv" -o -
# diff of a saved run (jansson's reader: its out-of-memory must be exit 5, not "not JSON")
# against a plan run now
"$FI" run "$plan" --format json -o "$TMP/run.json" 2>/dev/null
sweep "oom diff" 1 "$FI" diff "$TMP/run.json" tests/e2e/plans/diff-b.yaml --format table
printf 'period,channel,spend,gmv\n1,a,700,600\n1,b,300,350\n2,a,800,700\n2,b,0,90\n' >"$TMP/hist.csv"
sweep "oom report history" 1 "$FI" report "$plan" --history "$TMP/hist.csv" -o -
sweep "oom segment --header" "$(stride 3)" "$FI" segment "$TMP/cust.csv" --header "$head" --pack rules/aipl --rule stage --format json --jobs 1 --quiet
sweep "oom pack check" "$(stride 2)" "$FI" pack check rules/roi-greedy
sweep "oom run with packs" "$(stride 3)" "$FI" run tests/e2e/plans/two-exp-lua.yaml --format json
finish
