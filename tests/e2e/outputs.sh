#!/bin/sh
# Output files end to end: devices and FIFOs written in place, symlinks followed, modes kept,
# long names, full disks named with the reason, no temp file left by a failure or a signal,
# empty file names refused, help and --version checking their writes.
. tests/e2e/lib.sh
PY=/usr/bin/python3
plan=tests/e2e/plans/two-exp.yaml
D="$TMP/d"
mkdir "$D"

# Nothing but the named files in $D: no .mplan-tmp.* and no other leftover.
only() {
    got=$(cd "$D" && ls -A | LC_ALL=C sort | tr '\n' ' ')
    want=$( [ $# -eq 0 ] || printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
    if [ "$got" = "$want" ]; then ok "$name: no temp file left"; else fail "$name: no temp file left" "found: $got"; fi
}

# Devices: private copies of /dev/null and /dev/full, so a broken build run as root (the old
# rename replaced the device by a file) cannot harm the machine's own. Without the right to
# make device nodes, the system's are safe to use: only root could replace them.
DEV="$TMP/dev"
mkdir "$DEV"
if mknod "$DEV/null" c 1 3 2>/dev/null && mknod "$DEV/full" c 1 7 2>/dev/null; then
    NULLDEV="$DEV/null" FULLDEV="$DEV/full"
elif [ "$(id -u)" -ne 0 ]; then
    NULLDEV=/dev/null FULLDEV=/dev/full
else
    echo "ok device tests skipped: root without the right to make device nodes"
    NULLDEV="" FULLDEV=""
fi

# -o a device: stays the character device (as root, the old rename replaced /dev/null).
if [ -n "$NULLDEV" ]; then
    expect_exit "run -o a null device" 0 "$MPLAN" run "$plan" -o "$NULLDEV"
    if [ -c "$NULLDEV" ]; then ok "the null device is still a character device"; else fail "null device" "$(ls -l "$NULLDEV")"; fi
fi

# A 0600 file stays 0600 and gets the new content; a new file gets 0666 less the umask.
printf 'old\n' >"$D/secret.csv"
chmod 600 "$D/secret.csv"
expect_exit "run -o over a 0600 file" 0 "$MPLAN" run "$plan" -o "$D/secret.csv" --format csv
mode=$(stat -c %a "$D/secret.csv")
[ "$mode" = 600 ] && ok "0600 file stays 0600" || fail "0600 file stays 0600" "mode $mode"
head -1 "$D/secret.csv" | grep -q '^channel,t,' && ok "0600 file has the new output" || fail "0600 content" "$(head -1 "$D/secret.csv")"
(umask 027 && "$MPLAN" run "$plan" -o "$D/new.csv" --format csv)
mode=$(stat -c %a "$D/new.csv")
[ "$mode" = 640 ] && ok "new file: 0666 less umask 027 = 0640" || fail "new file mode" "mode $mode"
name="modes"; only secret.csv new.csv
rm -f "$D"/*

# A symlink stays a link; the file it points to (relative, through two links) is replaced.
printf 'old\n' >"$D/real.json"
ln -s real.json "$D/l1"
ln -s "$D/l1" "$D/l2"
expect_exit "run -o through two symlinks" 0 "$MPLAN" run "$plan" -o "$D/l2" --format json
[ -L "$D/l2" ] && [ -L "$D/l1" ] && ok "both links are still links" || fail "links" "$(ls -l "$D")"
$PY -c "import json,sys; json.load(open(sys.argv[1]))" "$D/real.json" && ok "the link's target holds the JSON" ||
    fail "link target" "$(head -c 100 "$D/real.json")"
# a dangling link: its target is created, as the shell's > would
ln -s made.csv "$D/dangling"
expect_exit "run -o a dangling symlink" 0 "$MPLAN" run "$plan" -o "$D/dangling" --format csv
[ -L "$D/dangling" ] && [ -s "$D/made.csv" ] && ok "dangling link's target created" || fail "dangling" "$(ls -l "$D")"
name="symlinks"; only real.json l1 l2 dangling made.csv
rm -f "$D"/*

# Names of 245 to 255 bytes (NAME_MAX): the temp name must fit too.
for n in 245 250 255; do
    long=$($PY -c "print('n' * $n)")
    expect_exit "run -o a $n-byte name" 0 "$MPLAN" run "$plan" -o "$D/$long" --format csv
    expect_exit "run -o the $n-byte name again (replace)" 0 "$MPLAN" run "$plan" -o "$D/$long" --format csv
    rm -f "$D/$long"
done
name="long names"; only

# A FIFO: written in place, the reader gets the output, the FIFO stays a FIFO.
mkfifo "$D/fifo"
cat "$D/fifo" >"$TMP/from_fifo" &
reader=$!
expect_exit "run -o a FIFO" 0 timeout 20 "$MPLAN" run "$plan" -o "$D/fifo" --format csv
[ -p "$D/fifo" ] || kill $reader 2>/dev/null # replaced: its reader would wait for ever
wait $reader
[ -p "$D/fifo" ] && ok "the FIFO is still a FIFO" || fail "FIFO" "$(ls -l "$D/fifo")"
head -1 "$TMP/from_fifo" | grep -q '^channel,t,' && ok "the FIFO's reader got the CSV" || fail "FIFO reader" "$(head -c 100 "$TMP/from_fifo")"
rm -f "$D/fifo"

# A full disk: exit 5, the file named with the reason (was "out of memory" for JSON).
if [ -n "$FULLDEV" ]; then
for f in json csv table; do
    expect_exit "run --format $f -o $FULLDEV is exit 5" 5 "$MPLAN" run "$plan" --format $f -o $FULLDEV &&
        expect_err "run --format $f: full disk named" "mplan: $FULLDEV: write failed: No space left on device"
done
expect_exit "run --format json >$FULLDEV is exit 5" 5 sh -c "'$MPLAN' run '$plan' --format json >'$FULLDEV'"
expect_err "stdout full: named with the reason" "mplan: standard output: write failed: No space left on device"
expect_exit "report -o $FULLDEV is exit 5" 5 "$MPLAN" report "$plan" -o $FULLDEV &&
    expect_err "report: file and reason" "mplan: $FULLDEV: write failed: No space left on device"
expect_exit "calendar -o $FULLDEV is exit 5" 5 "$MPLAN" calendar "$plan" -o $FULLDEV &&
    expect_err "calendar: file and reason" "mplan: $FULLDEV: write failed: No space left on device"
expect_exit "whatif --svg $FULLDEV is exit 5" 5 "$MPLAN" whatif "$plan" --budget 500..1500/3 --svg $FULLDEV -o "$NULLDEV" &&
    expect_err "whatif --svg: file and reason" "mplan: $FULLDEV: write failed: No space left on device"
fi

# help and --version check their writes.
if [ -n "$FULLDEV" ]; then
for args in "help" "help run" "--version" "run --help" "pack --help"; do
    expect_exit "mplan $args >'$FULLDEV' is exit 5" 5 sh -c "'$MPLAN' $args >'$FULLDEV'" &&
        expect_err "mplan $args: full stdout named" "mplan: standard output: write failed: No space left on device"
done
fi

# An empty file name is a usage error, before any work.
expect_exit "run -o '' is exit 2" 2 "$MPLAN" run "$plan" -o ''
expect_exit "whatif --svg '' is exit 2" 2 "$MPLAN" whatif "$plan" --budget 1000 --svg ''
expect_exit "report -o '' is exit 2" 2 "$MPLAN" report "$plan" -o ''
expect_exit "segment --labels '' is exit 2" 2 "$MPLAN" segment x.csv --pack p --rule r --labels ''

# A directory is refused with its name; nothing is written into it.
expect_exit "run -o DIR is exit 5" 5 "$MPLAN" run "$plan" -o "$D" &&
    expect_err "run -o DIR: named" "is a directory"
name="directory"; only

# SIGTERM while a big --labels file is written: the process dies by the signal, no temp
# file is left, and an older labels file is untouched.
mkdir "$TMP/pk"
printf 'name: pk\nversion: 1.0.0\nmplan: ">=1.0"\nprovides: {segmenters: [one]}\n' >"$TMP/pk/pack.yaml"
printf 'local M = {}\nfunction M.one(row) return "x" end\nreturn M\n' >"$TMP/pk/init.lua"
$PY -c "
import sys
w = sys.stdout.write
w('id,v\n')
for i in range(1500000): w('customer-%09d-with-a-long-id,%d\n' % (i, i % 7))
" >"$TMP/big.csv"
printf 'old labels\n' >"$D/labels.csv"
$PY - "$MPLAN" "$TMP/big.csv" "$TMP/pk" "$D" "$TMP/summary.csv" <<'EOF'
import os, signal, subprocess, sys, time
mplan, big, pack, d, summary = sys.argv[1:]
caught = 0
for attempt in range(3):
    p = subprocess.Popen([mplan, "segment", big, "--pack", pack, "--rule", "one", "--jobs", "2",
                          "--labels", os.path.join(d, "labels.csv"), "-o", summary, "--quiet"])
    while p.poll() is None:
        if any(n != "labels.csv" for n in os.listdir(d)):  # the temp file is there: mid-write
            p.send_signal(signal.SIGTERM)
            break
    rc = p.wait()
    if rc == -signal.SIGTERM:
        caught = 1
        break
    open(os.path.join(d, "labels.csv"), "w").write("old labels\n")
if not caught:
    print("ok SIGTERM during the labels write (not reached: the write was too fast to catch; skipped)")
    sys.exit(0)
left = sorted(os.listdir(d))
assert left == ["labels.csv"], left
assert open(os.path.join(d, "labels.csv")).read() == "old labels\n"
print("ok SIGTERM during the labels write: killed by it, no temp left, old file untouched")
EOF
[ $? -eq 0 ] || fail "SIGTERM during the labels write" "see above"

# SIGTERM while an xlsx workbook is copied out: its private directory under TMPDIR (the
# workbook, the rows) is removed too. The output is a FIFO nobody reads, so the copy blocks
# once the pipe is full and the signal comes mid-copy every time.
mkdir "$TMP/xt"
$PY - "$TMP/wide.yaml" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("mplan: 1\nstore: {name: Wide, currency: CNY}\nhorizon: {start: 2027-01-04, periods: 52, period: week}\n"
            "budget: {total: 5000000}\nchannels:\n")
    for c in range(500):                                     # a workbook of ~150 KiB
        f.write(f"  - {{id: ch{c}, kind: paid, response: {{curve: exp, beta: {1000 + 10 * c}, k: {500 + c}}}}}\n")
EOF
mkfifo "$TMP/book.fifo"
$PY - "$MPLAN" "$TMP/wide.yaml" "$TMP/book.fifo" "$TMP/xt" <<'EOF'
import os, signal, subprocess, sys, time
mplan, plan, fifo, tmpd = sys.argv[1:]
reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)       # open, never read
p = subprocess.Popen([mplan, "run", plan, "--format", "xlsx", "-o", fifo, "-q"], env=dict(os.environ, TMPDIR=tmpd))
deadline = time.time() + 60
while p.poll() is None and time.time() < deadline:
    books = [os.path.join(r, f) for r, _, fs in os.walk(tmpd) for f in fs if f == "book.xlsx"]
    if books and os.path.getsize(books[0]) > 0:
        time.sleep(0.5)                                      # the copy fills the pipe and waits
        break
    time.sleep(0.05)
if p.poll() is not None:
    os.close(reader)
    print("ok SIGTERM during the xlsx copy (not reached: the workbook fit in the pipe; skipped)")
    sys.exit(0)
p.send_signal(signal.SIGTERM)
rc = p.wait()
os.close(reader)
assert rc == -signal.SIGTERM, rc
left = [os.path.join(r, x) for r, ds, fs in os.walk(tmpd) for x in ds + fs]
assert left == [], left
print("ok SIGTERM during the xlsx copy: killed by it, its directory under TMPDIR removed")
EOF
[ $? -eq 0 ] || fail "SIGTERM during the xlsx copy" "see above"

finish
