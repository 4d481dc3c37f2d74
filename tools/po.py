"""A small .po reader/writer: enough to fill translations and to check that none is missing.

Handles multi-line strings, plurals, and fuzzy entries (which Django ignores at run time, so
they count as untranslated: the fuzzy guess is dropped and the table's translation used)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_STRING = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # key -> escaped text

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def fuzzy(self) -> bool:
        return any(line.startswith("#,") and "fuzzy" in line for line in self.comments)

    def translations(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(self.translations())


def parse(text: str) -> list[Entry]:
    entries, current, key = [], Entry(), None
    for line in text.splitlines():
        if not line.strip():
            if current.fields or current.comments:
                entries.append(current)
            current, key = Entry(), None
        elif line.startswith("#"):
            current.comments.append(line)
        elif match := _STRING.match(line):
            key = match.group(1)
            current.fields[key] = match.group(2)
        elif (match := _CONTINUATION.match(line)) and key:
            current.fields[key] += match.group(1)
    if current.fields or current.comments:
        entries.append(current)
    return entries


def dump(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        lines += [f'{key} "{value}"' for key, value in entry.fields.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def untranslated(entries: list[Entry]) -> list[str]:
    return [entry.msgid for entry in entries if entry.msgid and not entry.translated]
