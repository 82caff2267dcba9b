#!/bin/sh
# Every bad plan exits 3 with one message that starts with the file (and line:col where
# the file has one): the "# expect:" line of each fixture gives the start of the message.
. tests/e2e/lib.sh
for f in tests/e2e/bad/*.yaml; do
    name=$(basename "$f")
    want=$(sed -n 's/^# expect: //p' "$f" | head -1)
    [ -n "$want" ] || want="$name"
    "$MPLAN" run "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    lines=$(wc -l <"$TMP/err")
    if [ $rc -ne 3 ]; then
        fail "$name" "exit $rc, expected 3: $(head -c 300 "$TMP/err")"
    elif ! grep -qF "mplan: tests/e2e/bad/$want" "$TMP/err"; then
        fail "$name" "message does not start with '$want': $(head -c 300 "$TMP/err")"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "expected one message line, got $lines"
    else
        ok "$name: $(head -c 120 "$TMP/err")"
    fi
done
finish
