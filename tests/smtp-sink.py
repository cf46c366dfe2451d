# A real SMTP server for the notify tests: Debian's aiosmtpd (python3-aiosmtpd), which nobody here
# wrote. Each message is written whole to DIR/<n>.eml (renamed into place, so a reader never sees half).
# Usage: /usr/bin/python3 tests/smtp-sink.py PORT DIR [USER:PASSWORD]  (with a user: AUTH required)
import os
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, out = int(sys.argv[1]), sys.argv[2]
login = sys.argv[3].encode().split(b":", 1) if len(sys.argv) > 3 else None


class Sink:
    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(out, "%d.eml" % time.time_ns())
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = login is not None and [auth_data.login, auth_data.password] == login
    return AuthResult(success=ok, handled=False)


extra = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True} if login else {}
controller = Controller(Sink(), hostname="127.0.0.1", port=port, **extra)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    controller.stop()
