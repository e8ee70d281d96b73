"""The man page against --help, so that neither drifts from the other.

Usage: test_man_page.py SOCKET_TRACER MAN_PAGE

Checks that the options --help lists (long and short) are exactly those the
man page's OPTIONS section describes, printing what either lacks; that
every example command of --help is among the man page's examples; that
--help fits an 80-column terminal; and that the page renders without a
warning from groff or man, no line over 80 columns. Exit status 0 when all
hold, 1 otherwise.
"""

import os
import re
import subprocess
import sys

HELP_WIDTH = 79       # src/options.c: HELP_WIDTH
HELP_TEXT_COLUMN = 27  # src/options.c: HELP_OPTION_INDENT, where descriptions start
MAN_WIDTH = 80
SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EXIT STATUS",
            "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO")

LONG = re.compile(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)")
SHORT = re.compile(r"(?<![\w-])-([A-Za-z0-9])(?![\w-])")
# An option line of --help: "  -p, --pid PID   ..." or "      --json   ...".
HELP_OPTION_LINE = re.compile(r"^(  -[A-Za-z0-9]|      --[a-z0-9])")

failures = []


def fail(message):
    failures.append(message)


def help_options(help_text):
    """The long and short options --help lists, from its option lines."""
    longs, shorts = set(), set()
    for line in help_text.splitlines():
        if not HELP_OPTION_LINE.match(line):
            continue
        # the option part: before the description column, or before a gap
        spec = line[:HELP_TEXT_COLUMN].strip().split("  ")[0]
        longs.update(LONG.findall(spec))
        shorts.update(SHORT.findall(spec))
    return longs, shorts


def roff_plain(text):
    """Roff text with font changes dropped and \\- as -."""
    text = re.sub(r"\\f(\[[A-Z]*\]|[A-Z])", "", text)
    return text.replace("\\-", "-").replace("\\(aq", "'").replace("\\&", "")


def man_sections(source):
    """The page's .SH sections: name -> their source lines."""
    sections, name = {}, None
    for line in source.splitlines():
        match = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if match:
            name = match.group(1)
            sections[name] = []
        elif name:
            sections[name].append(line)
    return sections


def man_options(option_lines):
    """The long and short options the OPTIONS section's .TP tags name."""
    longs, shorts = set(), set()
    for i, line in enumerate(option_lines):
        if line.strip() != ".TP" or i + 1 >= len(option_lines):
            continue
        tag = roff_plain(option_lines[i + 1])
        longs.update(LONG.findall(tag))
        shorts.update(SHORT.findall(tag))
    return longs, shorts


def compare(kind, in_help, in_man, prefix):
    only_help = sorted(in_help - in_man)
    only_man = sorted(in_man - in_help)
    if only_help:
        fail("%s options in --help, not in the man page: %s"
             % (kind, " ".join(prefix + o for o in only_help)))
    if only_man:
        fail("%s options in the man page, not in --help: %s"
             % (kind, " ".join(prefix + o for o in only_man)))


def help_examples(help_text):
    """The command lines of --help's Examples."""
    lines = help_text.split("\nExamples:\n", 1)
    if len(lines) < 2:
        fail("--help has no Examples section")
        return []
    return [l.strip() for l in lines[1].splitlines() if l.strip().startswith("socket-tracer ")]


def man_examples(example_lines):
    """The command lines between .EX and .EE of the EXAMPLES section."""
    commands, inside = [], False
    for line in example_lines:
        if line.startswith(".EX"):
            inside = True
        elif line.startswith(".EE"):
            inside = False
        elif inside:
            commands.append(roff_plain(line).strip())
    return commands


def render_check(page):
    """groff's and man's every warning, and lines wider than MAN_WIDTH."""
    groff = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    if groff.returncode or groff.stderr:
        fail("groff -man -ww warns (exit %d):\n%s" % (groff.returncode, groff.stderr))
    env = dict(os.environ, MANWIDTH=str(MAN_WIDTH), LC_ALL="C.UTF-8")
    man = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                         env=env)
    if man.returncode or man.stderr:
        fail("man --warnings -l warns (exit %d):\n%s" % (man.returncode, man.stderr))
    for number, line in enumerate(man.stdout.splitlines(), 1):
        if len(line) > MAN_WIDTH:
            fail("rendered line %d is %d columns: %s" % (number, len(line), line))
    return man.stdout


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test_man_page.py SOCKET_TRACER MAN_PAGE")
    binary, page = sys.argv[1:]
    for tool in ("groff", "man"):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
            sys.exit("test_man_page: %s is missing: install man-db (scripts/setup.sh)" % tool)

    result = subprocess.run([binary, "--help"], capture_output=True, text=True)
    if result.returncode:
        sys.exit("test_man_page: %s --help exited %d" % (binary, result.returncode))
    help_text = result.stdout
    for number, line in enumerate(help_text.splitlines(), 1):
        if len(line) > HELP_WIDTH:
            fail("--help line %d is %d columns (at most %d): %s"
                 % (number, len(line), HELP_WIDTH, line))

    with open(page) as f:
        sections = man_sections(f.read())
    for name in SECTIONS:
        if name not in sections:
            fail("the man page has no %s section" % name)
    help_long, help_short = help_options(help_text)
    man_long, man_short = man_options(sections.get("OPTIONS", []))
    if not help_long:
        fail("no option found in --help")
    compare("long", help_long, man_long, "--")
    compare("short", help_short, man_short, "-")

    commands = man_examples(sections.get("EXAMPLES", []))
    for example in help_examples(help_text):
        if example not in commands:
            fail("--help example not in the man page's EXAMPLES: %s" % example)

    rendered = render_check(page)
    for option in sorted(help_long):
        if "--" + option not in rendered:
            fail("--%s is not in the rendered page" % option)

    for message in failures:
        print("test_man_page: " + message)
    if failures:
        return 1
    print("test_man_page: %d long and %d short options, %d examples: the man page and --help "
          "agree" % (len(help_long), len(help_short), len(commands)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
