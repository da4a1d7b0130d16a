# smtp_sink.py: a throwaway SMTP server (aiosmtpd) for smtp_test.cpp. Writes each message it receives
# to <outdir>/<n>.eml with the session facts first, prints "<port> <pid>", runs until killed (max 120 s).
# usage: smtp_sink.py OUTDIR [--auth USER:PASS [--cram-only]] [--starttls CERT KEY] [--host ADDR]
# --cram-only offers CRAM-MD5 alone (PASS is its secret) instead of PLAIN and LOGIN.
# With --auth, PLAIN's authorization identity is written too (AUTHZID:), "-" when there was none.
import hashlib
import hmac
import os
import socket
import ssl
import sys
import time
from base64 import b64decode

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword


def free_port(host):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    def __init__(self, outdir, cram=None):
        self.outdir = outdir
        self.count = 0
        self.cram = cram  # (user, secret) when CRAM-MD5 is offered

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        head = "EHLO: %s\nFROM: %s\nTO: %s\nAUTH: %s\nAUTHZID: %s\nTLS: %s\n\n" % (
            session.host_name, envelope.mail_from, ",".join(envelope.rcpt_tos),
            getattr(session, "tocsin_user", "-"), getattr(session, "tocsin_authzid", "-"),
            "yes" if session.ssl else "no")
        path = os.path.join(self.outdir, "%d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK queued"

    async def auth_PLAIN(self, server, args):
        # aiosmtpd's own PLAIN drops the authorization identity; this one keeps it.
        try:
            blob = await server.challenge_auth("") if len(args) == 1 else b64decode(args[1], validate=True)
            if blob is MISSING:
                return AuthResult(success=False)
            authzid, login, password = blob.split(b"\x00")
        except ValueError:
            await server.push("501 5.5.2 Can't decode auth value")
            return AuthResult(success=False, handled=True)
        result = server._authenticate("PLAIN", LoginPassword(login, password))
        if result.success:
            server.session.tocsin_authzid = authzid.decode() or "-"
        return result


    async def auth_CRAM__MD5(self, server, args):
        if self.cram is None:
            await server.push("504 5.5.4 Unrecognized authentication type")
            return AuthResult(success=False, handled=True)
        challenge = b"<1896.697170952@tocsin.test>"
        blob = await server.challenge_auth(challenge)
        if blob is MISSING:
            return AuthResult(success=False)
        user, secret = self.cram
        want = user.encode() + b" " + hmac.new(secret.encode(), challenge, hashlib.md5).hexdigest().encode()
        ok = hmac.compare_digest(blob, want)
        if ok:
            server.session.tocsin_user = "%s/CRAM-MD5" % user
        return AuthResult(success=ok)


def main():
    outdir = sys.argv[1]
    args = sys.argv[2:]
    kwargs = {}
    cram = None
    if "--auth" in args:
        user, password = args[args.index("--auth") + 1].split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            if ok:
                session.tocsin_user = "%s/%s" % (user, mechanism)
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
        if "--cram-only" in args:
            cram = (user, password)
        kwargs.update(auth_exclude_mechanism=["PLAIN", "LOGIN"] if cram else ["CRAM-MD5"])
    if "--starttls" in args:
        i = args.index("--starttls")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        kwargs.update(tls_context=ctx, require_starttls=True)
    host = args[args.index("--host") + 1] if "--host" in args else "127.0.0.1"
    port = free_port(host)
    controller = Controller(Sink(outdir, cram), hostname=host, port=port, **kwargs)
    controller.start()
    print(port, os.getpid(), flush=True)
    time.sleep(120)
    controller.stop()


if __name__ == "__main__":
    main()
