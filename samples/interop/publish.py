#!/usr/bin/env python3
"""Invalidate the near caches of a nearcache application from Python (docs/protocol.md, version 1).

    publish.py invalidate products 42 43     # evict keys (canonical forms) from one cache on every instance
    publish.py clear products                # clear one cache on every instance
    publish.py clear                         # clear every cache on every instance

Set NEARCACHE_SECRET (nearcache.security.signing.secret of the application) to sign the messages.

Speaks Redis' protocol over a plain socket, so it needs nothing but Python 3. With redis-py, the publish is
one line: redis.Redis().publish(channel, message). Prints how many instances received each message.
"""
import argparse
import hashlib
import hmac
import json
import os
import socket
import time

MAX_MESSAGE_BYTES = 64 * 1024  # nearcache.invalidation.max-message-size: instances drop larger messages


def message(type_, origin, cache=None, keys=None):
    body = {"v": 1, "type": type_, "origin": origin, "ts": int(time.time() * 1000)}
    if cache is not None:
        body["cache"] = cache
    if keys is not None:
        body["keys"] = [str(key) for key in keys]  # keys are always JSON strings, in canonical form
    return signed(json.dumps(body, separators=(",", ":"), ensure_ascii=False))


def signed(body):
    """The message itself, or, with a secret, a signed envelope around its exact bytes."""
    secret = os.environ.get("NEARCACHE_SECRET")
    if not secret:
        return body.encode("utf-8")
    sig = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()
    envelope = {"v": 1, "type": "signed", "sig": sig, "body": body}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def invalidations(origin, cache, keys):
    """One message per batch of keys that fits the size limit."""
    batch = []
    for key in keys:
        if batch and len(message("invalidate", origin, cache, batch + [key])) > MAX_MESSAGE_BYTES:
            yield message("invalidate", origin, cache, batch)
            batch = []
        batch.append(key)
    if batch:
        yield message("invalidate", origin, cache, batch)


def publish(host, port, channel, payloads):
    with socket.create_connection((host, port), timeout=5) as connection:
        reader = connection.makefile("rb")
        for payload in payloads:
            parts = [b"PUBLISH", channel.encode("utf-8"), payload]
            command = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)
            connection.sendall(command)
            reply = reader.readline().decode("utf-8").strip()
            if not reply.startswith(":"):
                raise SystemExit("Redis answered " + reply)
            print(reply[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("REDIS_HOST", "localhost"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("REDIS_PORT", "6379")))
    parser.add_argument("--channel", default=os.environ.get("CHANNEL", "nearcache:catalog"),
                        help="nearcache.channel of the application: nearcache:<spring.application.name>")
    parser.add_argument("--origin", default=os.environ.get("ORIGIN", "python-" + socket.gethostname()),
                        help="a fixed id for this publisher")
    parser.add_argument("type", choices=["invalidate", "clear"])
    parser.add_argument("cache", nargs="?")
    parser.add_argument("keys", nargs="*")
    args = parser.parse_args()
    if args.type == "invalidate":
        if not args.cache or not args.keys:
            parser.error("invalidate needs a cache and at least one key")
        payloads = invalidations(args.origin, args.cache, args.keys)
    else:
        if args.keys:
            parser.error("clear takes at most a cache name")
        payloads = [message("clear", args.origin, args.cache)]
    publish(args.host, args.port, args.channel, payloads)


if __name__ == "__main__":
    main()
