"""A real SMTP server for the portal's mail tests: aiosmtpd with STARTTLS (or
implicit TLS) and AUTH, behind a certificate of a CA made for the run.

    python3 mail_server.py DIR MODE CERT_HOST USER PASSWORD [drop-first-data]

MODE is `starttls` or `tls`. DIR receives `ca.pem` (the CA to trust) and
`received.jsonl`: one line per MAIL command and per message accepted. The
server's certificate names CERT_HOST (and 127.0.0.1 when it is `localhost`).
With `drop-first-data` the connection is closed in the middle of the first
DATA of each Message-ID, before any reply. The port is printed on stdout once
the server listens.
"""

import asyncio
import email
import json
import os
import ssl
import subprocess
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificates(directory, host):
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr = os.path.join(directory, "server.key"), os.path.join(directory, "server.csr")
    cert, ext = os.path.join(directory, "server.pem"), os.path.join(directory, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=Portal test CA")
    openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={host}")
    names = f"DNS:{host}" + (",IP:127.0.0.1" if host == "localhost" else "")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={names}\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def secured(server):
    """Whether the connection runs inside TLS (STARTTLS or implicit)."""
    return server.transport.get_extra_info("ssl_object") is not None


class Handler:
    def __init__(self, log_path, drop_first_data):
        self.log_path = log_path
        self.drop_first_data = drop_first_data
        self.dropped = set()

    def log(self, entry):
        with open(self.log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.log({"event": "mail", "from": address, "tls": secured(server)})
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(content)
        message_id = parsed.get("Message-ID", "")
        if self.drop_first_data and message_id not in self.dropped:
            self.dropped.add(message_id)
            server.transport.close()
            return "421 4.4.2 closing"
        self.log({
            "event": "message",
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "tls": secured(server),
            "login": session.auth_data.login.decode()
                     if isinstance(session.auth_data, LoginPassword) else None,
            "message_id": message_id,
            "data": content.decode("utf-8", "replace"),
        })
        return "250 2.0.0 accepted"


async def main():
    directory, mode, cert_host, user, password = sys.argv[1:6]
    drop_first_data = "drop-first-data" in sys.argv[6:]
    context = make_certificates(directory, cert_host)
    handler = Handler(os.path.join(directory, "received.jsonl"), drop_first_data)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def smtp():
        return SMTP(
            handler,
            hostname="mail.test",
            tls_context=context if mode == "starttls" else None,
            require_starttls=mode == "starttls",
            authenticator=authenticate,
            auth_required=True,
            auth_require_tls=mode == "starttls",
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        smtp, "127.0.0.1", 0, ssl=context if mode == "tls" else None
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
