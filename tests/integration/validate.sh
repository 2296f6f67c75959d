#!/bin/bash
# `ractl validate`: the acceptance cases of the identifier validators, run
# through the real program: exit codes, and messages that name the problem.
# Needs no database; the configuration gives the pilot regions of credit
# codes (the shipped one: 350100); RAKIOSK_NOW fixes "today".
set -euo pipefail
: "${RACTL:?set RACTL to the ractl binary}"
export RAKIOSK_NOW=2026-03-02T09:30:00+08:00
export TZ=CST-8
unset RAKIOSK_CONF
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect CODE PATTERN ARGS...: runs ractl ARGS, wants exit CODE and PATTERN
# (grep -E) in its standard output + error; PATTERN "" matches anything.
expect() {
    local want=$1 pattern=$2 got=0
    shift 2
    "$RACTL" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: ractl $* exited $got, expected $want: $(cat "$tmp/out" "$tmp/err")"
        failed=$((failed + 1))
    elif [ -n "$pattern" ] && ! cat "$tmp/out" "$tmp/err" | grep -Eq -- "$pattern"; then
        echo "FAIL: ractl $*: output lacks /$pattern/: $(cat "$tmp/out" "$tmp/err")"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}

# the acceptance cases
expect 0 '^valid 11010519491231002X$' validate id 11010519491231002X
expect 0 'birth date: 1949-12-31' validate id 11010519491231002X
expect 0 'sex: +female' validate id 11010519491231002X
expect 1 'check character .*does not match' validate id 11010519491231003X
expect 1 '^ractl: invalid ID number: impossible birth date 1949-02-30$' \
    validate id 110105194902300021
expect 1 'has 17 characters' validate id 11010519491231002
# the check character is never revealed
"$RACTL" validate id 110105194912310021 2>"$tmp/err" || true
if grep -q "X" "$tmp/err"; then
    echo "FAIL: the message reveals the check character: $(cat "$tmp/err")"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi

# more IDs
expect 0 '^valid 11010519491231002X$' validate id ' 11010519491231002x '
expect 0 'old 15-digit' validate id 110105491231002
expect 1 'in the future' validate id 110105202603030021
expect 1 'province code' validate id 000105194912310029
expect 1 'not a digit' validate id 1101051949123100AX

# RAKIOSK_NOW moves "today": born 2026-03-03 is fine a day later
"$RACTL" validate id 110105202603030021 >/dev/null 2>&1 && st=0 || st=$?
nd=$(RAKIOSK_NOW=2026-03-03T08:00:00+08:00 "$RACTL" validate id 110105202603030021 2>&1 >/dev/null && echo ok || echo bad)
if [ "$st" -eq 1 ] && [ "$nd" = ok ]; then passed=$((passed + 1)); else
    echo "FAIL: RAKIOSK_NOW not honoured ($st, $nd)"
    failed=$((failed + 1))
fi

# credit codes: valid, pilot warning (its own exit code 9), invalid
expect 0 '^valid 91350100M000100Y43$' validate uscc 91350100M000100Y43
expect 9 '^valid with a warning: 91350100M000100Y47: .*pilot region 350100' \
    validate uscc 91350100M000100Y47
if [ "$(grep -o clerk "$tmp/out" "$tmp/err" | wc -l)" = 1 ]; then passed=$((passed + 1)); else
    echo "FAIL: the pilot warning says its clause more than once: $(cat "$tmp/out")"
    failed=$((failed + 1))
fi
expect 1 'check character does not match' validate uscc 91350100M000100Y53
expect 1 'never used' validate uscc 91350100M000100I43
expect 9 '"reason":"pilot_code"' --json validate uscc 91350100M000100Y47
expect 9 '"warning":true' validate uscc --json 91350100M000100Y47
# outside the configured pilot regions the same code is mistyped
cp -r "${RK_SOURCE_DIR:?}/conf" "$tmp/conf"
sed -i 's/^uscc_pilot_regions.*/uscc_pilot_regions = 440300, 310115/' "$tmp/conf/kiosk.conf"
expect 1 'not a pilot region' --conf "$tmp/conf/kiosk.conf" validate uscc 91350100M000100Y47
expect 1 'not a pilot region' --conf /nonexistent/kiosk.conf validate uscc 91350100M000100Y47
expect 1 'no pilot regions apply' --conf /nonexistent/kiosk.conf validate uscc 91350100M000100Y47

# the others
expect 0 '^valid M000100Y4$' validate orgcode M000100Y-4
expect 0 '^valid 13812345678$' validate mobile '+86 138-1234-5678'
expect 1 'does not start with 13 to 19' validate mobile 12812345678
expect 0 '^valid a@example.com$' validate email 'a@Example.COM'
expect 1 "did you mean '.'" validate email 'a@gmail,com'
expect 1 "has no '@'" validate email 'a.gmail.com'
expect 0 '^valid 2024-02-29$' validate date 2024-02-29
expect 1 'not a calendar date' validate date 2023-02-29
expect 0 '^valid SB001234$' validate ssn sb001234
expect 0 '^valid 11010519491231002X$' validate ssn_person 11010519491231002X

# JSON output
expect 0 '"ok":true,"warning":false,"reason":"","message":' --json validate id 11010519491231002X
expect 0 '"birth_date":"1949-12-31","sex":"F","region":"110105"' --json validate id \
    11010519491231002X
expect 1 '"ok":false.*"reason":"birth_date"' --json validate id 110105194902300021
if "$RACTL" --json validate id 110105194902300021 2>"$tmp/err" >/dev/null; then :; fi
if [ -s "$tmp/err" ]; then
    echo "FAIL: --json wrote to standard error: $(cat "$tmp/err")"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi
if command -v python3 >/dev/null; then
    expect 0 '' --json validate uscc 91350100M000100Y43
    if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and d["normalized"]' \
        <"$tmp/out"; then passed=$((passed + 1)); else
        echo "FAIL: --json output is not the expected JSON: $(cat "$tmp/out")"
        failed=$((failed + 1))
    fi
fi

# help and usage
expect 0 'ractl validate COMMAND' validate --help
expect 0 'GB 11643' validate id --help
expect 0 'pilot' validate uscc --help
expect 0 'validate' --help
expect 2 'VALUE is missing' validate id
expect 2 'one VALUE only' validate id 1 2
expect 2 "unknown command 'passport'" validate passport X
expect 2 '' validate

# no configuration or database needed
expect 0 '' --conf /nonexistent/kiosk.conf validate date 2000-02-29

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
