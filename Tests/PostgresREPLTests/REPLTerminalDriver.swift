/// A Python script that runs `pgw repl` on a pseudo-terminal and types keys into it, as a person would.
///
/// Arguments: the pgw executable, the connection string (or `--listen=…`), then the keys to type, one argument per
/// burst (`\t`, `\x03` and `\r` as Python escapes), once the prompt shows, with a pause after each. Prints everything
/// the terminal showed.
enum REPLTerminalDriver {
    static let script = #"""
        import os, pty, select, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], [sys.argv[1], "repl", sys.argv[2]])
        output = b""
        def read(seconds):
            global output
            end = time.time() + seconds
            while time.time() < end:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    output += chunk
        # Type only once the prompt shows: before, the terminal is not in raw mode yet (a loaded machine may take
        # seconds to connect), and a Ctrl-C would kill pgw instead of reaching libedit.
        deadline = time.time() + 20
        while b"pgw> " not in output and time.time() < deadline:
            read(0.1)
        for keys in sys.argv[3:]:
            os.write(fd, keys.encode().decode("unicode_escape").encode())
            read(0.4)
        read(5)  # until pgw closes the terminal (or five seconds)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(output.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """#
}
