#!/usr/bin/env python3
"""Checks that no include runs back up the tree, and prints the map of folders and their includes.

The floors are the order in which the top-level CMakeLists.txt adds the src/ folders (its
`foreach(dir core model …)` line): a folder may include itself and folders added before it, never
one added after. Tests beside the code count too. Exit status: 0 when every include runs down, 1
otherwise (each offending line named), 2 when the order cannot be read.

  scripts/check-layers.py [REPO]          check, and print the map
"""
import collections
import os
import re
import sys


def folder_order(repo):
    with open(os.path.join(repo, "CMakeLists.txt")) as f:
        m = re.search(r"foreach\(dir (core [^)$]*)\)", f.read())
    if not m:
        sys.exit("check-layers: CMakeLists.txt has no `foreach(dir core …)` line naming the src/ folders")
    return m.group(1).split()


def includes(path):
    with open(path, errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = re.match(r'\s*#\s*include\s+"([a-z_]+)/', line)
            if m:
                yield number, m.group(1)


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    order = folder_order(repo)
    floor = {name: i for i, name in enumerate(order)}
    uses = collections.defaultdict(set)
    upward = []
    for name in order:
        for directory, _, files in os.walk(os.path.join(repo, "src", name)):
            for file in sorted(files):
                if not file.endswith((".h", ".cpp", ".cpp.in", ".h.in")):
                    continue
                path = os.path.join(directory, file)
                for number, target in includes(path):
                    if target not in floor or target == name:
                        continue
                    uses[name].add(target)
                    if floor[target] > floor[name]:
                        upward.append(f"{os.path.relpath(path, repo)}:{number}: {name} includes {target}, "
                                      f"which is above it")
    print("src/ folders, lowest first, and the folders each includes:")
    for name in order:
        print(f"  {name:<14} {' '.join(sorted(uses[name], key=floor.get)) or '-'}")
    if upward:
        print(f"\n{len(upward)} include(s) run back up:")
        print("\n".join("  " + line for line in upward))
        return 1
    print("\nno include runs back up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
