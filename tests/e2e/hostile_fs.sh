#!/bin/sh
# Hostile packs on disk (docs/security.md): symbolic links out of a pack, FIFOs and huge
# files where a pack's files belong, broken or missing lock files, a pack file changed
# between the lock check and its use, and the limits of `run` reaching the plan's segmenter
# and every worker thread. Every case builds its pack in a temporary directory.
. tests/e2e/lib.sh
H=tests/hostile
WAIT=20 # a case that takes this long hangs (the sanitizer build included)

# A pack `fs` with a strategy that requires a module when it runs, and segmenters.
new_pack() {
    rm -rf "$TMP/w"
    mkdir -p "$TMP/w/pack/tests"
    cat >"$TMP/w/pack/pack.yaml" <<'EOF'
name: fs
version: 1.0.0
mplan: ">=1.0"
provides:
  strategies: [focus]
  segmenters: [stage, spin, hog, wide]
EOF
    cat >"$TMP/w/pack/init.lua" <<'EOF'
local M = {}
function M.focus(plan, params) return require("late").touch(plan) end
function M.stage(row, params) return "A" end
function M.spin(row, params) while true do end end
-- 48 MiB held per worker thread: together more than a 64 MiB cap
local held = {}
function M.hog(row, params)
  if #held < 48 then held[#held + 1] = string.rep("x", 1048576 - 64) .. #held end
  return "A"
end
-- a distinct 400 KiB label per row: 320 of them pass a 128 MiB cap in C copies alone
local n = 0
function M.wide(row, params) n = n + 1; return string.rep("L", 409600) .. n end
return M
EOF
    printf 'return {touch = function(plan) end}\n' >"$TMP/w/pack/late.lua"
    { cat "$H/base-plan.yaml"; printf 'packs: [{path: pack}]\nstrategies: [fs.focus]\n'; } >"$TMP/w/plan.yaml"
    printf 'hunter2: the secret\n' >"$TMP/secret.yaml"
}

# run_case NAME CODE TEXT CMD...: exit CODE, stderr has TEXT, no "hunter2", no hang.
run_case() {
    name=$1 code=$2 text=$3
    shift 3
    timeout $WAIT "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 124 ]; then
        fail "$name" "hung (killed after $WAIT s)"
    elif [ $rc -ge 128 ]; then
        fail "$name" "crashed (signal $((rc - 128))): $(head -c 300 "$TMP/err")"
    elif [ $rc -ne "$code" ]; then
        fail "$name" "exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$TMP/err"; then
        fail "$name" "stderr lacks '$text': $(head -c 300 "$TMP/err")"
    elif grep -q hunter2 "$TMP/err" "$TMP/out"; then
        fail "$name" "the linked file's contents leaked: $(grep hunter2 "$TMP/err" "$TMP/out" | head -c 300)"
    else
        ok "$name"
    fi
}

# ---- symbolic links (a pack's files stay inside its directory) ----
new_pack
printf 'return require("helper")\n' >"$TMP/w/pack/late.lua"
ln -s "$TMP/secret.yaml" "$TMP/w/pack/helper.lua"
run_case "symlink: require through a link out of the pack is refused, naming it" 4 \
    "helper.lua: a symbolic link to '$TMP/secret.yaml'" "$MPLAN" run "$TMP/w/plan.yaml"

new_pack
ln -s /etc "$TMP/w/pack/etc"
printf 'return require("etc.passwd")\n' >"$TMP/w/pack/late.lua"
run_case "symlink: a directory link out of the pack is refused" 4 "etc: a symbolic link to '/etc'" \
    "$MPLAN" run "$TMP/w/plan.yaml"

new_pack
mv "$TMP/w/pack/init.lua" "$TMP/outside-init.lua"
ln -s "$TMP/outside-init.lua" "$TMP/w/pack/init.lua"
run_case "symlink: init.lua linking to code elsewhere is refused" 4 "init.lua: a symbolic link" \
    "$MPLAN" run "$TMP/w/plan.yaml"

new_pack
rm "$TMP/w/pack/pack.yaml"
ln -s "$TMP/secret.yaml" "$TMP/w/pack/pack.yaml"
run_case "symlink: a pack.yaml link out is refused without showing its target's lines" 3 \
    "pack.yaml: a symbolic link" "$MPLAN" run "$TMP/w/plan.yaml"
run_case "symlink: pack check refuses it too" 3 "pack.yaml: a symbolic link" \
    "$MPLAN" pack check "$TMP/w/pack"

new_pack
ln -s "$TMP/secret.yaml" "$TMP/w/pack/tests/plan.yaml"
printf 'local p = test.plan_file("plan.yaml")\n' >"$TMP/w/pack/tests/t.lua"
timeout $WAIT "$MPLAN" pack test "$TMP/w/pack" >"$TMP/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 124 ] && grep -qF "plan.yaml: a symbolic link" "$TMP/out" && ! grep -q hunter2 "$TMP/out"; then
    ok "symlink: test.plan_file through a link out is refused, naming it"
else
    fail "symlink: test.plan_file" "exit $rc: $(head -c 300 "$TMP/out")"
fi

new_pack
mkdir "$TMP/w/pack/lib"
mv "$TMP/w/pack/late.lua" "$TMP/w/pack/lib/late.lua"
ln -s lib/late.lua "$TMP/w/pack/late.lua"
run_case "symlink: a link that stays inside the pack works" 0 "" "$MPLAN" run "$TMP/w/plan.yaml" --format csv
run_case "symlink: and locks" 0 "" "$MPLAN" pack lock "$TMP/w/plan.yaml"
run_case "symlink: and runs locked" 0 "" "$MPLAN" run "$TMP/w/plan.yaml" --format csv

# ---- FIFOs and huge files where a pack's files belong ----
new_pack
rm "$TMP/w/pack/pack.yaml"
mkfifo "$TMP/w/pack/pack.yaml"
run_case "fifo: a FIFO named pack.yaml is refused at once" 3 "pack.yaml: not a regular file (a FIFO)" \
    "$MPLAN" run "$TMP/w/plan.yaml"
run_case "fifo: pack check too" 3 "not a regular file" "$MPLAN" pack check "$TMP/w/pack"

new_pack
rm "$TMP/w/pack/late.lua"
mkfifo "$TMP/w/pack/late.lua"
run_case "fifo: a FIFO module is refused at once" 4 "late.lua: not a regular file (a FIFO)" \
    "$MPLAN" run "$TMP/w/plan.yaml"

new_pack
{ printf -- '--[['; head -c 17000000 /dev/zero | tr '\0' 'x'; printf ']]\n'; cat "$TMP/w/pack/init.lua"; } >"$TMP/big.lua"
size=$(wc -c <"$TMP/big.lua")
mv "$TMP/big.lua" "$TMP/w/pack/init.lua"
run_case "huge init.lua: the message says how large" 4 "init.lua: larger than 16 MiB ($size bytes)" \
    "$MPLAN" run "$TMP/w/plan.yaml"

# provides with 100,000 names, the last a duplicate: found without comparing every pair.
new_pack
awk 'BEGIN { print "name: fs\nversion: 1.0.0\nmplan: \">=1.0\"\nprovides:\n  strategies:";
             for (i = 0; i < 100000; i++) print "    - f" i; print "    - f7" }' >"$TMP/w/pack/pack.yaml"
run_case "provides: a duplicate among 100,000 names is named with its line" 3 \
    "pack.yaml:100006:7: 'f7' is listed twice in 'provides'" "$MPLAN" pack check "$TMP/w/pack"

# ---- PLAN.lock: never a crash, never fail-open ----
new_pack
for lock in 'mplan: 1' 'packs: []' 'mplan: 1
packs: [{name: fs}]' 'mplan: 1
packs: [{path: pack}]'; do
    printf '%s\n' "$lock" >"$TMP/w/plan.lock"
    key=$(printf '%s' "$lock" | awk '/packs: \[\{path/ { print "files"; exit } /name: fs/ { print "path"; exit }
        /^packs/ { print "mplan"; exit } END { }' )
    [ -z "$key" ] && key=packs
    run_case "lock: a lock missing '$key' is an error naming it" 3 "missing '$key'" "$MPLAN" run "$TMP/w/plan.yaml"
done
rm -f "$TMP/w/plan.lock"
ln -s "$TMP/no-such-lock" "$TMP/w/plan.lock"
run_case "lock: a dangling lock symlink fails closed" 5 "plan.lock" "$MPLAN" run "$TMP/w/plan.yaml"
rm -f "$TMP/w/plan.lock"
mkfifo "$TMP/w/plan.lock"
run_case "lock: a FIFO lock is refused at once" 3 "plan.lock: not a regular file" "$MPLAN" run "$TMP/w/plan.yaml"

# Every command that loads the plan's packs checks the lock.
new_pack
run_case "lock: written" 0 "" "$MPLAN" pack lock "$TMP/w/plan.yaml"
printf -- '-- changed\n' >>"$TMP/w/pack/late.lua"
run_case "lock: run refuses a changed module" 3 "late.lua changed since the lock" "$MPLAN" run "$TMP/w/plan.yaml"
run_case "lock: whatif refuses it" 3 "late.lua changed since the lock" \
    "$MPLAN" whatif "$TMP/w/plan.yaml" --budget 1000..2000/2
run_case "lock: report refuses it" 3 "late.lua changed since the lock" \
    "$MPLAN" report "$TMP/w/plan.yaml" -o "$TMP/w/r.html"
run_case "lock: calendar refuses it" 3 "late.lua changed since the lock" \
    "$MPLAN" calendar "$TMP/w/plan.yaml" -o "$TMP/w/c.ics"
printf 'period,channel,spend,impressions,clicks,orders,gmv,new_customers\n1,p4p,700,0,0,0,600,0\n1,edm,300,0,0,0,350,0\n' >"$TMP/w/act.csv"
run_case "lock: review refuses it" 3 "late.lua changed since the lock" \
    "$MPLAN" review "$TMP/w/plan.yaml" "$TMP/w/act.csv"
printf 'return 1\n' >"$TMP/w/one.lua"
run_case "lock: eval with the plan refuses it" 3 "late.lua changed since the lock" \
    "$MPLAN" eval "$TMP/w/one.lua" "$TMP/w/plan.yaml"
mkfifo "$TMP/w/fifo.lua"
run_case "fifo: eval of a FIFO script is refused at once" 4 "fifo.lua: not a regular file" \
    "$MPLAN" eval "$TMP/w/fifo.lua"

# Time of check, time of use: the module the strategy requires is changed after the lock
# check passed, while the run waits on the customers file (a FIFO) of the plan's
# segmenter. The bytes loaded are the bytes verified, so the change is refused.
new_pack
printf 'customer_id,orders\nC1,1\nC2,3\n' >"$TMP/customers.csv"
mkfifo "$TMP/w/customers.fifo"
printf 'segments: {from: customers.fifo, segmenter: fs.stage}\n' >>"$TMP/w/plan.yaml"
run_case "toctou: locked" 0 "" "$MPLAN" pack lock "$TMP/w/plan.yaml"
{ sleep 1; printf 'return {touch = function(plan) error("tampered code ran") end}\n' >"$TMP/w/pack/late.lua"
  cat "$TMP/customers.csv" >"$TMP/w/customers.fifo"; } &
run_case "toctou: a module changed after the check is refused, not run" 3 "late.lua" \
    "$MPLAN" run "$TMP/w/plan.yaml"
wait

# ---- run's limits reach every hook, the plan's segmenter included ----
new_pack
cp "$TMP/customers.csv" "$TMP/w/customers.csv"
{ cat "$H/base-plan.yaml"; printf 'packs: [{path: pack}]\nsegments: {from: customers.csv, segmenter: fs.spin}\n'; } >"$TMP/w/spin.yaml"
run_case "limits: run --max-steps reaches the plan's segmenter" 4 "instruction limit (1e6 steps) exceeded" \
    "$MPLAN" run "$TMP/w/spin.yaml" --max-steps 1e6
run_case "limits: run --timeout reaches the plan's segmenter" 4 "time limit (0.5 s) exceeded" \
    "$MPLAN" run "$TMP/w/spin.yaml" --timeout 500ms --max-steps 1e15

# ---- one memory cap per run, across worker threads and C copies ----
awk 'BEGIN { print "customer_id,orders"; for (i = 0; i < 200000; i++) print "C" i "," i % 7 }' >"$TMP/many.csv"
run_case "memory: worker threads share one cap (2 x 48 MiB > 64 MiB)" 4 "memory limit (64 MiB) exceeded" \
    "$MPLAN" segment "$TMP/many.csv" --pack "$TMP/w/pack" --rule hog --jobs 2 --max-mem 64M
run_case "memory: one thread under the same cap passes" 0 "" \
    "$MPLAN" segment "$TMP/many.csv" --pack "$TMP/w/pack" --rule hog --jobs 1 --max-mem 64M
run_case "memory: labels copied into C count against the cap" 4 "memory limit (128 MiB) exceeded" \
    "$MPLAN" segment "$TMP/many.csv" --pack "$TMP/w/pack" --rule wide --jobs 1 --max-mem 128M

# Plans a pack test makes with test.plan() live in C: they count against the cap too.
new_pack
{ printf 'local text = [[\n'; cat "$H/base-plan.yaml"; printf ']]\nlocal keep = {}\nfor i = 1, 1e6 do keep[i] = test.plan(text) end\n'; } >"$TMP/w/pack/tests/plans.lua"
timeout $WAIT "$MPLAN" pack test "$TMP/w/pack" --max-mem 32M --timeout 5 >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -qF "memory limit (32 MiB) exceeded" "$TMP/out"; then
    ok "memory: plans made by test.plan() count against the cap"
else
    fail "memory: test.plan()" "exit $rc: $(head -c 300 "$TMP/out")"
fi
finish
