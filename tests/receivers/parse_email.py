# parse_email.py: reads a message written by tests/net/smtp_sink.py (session facts, a blank line, the
# message) and prints its headers and decoded parts as JSON, parsed by Python's email package.
import email
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
facts, _, message = raw.partition(b"\n\n")
msg = email.message_from_bytes(message, policy=email.policy.default)
out = {
    "facts": facts.decode(),
    "headers": {k: str(v) for k, v in msg.items()},
    "content_type": msg.get_content_type(),
    "parts": [],
    "defects": [str(d) for d in msg.defects],
}
for part in msg.iter_parts() if msg.is_multipart() else []:
    out["parts"].append({
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "cte": part.get("Content-Transfer-Encoding"),
        "body": part.get_content(),
    })
print(json.dumps(out))
