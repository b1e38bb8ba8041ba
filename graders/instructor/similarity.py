"""A simple similarity check between the submissions of a batch: pairs to review, not verdicts.

In a copy-code (写経) course everyone is meant to write the lecture's code, so code shared with
the lecture says nothing. What is worth a look is code two students share that neither the
stubs nor the reference solution contain: the same unusual helper, the same wrong line, the
same odd structure. So, for each exercise module:

* the code is reduced to its tokens with comments and layout dropped, names replaced by one
  placeholder and strings by another (renaming variables or re-wording comments changes
  nothing);
* it is cut into overlapping runs of K tokens ("fragments"), hashed;
* the fragments of the stub and of the reference (when this repository has it) are removed;
* a pair of students is flagged when they share at least MIN_SHARED of what is left and that
  is most (THRESHOLD) of the smaller one's.

The instructor reads the flagged pairs' code and decides; nothing here changes a grade.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from ..catalogue import COMPONENTS
from ..submissions import fingerprint

K = 8  # tokens in a fragment: about one short statement
MIN_SHARED = 12  # fragments two students must share beyond the lecture's code
THRESHOLD = 0.6  # ... and the share of the smaller one's own fragments that is
MODULES = sorted({f"{c.unit}/{c.module}.py" for c in COMPONENTS.values()})


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    module: str
    shared: int  # fragments shared beyond the stub and the reference
    share: float  # of the smaller one's own fragments


def tokens(source: str) -> list[str]:
    """The code's tokens, with names and strings made placeholders; [] when it does not tokenize."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if token.type == tokenize.NAME:
                found.append(token.string if keyword.iskeyword(token.string) else "N")
            elif token.type == tokenize.STRING:
                found.append("S")
            else:
                found.append(token.string if token.type != tokenize.NEWLINE else "\n")
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return found


def fragments(source: str) -> set[bytes]:
    words = tokens(source)
    return {hashlib.blake2b(" ".join(words[i:i + K]).encode(), digest_size=8).digest()
            for i in range(len(words) - K + 1)}


def handed_out(module: str, roots: tuple[Path, ...] = (fingerprint.ROOT / "exercises",
                                                      fingerprint.ROOT / "reference")) -> set[bytes]:
    """The fragments everyone may share: the stub's and the reference's."""
    common: set[bytes] = set()
    for root in roots:
        path = root / module
        if path.is_file():
            common |= fragments(path.read_text(encoding="utf-8", errors="replace"))
    return common


class Collector:
    """The fragments of each student's modules, read as the batch prepares them."""

    def __init__(self) -> None:
        self.prints: dict[str, dict[str, set[bytes]]] = {}
        self.common = {module: handed_out(module) for module in MODULES}

    def add(self, student: str, folder: Path) -> None:
        mine = {}
        for module in MODULES:
            path = folder / module
            if path.is_file() and not path.is_symlink():
                own = fragments(path.read_text(encoding="utf-8", errors="replace")) - self.common[module]
                if own:
                    mine[module] = own
        self.prints[student] = mine

    def pairs(self) -> list[Pair]:
        """Flagged pairs, most shared first."""
        found = []
        for (a, mine), (b, theirs) in combinations(sorted(self.prints.items()), 2):
            for module in sorted(mine.keys() & theirs.keys()):
                shared = len(mine[module] & theirs[module])
                share = shared / min(len(mine[module]), len(theirs[module]))
                if shared >= MIN_SHARED and share >= THRESHOLD:
                    found.append(Pair(a, b, module, shared, share))
        return sorted(found, key=lambda p: (-p.shared, p.first, p.second, p.module))
