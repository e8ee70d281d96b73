"""docs/examples.md against the replays it quotes, so that no example drifts
from what the tracer prints.

Usage: test_examples.py SOCKET_TRACER EXAMPLES_MD SOURCE_DIR

Every fenced block of the document whose first line is a replay command,

    $ socket-tracer --replay tests/golden/recordings/NAME.rec [OPTION...] [| jq ...]
    $ socket-tracer --replay tests/golden/recordings/NAME.rec [OPTION...] 2>&1 >/dev/null

is run (from SOURCE_DIR, TZ=UTC LC_ALL=C, stdout a pipe: 120 columns) and
each line the block shows after the command must be a line of its stdout
(of its stderr, the status lines and the exit summary, with the second form),
verbatim and in the output's order (lines may be left out between them).
A fenced block that looks like tracer output (the human header, or a JSON
event) without such a command fails, as does a block that shows no line,
and every protocol the tracer decodes (its --protocol list, and grpc) must
have an exchange line of its own in some block. Exit status 0 when all hold, 1
otherwise.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

COMMAND = "$ socket-tracer "
STDERR_ONLY = " 2>&1 >/dev/null"
HEADER = re.compile(r"^TIME +PID COMM +FD EVENT +ROLE +REMOTE +DETAIL$")
JSON_EVENT = re.compile(r'^\s*\{"event":')
# A human exchange line's DETAIL starts with the protocol's label (grpc for
# the gRPC exchanges of http2): the columns before it are the identity.
EXCHANGE = re.compile(r" exchange  \S+ +\S+ +(\S+) ")
# Labels of exchange lines that are no --protocol name: http2's gRPC calls.
EXTRA_LABELS = ("grpc",)
PROTOCOL_LIST = re.compile(r"unknown protocol '[^']*': ([a-z0-9, ]+) \(try --help\)")

failures = []
document_name = "docs/examples.md"  # as the messages name it: main() sets it


def fail(message):
    failures.append(message)


def fenced_blocks(text):
    """(line number of the first content line, [content lines]) per block."""
    blocks, inside, start, lines = [], False, 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if inside:
                blocks.append((start, lines))
            inside, start, lines = not inside, number + 1, []
        elif inside:
            lines.append(line)
    if inside:
        fail("line %d: a fenced block is not closed" % (start - 1))
    return blocks


def replay(binary, source_dir, command, where):
    """The output lines of one block's command, or None when it failed."""
    tracer_part, _, jq_part = command.partition(" | ")
    stderr_only = tracer_part.endswith(STDERR_ONLY)
    if stderr_only:
        tracer_part = tracer_part[:-len(STDERR_ONLY)]
        if jq_part:
            fail("%s: stderr is not for jq: %s" % (where, command))
            return None
    args = shlex.split(tracer_part)[1:]  # after "socket-tracer"
    if "--replay" not in args:
        fail("%s: the command replays no recording: %s" % (where, command))
        return None
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    env.pop("NO_COLOR", None)
    run = subprocess.run([binary] + args, cwd=source_dir, capture_output=True, env=env)
    if run.returncode:
        fail("%s: %s exited %d: %s" % (where, command, run.returncode,
                                        run.stderr.decode(errors="replace").strip()))
        return None
    output = run.stderr if stderr_only else run.stdout
    if jq_part:
        jq = shlex.split(jq_part)
        if jq[0] != "jq":
            fail("%s: only jq may follow the pipe: %s" % (where, command))
            return None
        if not shutil.which("jq"):
            fail("%s: jq is missing: install it (scripts/setup.sh)" % where)
            return None
        run = subprocess.run(jq, input=output, capture_output=True)
        if run.returncode:
            fail("%s: %s exited %d: %s" % (where, jq_part, run.returncode,
                                            run.stderr.decode(errors="replace").strip()))
            return None
        output = run.stdout
    return output.decode("utf-8", errors="surrogateescape").splitlines()


def check_block(binary, source_dir, start, lines):
    """Checks one block; returns its shown lines, [] when it is no example."""
    where = "%s:%d" % (document_name, start)
    if not lines or not lines[0].startswith(COMMAND):
        if any(HEADER.match(l) or JSON_EVENT.match(l) for l in lines):
            fail("%s: tracer output without a '%s--replay ...' line above it"
                 % (where, COMMAND))
        return []
    shown = lines[1:]
    if not shown:
        fail("%s: the block shows no output" % where)
        return []
    output = replay(binary, source_dir, lines[0][len("$ "):], where)
    if output is None:
        return []
    at = 0
    for offset, line in enumerate(shown, 1):
        try:
            at = output.index(line, at) + 1
        except ValueError:
            where_line = "%s:%d" % (document_name, start + offset)
            if line in output:
                fail("%s: out of the output's order: %s" % (where_line, line))
            else:
                fail("%s: not in the output of `%s`: %s" % (where_line, lines[0][2:], line))
            return shown
    return shown


def protocols(binary):
    """The protocols the tracer decodes, from its answer to an unknown one."""
    run = subprocess.run([binary, "--protocol", "?"], capture_output=True, text=True)
    match = PROTOCOL_LIST.search(run.stderr)
    if not match:
        fail("no protocol list in `--protocol ?`'s error: %s" % run.stderr.strip())
        return []
    return match.group(1).split(", ")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: test_examples.py SOCKET_TRACER EXAMPLES_MD SOURCE_DIR")
    global document_name
    binary, document, source_dir = (os.path.abspath(a) for a in sys.argv[1:])
    document_name = os.path.relpath(document, source_dir)
    with open(document) as f:
        blocks = fenced_blocks(f.read())

    examples, lines_checked, labels = 0, 0, set()
    for start, lines in blocks:
        shown = check_block(binary, source_dir, start, lines)
        if shown:
            examples += 1
            lines_checked += len(shown)
        for line in shown:
            match = EXCHANGE.search(line)
            if match:
                labels.add(match.group(1))
    for protocol in protocols(binary) + list(EXTRA_LABELS):
        if protocol not in labels:
            fail("no example shows an exchange line of %s" % protocol)
    if not examples:
        fail("no example block found")

    for message in failures:
        print("test_examples: " + message)
    if failures:
        return 1
    print("test_examples: %d examples, %d lines, each a line of its replay" %
          (examples, lines_checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
