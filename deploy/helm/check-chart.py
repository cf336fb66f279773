#!/usr/bin/env python3
"""Checks the chart without a helm binary: every .Values path a template uses exists in values.yaml,
every template's braces balance, and every value is used somewhere. Exits non-zero on a problem."""
import pathlib, re, sys
import yaml

chart = pathlib.Path(__file__).parent / "cacheregistry"
values = yaml.safe_load((chart / "values.yaml").read_text())
problems = []

def exists(path):
    node = values
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True

used = set()
for template in sorted((chart / "templates").iterdir()):
    text = template.read_text()
    if text.count("{{") != text.count("}}"):
        problems.append(f"{template.name}: unbalanced template braces")
    for match in re.finditer(r"\.Values((?:\.[A-Za-z][A-Za-z0-9]*)+)", text):
        path = match.group(1).strip(".").split(".")
        used.add(tuple(path))
        if not exists(path):
            problems.append(f"{template.name}: .Values.{'.'.join(path)} is not in values.yaml")

def leaves(node, prefix=()):
    if isinstance(node, dict) and node:
        for key, child in node.items():
            yield from leaves(child, prefix + (key,))
    else:
        yield prefix

for leaf in leaves(values):
    if not any(leaf[:len(u)] == u or u[:len(leaf)] == leaf for u in used):
        problems.append(f"values.yaml: {'.'.join(leaf)} is not used by any template")

for problem in problems:
    print(problem)
print(f"chart check: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
