"""Text: the rules every stage applies to bank text.

`normalize.norm` is how options are compared; `markup` is the small markup subset
(`**strong**`, `*em*`, `H~2~O`, `10^8^`) rendered the same way by every writer.
"""
