"""Builds the C reader for the bank subset of YAML; the metadata is in pyproject.toml.

The extension is optional: without a compiler Errata installs and uses the Python reader.
For development: python setup.py build_ext --inplace
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("generator.bank._fastyaml", ["generator/bank/_fastyaml.c"], optional=True)])
