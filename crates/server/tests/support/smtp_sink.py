#!/usr/bin/env python3
"""A tiny SMTP sink for Touchpoint's tests: accepts every message on 127.0.0.1:PORT and writes
it, as received, to DIR/<n>.eml. Needs aiosmtpd (`python3 -m pip install aiosmtpd`).

Usage: smtp_sink.py PORT DIR
"""

import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        path = os.path.join(self.directory, f"{n:04d}.eml")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.content if isinstance(envelope.content, bytes)
                    else envelope.content.encode())
        os.replace(tmp, path)  # readers never see half a message
        return "250 OK"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        signal.pause()  # the controller serves from its own thread until we are killed
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
