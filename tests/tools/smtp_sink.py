"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd).

usage: /usr/bin/python3 tests/tools/smtp_sink.py PORT DIR [--refuse N] [--code 451]

Every message accepted is written to DIR/NNNN.eml (the bytes as received, envelope in
DIR/NNNN.env as JSON). The first N messages are refused with CODE (a 4xx or 5xx reply to
DATA), as a relay that is down or over quota does. Prints "ready" once it listens."""
import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse, code):
        self.dir = directory
        self.refuse = refuse
        self.code = code
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "%d 4.3.0 test relay refuses this one" % self.code
            self.n += 1
            n = self.n
        base = os.path.join(self.dir, "%04d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as test-%04d" % n


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    refuse, code = 0, 451
    args = sys.argv[3:]
    while args:
        if args[0] == "--refuse":
            refuse = int(args[1])
        elif args[0] == "--code":
            code = int(args[1])
        args = args[2:]
    os.makedirs(directory, exist_ok=True)
    c = Controller(Sink(directory, refuse, code), hostname="127.0.0.1", port=port)
    c.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
