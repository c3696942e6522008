#!/usr/bin/env python3
"""Checks that every #include of every C++ file obeys the layering table (layering.txt).

Usage: check_layering.py [--root DIR] [--table FILE]
  --root   repository root (default: the folder above this script's)
  --table  the layering table (default: ROOT/layering.txt; its format is described in its header)
Exit 0 when every include is allowed, 1 when some are not (each printed as file:line: the edge),
2 when the table or the arguments are wrong.
"""

import argparse
import fnmatch
import os
import re
import sys

SOURCE_EXTENSIONS = (".cpp", ".cc", ".cxx", ".hpp", ".hh", ".h", ".ipp", ".inl")
QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SYSTEM_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>]+)>")


class TableError(Exception):
    pass


class Unit:
    def __init__(self, name, paths, allowed, banned, where):
        self.name = name
        self.paths = paths  # folders end in "/", anything else is a file glob
        self.allowed = allowed
        self.banned = banned
        self.where = where  # table file:line, for messages


def parse_table(path, shown=None):
    """Units by name; `shown` is how messages name the table file (default: `path`)."""
    shown = shown or path
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise TableError(f"{shown}: cannot read the layering table: {e.strerror}")
    units = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{shown}:{number}"
        if ":" not in line:
            raise TableError(f"{where}: expected '<unit> <path>... : <unit>... [! <header>...]'")
        head, tail = line.split(":", 1)
        head = head.split()
        if len(head) < 2:
            raise TableError(f"{where}: a unit needs a name and at least one path")
        name, paths = head[0], head[1:]
        if name in units:
            raise TableError(f"{where}: unit '{name}' is already defined at {units[name].where}")
        for p in paths:
            if p.startswith("/") or ".." in p.split("/"):
                raise TableError(f"{where}: path '{p}' must be relative to the repository root")
        allowed, _, banned = tail.partition("!")
        units[name] = Unit(name, paths, allowed.split(), banned.split(), where)
    if not units:
        raise TableError(f"{shown}: the layering table defines no unit")
    for u in units.values():
        for a in u.allowed:
            if a not in units:
                raise TableError(f"{u.where}: unit '{u.name}' may include unknown unit '{a}'")
    return units


def match_rank(pattern, rel):
    """How closely `pattern` matches the path `rel` (None: not at all). Globs rank above folders."""
    if pattern.endswith("/"):
        return (0, len(pattern)) if rel.startswith(pattern) else None
    return (1, len(pattern)) if fnmatch.fnmatchcase(rel, pattern) else None


def unit_of(units, rel):
    best, best_rank = None, None
    for u in units.values():
        for p in u.paths:
            r = match_rank(p, rel)
            if r is not None and (best_rank is None or r > best_rank):
                best, best_rank = u, r
    return best


def is_build_tree(path):
    return os.path.exists(os.path.join(path, "CMakeCache.txt"))


def source_files(root):
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if not d.startswith(".") and not is_build_tree(os.path.join(top, d)))
        for f in sorted(files):
            if f.endswith(SOURCE_EXTENSIONS):
                yield os.path.relpath(os.path.join(top, f), root).replace(os.sep, "/")


def check(root, units):
    problems, files, includes = [], 0, 0
    for rel in source_files(root):
        files += 1
        unit = unit_of(units, rel)
        if unit is None:
            problems.append(f"{rel}: belongs to no unit of the layering table (add its folder)")
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = QUOTED_INCLUDE.match(line)
                if m:
                    header = m.group(1)
                    target = unit_of(units, header) if "/" in header else None
                    if target is None:
                        continue
                    includes += 1
                    if target is not unit and target.name not in unit.allowed:
                        may = " ".join(unit.allowed) or "no other unit"
                        problems.append(
                            f'{rel}:{number}: {unit.name} -> {target.name}: "{header}" is not '
                            f"allowed ({unit.name} may include: {may}; {unit.where})")
                    continue
                m = SYSTEM_INCLUDE.match(line)
                if m:
                    for banned in unit.banned:
                        if m.group(1).startswith(banned):
                            includes += 1
                            problems.append(
                                f"{rel}:{number}: {unit.name} -> <{m.group(1)}>: "
                                f"{unit.name} may not include {banned} ({unit.where})")
    return problems, files, includes


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(here))
    parser.add_argument("--table")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        print(f"check_layering: {root}: not a directory", file=sys.stderr)
        return 2
    table = args.table or os.path.join(root, "layering.txt")
    shown = os.path.relpath(table, root) if os.path.abspath(table).startswith(root + os.sep) else table
    try:
        units = parse_table(table, shown)
    except TableError as e:
        print(f"check_layering: {e}", file=sys.stderr)
        return 2
    problems, files, includes = check(root, units)
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} forbidden include(s) or unplaced file(s) in {files} files")
        return 1
    print(f"layering: {files} files, {includes} includes between units, all allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
