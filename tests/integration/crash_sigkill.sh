# SIGKILL during a loop of 10,000 committed writes: no acknowledged write is
# lost, none is duplicated, SQLite's integrity check is ok and the audit
# chain verifies. The writer uses the core's real write path.
. "$(dirname "$0")/lib.bash"
WRITER=$RK_BUILD_DIR/tests/crash_writer
TOTAL=10000
expect 0 "init" -- "$RACTL" init
DB=$RAKIOSK_DATA_DIR/rakiosk.db
ACK=$T/acks
: >"$ACK"

kills=0
for round in $(seq 1 12); do
    "$WRITER" "$DB" $TOTAL "$ACK" &
    pid=$!
    # Kill at a random moment between 20 and 400 ms into the run.
    sleep "0.$(printf '%03d' $((20 + RANDOM % 380)))"
    if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
    wait $pid 2>/dev/null
done
"$WRITER" "$DB" $TOTAL "$ACK" || bad "the final writer run failed"
echo "killed the writer $kills times; $(sort -u "$ACK" | wc -l) writes acknowledged"
[ $kills -ge 3 ] && ok || bad "too few kills landed ($kills): the writer finished too soon"

n_acked=$(sort -u "$ACK" | wc -l)
sqlite3 "$DB" "SELECT entity_id FROM outbox WHERE kind = 'crash.write'" | sort >"$T/committed"
n_rows=$(wc -l <"$T/committed")
n_distinct=$(sort -u "$T/committed" | wc -l)
missing=$(sort -u "$ACK" | comm -23 - "$T/committed" | wc -l)
[ "$missing" = 0 ] && ok || bad "$missing acknowledged writes are missing"
[ "$n_rows" = $TOTAL ] && ok || bad "$n_rows rows, expected $TOTAL"
[ "$n_distinct" = "$n_rows" ] && ok || bad "duplicated writes: $n_rows rows, $n_distinct distinct"
# A write killed between its commit and its acknowledgement is committed but
# unacknowledged: that is allowed; the reverse is a lost write.
[ "$n_acked" -le "$n_rows" ] && ok || bad "$n_acked acknowledged but only $n_rows committed"
integrity=$(sqlite3 "$DB" "PRAGMA integrity_check")
[ "$integrity" = ok ] && ok || bad "integrity_check: $integrity"
expect 0 "audit chain after crashes" -- "$RACTL" audit verify
contains "OK: $TOTAL entries" "audit count"
finish
