"""The review report: one line per thing a person must look at, with the picture of the place.

A single HTML file (pictures embedded as data URIs) that opens in any browser, offline. Each
line gives the sheet, the place, what is wrong and the line to add to the corrections file.
"""

from __future__ import annotations

import base64
import html

from .batch import ScanResult

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; padding: 0 1em; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.fix code { background: #f6f6f6; padding: 0.1em 0.3em; white-space: nowrap; }
img { height: 4.5em; max-width: 30em; border: 1px solid #ccc; }
tr.student img { height: 12em; }
.done { color: #2a6f2a; }
.summary { color: #555; }
"""


def _line(p) -> str:
    img = (f'<img alt="{html.escape(p.where)} on {html.escape(p.source)}" '
           f'src="data:image/png;base64,{base64.b64encode(p.crop).decode()}">' if p.crop else "")
    if p.corrected is not None:
        fix = f'<span class="done">corrected: {html.escape(p.corrected)}</span>'
    elif p.fix:
        fix = f"<code>{html.escape(p.source)},{html.escape(p.fix)},</code>"
    else:
        fix = "scan it again"
    row = ' class="student"' if p.where == "student number" else ""
    return (f"<tr{row}><td>{html.escape(p.source)}</td><td>{html.escape(p.where)}</td>"
            f"<td>{html.escape(p.what)}</td><td>{img}</td><td class=\"fix\">{fix}</td></tr>")


def review_html(result: ScanResult) -> str:
    sheet = result.sheet
    open_ = result.open_problems
    pages = len(result.pages)
    read = sum(1 for p in result.pages if p.status in ("ok", "no-qr"))
    corrected = sum(1 for p in result.problems if p.corrected is not None)
    lines = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Scan review – quiz {html.escape(sheet.quiz_id)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Scan review – quiz {html.escape(sheet.quiz_id)}</h1>",
        f'<p class="summary">{pages} page{"s" if pages != 1 else ""} scanned, {read} read, '
        f"{len(result.rows)} response row{'s' if len(result.rows) != 1 else ''}; "
        f"{len(open_)} thing{'s' if len(open_) != 1 else ''} to decide, {len(result.notes)} to glance at"
        + (f", {corrected} already corrected" if corrected else "")
        + ". Add a line <code>sheet,question,answer</code> to the corrections file for each, then scan again "
          "with <code>--corrections FILE</code>: letters for an answer, nothing for a blank, the digits for "
          "<code>student</code>, the letter for <code>version</code>.</p>",
    ]
    if not result.problems:
        lines.append("<p>Nothing to check: every bubble was read clearly.</p>")
    notes = result.notes
    glance = {id(p) for p in notes}
    to_decide = [p for p in result.problems if id(p) not in glance]    # corrected ones stay, marked so
    for title, problems in (("To decide", to_decide), ("Read, worth a glance", notes)):
        if not problems:
            continue
        lines.append(f"<h2>{title}</h2><table><thead><tr><th>sheet</th><th>where</th><th>what</th>"
                     "<th>picture</th><th>correction line</th></tr></thead><tbody>")
        for p in problems:
            lines.append(_line(p))
        lines.append("</tbody></table>")
    confid = [p for p in result.pages if p.status in ("ok", "no-qr")]
    if confid:
        lines.append("<h2>Confidence per page</h2><table><thead><tr><th>sheet</th><th>version</th><th>student</th>"
                     "<th>confidence</th></tr></thead><tbody>")
        for p in confid:
            lines.append(f"<tr><td>{html.escape(p.source)}</td><td>{html.escape(p.version or '?')}</td>"
                         f"<td>{html.escape(p.student)}</td><td>{p.confidence:.2f}</td></tr>")
        lines.append("</tbody></table>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"
