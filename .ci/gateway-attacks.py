#!/usr/bin/env python3
"""Hostile clients against a running `pgw serve`, each measuring the server's memory and checking that it still
serves others afterwards. Used by the test suite (small sizes) and by .ci/stress (full sizes).

Usage: gateway-attacks.py --port PORT --pid PID [--size small|full] [--relay] ATTACK [ATTACK...]
Prints one JSON line per attack: {"attack", "passed", "rss_before_kib", "rss_peak_kib", "rss_after_kib", ...};
exits 1 if any attack failed. Only 127.0.0.1 is ever contacted. Python standard library only.
"""

import argparse
import json
import os
import resource
import signal
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"


def message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", 4 + len(body)) + body


def startup(user: str = "alice", database: str = "app", version: int = 196608) -> bytes:
    body = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
    return struct.pack("!ii", 8 + len(body), version) + body


def query(text: str) -> bytes:
    return message(b"Q", text.encode() + b"\0")


class Memory:
    """Samples the server's resident set size in the background."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def rss(self) -> int:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def sample(self):
        while self.running:
            try:
                self.peak = max(self.peak, self.rss())
            except OSError:
                return
            time.sleep(0.02)

    def __enter__(self):
        self.before = self.rss()
        self.peak = self.before
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        try:
            self.after = self.rss()
        except OSError:
            self.after = -1


def read_messages(sock: socket.socket, until=None, timeout: float = 20.0):
    """Reads messages until `until(kind, body)` is true or the server closes; returns [(kind, body)]."""
    sock.settimeout(timeout)
    data = b""
    messages = []
    while True:
        while len(data) >= 5:
            kind, length = data[:1], struct.unpack("!i", data[1:5])[0]
            if len(data) < 1 + length:
                break
            messages.append((kind, data[5 : 1 + length]))
            data = data[1 + length :]
            if until and until(*messages[-1]):
                return messages
        try:
            chunk = sock.recv(1 << 20)
        except (socket.timeout, ConnectionResetError):
            return messages
        if not chunk:
            return messages
        data += chunk


RELAY = False  # --relay: memory bounds for a relay, which holds no message whole


def error_fields(body: bytes) -> dict:
    return {f[:1].decode(): f[1:].decode() for f in body.split(b"\0") if f}


def login(port: int, user: str = "alice", receive_buffer: int = 0) -> socket.socket:
    """A client logged in with trust; `receive_buffer` shrinks its socket's receive buffer, so that a client
    that does not read stops the server's writes sooner."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(20)
    sock.connect((HOST, port))
    sock.sendall(startup(user))
    read_messages(sock, until=lambda kind, _: kind == b"Z")
    return sock


def still_serving(port: int) -> bool:
    """psql logs in as alice (password `secret` where one is asked) and gets an answer to a query."""
    import subprocess

    environment = dict(os.environ, PGPASSWORD="secret", PGCONNECT_TIMEOUT="10", PGGSSENCMODE="disable")
    try:
        outcome = subprocess.run(
            ["psql", "-X", "-tA", "-c", "select 'still here'", f"host={HOST} port={port} user=alice dbname=app"],
            env=environment, capture_output=True, text=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return outcome.returncode == 0 and "still here" in outcome.stdout


def send_for(sock: socket.socket, chunk: bytes, total: int, seconds: float) -> int:
    """Sends `chunk` repeatedly, up to `total` bytes or until the server stops taking them for `seconds`."""
    sock.setblocking(False)
    sent = 0
    view = memoryview(chunk)
    offset = 0
    stalled_since = None
    while sent < total:
        try:
            count = sock.send(view[offset:])
        except BlockingIOError:
            count = 0
        except OSError:
            break
        if count == 0:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > seconds:
                break
            time.sleep(0.005)
            continue
        stalled_since = None
        sent += count
        offset = (offset + count) % len(chunk)
    sock.setblocking(True)
    return sent


# --- attacks -------------------------------------------------------------------------------------------------------
# Each returns a dict of findings with "passed"; `size` scales them.


def copy_stream(port, memory, size):
    """Well-formed CopyData of 1 MiB + 1 byte each after login, far more in total than memory allows to keep."""
    total = {"small": 64, "full": 5 * 1024}[size] << 20
    sock = login(port)
    chunk = message(b"d", b"x" * ((1 << 20) + 1))
    sent = send_for(sock, chunk, total, seconds=30)
    sock.sendall(query("select 1"))
    replies = read_messages(sock, until=lambda kind, _: kind == b"Z", timeout=60)
    sock.close()
    growth = memory.peak - memory.before
    return {
        "sent_mib": sent >> 20,
        "answered_after": any(kind == b"Z" for kind, _ in replies),
        "passed": sent >= total and growth < 48 * 1024 and any(kind == b"Z" for kind, _ in replies),
    }


def huge_message(port, memory, size):
    """One CopyData as long as PostgreSQL allows messages to be (900 MiB full): a server must hold at most about its
    size (a relay nothing like it), and answer the next query."""
    length = {"small": 64, "full": 900}[size] << 20
    sock = login(port)
    sock.sendall(b"d" + struct.pack("!i", length + 4))
    sent = send_for(sock, b"x" * (1 << 20), length, seconds=30)
    sock.sendall(query("select 1"))
    replies = read_messages(sock, until=lambda kind, _: kind == b"Z", timeout=60)
    sock.close()
    growth = memory.peak - memory.before
    allowed = 48 * 1024 if RELAY else (length >> 10) * 5 // 4 + 48 * 1024
    return {
        "message_mib": length >> 20,
        "sent_mib": sent >> 20,
        "rss_growth_kib": growth,
        "answered_after": any(kind == b"Z" for kind, _ in replies),
        "passed": sent >= length and growth < allowed and any(kind == b"Z" for kind, _ in replies),
    }


def password_after_login(port, memory, size):
    """A `p` message after authentication: PostgreSQL's FATAL 08P01, not a stall."""
    sock = login(port)
    sock.sendall(message(b"p", b"secret\0") + query("select 1"))
    replies = read_messages(sock, timeout=10)
    errors = [error_fields(body) for kind, body in replies if kind == b"E"]
    return {
        "errors": errors,
        "passed": errors[:1] != [] and errors[0].get("C") == "08P01"
        and errors[0].get("M") == "invalid frontend message type 112",
    }


def pipeline_without_reading(port, memory, size):
    """Simple queries pipelined and never read: the server must stop reading, not buffer the replies."""
    count = {"small": 100_000, "full": 5_000_000}[size]
    sock = login(port, receive_buffer=4096)
    chunk = query("select 1") * 1000
    sent = send_for(sock, chunk, count * len(query("select 1")), seconds=1.5)
    held = memory.rss() - memory.before
    sock.close()
    time.sleep(0.5)
    growth = memory.peak - memory.before
    return {
        "queries_sent": sent // len(query("select 1")),
        "rss_growth_kib": growth,
        "passed": growth < 32 * 1024 and held < 32 * 1024,
    }


def extended_without_sync(port, memory, size):
    """Bind+Execute pairs without Sync, never read: replies are flushed as they fill the send buffer, and the
    server stops reading when the client does not take them."""
    count = {"small": 200_000, "full": 2_000_000}[size]
    sock = login(port, receive_buffer=4096)
    sock.sendall(message(b"P", b"\0select 1\0\0\0"))
    pair = message(b"B", b"\0\0\0\0\0\0\0\0") + message(b"E", b"\0\0\0\0\0")
    sent = send_for(sock, pair * 1000, count * len(pair), seconds=1.5)
    # Before any Sync, the client must already have received replies.
    sock.settimeout(5)
    try:
        first = sock.recv(65536)
    except OSError:
        first = b""
    sock.close()
    time.sleep(0.5)
    growth = memory.peak - memory.before
    return {
        "pairs_sent": sent // len(pair),
        "received_before_sync": len(first),
        "rss_growth_kib": growth,
        "passed": growth < 32 * 1024 and len(first) > 0,
    }


def huge_preauth_message(port, memory, size):
    """Unauthenticated clients announcing huge password messages: refused at the header, nothing buffered."""
    clients = {"small": 3, "full": 3}[size]
    claimed = {"small": 64 << 20, "full": (1 << 30) - 1}[size]
    results = []
    for _ in range(clients):
        sock = socket.create_connection((HOST, port), timeout=20)
        sock.sendall(startup())
        read_messages(sock, until=lambda kind, _: kind == b"R")
        try:
            sock.sendall(b"p" + struct.pack("!i", claimed) + b"x" * 65536)
            send_for(sock, b"x" * 65536, claimed, seconds=2)
        except OSError:
            pass
        replies = read_messages(sock, timeout=10)
        results += [error_fields(body) for kind, body in replies if kind == b"E"]
        sock.close()
    growth = memory.peak - memory.before
    return {
        "errors": results,
        "rss_growth_kib": growth,
        "passed": len(results) == clients and all(e.get("C") == "08P01" for e in results) and growth < 32 * 1024,
    }


def slowloris(port, memory, size):
    """Sockets that send one byte and stall must not keep a real client out."""
    count = {"small": 200, "full": 1_000}[size]
    stalled = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=20)
        sock.sendall(b"\0")
        stalled.append(sock)
    began = time.monotonic()
    ok = still_serving(port)
    elapsed = time.monotonic() - began
    for sock in stalled:
        sock.close()
    return {"stalled_sockets": count, "login_seconds": round(elapsed, 3), "passed": ok and elapsed < 5}


def idle_connections(port, memory, size):
    """Many authenticated idle clients: memory per connection, then everyone still served. A relay holds two
    descriptors per client (and has the same descriptor limit as this process): fewer clients when the limit
    cannot hold 10,000 of them, said in the result."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    count = {"small": 500, "full": 10_000}[size]
    if RELAY:
        count = min(count, (hard - 500) // 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 100)), hard))
    clients = []
    sessions = 0
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(20)
        sock.connect((HOST, port))
        sock.sendall(startup())
        sessions += any(kind == b"Z" for kind, _ in read_messages(sock, until=lambda kind, _: kind in (b"Z", b"E")))
        clients.append(sock)
    time.sleep(0.5)
    per_connection = (memory.rss() - memory.before) * 1024 // max(sessions, 1)
    ok = still_serving(port)
    for sock in clients:
        sock.close()
    return {
        "connections": count,
        "sessions": sessions,
        "rss_per_connection_bytes": per_connection,
        "passed": ok and sessions == count,
    }


def scram_unknown_user(port, memory, size):
    """An unknown user's SCRAM salt is stable, and the server-first-message takes as long as a real user's."""

    def server_first(user):
        sock = socket.create_connection((HOST, port), timeout=20)
        sock.sendall(startup(user))
        read_messages(sock, until=lambda kind, _: kind == b"R")
        first = b"n,,n=,r=abcdefghijklmnopqrstuvwx"
        began = time.perf_counter()
        sock.sendall(message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first))
        replies = read_messages(sock, until=lambda kind, _: kind == b"R")
        elapsed = time.perf_counter() - began
        sock.close()
        text = replies[-1][1][4:].decode()
        return ",".join(text.split(",")[1:]), elapsed

    rounds = {"small": 20, "full": 200}[size]
    unknown = [server_first("nobody") for _ in range(rounds)]
    known = [server_first("alice") for _ in range(rounds)]
    median = lambda values: sorted(values)[len(values) // 2]
    unknown_time, known_time = median([t for _, t in unknown]), median([t for _, t in known])
    stable = len({salt for salt, _ in unknown}) == 1
    return {
        "unknown_salt_stable": stable,
        "median_ms_unknown": round(unknown_time * 1000, 3),
        "median_ms_known": round(known_time * 1000, 3),
        "passed": stable and unknown_time < 3 * known_time + 0.002,
    }


def while_pinged(port, action):
    """Runs `action(sock)` on a logged-in connection while two others, logged in before and after it (connections are
    spread over the server's event loops in turn, so one of them shares its loop), send `select 1` in turn; returns
    the action's result and the worst latency the others saw, in seconds."""
    before = login(port)
    sock = login(port)
    after = login(port)
    stalls = []
    done = threading.Event()

    def ping(other):
        while not done.is_set():
            began = time.perf_counter()
            other.sendall(query("select 1"))
            read_messages(other, until=lambda kind, _: kind == b"Z", timeout=10)
            stalls.append(time.perf_counter() - began)
            time.sleep(0.01)

    pingers = [threading.Thread(target=ping, args=(other,)) for other in (before, after)]
    for pinger in pingers:
        pinger.start()
    try:
        result = action(sock)
    finally:
        done.set()
        for pinger in pingers:
            pinger.join()
        for other in (sock, before, after):
            other.close()
    return result, max(stalls) if stalls else 0


def large_query(port, memory, size):
    """A 10 MB statement: answered quickly, and another connection is not stalled meanwhile."""
    length = {"small": 10 << 20, "full": 10 << 20}[size]
    text = "select '" + "a" * (length - 10) + "'"

    def run(sock):
        began = time.perf_counter()
        sock.sendall(query(text))
        replies = read_messages(sock, until=lambda kind, _: kind == b"Z", timeout=60)
        return replies, time.perf_counter() - began

    (replies, elapsed), worst = while_pinged(port, run)
    return {
        "query_seconds": round(elapsed, 3),
        "worst_other_latency_ms": round(worst * 1000, 1),
        # A quadratic scan takes minutes; the bound leaves room for the test suite's debug build on a busy machine
        # (0.16 s release, 0.9 s debug when alone; 3.4 s debug once inside the whole suite).
        "passed": any(kind == b"Z" for kind, _ in replies) and elapsed < {"small": 15, "full": 3}[size] and worst < 0.5,
    }


def wide_bind(port, memory, size):
    """Parse/Bind/Execute of 1,664 parameters (PostgreSQL's most select-list entries, evaluated), again and again;
    one of 10,000 (a statement too long to parse: echoed with its values written in); a Parse of 2,000 entries
    (54011): each answered in time linear in its size (JSON decoding that tried every node kind in turn, and writing
    each value in over the whole text, once took a minute for 10,000), and other connections are not stalled."""
    rounds = {"small": 2, "full": 20}[size]

    def parse(text):
        return message(b"P", b"\0" + text.encode() + b"\0" + struct.pack("!H", 0))

    def bound(columns):
        parameters = (struct.pack("!I", 1) + b"7") * columns
        bind = message(b"B", b"\0\0" + struct.pack("!HH", 0, columns) + parameters + b"\0\0")
        return bind + message(b"E", b"\0" + struct.pack("!I", 0)) + message(b"S", b"")

    def parameters(columns):
        return "select " + ",".join(f"${n}::int" for n in range(1, columns + 1))

    def answer(sock, request):
        sock.sendall(request)
        return read_messages(sock, until=lambda kind, _: kind == b"Z", timeout=60)

    def run(sock):
        began = time.perf_counter()
        answered = 0
        for _ in range(rounds):
            replies = answer(sock, parse(parameters(1664)) + bound(1664))
            answered += any(kind == b"D" and len(body) > 1664 * 5 for kind, body in replies)
        echoed = any(kind == b"D" for kind, _ in answer(sock, parse(parameters(10_000)) + bound(10_000)))
        refused = answer(sock, parse("select " + ",".join(["1"] * 2000)) + message(b"S", b""))
        codes = [error_fields(body).get("C") for kind, body in refused if kind == b"E"]
        return answered, echoed, codes, time.perf_counter() - began

    (answered, echoed, codes, elapsed), worst = while_pinged(port, run)
    return {
        "rounds_answered": answered,
        "ten_thousand_echoed": echoed,
        "wide_parse_errors": codes,
        "seconds": round(elapsed, 3),
        "worst_other_latency_ms": round(worst * 1000, 1),
        # Release: about a second in all; the debug build in the busy test suite gets room.
        "passed": answered == rounds and echoed and codes == ["54011"] and elapsed < {"small": 60, "full": 10}[size]
        and worst < {"small": 5, "full": 0.5}[size],
    }


def many_statements(port, memory, size):
    """A Query of 4 MB of `a;a;a;…`: answered in bounded steps and bounded memory."""
    length = {"small": 256 << 10, "full": 4 << 20}[size]
    sock = login(port)
    sock.sendall(query("a;" * (length // 2)))
    replies = 0
    ready = False
    sock.settimeout(120)
    data = b""
    while not ready:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
        offset = 0
        while len(data) - offset >= 5:
            kind, length_word = data[offset : offset + 1], struct.unpack_from("!i", data, offset + 1)[0]
            if len(data) - offset < 1 + length_word:
                break
            replies += kind == b"C"
            ready = ready or kind == b"Z"
            offset += 1 + length_word
        data = data[offset:]
    sock.close()
    growth = memory.peak - memory.before
    return {"statements_answered": replies, "rss_growth_kib": growth, "passed": ready and growth < 96 * 1024}


def shutdown_with_stalled_client(port, memory, size, pid=None):
    """SIGTERM while a client does not read: the server still exits within its shutdown timeout."""
    sock = login(port, receive_buffer=4096)
    send_for(sock, query("select 1") * 1000, 1 << 30, seconds=1)
    began = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while time.monotonic() - began < 30:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split()[2] == "Z":
                    break
        except OSError:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    sock.close()
    return {"exit_seconds": round(elapsed, 3), "passed": elapsed < 10, "skip_serving_check": True}


ATTACKS = {
    "copy-stream": copy_stream,
    "huge-message": huge_message,
    "password-after-login": password_after_login,
    "pipeline-without-reading": pipeline_without_reading,
    "extended-without-sync": extended_without_sync,
    "huge-preauth-message": huge_preauth_message,
    "slowloris": slowloris,
    "idle-connections": idle_connections,
    "scram-unknown-user": scram_unknown_user,
    "large-query": large_query,
    "wide-bind": wide_bind,
    "many-statements": many_statements,
    "shutdown-with-stalled-client": shutdown_with_stalled_client,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server process, for its memory")
    parser.add_argument("--size", choices=["small", "full"], default="small")
    parser.add_argument(
        "--relay", action="store_true",
        help="the target is a relay (pgw proxy) in front of the server: it must hold no message whole")
    parser.add_argument("attacks", nargs="+", choices=sorted(ATTACKS))
    arguments = parser.parse_args()
    global RELAY
    RELAY = arguments.relay
    failed = 0
    for name in arguments.attacks:
        attack = ATTACKS[name]
        with Memory(arguments.pid) as memory:
            try:
                if attack is shutdown_with_stalled_client:
                    result = attack(arguments.port, memory, arguments.size, pid=arguments.pid)
                else:
                    result = attack(arguments.port, memory, arguments.size)
            except Exception as error:  # a crash of the attack itself is a failure, reported with its reason
                result = {"passed": False, "error": f"{type(error).__name__}: {error}"}
        if not result.pop("skip_serving_check", False):
            result["still_serving"] = still_serving(arguments.port)
            result["passed"] = result["passed"] and result["still_serving"]
        result = {
            "attack": name,
            **result,
            "rss_before_kib": memory.before,
            "rss_peak_kib": memory.peak,
            "rss_after_kib": memory.after,
        }
        print(json.dumps(result), flush=True)
        failed += not result["passed"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
