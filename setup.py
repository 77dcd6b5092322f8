"""Builds the C reader for the bank subset of YAML and the Anki notes' C kit; the metadata is in pyproject.toml.

Both extensions are optional: without a compiler Errata installs and uses their Python code.
For development: python setup.py build_ext --inplace
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("generator.bank._fastyaml", ["generator/bank/_fastyaml.c"], optional=True),
                   Extension("generator.writers.anki._notekit", ["generator/writers/anki/_notekit.c"], optional=True)])
