# Order references through ractl: a failed `order new --submit` shows no
# reference (text or --json) and keeps no order; the number it took is
# never given to the next subscriber; orders created by several programs at
# once get distinct references.
. "$(dirname "$0")/lib.bash"
export TZ=Asia/Shanghai
TODAY=$(date +%y%m%d)
DB=$RAKIOSK_DATA_DIR/rakiosk.db

expect 0 "init" -- "$RACTL" init
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo entrypass1 | "$RACTL" -q clerk login lily

FIELDS=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup --field key_serial=5500001)
expect 0 "first order" -- "$RACTL" -q order new --business unlock --kind individual "${FIELDS[@]}"
[ "$OUT" = "$TODAY-0001" ] && ok || bad "first reference $OUT"
expect 7 "submitted without its documents" -- "$RACTL" order new --business unlock \
    --kind individual "${FIELDS[@]}" --submit
contains "none was created" "says nothing was kept"
case "$OUT" in *"$TODAY-"*) bad "a failed creation shows a reference: $OUT" ;; *) ok ;; esac
expect 7 "the same in JSON" -- "$RACTL" --json order new --business unlock --kind individual \
    "${FIELDS[@]}" --submit
contains '"ok":false' "JSON says it failed"
case "$OUT" in *'"ref"'* | *"$TODAY-"*) bad "a failed creation shows a reference: $OUT" ;; *) ok ;; esac
[ "$(sqlite3 "$DB" "SELECT count(*) FROM orders")" = 1 ] && ok || bad "a failed creation kept an order"
expect 0 "the next subscriber" -- "$RACTL" -q order new --business unlock --kind individual \
    "${FIELDS[@]}" --paper id_card --submit
[ "$OUT" = "$TODAY-0004" ] && ok || bad "the next reference is $OUT, not $TODAY-0004"

# Six programs at once: six references, all different.
for i in 1 2 3 4 5 6; do
    "$RACTL" -q order new --business unlock --kind individual "${FIELDS[@]}" >"$T/ref.$i" 2>&1 &
done
wait
[ "$(cat "$T"/ref.* | grep -c "^$TODAY-")" = 6 ] && ok || bad "not six references: $(cat "$T"/ref.*)"
[ "$(cat "$T"/ref.* | sort -u | wc -l)" = 6 ] && ok || bad "references given twice: $(cat "$T"/ref.*)"

finish
