"""One exception hierarchy for bad input, and one exception for isaacsim's own bugs.

Every loader collects all the problems it finds and raises them together as one `InputError`.
A `Problem` names where it is (the file or option it came from, and a place inside it such as a JSON
path `$.layers[3].stride` or `line 4, field crop`) and what is wrong, including how to fix it.
Only the CLI turns an `InputError` into a message and exit code 2.

An `InternalError` is not the user's to fix: isaacsim found itself in a state its own rules exclude
(a simulator that cannot progress although the plan is valid and every buffer holds its rolling
need). The CLI reports it as ``internal error: ... please report`` with exit code 3.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    source: str
    """The file, built-in name or command-line option the problem is in."""
    place: str
    """Where inside the source: a JSON path (`$.ima.adc.bits`), `line 3, field crop`, or ``""``."""
    message: str
    """What is wrong and how to fix it."""

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.place) if p]
        return ": ".join(parts + [self.message])


class InputError(Exception):
    """Bad user input: one or more problems, reported together."""

    def __init__(self, problems: Problem | list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __reduce__(self):
        """Pickled with its problems (a worker process's error reaches the parent whole)."""
        return (type(self), (self.problems,))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class InternalError(Exception):
    """A bug in isaacsim, not bad input: the message says what state was reached and why the
    rules exclude it. The CLI prints it as an internal error to report, with exit code 3."""
