/// A Python script that runs `pgw repl` on a pseudo-terminal and types keys into it, as a person would.
///
/// Arguments: the pgw executable, `pgw repl`'s arguments, `--`, then the steps: `--expect=TEXT` waits (up to 20
/// seconds) until TEXT shows after what the previous `--expect=` found; `--sleep=SECONDS` waits, reading; any other
/// step is keys to type, one
/// argument per burst (`\t`, `\x03` and `\r` as Python escapes), with a pause after each. Prints everything the
/// terminal showed. Type only after `--expect=pgw> `: before the prompt the terminal is not in raw mode yet (a
/// loaded machine may take seconds to connect), and a Ctrl-C would kill pgw instead of reaching libedit. With
/// `PGW_TEST_IGNORE_SIGINT=1` in the environment, pgw starts with SIGINT ignored (as a program started in the
/// background of a shell does).
enum REPLTerminalDriver {
    static let script = #"""
        import os, pty, select, signal, sys, time
        separator = sys.argv.index("--")
        arguments, steps = sys.argv[2:separator], sys.argv[separator + 1:]
        pid, fd = pty.fork()
        if pid == 0:
            if os.environ.get("PGW_TEST_IGNORE_SIGINT") == "1":
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.execv(sys.argv[1], [sys.argv[1], "repl"] + arguments)
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
        seen = 0
        for step in steps:
            if step.startswith("--expect="):
                text = step[len("--expect="):].encode()
                deadline = time.time() + 20
                while output.find(text, seen) < 0 and time.time() < deadline:
                    read(0.1)
                if output.find(text, seen) >= 0:
                    seen = output.find(text, seen) + len(text)
                continue
            if step.startswith("--sleep="):
                read(float(step[len("--sleep="):]))
                continue
            os.write(fd, step.encode().decode("unicode_escape").encode())
            read(0.4)
        read(5)  # until pgw closes the terminal (or five seconds)
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(output.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """#
}
