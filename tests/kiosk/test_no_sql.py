#!/usr/bin/env python3
"""The kiosk holds no SQL: every read and write goes through core's domain calls.

Fails, naming file and line, when a C++ source under the kiosk's source folder has
- a string literal (raw ones too) that reads as SQL: SELECT ... FROM, INSERT INTO, UPDATE ... SET,
  DELETE FROM, CREATE/DROP/ALTER TABLE|INDEX|VIEW|TRIGGER, PRAGMA; or an upper-case SQL keyword;
- a prepare( call, an exec of SQL, engine_database(), the storage layer's headers or sqlite3.

Before scanning, it checks itself: each planted example below must be caught, the clean one must pass.

usage: test_no_sql.py KIOSK_SRC_DIR
"""
import os
import re
import sys
import tempfile

# In string literals: SQL as it is written here (upper-case keywords) or any case as phrases.
SQL_IN_LITERAL = [
    re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|VACUUM|REPLACE INTO|BEGIN|COMMIT)\b"),
    re.compile(r"\bselect\b.+\bfrom\b", re.I | re.S),
    re.compile(r"\binsert\s+(or\s+\w+\s+)?into\b", re.I),
    re.compile(r"\bupdate\s+\w+\s+set\b", re.I),
    re.compile(r"\bdelete\s+from\b", re.I),
    re.compile(r"\b(create|drop|alter)\s+(temp\s+|temporary\s+|unique\s+)?(table|index|view|trigger)\b", re.I),
    re.compile(r"\bpragma\s+\w+", re.I),
]
# In code outside literals and comments.
SQL_IN_CODE = [
    (re.compile(r"\bprepare\s*\("), "a prepare( call"),
    (re.compile(r"\bexec\s*\(\s*(R?\")"), "SQL run through exec("),
    (re.compile(r"\bengine_database\b"), "engine_database: the kiosk never sees the database"),
    (re.compile(r"\bsqlite3\w*\b"), "SQLite used directly"),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
FORBIDDEN_INCLUDE = re.compile(r"^(loyalty/storage/|sqlite3\.h$)")


def lex(text):
    """Splits C++ source into code (literals and comments blanked) and string literals with their lines."""
    code, literals = [], []
    i, n, line = 0, len(text), 1
    after_literal = -1  # where the code stood after the last literal

    def add_literal(at, body):
        # Adjacent literals ("SELECT a " "FROM b", across lines too) are one string.
        if literals and after_literal >= 0 and "".join(code[after_literal:]).strip() == "":
            literals[-1] = (literals[-1][0], literals[-1][1] + body)
        else:
            literals.append((at, body))
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            code.append("\n" * text.count("\n", i, j))
            i = j
            continue
        raw = re.match(r'(?:u8|u|U|L)?R"([^()\\\s]{0,16})\(', text[i:i + 24])
        if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = ")" + raw.group(1) + '"'
            start = i + raw.end()
            j = text.find(end, start)
            j = n if j < 0 else j
            add_literal(line, text[start:j])
            line += text.count("\n", i, j)
            code.append('""' + "\n" * text.count("\n", i, j))
            i = j + len(end)
            after_literal = len(code)
            continue
        if c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # 1'000 is a digit separator
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                add_literal(line, text[i + 1:j])
            code.append('""')
            i = j + 1
            after_literal = len(code)
            continue
        if c == "\n":
            line += 1
        code.append(c)
        i += 1
    return "".join(code), literals


def problems_in(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = []
    for number, source_line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(source_line)
        if m and FORBIDDEN_INCLUDE.match(m.group(1)):
            found.append(f"{path}:{number}: includes {m.group(1)}")
    code, literals = lex(text)
    for number, literal in literals:
        if any(p.search(literal) for p in SQL_IN_LITERAL):
            found.append(f"{path}:{number}: SQL in a string literal: {literal[:80]!r}")
    for number, code_line in enumerate(code.splitlines(), 1):
        if INCLUDE.match(code_line):
            continue
        for pattern, why in SQL_IN_CODE:
            if pattern.search(code_line):
                found.append(f"{path}:{number}: {why}: {code_line.strip()[:80]}")
    return found


def scan(folder):
    found = []
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith((".cpp", ".hpp", ".h", ".cc", ".inl")):
                found += problems_in(os.path.join(root, name))
    return found


PLANTED = {
    "select.cpp": 'auto st = db.query("SELECT id FROM members WHERE uid = ?");\n',
    "split.cpp": 'const char* q = "select id "\n    "from members";\n',
    "raw.cpp": 'constexpr const char* k = R"sql(\n  insert into ratings(score) values (5)\n)sql";\n',
    "create.cpp": 'run("create table if not exists kiosk_ratings (id integer)");\n',
    "update.cpp": 'run("update members set status = \'x\'");\n',
    "prepare.cpp": "auto st = db.prepare(text);\n",
    "storage.cpp": '#include "loyalty/storage/engine_storage.hpp"\n',
    "engine_db.cpp": "auto& db = engine_database(engine);\n",
    "sqlite.cpp": "#include <sqlite3.h>\nsqlite3_exec(h, q, nullptr, nullptr, nullptr);\n",
    "pragma.cpp": 'run("PRAGMA integrity_check");\n',
}
CLEAN = (
    '// SELECT in a comment is not SQL; neither is "select a reward" in one.\n'
    '/* DELETE FROM nothing */\n'
    'ui.button("rewards.choose", tr("Select a reward"));\n'
    "const long n = 1'000'000;\n"
    'const char c = \'"\';\n'
    'auto r = engine.ratings().record(program, member, 5);\n'
)


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in PLANTED.items():
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            if not problems_in(path):
                return f"self-test: the planted {name} was not caught:\n{text}"
            os.remove(path)
        path = os.path.join(tmp, "clean.cpp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(CLEAN)
        if problems_in(path):
            return "self-test: clean code was flagged: " + "; ".join(problems_in(path))
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    failed = self_test()
    if failed:
        print(failed, file=sys.stderr)
        return 1
    found = scan(sys.argv[1])
    for f in found:
        print(f, file=sys.stderr)
    if found:
        print(f"{len(found)} place(s) with SQL under {sys.argv[1]}: move them into core's domain calls",
              file=sys.stderr)
        return 1
    print(f"no SQL under {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
