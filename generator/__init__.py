"""Errata: facts → questions whose wrong options are the errors real sources make.

Pipeline: `yamlsource`/`fastyaml` read YAML, `load` builds the model (`model`) against the
format (`schema`), `check` reports problems, `generate` makes the questions, and the writers
(`write_json`, `anki`, `write_pdf`, `write_gift`, `write_moodle`, `write_qti`, `write_audit`)
only read the model.
"""
