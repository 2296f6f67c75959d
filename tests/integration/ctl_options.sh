# ractl's one option parser and one JSON writer, seen from the shell:
# numbers, amounts, dates and enumerations are checked and a usage error
# exits 2 naming the option and what it accepts; --opt=value works like
# --opt value; every --json reply parses as JSON even when a value holds
# a quote, a backslash or a newline.
. "$(dirname "$0")/lib.bash"

# json DESCRIPTION: the reply in $OUT (its last line that opens an object or array:
# stdout and stderr reach $OUT through separate pipes, so a message may come
# after the reply) parses as JSON.
json() {
    if printf '%s\n' "$OUT" | grep '^[[{]' | tail -n 1 | python3 -c 'import json, sys; json.load(sys.stdin)' \
        2>/dev/null; then ok; else bad "$1: not JSON: $OUT"; fi
}
# jfield EXPR WANT DESCRIPTION: the reply's field (a Python expression on j).
jfield() {
    local got
    got=$(printf '%s\n' "$OUT" | grep '^[[{]' | tail -n 1 | python3 -c "import json, sys; j = json.load(sys.stdin); print($1)" 2>&1)
    if [ "$got" = "$2" ]; then ok; else bad "$3: $1 is '$got', expected '$2'"; fi
}

# Numbers: a non-number, a number out of range, either form of the option.
expect 2 "cmp serve --port abc" -- "$RACTL" cmp serve --port abc --ca-cert x --ca-key y
contains "--port: 'abc' is not a whole number" "names the option and the value"
contains "0 to 65535" "says what it accepts"
expect 2 "cmp serve --port=abc" -- "$RACTL" cmp serve --port=abc --ca-cert x --ca-key y
contains "--port: 'abc'" "the --opt=value form is checked too"
expect 2 "cmp serve --port 70000" -- "$RACTL" cmp serve --port 70000 --ca-cert x --ca-key y
contains "out of range" "a number out of range"
expect 2 "cmp serve --days 1x" -- "$RACTL" cmp serve --port 0 --days 1x --ca-cert x --ca-key y
contains "--days" "days is a number"
expect 2 "cmp serve --max-requests -1" -- "$RACTL" cmp serve --port 0 --max-requests -1 \
    --ca-cert x --ca-key y
expect 2 "cmp revoke --reason x" -- "$RACTL" cmp revoke --server http://127.0.0.1:1/ \
    --trusted x --ref r --secret-file f --revoke c --reason x
contains "--reason: 'x' is not a whole number" "reason"
expect 2 "cmp request --timeout soon" -- "$RACTL" cmp request --timeout soon --out x --csr y
contains "--timeout" "timeout"
expect 2 "printer status --timeout 3s" -- "$RACTL" printer status --timeout 3s
contains "--timeout: '3s' is not a whole number" "printer timeout"
expect 2 "print receipt --timeout abc" -- "$RACTL" print receipt --sample --timeout abc
expect 2 "scan doc --dpi abc" -- "$RACTL" scan doc --out x.png --dpi abc
contains "--dpi: 'abc' is not a whole number" "dpi"
expect 2 "scan doc --dpi 10" -- "$RACTL" scan doc --out x.png --dpi 10
contains "50 to 2400" "dpi range"
expect 2 "scan id --cmd-timeout 5x" -- "$RACTL" scan id --cmd-timeout 5x
contains "--cmd-timeout: '5x'" "cmd-timeout"
expect 2 "scan barcode --baud fast" -- "$RACTL" scan barcode --device /dev/null --baud fast
contains "--baud: 'fast'" "baud"
expect 2 "db migrate --to x" -- "$RACTL" db migrate --to x
contains "--to: 'x' is not a whole number" "migrate target"
# Dates are calendar dates; a usage error whatever the command.
expect 2 "report weekly --week 2026-02-30" -- "$RACTL" report weekly --week 2026-02-30
contains "--week: '2026-02-30' is not a calendar date" "week"
expect 2 "export register --from 2026-13-01" -- "$RACTL" export register --format csv \
    --out x.csv --from 2026-13-01
contains "--from: '2026-13-01' is not a calendar date" "from"
expect 2 "export --format pdf" -- "$RACTL" export oplog --format pdf --out x
contains "csv or xlsx" "lists the formats"
expect 2 "export register --reveal" -- "$RACTL" export register --format csv --out x --reveal
contains "unknown option '--reveal'" "only the operation log reveals"
# An option without its value, an unknown option, a flag given a value.
expect 2 "missing value" -- "$RACTL" cmp serve --ca-cert x --ca-key y --port
contains "--port needs a whole number" "names what is missing"
expect 2 "unknown option" -- "$RACTL" key init blank --colour red
contains "unknown option '--colour'" "names the option"
expect 2 "flag with a value" -- "$RACTL" key init blank --label L --pin-stdin=yes
contains "--pin-stdin takes no value" "flags take none"
# Enumerations list what they accept.
expect 2 "print receipt --width 57" -- "$RACTL" print receipt --sample --width 57
contains "one of 58 or 80" "lists the widths"
expect 2 "print receipt --fallback dots" -- "$RACTL" print receipt --sample --fallback dots
contains "box or code" "lists the fallbacks"
# Global options: --conf=FILE, -j, an unknown one; all usage errors exit 2.
expect 2 "ractl --frobnicate" -- "$RACTL" --frobnicate init
contains "unknown option '--frobnicate'" "global options are checked"
expect 2 "ractl --conf" -- "$RACTL" --conf
expect 0 "ractl --conf=FILE" -- "$RACTL" "--conf=$RAKIOSK_CONF" -q init
expect 0 "-j init" -- "$RACTL" -j init
json "init reply"
# A usage error with --json is a JSON reply too, with the message.
expect 2 "json usage error" -- "$RACTL" --json cmp serve --port 'a"b'
json "usage error reply"
jfield 'j["ok"], j["error"], j["exit"]' "False usage 2" "usage error fields"
jfield '"a\"b" in j["message"]' "True" "the message keeps the value"

# Hostile values in replies: a quote, a backslash, a newline, a tab.
NAME=$(printf '王"主管\\\n\t')
expect 0 "clerk with a hostile name" -- sh -c "echo bosspass1 | '$RACTL' -j clerk add boss --name '$NAME' --roles supervisor"
json "clerk add reply"
echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null || bad "login"
expect 0 "clerk list --json" -- "$RACTL" --json clerk list
json "clerk list reply"
jfield 'j[0]["name"] == '"'"'王"主管\\\n\t'"'"'' "True" "the name comes back unchanged"
expect 0 "whoami --json" -- "$RACTL" --json clerk whoami
json "whoami reply"
QUESTION=$(printf 'How do I "unlock"?\nC:\\keys')
expect 0 "consultation with a hostile question" -- "$RACTL" -j record consult add \
    --channel counter --topic '解锁"' --question "$QUESTION"
json "consult add reply"
expect 0 "consult list --json" -- "$RACTL" --json record consult list
json "consult list reply"
jfield 'j[0]["question"]' "$QUESTION" "the question comes back unchanged"
expect 0 "tick --json" -- "$RACTL" --json tick
json "tick reply"
expect 0 "audit verify --json" -- "$RACTL" --json audit verify
json "audit reply"
jfield 'j["ok"]' "True" "audit ok"
expect 0 "logout --json" -- "$RACTL" --json clerk logout
json "logout reply"
expect 6 "logout again" -- "$RACTL" --json clerk logout
json "failure reply"

# --json is ractl's option, before the command: the help that mentions it
# says so (issue 12 item 13: `scan id --help`).
expect 0 "scan id --help" -- "$RACTL" scan id --help
contains "ractl --json scan id" "shows --json before the command"
contains "--json goes before" "says where --json goes"
finish
