# smtp_sink.py: a throwaway SMTP server (aiosmtpd) for smtp_test.cpp. Writes each message it receives
# to <outdir>/<n>.eml with the session facts first, prints "<port> <pid>", runs until killed (max 120 s).
# usage: smtp_sink.py OUTDIR [--auth USER:PASS] [--starttls CERT KEY]
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        head = "EHLO: %s\nFROM: %s\nTO: %s\nAUTH: %s\nTLS: %s\n\n" % (
            session.host_name, envelope.mail_from, ",".join(envelope.rcpt_tos),
            getattr(session, "tocsin_user", "-"),
            "yes" if session.ssl else "no")
        path = os.path.join(self.outdir, "%d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK queued"


def main():
    outdir = sys.argv[1]
    args = sys.argv[2:]
    kwargs = {}
    if "--auth" in args:
        user, password = args[args.index("--auth") + 1].split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            if ok:
                session.tocsin_user = "%s/%s" % (user, mechanism)
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if "--starttls" in args:
        i = args.index("--starttls")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        kwargs.update(tls_context=ctx, require_starttls=True)
    port = free_port()
    controller = Controller(Sink(outdir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(port, os.getpid(), flush=True)
    time.sleep(120)
    controller.stop()


if __name__ == "__main__":
    main()
