#!/usr/bin/env python3
"""qmp.py: sends QMP commands to a running QEMU (tests/image).

    qmp.py SOCKET COMMAND [JSON-ARGUMENTS]

Connects to the QMP unix socket, negotiates capabilities, runs one command
and prints its "return" value as JSON. Exits 1 with QEMU's error text when
the command fails, 2 when QEMU cannot be reached."""
import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(path)
    except OSError as e:
        print(f"qmp: cannot reach {path}: {e}", file=sys.stderr)
        return 2
    f = s.makefile("rw")
    f.readline()  # the greeting

    def call(name, arguments=None):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        f.write(json.dumps(msg) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise OSError("QEMU closed the connection")
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply  # events ("event": ...) are skipped

    try:
        call("qmp_capabilities")
        reply = call(command, args)
    except OSError as e:
        print(f"qmp: {command}: {e}", file=sys.stderr)
        return 2
    if "error" in reply:
        print(f"qmp: {command}: {reply['error'].get('desc')}", file=sys.stderr)
        return 1
    print(json.dumps(reply["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
