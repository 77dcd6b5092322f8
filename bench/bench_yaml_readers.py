#!/usr/bin/env python3
"""Errata's YAML reader against maintained YAML libraries, on the synthetic banks.

    python bench/bench_yaml_readers.py                       # 10k and 100k facts, best of 3
    python bench/bench_yaml_readers.py --sizes 10000 --repeats 1 --readers errata libfyaml

Each (reader, size, repeat) runs in a fresh interpreter with the garbage collector off
around the read, the file already in memory. Libraries that are not installed are listed
as such (none of them is a dependency: `pip install libfyaml rapidyaml ruamel.yaml yaml-rs`
to compare). What each row does:

- errata: `read_yaml_text`, the bank reader (text only, positions recorded for diagnostics);
- errata-libyaml: the same reader made to take its libyaml path (what a bank outside the
  fast subset costs);
- pyyaml-csafe: `yaml.load(text, CSafeLoader)`: libyaml with PyYAML's typing, no positions;
- libfyaml: `libfyaml.loads(text, dedup=False, create_markers=True).to_python()`: positions kept
  in its own tree, YAML 1.2 typing (numbers become numbers, duplicate keys pass);
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
from bench_pipeline import OUT, ROOT, write_bank  # noqa: E402

READERS = {
    "errata": ("generator.bank.yamlsource", "lambda text: mod.read_yaml_text(text, 'bank.yaml').data"),
    # A directive line is outside the fast subset: the reader takes its libyaml path.
    "errata-libyaml": ("generator.bank.yamlsource",
                       "lambda text: mod.read_yaml_text('%YAML 1.1\\n---\\n' + text, 'bank.yaml').data"),
    "pyyaml-csafe": ("yaml", "lambda text: mod.load(text, Loader=mod.CSafeLoader)"),
    "libfyaml": ("libfyaml", "lambda text: mod.loads(text, dedup=False, create_markers=True).to_python()"),
    "ryml": ("ryml", "lambda text: mod.parse_in_arena(text.encode())"),
    "ruamel": ("ruamel.yaml", "lambda text: mod.YAML(typ='safe', pure=True).load(text)"),
    "yaml-rs": ("yaml_rs", "lambda text: mod.loads(text)"),
}

CHILD = r"""
import gc, importlib, json, resource, sys, time
name, module, call, path = sys.argv[1:5]
try:
    mod = importlib.import_module(module)
except ImportError:
    print(json.dumps({"missing": True})); sys.exit(0)
read = eval(call)
text = open(path, encoding="utf-8").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
gc.disable()
t = time.perf_counter()
data = read(text)
seconds = time.perf_counter() - t
assert data is not None, name
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "text_mb": base}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--readers", nargs="+", choices=READERS, default=list(READERS))
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{'reader':<16} {'facts':>8} {'best s':>8} {'runs s':>22} {'peak MB':>8}", flush=True)
    for name in args.readers:
        module, call = READERS[name]
        for n in args.sizes:
            bank = OUT / f"bank-{n}.yaml"
            if not bank.exists():
                write_bank(bank, n)
            runs = []
            for _ in range(args.repeats):
                r = subprocess.run([sys.executable, "-c", CHILD, name, module, call, str(bank)],
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
                  f"{min(x['peak_mb'] for x in runs):>8.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
