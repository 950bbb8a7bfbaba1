#!/usr/bin/env python3
"""Finishes the man pages swift-argument-parser's generate-manual plugin writes (called by .ci/generate-docs).

    .ci/man-pages.py HELP_JSON PAGE...

HELP_JSON is `pgw --experimental-dump-help`; each PAGE (pgw.1, pgw.certs.check.1, ...) is rewritten in place:
  - blank lines, which mdoc warns about ("Empty input line"), become paragraph breaks (.Pp);
  - in DESCRIPTION, a paragraph whose first line ends with ':' and whose other lines are indented (the
    "Examples:" of the help texts) becomes a literal display, so commands keep their lines;
    a paragraph headed "Environment:" with lines "  NAME  text" moves to the ENVIRONMENT section;
  - every option with a default shows it, as --help does: "(default: 5432)", "(values: a, b; default: a)";
  - ENVIRONMENT (COLUMNS, and the command's own variables) and EXIT STATUS (0, 1, 64) replace the plugin's
    generic "EXIT STATUS: .Ex -std".
Uses only the Python standard library.
"""
import json
import re
import sys
from pathlib import Path

EXIT_STATUS = [
    ".Sh \"EXIT STATUS\"",
    ".Bl -tag -width 4n",
    ".It 0",
    "Success.",
    ".It 1",
    "A runtime failure: input that cannot be read or decoded, a failed check, a refused or failed connection.",
    "The reason is written to standard error.",
    ".It 64",
    "A usage error: an unknown option, a missing or invalid argument (EX_USAGE of sysexits.h).",
    ".El",
]

COLUMNS = ("COLUMNS", "The width --help text is wrapped to; without it, the terminal's width, or 80.")


def command_for(page: Path, root: dict) -> dict:
    """The dump-help command a page documents: pgw.certs.check.1 is root > certs > check."""
    command = root
    for name in page.name.removesuffix(".1").split(".")[1:]:
        command = next(sub for sub in command.get("subcommands", []) if sub["commandName"] == name)
    return command


def option_names(item_line: str) -> list[str]:
    """The option names of an `.It Fl q , -quiet Ar x` line: ["-q", "--quiet"]."""
    tokens = item_line.split()
    names = []
    for index, token in enumerate(tokens):
        if token == "Fl" and index + 1 < len(tokens):
            following = tokens[index + 1]
            names.append("-" + following)
        elif token == "," and index + 1 < len(tokens):
            names.append("-" + tokens[index + 1])
    return names


def default_note(argument: dict) -> str:
    """What --help appends to an option's abstract: its values (when not listed one by one) and default."""
    parts = []
    values = argument.get("allValues")
    if values and not argument.get("allValueDescriptions"):
        parts.append("values: " + ", ".join(values))
    if argument.get("kind") == "option" and "defaultValue" in argument:
        parts.append("default: " + argument["defaultValue"])
    return f" ({'; '.join(parts)})" if parts else ""


def arguments_by_name(command: dict) -> dict:
    """The command's arguments by each of their names, "--port" and "-p"."""
    table = {}
    for argument in command.get("arguments", []):
        for name in argument.get("names", []):
            prefix = "-" if name["kind"] == "short" else "--"
            table[prefix + name["name"]] = argument
    return table


def literal(line: str) -> str:
    """A line of a literal display, safe from being read as a macro."""
    return "\\&" + line if line.startswith((".", "'")) else line


def description(lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """DESCRIPTION's text with paragraph breaks and literal examples, and the environment entries it held."""
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    output, environment = [], []
    for paragraph in paragraphs:
        head, rest = paragraph[0], paragraph[1:]
        indented = rest and all(line.startswith("  ") for line in rest)
        if head == "Environment:" and indented:
            for line in rest:
                name, _, text = line.strip().partition("  ")
                environment.append((name, text.strip()))
            continue
        if output:
            output.append(".Pp")
        if head.endswith(":") and indented:
            output += [head, ".Bd -literal -offset indent"] + [literal(line[2:]) for line in rest] + [".Ed"]
        else:
            output += paragraph
    return output, environment


def finish(page: Path, root: dict) -> None:
    command = command_for(page, root)
    arguments = arguments_by_name(command)
    lines = page.read_text().split("\n")
    start = lines.index(".Sh DESCRIPTION") + 1 if ".Sh DESCRIPTION" in lines else None
    environment = []
    if start is not None:
        end = next(i for i in range(start, len(lines)) if lines[i].startswith((".Bl", ".Sh")))
        text, environment = description(lines[start:end])
        lines[start:end] = text
    output = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line.strip():
            line = ".Pp"
        if line == ".Pp" and (not output or output[-1] == ".Pp" or following.startswith((".It", ".El", ".Sh"))):
            continue
        if line == ".Ex -std":
            continue
        if line == '.Sh "EXIT STATUS"':
            output += [".Sh ENVIRONMENT", ".Bl -tag -width 6n"]
            for name, text in [COLUMNS] + environment:
                output += [f".It Ev {name}", text]
            output += [".El"] + EXIT_STATUS
            continue
        if output and output[-1].startswith(".It Fl") and not line.startswith("."):
            names = option_names(output[-1])
            argument = next((arguments[name] for name in names if name in arguments), None)
            if argument:
                line += default_note(argument)
        output.append(line)
    page.write_text("\n".join(output))


def main() -> None:
    root = json.loads(Path(sys.argv[1]).read_text())["command"]
    for page in sys.argv[2:]:
        finish(Path(page), root)


if __name__ == "__main__":
    main()
