"""The card templates, script and style of Errata's note types.

Changing any text here is safe: it is not a schema change, and the build gives the
note types a newer modification time so a re-import updates them. What must not
change lives in `notetypes.py` (ids, field and template lists).

Platforms differ in one way that matters: Anki desktop keeps one page for both sides
of a card, AnkiDroid loads a new page for the back. The Choose script therefore keeps
its state (option order, the tapped option) in sessionStorage under the fact id, with
a window variable as fallback, and the back is complete without any script: the key is
marked by CSS and the answer printed as text.
"""

from __future__ import annotations

NOTICE = '{{#Notice}}<div class="errata-notice">{{Notice}}</div>{{/Notice}}'
FACT_ID = '<div class="errata-id">{{FactId}}</div>'

RECALL_FRONT = f"""<div class="errata errata-recall">
{NOTICE}
<div class="errata-q">{{{{Question}}}}</div>
</div>"""

RECALL_BACK = f"""<div class="errata errata-recall errata-back">
{NOTICE}
<div class="errata-q">{{{{Question}}}}</div>
<hr id="answer">
<div class="errata-answer">{{{{Answer}}}}</div>
{{{{#Accepted}}}}<div class="errata-accepted"><span class="errata-label">Also right:</span> {{{{Accepted}}}}</div>{{{{/Accepted}}}}
{{{{#Explanation}}}}<div class="errata-explain">{{{{Explanation}}}}</div>{{{{/Explanation}}}}
{{{{#References}}}}<div class="errata-refs">{{{{References}}}}</div>{{{{/References}}}}
{FACT_ID}
</div>"""

# One script for both sides; ES5 only (old Android WebViews), and no double braces
# (Anki's template syntax).
CHOOSE_SCRIPT = r"""<script>
(function () {
  var roots = document.querySelectorAll(".errata-choose");
  var root = roots[roots.length - 1];
  if (!root || root.getAttribute("data-errata-ready")) return;
  root.setAttribute("data-errata-ready", "1");
  var list = root.querySelector(".errata-options ol");
  if (!list) return;
  var items = [], i;
  for (i = 0; i < list.children.length; i++) {
    if (list.children[i].tagName === "LI") items.push(list.children[i]);
  }
  var n = items.length;
  var back = root.getAttribute("data-errata-side") === "back";
  var idNode = root.querySelector(".errata-state");
  var key = "errata-choose:" + (idNode ? idNode.textContent.replace(/\s+/g, " ").trim() : "");
  var MAX_AGE = 3 * 3600 * 1000;  // an older state belongs to an earlier review

  function load() {
    var raw = null;
    try { raw = window.sessionStorage.getItem(key); } catch (e) { raw = null; }
    if (raw === null && window.errataChoose) raw = window.errataChoose[key] || null;
    try { return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
  }
  function save(state) {
    var raw = JSON.stringify(state);
    try { window.sessionStorage.setItem(key, raw); } catch (e) { /* private mode: window only */ }
    (window.errataChoose = window.errataChoose || {})[key] = raw;
  }
  function usable(s) {
    if (!s || !s.order || s.order.length !== n || typeof s.time !== "number") return false;
    if (Math.abs(Date.now() - s.time) > MAX_AGE) return false;
    var seen = {};
    for (var k = 0; k < n; k++) {
      var v = s.order[k];
      if (typeof v !== "number" || v < 0 || v >= n || seen[v]) return false;
      seen[v] = true;
    }
    return true;
  }

  var state = null;
  if (back) {
    state = load();
    if (!usable(state)) state = null;
  } else {
    var order = [];
    for (i = 0; i < n; i++) order.push(i);
    for (i = n - 1; i > 0; i--) {  // Fisher-Yates: a new order every review
      var j = Math.floor(Math.random() * (i + 1));
      var t = order[i]; order[i] = order[j]; order[j] = t;
    }
    state = {order: order, picked: -1, time: Date.now()};
    save(state);
  }
  if (state) {
    for (i = 0; i < n; i++) list.appendChild(items[state.order[i]]);
  }
  list.className += " errata-ready";

  if (!back) {
    var tip = root.querySelector(".errata-tip");
    if (tip) tip.removeAttribute("hidden");
    var pick = function (index) {
      state.picked = index;
      save(state);
      for (var k = 0; k < n; k++) {
        var on = k === index;
        if (on) items[k].classList.add("errata-picked"); else items[k].classList.remove("errata-picked");
        items[k].setAttribute("aria-pressed", on ? "true" : "false");
      }
    };
    items.forEach(function (item, index) {
      item.setAttribute("role", "button");
      item.setAttribute("tabindex", "0");
      item.setAttribute("aria-pressed", "false");
      item.addEventListener("click", function () { pick(index); });
      item.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(index); }
      });
    });
  } else if (state && state.picked >= 0 && state.picked < n) {
    var chosen = items[state.picked];
    chosen.classList.add("errata-picked");
    var right = chosen.classList.contains("errata-key");
    var verdict = root.querySelector(".errata-verdict");
    if (verdict) {
      var letter = "ABCDEFGHIJ".charAt(state.order.indexOf(state.picked));
      verdict.textContent = (right ? "Right: you chose " : "Not quite: you chose ") + letter + ".";
      verdict.className += right ? " errata-verdict-right" : " errata-verdict-wrong";
    }
  }
})();
</script>"""

CHOOSE_FRONT = f"""{{{{#Options}}}}<div class="errata errata-choose" data-errata-side="front">
{NOTICE}
<div class="errata-q">{{{{Question}}}}</div>
<div class="errata-options">{{{{Options}}}}</div>
<div class="errata-tip" hidden>Tap your answer, then show the answer.</div>
<span class="errata-state" hidden>{{{{FactId}}}}</span>
</div>
{CHOOSE_SCRIPT}{{{{/Options}}}}"""

CHOOSE_BACK = f"""<div class="errata errata-choose errata-back" data-errata-side="back">
{NOTICE}
<div class="errata-q">{{{{Question}}}}</div>
<hr id="answer">
<div class="errata-answer"><span class="errata-label">Answer:</span> {{{{Answer}}}}</div>
<div class="errata-verdict"></div>
<div class="errata-options">{{{{Options}}}}</div>
{{{{#Explanation}}}}<div class="errata-explain">{{{{Explanation}}}}</div>{{{{/Explanation}}}}
{{{{#References}}}}<div class="errata-refs">{{{{References}}}}</div>{{{{/References}}}}
{FACT_ID}
<span class="errata-state" hidden>{{{{FactId}}}}</span>
</div>
{CHOOSE_SCRIPT}"""

MYTH_FRONT = f"""<div class="errata errata-myth">
{NOTICE}
<div class="errata-prompt">A source says:</div>
<div class="errata-quote">‘{{{{Quote}}}}’</div>
<div class="errata-prompt">— true?</div>
</div>"""

MYTH_BACK = f"""<div class="errata errata-myth errata-back">
{NOTICE}
<div class="errata-prompt">A source says:</div>
<div class="errata-quote">‘{{{{Quote}}}}’</div>
<hr id="answer">
<div class="errata-false"><b>No:</b> {{{{Why}}}}</div>
{{{{#Question}}}}<div class="errata-asked"><span class="errata-label">The question:</span> {{{{Question}}}}</div>{{{{/Question}}}}
<div class="errata-answer"><span class="errata-label">Right:</span> {{{{Answer}}}}{{{{#Claim}}}} <span class="errata-not">(not: {{{{Claim}}}})</span>{{{{/Claim}}}}</div>
<div class="errata-source"><span class="errata-label">Source:</span> {{{{Source}}}}</div>
{FACT_ID}
</div>"""

# Spare card type: no cards until a later version fills Spare3 and rewrites this
# template (a template's text may change; adding a template may not).
RESERVED_FRONT = "{{#Spare3}}{{Spare3}}{{/Spare3}}"
RESERVED_BACK = "{{FrontSide}}"

CSS = """\
/* Errata cards. Desktop puts nightMode and night_mode on the card, AnkiMobile
   documents .nightMode, older AnkiDroid uses .night_mode: all are styled. */
.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.45;
  text-align: left;
  color: #1f2328;
  background-color: #fbfbf9;
}
.errata { max-width: 36em; margin: 0 auto; padding: .2em .15em 1.5em; overflow-wrap: break-word; }
.errata a { color: #0b5cad; }
.errata-q { font-size: 1.08em; font-weight: 600; margin: .2em 0 .8em; }
.errata-notice {
  border-left: 4px solid #b35c00; background: #fff3e0; color: #5a3200;
  padding: .45em .7em; margin: 0 0 .8em; border-radius: 4px; font-size: .85em;
}
hr#answer { border: 0; border-top: 1px solid #d0d7de; margin: .9em 0; }
.errata-answer { font-size: 1.1em; font-weight: 600; color: #116329; }
.errata-label { font-weight: 400; color: #57606a; }
.errata-accepted, .errata-explain, .errata-refs, .errata-source, .errata-false, .errata-asked { margin-top: .7em; }
.errata-myth .errata-answer { margin-top: .2em; }
.errata-explain { font-size: .95em; }
.errata-refs { font-size: .8em; color: #57606a; }
.errata-refs ul { margin: .2em 0 0; padding-left: 1.2em; }
.errata-id { margin-top: 1.4em; font-size: .68em; color: #8c959f; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
.errata-id::before { content: "fact "; }

/* Choose */
.errata-list { list-style: none; margin: 0; padding: 0; counter-reset: errata-option; }
.errata-option {
  counter-increment: errata-option; position: relative; margin: .5em 0;
  padding: .55em .75em .55em 2.5em; border: 2px solid #d0d7de; border-radius: 10px;
  background: #ffffff; cursor: pointer; -webkit-tap-highlight-color: transparent;
}
.errata-option::before {
  content: counter(errata-option, upper-alpha); position: absolute; left: .85em; top: .55em;
  font-weight: 700; color: #57606a;
}
.errata-option:focus { outline: none; }
.errata-option:focus-visible { outline: 3px solid #54aeff; outline-offset: 1px; }
.errata-picked { border-color: #0969da; background: #ddf4ff; }
.errata-why { display: none; }
.errata-tip { margin-top: .8em; font-size: .75em; color: #8c959f; }
.errata-back .errata-option { cursor: default; }
.errata-back .errata-why { display: block; margin-top: .3em; font-size: .8em; color: #3d444d; }
.errata-back .errata-key { border-color: #1a7f37; background: #dafbe1; }
.errata-back .errata-key .errata-text::after { content: "  \\2713  right answer"; color: #116329; font-weight: 600; font-size: .8em; }
.errata-back .errata-wrong.errata-picked { border-color: #cf222e; background: #ffebe9; }
.errata-back .errata-wrong.errata-picked .errata-text::after { content: "  \\2717  your answer"; color: #a40e26; font-weight: 600; font-size: .8em; }
.errata-back .errata-key.errata-picked .errata-text::after { content: "  \\2713  your answer, right"; }
.errata-err + .errata-err { margin-top: .45em; padding-top: .45em; border-top: 1px dashed #d0d7de; }
.errata-cite { color: #57606a; font-size: .92em; margin-top: .15em; }
.errata-cite::before { content: "\\2014  "; }
.errata-src { font-weight: 600; }
.errata-verdict { margin: .3em 0 0; font-weight: 600; font-size: .9em; }
.errata-verdict:empty { display: none; }
.errata-verdict-right { color: #116329; }
.errata-verdict-wrong { color: #a40e26; }

/* Myth or fact */
.errata-prompt { color: #57606a; font-size: .9em; }
.errata-quote { font-size: 1.1em; font-style: italic; margin: .35em 0 .5em; padding: .2em 0 .2em .8em; border-left: 4px solid #d0d7de; }
.errata-false b { color: #a40e26; }
.errata-not { font-weight: 400; color: #57606a; font-size: .85em; }
.errata-source { font-size: .85em; color: #57606a; }

/* Small screens: a little smaller, option badges closer */
@media (max-width: 480px) {
  .card { font-size: 18px; }
  .errata { padding: 0 0 1.2em; }
  .errata-option { padding-left: 2.2em; }
  .errata-option::before { left: .7em; }
}

/* Night mode */
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card { color: #e6edf3; background-color: #1d2125; }
.nightMode .errata a, .night_mode .errata a { color: #6cb6ff; }
.nightMode .errata-notice, .night_mode .errata-notice { background: #3a2a12; color: #f6d8a8; border-left-color: #d18616; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #444c56; }
.nightMode .errata-answer, .night_mode .errata-answer { color: #7ee2a0; }
.nightMode .errata-label, .night_mode .errata-label,
.nightMode .errata-refs, .night_mode .errata-refs,
.nightMode .errata-cite, .night_mode .errata-cite,
.nightMode .errata-prompt, .night_mode .errata-prompt,
.nightMode .errata-not, .night_mode .errata-not,
.nightMode .errata-source, .night_mode .errata-source,
.nightMode .errata-option::before, .night_mode .errata-option::before { color: #9ea7b3; }
.nightMode .errata-id, .night_mode .errata-id, .nightMode .errata-tip, .night_mode .errata-tip { color: #768390; }
.nightMode .errata-option, .night_mode .errata-option { background: #262c33; border-color: #444c56; }
.nightMode .errata-picked, .night_mode .errata-picked { background: #102a45; border-color: #4493f8; }
.nightMode .errata-back .errata-why, .night_mode .errata-back .errata-why { color: #c5ced8; }
.nightMode .errata-back .errata-key, .night_mode .errata-back .errata-key { background: #12361f; border-color: #2ea043; }
.nightMode .errata-back .errata-key .errata-text::after, .night_mode .errata-back .errata-key .errata-text::after { color: #7ee2a0; }
.nightMode .errata-back .errata-wrong.errata-picked, .night_mode .errata-back .errata-wrong.errata-picked { background: #3d1418; border-color: #f85149; }
.nightMode .errata-back .errata-wrong.errata-picked .errata-text::after,
.night_mode .errata-back .errata-wrong.errata-picked .errata-text::after { color: #ff9492; }
.nightMode .errata-verdict-right, .night_mode .errata-verdict-right { color: #7ee2a0; }
.nightMode .errata-verdict-wrong, .night_mode .errata-verdict-wrong, .nightMode .errata-false b, .night_mode .errata-false b { color: #ff9492; }
.nightMode .errata-quote, .night_mode .errata-quote { border-left-color: #444c56; }
.nightMode .errata-err + .errata-err, .night_mode .errata-err + .errata-err { border-top-color: #444c56; }
"""
