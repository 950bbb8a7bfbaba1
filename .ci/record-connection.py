#!/usr/bin/env python3
"""Relays one PostgreSQL connection and records both byte streams, for `pgw decode`.

Listens on 127.0.0.1, accepts a single client, connects it to the server (a TCP host:port or a Unix socket
path), forwards bytes both ways unchanged, and writes what the client sent to --frontend and what the server
sent to --backend. Exits when both sides have closed. Python 3 standard library only.

Example:
  .ci/record-connection.py --server /tmp/pgdir/.s.PGSQL.5432 --port-file port \\
      --frontend client.bin --backend server.bin &
  psql "host=127.0.0.1 port=$(cat port) ..."
"""

import argparse
import os
import socket
import sys
import threading


def connect(server: str, timeout: float) -> socket.socket:
    if "/" in server:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(server)
    else:
        host, _, port = server.rpartition(":")
        connection = socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
    connection.settimeout(None)
    return connection


def pump(source: socket.socket, destination: socket.socket, path: str) -> None:
    """Copies source to destination until end of stream, recording every byte, then half-closes destination."""
    with open(path, "wb") as record:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            record.write(data)
            record.flush()
            try:
                destination.sendall(data)
            except OSError:
                break
    try:
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", required=True, help="the server: HOST:PORT or a Unix socket path")
    parser.add_argument("--frontend", required=True, help="file for the client-to-server bytes")
    parser.add_argument("--backend", required=True, help="file for the server-to-client bytes")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--port-file", help="write the listening port to this file once listening")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the client (default 60)")
    arguments = parser.parse_args()

    listener = socket.create_server(("127.0.0.1", arguments.port))
    port = listener.getsockname()[1]
    if arguments.port_file:
        temporary = arguments.port_file + ".tmp"
        with open(temporary, "w") as file:
            file.write(f"{port}\n")
        os.replace(temporary, arguments.port_file)
    print(f"record-connection: listening on 127.0.0.1:{port}", file=sys.stderr)

    listener.settimeout(arguments.timeout)
    try:
        client, _ = listener.accept()
    except socket.timeout:
        print("record-connection: no client connected", file=sys.stderr)
        return 1
    finally:
        listener.close()
    client.settimeout(None)
    server = connect(arguments.server, arguments.timeout)

    threads = [
        threading.Thread(target=pump, args=(client, server, arguments.frontend)),
        threading.Thread(target=pump, args=(server, client, arguments.backend)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
