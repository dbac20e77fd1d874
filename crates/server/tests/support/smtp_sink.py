#!/usr/bin/env python3
"""A tiny SMTP sink for Touchpoint's tests: accepts every message on 127.0.0.1:PORT and writes
it, as received, to DIR/<n>.eml, and its decoded parts (envelope, headers, text and HTML
bodies) to DIR/<n>.json for the tests to read. Needs aiosmtpd (`python3 -m pip install aiosmtpd`).

Usage: smtp_sink.py PORT DIR
"""

import email
import email.policy
import itertools
import json
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
        os.replace(tmp, path)
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        decoded = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "header_names": list(message.keys()),
            "text": None,
            "html": None,
        }
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                decoded["text"] = part.get_content()
            elif part.get_content_type() == "text/html":
                decoded["html"] = part.get_content()
        json_path = os.path.join(self.directory, f"{n:04d}.json")
        with open(json_path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(decoded, f)
        os.replace(json_path + ".tmp", json_path)  # readers never see half a message
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
