#!/usr/bin/env python3
"""Clang's thread-safety analysis over every source the build compiles (-fsyntax-only).

usage: scripts/check-thread-safety.py BUILD_DIR/compile_commands.json [--jobs N]

The build itself uses g++, which ignores the annotations of src/core/mutex.h; this pass compiles
each translation unit again with clang++ and fails on any thread-safety warning: a GUARDED_BY
member touched without its lock, a REQUIRES function called without it. It first checks that
the analysis really fires, on a snippet that breaks the rule, so it can never pass by accident.
Exit status 0: clean; 1: findings (printed); 2: clang++ missing or unusable.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# Boost 1.74's Asio detects coroutines for clang only through <experimental/coroutine>; with
# libstdc++ the standard ones are there, so say so.
EXTRA = ["-fsyntax-only", "-Wno-everything", "-Wthread-safety", "-Werror=thread-safety",
         "-DBOOST_ASIO_HAS_CO_AWAIT", "-DBOOST_ASIO_HAS_STD_COROUTINE"]

BROKEN = """
#include "core/mutex.h"
struct Counter {
  reflexio::Mutex mutex;
  int value GUARDED_BY(mutex) = 0;
  void Bump() { ++value; }  // no lock: the analysis must refuse this
};
"""


def flags_of(command):
    """The include paths, macros and language standard of one g++ command line."""
    words = shlex.split(command)
    kept = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-I", "-isystem", "-D", "-include"):
            kept += [w, words[i + 1]]
            i += 2
            continue
        if w.startswith(("-I", "-D", "-std=")):
            kept.append(w)
        i += 1
    return kept


def uses_locks(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return any(word in text for word in ("MutexLock", "GUARDED_BY", "REQUIRES(", "Mutex "))


def run(clang, flags, source):
    done = subprocess.run([clang] + flags + EXTRA + [source], capture_output=True, text=True)
    return done.returncode, done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("compile_commands")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clang", default="clang++")
    args = parser.parse_args()
    try:
        entries = json.load(open(args.compile_commands))
    except OSError as e:
        print(f"check-thread-safety: cannot read {args.compile_commands}: {e}", file=sys.stderr)
        return 2
    if not entries:
        print("check-thread-safety: no translation units in " + args.compile_commands, file=sys.stderr)
        return 2
    source_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    flags = flags_of(entries[0]["command"])
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as snippet:
        snippet.write(BROKEN)
    try:
        code, err = run(args.clang, flags + ["-I" + os.path.join(source_root, "src")], snippet.name)
    except FileNotFoundError:
        print(f"check-thread-safety: {args.clang} is not installed (Debian package clang)", file=sys.stderr)
        return 2
    finally:
        os.unlink(snippet.name)
    if code == 0 or "requires holding mutex" not in err:
        print("check-thread-safety: the analysis did not refuse an unguarded write; it is not working:\n" + err,
              file=sys.stderr)
        return 2

    units = [e for e in entries if e["file"].startswith(source_root) and e["file"].endswith(".cpp")]
    print(f"check-thread-safety: {len(units)} translation units, {args.jobs} at a time", flush=True)

    def check(entry):
        code, err = run(args.clang, flags_of(entry["command"]), entry["file"])
        return entry["file"], code, err

    findings = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for path, code, err in pool.map(check, units):
            if code == 0:
                continue
            name = os.path.relpath(path, source_root)
            if "-Wthread-safety" not in err and not uses_locks(path):
                # Clang cannot compile it (CPU intrinsics g++ takes), and it holds no lock to check.
                print(f"check-thread-safety: not analysed, no locks in it: {name}: {err.splitlines()[0]}")
                continue
            findings += 1
            print(f"--- {name}\n{err}", flush=True)
    if findings:
        print(f"check-thread-safety: {findings} translation unit(s) with findings", file=sys.stderr)
        return 1
    print("check-thread-safety: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
