#!/usr/bin/env python3
"""Errata's YAML reader against maintained YAML libraries, on the synthetic banks.

    python bench/bench_yaml_readers.py                       # 10k and 100k facts, best of 3
    python bench/bench_yaml_readers.py --sizes 10000 --repeats 1 --readers errata libfyaml

Each (reader, size, repeat) runs in a fresh interpreter with the garbage collector off
around the read, the file already in memory; wall and CPU time of the read, best of the repeats. Libraries that are not installed are listed
as such (none of them is a dependency: `pip install libfyaml rapidyaml ruamel.yaml yaml-rs`
to compare). What each row does:

- errata: `read_yaml_text`, the bank reader (text only, positions recorded for diagnostics),
  with its C reader when built (`python setup.py build_ext --inplace`);
- errata-c: the same, its C reader required (listed as not installed when it is not built);
- errata-python: the same with the Python reader alone (what a machine without a compiler gets);
- errata-libyaml: the same reader made to take its libyaml path (what a bank outside the
  fast subset costs);
- pyyaml-csafe: `yaml.load(text, CSafeLoader)`: libyaml with PyYAML's typing, no positions;
- libfyaml: `libfyaml.loads(text, dedup=False, create_markers=True).to_python()`: positions kept
  in its own tree, YAML 1.2 typing (numbers become numbers, duplicate keys pass);
- libfyaml+checks: the same, plus what Errata needs from a reader: a walk that refuses tags,
  finds duplicate keys and collects every key's and value's place;
- ryml: `ryml.parse_in_arena` only (a tree of spans in C++; turning it into Python data would come on top);
- ruamel: `YAML(typ="safe", pure=True).load` (ruamel's typing; no positions);
- yaml-rs: `yaml_rs.loads` (Rust; YAML 1.2 typing, no positions).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import ROOT, bank_file  # noqa: E402

READERS = {
    "errata": ("generator.bank.yamlsource", "def read(text): return mod.read_yaml_text(text, 'bank.yaml').data"),
    "errata-c": ("generator.bank._fastyaml", """
from generator.bank.yamlsource import read_yaml_text
def read(text):
    doc = read_yaml_text(text, 'bank.yaml')
    assert doc.places.flat is not None, 'the C reader stepped aside'
    return doc.data
"""),
    "errata-python": ("generator.bank.fastyaml", """
from generator.bank.yamlsource import read_yaml_text
mod._fastyaml = None
def read(text): return read_yaml_text(text, 'bank.yaml').data
"""),
    # A directive line is outside the fast subset: the reader takes its libyaml path.
    "errata-libyaml": ("generator.bank.yamlsource",
                       "def read(text): return mod.read_yaml_text('%YAML 1.1\\n---\\n' + text, 'bank.yaml').data"),
    "pyyaml-csafe": ("yaml", "def read(text): return mod.load(text, Loader=mod.CSafeLoader)"),
    "libfyaml": ("libfyaml", "def read(text): return mod.loads(text, dedup=False, create_markers=True).to_python()"),
    # What a bank reader would need on top: tags refused, duplicate keys found, every place recorded.
    "libfyaml+checks": ("libfyaml", """
def read(text):
    doc = mod.loads(text, dedup=False, create_markers=True)
    places = []
    def walk(node):
        if node.get_tag() is not None:
            raise ValueError("tag")
        if node.is_mapping():
            seen = set()
            for key, value in node.items():
                name = str(key)
                if name in seen:
                    raise ValueError("duplicate key")
                seen.add(name)
                places.append((key.get_marker(), value.get_marker()))
                walk(value)
        elif node.is_sequence():
            for item in node:
                places.append(item.get_marker())
                walk(item)
    walk(doc)
    return doc.to_python(), places
"""),
    "ryml": ("ryml", "def read(text): return mod.parse_in_arena(text.encode())"),
    "ruamel": ("ruamel.yaml", "def read(text): return mod.YAML(typ='safe', pure=True).load(text)"),
    "yaml-rs": ("yaml_rs", "def read(text): return mod.loads(text)"),
}

CHILD = r"""
import gc, importlib, json, resource, sys, time
name, module, source, path = sys.argv[1:5]
try:
    mod = importlib.import_module(module)
except ImportError:
    print(json.dumps({"missing": True})); sys.exit(0)
exec(source)
text = open(path, encoding="utf-8").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
gc.disable()
t, cpu = time.perf_counter(), time.process_time()
data = read(text)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
assert data is not None, name
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "text_mb": base}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--readers", nargs="+", choices=READERS, default=list(READERS))
    args = ap.parse_args()
    print(f"{'reader':<16} {'facts':>8} {'best s':>8} {'runs s':>22} {'cpu s':>7} {'peak MB':>8}", flush=True)
    for name in args.readers:
        module, source = READERS[name]
        for n in args.sizes:
            bank = bank_file(n)
            runs = []
            for _ in range(args.repeats):
                r = subprocess.run([sys.executable, "-c", CHILD, name, module, source, str(bank)],
                                   capture_output=True, text=True, cwd=ROOT)
                if r.returncode:
                    print(f"{name:<16} {n:>8} failed: {r.stderr.strip().splitlines()[-1:]}", flush=True)
                    break
                runs.append(json.loads(r.stdout))
            if not runs:
                continue
            if runs[0].get("missing"):
                print(f"{name:<16} {n:>8} {'not installed':>8}", flush=True)
                break
            best = min(x["seconds"] for x in runs)
            print(f"{name:<16} {n:>8} {best:>8.2f} {' '.join('%.2f' % x['seconds'] for x in runs):>22} "
                  f"{min(x['cpu'] for x in runs):>7.2f} {min(x['peak_mb'] for x in runs):>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
