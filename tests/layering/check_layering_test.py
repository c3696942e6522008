#!/usr/bin/env python3
"""Proves that tools/check_layering.py fails when it should: each case writes a tiny tree with its
own layering table into a temporary folder, runs the checker on it and checks the exit code and the
message. Usage: check_layering_test.py CASE (one ctest entry per case; no argument: all cases)."""

import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                       "check_layering.py")

# low may include nothing, high may include low; low must not see SystemC.
TABLE = """# a two-layer fixture
low   low/ low_extra.hpp : ! systemc
high  high/              : low
"""


def run(files, table=TABLE):
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "layering.txt"), "w", encoding="utf-8") as f:
            f.write(table)
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        p = subprocess.run([sys.executable, CHECKER, "--root", root], capture_output=True,
                           text=True, check=False)
        return p.returncode, p.stdout + p.stderr


def expect(code, out, want_code, *want_text):
    ok = code == want_code and all(t in out for t in want_text)
    if not ok:
        print(f"expected exit {want_code} and {list(want_text)}; got exit {code}:\n{out}")
    return ok


def allowed_includes_pass():
    code, out = run({
        "low/a.hpp": '#pragma once\n#include <vector>\n#include "low/b.hpp"\n',
        "low/b.hpp": "#pragma once\n",
        "high/c.cpp": '#include "high/d.hpp"\n#include "low/a.hpp"\n#include "Vgenerated.h"\n'
                      "#include <systemc>\n",
        "high/d.hpp": "#pragma once\n",
    })
    return expect(code, out, 0, "all allowed")


def forbidden_include_fails():
    code, out = run({
        "low/a.hpp": "#pragma once\n",
        "low/b.cpp": '#include "low/a.hpp"\n// a comment\n#include "high/c.hpp"\n',
        "high/c.hpp": '#pragma once\n#include "low/a.hpp"\n',
    })
    return expect(code, out, 1, 'low/b.cpp:3: low -> high: "high/c.hpp" is not allowed',
                  "layering.txt:2")


def forbidden_system_header_fails():
    code, out = run({"low/a.cpp": "#include <cmath>\n#  include <systemc>\n"})
    return expect(code, out, 1, "low/a.cpp:2: low -> <systemc>: low may not include systemc")


def file_glob_beats_folder():
    # low_extra.hpp sits at the root, outside low/, but belongs to low by its glob: its include of
    # high is forbidden, where a file of no unit would be reported as unplaced.
    code, out = run({
        "low_extra.hpp": '#pragma once\n#include "high/c.hpp"\n',
        "high/c.hpp": '#pragma once\n#include "low_extra.hpp"\n',
    })
    return expect(code, out, 1, 'low_extra.hpp:2: low -> high: "high/c.hpp"')


def unplaced_file_fails():
    code, out = run({"low/a.hpp": "#pragma once\n", "stray/x.cpp": '#include "low/a.hpp"\n'})
    return expect(code, out, 1, "stray/x.cpp: belongs to no unit")


def bad_table_is_bad_input():
    code, out = run({"low/a.hpp": "#pragma once\n"}, table="low low/ : nowhere\n")
    return expect(code, out, 2, "layering.txt:1: unit 'low' may include unknown unit 'nowhere'")


CASES = {f.__name__: f for f in (allowed_includes_pass, forbidden_include_fails,
                                 forbidden_system_header_fails, file_glob_beats_folder,
                                 unplaced_file_fails, bad_table_is_bad_input)}


def main(argv):
    names = argv or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; cases: {' '.join(CASES)}")
        return 2
    failed = [n for n in names if not CASES[n]()]
    for n in names:
        print(f"{n}: {'FAILED' if n in failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
