#!/usr/bin/env python3
"""Writes hand-made, valid PostgreSQL conversations as libFuzzer seeds for FuzzDecoders.

Each seed is: a control byte, the frontend stream's length (big-endian UInt16), the
client-to-server stream, then the server-to-client stream (layout in FuzzDecoders.swift).
Usage: make-seeds.py DIR
"""
import struct
import sys
from pathlib import Path


def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def u16(v): return struct.pack(">H", v)
def i32(v): return struct.pack(">i", v)
def u32(v): return struct.pack(">I", v)
def cstr(s): return s.encode() + b"\0"
def nbytes(b): return i32(-1) if b is None else i32(len(b)) + b


def typed(t, body=b""):
    return t.encode() + i32(len(body) + 4) + body


def untyped(body):
    return i32(len(body) + 4) + body


# Frontend
SSL_REQUEST = untyped(u32(80877103))
GSSENC_REQUEST = untyped(u32(80877104))


def startup(params, minor=0):
    body = u32(3 << 16 | minor) + b"".join(cstr(k) + cstr(v) for k, v in params) + b"\0"
    return untyped(body)


def cancel(pid, key): return untyped(u32(80877102) + i32(pid) + key)
def query(q): return typed("Q", cstr(q))
def password(p): return typed("p", cstr(p))
def sasl_initial(mech, data): return typed("p", cstr(mech) + nbytes(data))
def sasl_response(data): return typed("p", data)
def parse(name, q, oids=()): return typed("P", cstr(name) + cstr(q) + i16(len(oids)) + b"".join(u32(o) for o in oids))


def bind(portal, stmt, formats=(), params=(), result_formats=()):
    body = cstr(portal) + cstr(stmt) + i16(len(formats)) + b"".join(i16(f) for f in formats)
    body += i16(len(params)) + b"".join(nbytes(p) for p in params)
    body += i16(len(result_formats)) + b"".join(i16(f) for f in result_formats)
    return typed("B", body)


def describe(kind, name): return typed("D", kind.encode() + cstr(name))
def close(kind, name): return typed("C", kind.encode() + cstr(name))
def execute(portal, rows=0): return typed("E", cstr(portal) + i32(rows))


def function_call(oid, formats, args, result):
    body = u32(oid) + i16(len(formats)) + b"".join(i16(f) for f in formats)
    body += i16(len(args)) + b"".join(nbytes(a) for a in args) + i16(result)
    return typed("F", body)


SYNC, FLUSH, TERMINATE, COPY_DONE = typed("S"), typed("H"), typed("X"), typed("c")
def copy_data(b): return typed("d", b)
def copy_fail(m): return typed("f", cstr(m))


# Backend
def auth(code, data=b""): return typed("R", i32(code) + data)
AUTH_OK = auth(0)
def parameter_status(k, v): return typed("S", cstr(k) + cstr(v))
def backend_key(pid, key): return typed("K", i32(pid) + key)
def ready(status="I"): return typed("Z", status.encode())


def row_description(cols):
    body = i16(len(cols))
    for name, oid, size in cols:
        body += cstr(name) + u32(0) + i16(0) + u32(oid) + i16(size) + i32(-1) + i16(0)
    return typed("T", body)


def data_row(values): return typed("D", i16(len(values)) + b"".join(nbytes(v) for v in values))
def command_complete(tag): return typed("C", cstr(tag))
def copy_response(t, fmt, cols): return typed(t, i8(fmt) + i16(len(cols)) + b"".join(i16(c) for c in cols))


def diagnostic(t, fields):
    return typed(t, b"".join(k.encode() + cstr(v) for k, v in fields) + b"\0")


def notification(pid, channel, payload): return typed("A", i32(pid) + cstr(channel) + cstr(payload))
def negotiate(minor, opts): return typed("v", i32(minor) + i32(len(opts)) + b"".join(cstr(o) for o in opts))
def parameter_description(oids): return typed("t", i16(len(oids)) + b"".join(u32(o) for o in oids))
def function_call_response(v): return typed("V", nbytes(v))


PARSE_COMPLETE, BIND_COMPLETE, CLOSE_COMPLETE = typed("1"), typed("2"), typed("3")
NO_DATA, PORTAL_SUSPENDED, EMPTY_QUERY, BACKEND_COPY_DONE = typed("n"), typed("s"), typed("I"), typed("c")

STARTUP = startup([("user", "alice"), ("database", "app"), ("application_name", "psql")])
SERVER_READY = [AUTH_OK, parameter_status("server_version", "18.1"), backend_key(99, b"\1\2\3\4"), ready()]

SESSIONS = {
    "ssl-md5-simple-query": (
        [SSL_REQUEST, STARTUP, password("md5" + "a" * 32), query("select 1, 'x'"), TERMINATE],
        [b"N", auth(5, b"\1\2\3\4"), *SERVER_READY,
         row_description([("?column?", 23, 4), ("text", 25, -1)]), data_row([b"1", b"x"]), data_row([b"2", None]),
         command_complete("SELECT 2"), ready()],
    ),
    "gssenc-ssl-scram-extended": (
        [GSSENC_REQUEST, SSL_REQUEST, STARTUP, sasl_initial("SCRAM-SHA-256", b"n,,n=,r=abc"),
         sasl_response(b"c=biws,r=abcdef,p=proof"), parse("", "select $1::int", [23]),
         bind("", "", [1], [b"\0\0\0\x2a"], [0]), describe("P", ""), execute(""), SYNC, TERMINATE],
        [b"N", b"N", auth(10, cstr("SCRAM-SHA-256") + b"\0"), auth(11, b"r=abcdef,s=c2FsdA==,i=4096"),
         auth(12, b"v=sig"), *SERVER_READY, PARSE_COMPLETE, BIND_COMPLETE,
         row_description([("int4", 23, 4)]), data_row([b"42"]), command_complete("SELECT 1"), ready()],
    ),
    "cleartext-copy-notices": (
        [STARTUP, password("secret"), query("copy t from stdin"), copy_data(b"1\tone\n"), copy_data(b"2\ttwo\n"),
         COPY_DONE, query("copy t to stdout"), query("copy t from stdin"), copy_fail("stop"), TERMINATE],
        [auth(3), *SERVER_READY, copy_response("G", 0, [0, 0]), command_complete("COPY 2"), ready(),
         copy_response("H", 0, [0, 0]), copy_data(b"1\tone\n"), BACKEND_COPY_DONE, command_complete("COPY 1"), ready(),
         copy_response("G", 0, [0, 0]),
         diagnostic("N", [("S", "NOTICE"), ("V", "NOTICE"), ("C", "00000"), ("M", "note")]),
         diagnostic("E", [("S", "ERROR"), ("C", "57014"), ("M", "COPY from stdin failed: stop"), ("D", "d"), ("H", "h")]),
         ready()],
    ),
    "protocol-3.2-fastpath-notify": (
        [startup([("user", "u"), ("_pq_.test", "on")], minor=2),
         function_call(952, [], [b"x"], 1), query(""), TERMINATE],
        [negotiate(2, ["_pq_.test"]), AUTH_OK, backend_key(5, b"\7" * 32), ready(),
         function_call_response(None), ready(), EMPTY_QUERY, notification(3, "jobs", "go"), ready("T")],
    ),
    "cancel-request": ([cancel(99, b"\1\2\3\4")], []),
    "replication": (
        [startup([("user", "rep"), ("replication", "database")]), query("START_REPLICATION SLOT s LOGICAL 0/0"),
         copy_data(b"r" + b"\0" * 33), COPY_DONE, TERMINATE],
        [*SERVER_READY, copy_response("W", 0, []), copy_data(b"w" + b"\1" * 24 + b"BEGIN"),
         copy_data(b"k" + b"\0" * 17), BACKEND_COPY_DONE, command_complete("START_REPLICATION"), ready()],
    ),
    "gss-portal-suspended": (
        [STARTUP, sasl_response(b"\x60\x81\x00"), sasl_response(b"\x05\x04"), parse("s", "select * from t"),
         bind("c", "s"), execute("c", 1), FLUSH, close("P", "c"), close("S", "s"), SYNC, TERMINATE],
        [auth(7), auth(8, b"\x60\x01"), *SERVER_READY, PARSE_COMPLETE, BIND_COMPLETE, data_row([None]),
         PORTAL_SUSPENDED, CLOSE_COMPLETE, CLOSE_COMPLETE, parameter_description([]), NO_DATA, ready("T")],
    ),
    "ssl-accepted": ([SSL_REQUEST, b"\x16\x03\x01\x00\x05hello"], [b"S", b"\x16\x03\x03\x00\x02hi"]),
    "describe-statement": (
        [STARTUP, parse("q1", "select $1, $2", [25, 23]), describe("S", "q1"), SYNC,
         bind("", "q1", [0, 1], [b"abc", None], [0, 1]), execute("", 10), SYNC],
        [*SERVER_READY, PARSE_COMPLETE, parameter_description([25, 23]),
         row_description([("a", 25, -1), ("b", 23, 4)]), ready(), BIND_COMPLETE,
         data_row([b"abc", b"\0\0\0\1"]), command_complete("SELECT 1"), ready()],
    ),
}

# Control bytes: whole-stream feeding, 1-byte chunks, 5-byte chunks with SSL accepted, 64 KiB cap.
CONTROLS = [0x07, 0x00, 0x0B, 0x45]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, (frontend, backend) in SESSIONS.items():
        f, b = b"".join(frontend), b"".join(backend)
        for control in CONTROLS:
            (out / f"seed-{name}-{control:02x}").write_bytes(bytes([control]) + u16(len(f)) + f + b)
    print(f"wrote {len(SESSIONS) * len(CONTROLS)} seeds to {out}")


if __name__ == "__main__":
    main()
