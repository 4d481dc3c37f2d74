"""Fill empty msgstr entries of a .po file from a {msgid: msgstr} table (plurals: {msgid: (one, many)}).

Usage: python tools/fill_po.py locale/es/LC_MESSAGES/django.po translations.py
Reports every msgid still untranslated, so a new string is never shipped silently in English.
"""

import re
import runpy
import sys


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)
    singular, plurals = table["ES"], table.get("PLURALS", {})
    text = open(po_path, encoding="utf-8").read()
    text = text.replace('"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"')
    text = re.sub(r'"Plural-Forms: .*?\\n"', r'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', text)
    text = text.replace("#, fuzzy\n", "", 1)

    def fill(match: re.Match) -> str:
        msgid = match.group(1)
        return f'msgid "{msgid}"\nmsgstr "{singular[msgid]}"' if msgid in singular else match.group(0)

    text = re.sub(r'^msgid "(.+)"\nmsgstr ""$', fill, text, flags=re.M)
    for msgid, (one, many) in plurals.items():
        text = re.sub(
            rf'(msgid "{re.escape(msgid)}"\nmsgid_plural ".*"\n)msgstr\[0\] ""\nmsgstr\[1\] ""',
            lambda m: f'{m.group(1)}msgstr[0] "{one}"\nmsgstr[1] "{many}"',
            text,
        )
    open(po_path, "w", encoding="utf-8").write(text)
    missing = re.findall(r'^msgid "(.+)"\nmsgstr ""$', text, flags=re.M)
    for msgid in missing:
        print(f"untranslated: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
