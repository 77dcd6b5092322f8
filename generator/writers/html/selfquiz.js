/* Errata self-quiz: practice and test on one offline page.
   Every text from the bank reaches the page as text nodes, never parsed as HTML;
   the bank's markup subset arrives as runs: "text", 0 (a line break) or [text, ["b", "i", "sub", "sup"]]. */
(function () {
  "use strict";

  var app = document.getElementById("app");
  var meta, quiz, decoder = new TextDecoder(), key = [], cache = [];
  try {
    meta = JSON.parse(document.getElementById("errata-quiz").textContent);
    for (var h = 0; h < 64; h += 2) key.push(parseInt(meta.hash.substr(h, 2), 16));
    quiz = decode(meta.shared);  // deck, sources, references; each question is decoded when it is needed
  } catch (e) {
    app.appendChild(el("p", {class: "note", text: "This page is damaged: its questions cannot be read. Build it again with 'errata html'."}));
    return;
  }

  var N = meta.questions.length;
  var KEY = "errata-selfquiz:" + meta.hash;          // an edited quiz has another hash: no stale progress
  var PREFS = "errata-selfquiz:preferences";
  var GAP = 3;                                        // a missed question returns after this many others
  var LETTERS = "ABCDE";
  var STYLE_TAGS = {b: "b", i: "i", sub: "sub", sup: "sup"};

  // The data is XOR-ed with the content hash and base64-encoded: out of plain sight, not secret.
  function decode(data) {
    var bin = atob(data), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i) ^ key[i & 31];
    return JSON.parse(decoder.decode(bytes));
  }

  function Q(i) { return cache[i] || (cache[i] = decode(meta.questions[i])); }

  // ---- building the page -------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { add(node, c); });
    return node;
  }

  function add(parent, child) {
    if (child === null || child === undefined) return parent;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    return parent;
  }

  function rich(parent, r) {
    if (typeof r === "string") return add(parent, r);
    (r || []).forEach(function (run) {
      if (run === 0) { parent.appendChild(document.createElement("br")); return; }
      if (typeof run === "string") { add(parent, run); return; }
      var node = parent;
      run[1].forEach(function (s) {
        if (!Object.prototype.hasOwnProperty.call(STYLE_TAGS, s)) return;
        node = node.appendChild(document.createElement(STYLE_TAGS[s]));
      });
      add(node, String(run[0]));
    });
    return parent;
  }

  function plain(parent, s) {
    String(s).split("\n").forEach(function (line, i) {
      if (i) parent.appendChild(document.createElement("br"));
      add(parent, line);
    });
    return parent;
  }

  function shown(item) { return item.r !== undefined ? item.r : item.t; }

  function link(title, url) {
    if (url && /^https?:\/\//i.test(url)) return plain(el("a", {href: url, rel: "noopener noreferrer"}), title);
    return plain(el("span"), title);
  }

  function sourceName(sid) {
    var s = quiz.sources[sid] || {title: sid};
    return el("cite", {class: "source"}, [link(s.title, s.url)]);
  }

  function joinNodes(nodes) {
    var out = [];
    nodes.forEach(function (n, i) {
      if (i) out.push(i === nodes.length - 1 ? " and " : ", ");
      out.push(n);
    });
    return out;
  }

  // ---- saved progress ----------------------------------------------------------------------

  var store = (function () {
    try {
      var s = window.localStorage, probe = "errata-selfquiz:probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) { return null; }
  })();

  function readJson(key) {
    if (!store) return null;
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }

  function writeJson(key, value) {
    if (!store) return;
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { notice("Your progress could not be saved in this browser: download your results before you close the page."); }
  }

  function usable(s) {
    if (!s || s.v !== 1 || (s.mode !== "practice" && s.mode !== "test") || !Array.isArray(s.answers)
        || !Array.isArray(s.queue) || typeof s.need !== "object" || s.need === null) return false;
    var inRange = function (q) { return typeof q === "number" && q >= 0 && q < N; };
    if (!s.queue.every(inRange)) return false;
    if (!s.answers.every(function (a) { return inRange(a.q) && a.o >= 0 && a.o < Q(a.q).options.length; })) return false;
    if (s.cur) {
      if (!inRange(s.cur.q) || !Array.isArray(s.cur.order) || s.cur.order.length !== Q(s.cur.q).options.length) return false;
      if (s.cur.order.slice().sort().join() !== Q(s.cur.q).options.map(function (_, i) { return i; }).join()) return false;
      if (typeof s.cur.picked !== "number" || s.cur.picked < -1 || s.cur.picked >= s.cur.order.length) return false;
      if (s.cur.checked && s.cur.picked < 0) return false;
    }
    return true;
  }

  var prefs = readJson(PREFS);
  if (!prefs || typeof prefs !== "object") prefs = {};
  if (typeof prefs.keys !== "boolean") prefs.keys = true;
  var state = readJson(KEY);
  if (!usable(state)) state = null;

  function save() { if (state) writeJson(KEY, state); }

  function now() { return new Date().toISOString(); }

  function shuffled(n) {
    var order = [], i;
    for (i = 0; i < n; i++) order.push(i);
    for (i = n - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1)), t = order[i];
      order[i] = order[j]; order[j] = t;
    }
    return order;
  }

  // ---- the frame: title, screen, status line, tools ------------------------------------------

  var title = document.getElementById("deck-title");
  title.textContent = "";
  plain(title, quiz.deck.title);
  title.setAttribute("tabindex", "-1");
  var screen = el("div", {id: "screen"});
  var status = el("p", {id: "notice", role: "status", "aria-live": "polite", class: "notice"});
  var tools = buildTools();
  app.appendChild(screen);
  app.appendChild(status);
  app.appendChild(tools.root);

  function notice(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 30);  // a repeated message is announced again
  }

  function buildTools() {
    var t = {};
    t.name = el("input", {id: "student", type: "text", autocomplete: "name", maxlength: "80"});
    t.name.addEventListener("input", function () {
      if (state) { state.student = t.name.value.trim(); save(); }
    });
    t.download = el("button", {type: "button", id: "download", text: "Download results (JSON)"});
    t.download.addEventListener("click", downloadResults);
    t.finish = el("button", {type: "button", id: "finish", text: "End the session now"});
    t.finish.addEventListener("click", function () { finish(); });
    t.reset = el("button", {type: "button", id: "reset", class: "quiet", text: "Reset progress"});
    t.confirm = el("div", {class: "confirm", role: "group", "aria-labelledby": "confirm-text", hidden: true}, [
      el("p", {id: "confirm-text", text: "Delete every answer of this quiz in this browser?"}),
      el("button", {type: "button", id: "reset-yes", class: "danger", text: "Yes, delete my progress"}),
      " ",
      el("button", {type: "button", id: "reset-no", text: "Cancel"})]);
    t.reset.addEventListener("click", function () {
      t.confirm.hidden = false;
      t.confirm.querySelector("#reset-no").focus();
    });
    t.confirm.querySelector("#reset-no").addEventListener("click", function () {
      t.confirm.hidden = true;
      t.reset.focus();
    });
    t.confirm.querySelector("#reset-yes").addEventListener("click", resetProgress);
    t.keys = el("input", {id: "keys", type: "checkbox"});
    t.keys.checked = prefs.keys;
    t.keys.addEventListener("change", function () { prefs.keys = t.keys.checked; writeJson(PREFS, prefs); });
    t.results = el("div", {class: "results-tools"}, [
      el("h2", {id: "tools-h", text: "Your progress"}),
      el("p", {class: "field"}, [el("label", {for: "student", text: "Your name (optional; it goes into the results file)"}), t.name]),
      el("p", {class: "buttons"}, [t.download, " ", t.finish, " ", t.reset]),
      t.confirm]);
    t.root = el("section", {id: "tools", class: "tools", "aria-labelledby": "tools-h"}, [
      t.results,
      el("p", {class: "field check"}, [t.keys, " ", el("label", {for: "keys", text: "Single-key shortcuts: 1–5 or A–E choose, N next"})]),
      el("p", {class: "small", text: store
        ? "Your progress is kept in this browser, for this version of the quiz only. Answers are hidden from the page source only loosely: this is a practice aid, not an exam."
        : "This browser does not let the page keep your progress: download your results before you close it."})]);
    return t;
  }

  function showTools() {
    tools.results.hidden = !state;
    tools.finish.hidden = !state || !!state.finished;
    tools.name.value = state ? state.student || "" : "";
    tools.confirm.hidden = true;
  }

  // ---- start -----------------------------------------------------------------------------------

  function showStart(focus) {
    current = null;
    screen.textContent = "";
    status.textContent = "";
    var box = el("section", {class: "screen start", "aria-labelledby": "start-h"});
    box.appendChild(el("h2", {id: "start-h", text: "Start"}));
    if (quiz.deck.description) box.appendChild(rich(el("p", {class: "description"}), quiz.deck.description));
    box.appendChild(el("p", {text: N + (N === 1 ? " question." : " questions.") + " Choose how to work:"}));
    var practice = el("button", {type: "button", class: "mode", id: "start-practice"}, [
      el("strong", {text: "Practice"}),
      el("span", {text: "Feedback after every answer; a missed question comes back until you get it right twice."})]);
    var test = el("button", {type: "button", class: "mode", id: "start-test"}, [
      el("strong", {text: "Test"}),
      el("span", {text: "No feedback until the end, then a review of every answer."})]);
    practice.addEventListener("click", function () { begin("practice"); });
    test.addEventListener("click", function () { begin("test"); });
    box.appendChild(el("div", {class: "modes"}, [practice, test]));
    box.appendChild(el("details", {class: "keyhelp"}, [
      el("summary", {text: "Keyboard"}),
      el("ul", {}, [
        el("li", {text: "Tab moves between controls; the arrow keys move between the options."}),
        el("li", {text: "1–5 or A–E choose an option (single-key shortcuts can be turned off below)."}),
        el("li", {text: "Enter checks your answer; N or Enter goes to the next question."})])]));
    screen.appendChild(box);
    showTools();
    if (N === 0) { practice.disabled = test.disabled = true; notice("This quiz has no questions."); }
    if (focus) practice.focus();
  }

  function begin(mode) {
    state = {v: 1, mode: mode, started: now(), finished: null, student: "", answers: [],
             queue: Array.from({length: N}, function (_, i) { return i; }), need: {}, cur: null};
    advance();
  }

  // ---- a question ----------------------------------------------------------------------------

  var current = null;  // the question on screen: its radios, feedback region, buttons

  function advance() {
    if (!state.queue.length) { finish(); return; }
    var q = state.queue.shift();
    state.cur = {q: q, order: shuffled(Q(q).options.length), picked: -1, checked: false};
    save();
    showQuestion(true);
  }

  function answersOf(q) { return state.answers.filter(function (a) { return a.q === q; }); }

  function firstTries(answers) {
    var first = {};
    answers.forEach(function (a) { if (!(a.q in first)) first[a.q] = a; });
    return first;
  }

  // "Question k of n" counts the answers before this attempt; the tallies count every answer.
  function progressLine(cur) {
    var before = firstTries(state.answers.slice(0, state.answers.length - (cur.checked ? 1 : 0)));
    var first = firstTries(state.answers), seen = Object.keys(first).length;
    var right = Object.keys(first).filter(function (q) { return first[q].correct; }).length;
    var parts = [cur.q in before ? "Again: a question you missed"
                 : "Question " + (Object.keys(before).length + 1) + " of " + N];
    if (state.mode === "practice") {
      parts.push(right + " correct so far");
      var review = Object.keys(state.need).filter(function (q) { return state.need[q] > 0; }).length;
      if (review) parts.push(review + " to review");
    } else {
      parts.push(seen + " answered");
    }
    return {text: parts.join(" · "), done: seen};
  }

  function showProgress(cur) {
    var line = progressLine(cur);
    current.progressText.textContent = line.text;
    current.bar.value = line.done;
    current.bar.setAttribute("aria-label", "Answered " + line.done + " of " + N);
  }

  function showQuestion(focus) {
    var cur = state.cur, q = Q(cur.q);
    screen.textContent = "";
    var progressText = el("p", {id: "progress-text"}), bar = el("progress", {max: String(N)});
    var box = el("section", {class: "screen question", "aria-labelledby": "progress-text"});
    box.appendChild(el("div", {class: "progress"}, [
      progressText, bar,
      el("p", {class: "topic"}, [el("span", {class: "label", text: "Topic: "}), plain(el("span"), q.topic)])]));
    var legend = rich(el("legend", {id: "question-text"}), shown(q));
    var options = el("div", {class: "options"});
    var radios = [], labels = [];
    cur.order.forEach(function (oi, pos) {
      var id = "option-" + pos;
      var radio = el("input", {type: "radio", name: "answer", id: id, value: String(oi)});
      var label = el("label", {for: id, class: "option"}, [
        el("span", {class: "letter", "aria-hidden": "true", text: LETTERS.charAt(pos)}),
        el("span", {class: "body"}, [rich(el("span", {class: "text"}), shown(q.options[oi])), el("span", {class: "mark"})])]);
      radio.addEventListener("change", function () { if (radio.checked) pick(pos, false); });
      radios.push(radio);
      labels.push(label);
      options.appendChild(el("div", {class: "choice"}, [radio, label]));
    });
    var form = el("form", {id: "question-form", novalidate: true}, [el("fieldset", {}, [legend, options])]);
    var check = el("button", {type: "submit", id: "check", text: state.mode === "practice" ? "Check" : "Save answer and go on"});
    form.appendChild(el("p", {class: "buttons"}, [check]));
    form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
    var feedback = el("div", {id: "feedback", role: "status", "aria-live": "polite", class: "feedback"});
    var next = el("button", {type: "button", id: "next", text: state.queue.length ? "Next question" : "See your results"});
    next.addEventListener("click", advance);
    var nextBox = el("p", {class: "buttons next", hidden: true}, [next]);
    box.appendChild(form);
    box.appendChild(feedback);
    box.appendChild(nextBox);
    screen.appendChild(box);
    current = {radios: radios, labels: labels, check: check, feedback: feedback, next: next, nextBox: nextBox,
               progressText: progressText, bar: bar};
    showProgress(cur);
    if (cur.picked >= 0) {
      radios[cur.order.indexOf(cur.picked)].checked = true;
      labels[cur.order.indexOf(cur.picked)].classList.add("picked");
    }
    showTools();
    if (cur.checked) showFeedback(false);
    else if (focus) radios[Math.max(0, cur.order.indexOf(cur.picked))].focus();
  }

  function pick(pos, focus) {
    var cur = state.cur;
    if (!current || cur.checked) return;
    current.radios[pos].checked = true;
    cur.picked = cur.order[pos];
    current.labels.forEach(function (l, i) { l.classList.toggle("picked", i === pos); });
    save();
    if (focus) current.radios[pos].focus();
  }

  function submit() {
    var cur = state.cur;
    if (!current || cur.checked) return;
    if (cur.picked < 0) { notice("Choose an answer first."); current.radios[0].focus(); return; }
    var q = Q(cur.q), right = !!q.options[cur.picked].c;
    state.answers.push({q: cur.q, o: cur.picked, correct: right, attempt: answersOf(cur.q).length + 1,
                        time: now(), position: cur.order.indexOf(cur.picked) + 1});
    if (state.mode === "test") {
      notice("Answer saved.");
      advance();
      return;
    }
    var need = state.need[cur.q] || 0;
    if (!right) need = 2;                          // comes back until it is answered right twice
    else if (need > 0) need -= 1;
    if (need > 0) state.queue.splice(Math.min(GAP, state.queue.length), 0, cur.q);
    if (need > 0) state.need[cur.q] = need; else delete state.need[cur.q];
    cur.checked = true;
    save();
    current.next.textContent = state.queue.length ? "Next question" : "See your results";
    showProgress(cur);
    showFeedback(true);
  }

  function showFeedback(focus) {
    var cur = state.cur, q = Q(cur.q);
    current.radios.forEach(function (r, pos) {
      var oi = cur.order[pos], o = q.options[oi], label = current.labels[pos], mark = label.querySelector(".mark");
      r.disabled = true;
      label.classList.remove("picked");
      if (o.c) {
        label.classList.add("key");
        mark.textContent = oi === cur.picked ? "✓ your answer, right" : "✓ right answer";
      } else if (oi === cur.picked) {
        label.classList.add("wrong");
        mark.textContent = "✗ your answer";
      }
    });
    current.check.hidden = true;
    current.feedback.appendChild(feedbackBlock(cur.q, cur.picked));
    current.nextBox.hidden = false;
    if (focus) {
      current.next.focus({preventScroll: true});
      current.feedback.scrollIntoView({block: "nearest"});
    }
  }

  // The feedback on one answer: right, or which source makes this error, its words and why it is wrong.
  function feedbackBlock(qi, oi) {
    var q = Q(qi), o = q.options[oi], right = !!o.c;
    var key = q.options.filter(function (x) { return x.c; })[0];
    var box = el("div", {class: "fb " + (right ? "fb-right" : "fb-wrong")});
    box.appendChild(el("p", {class: "verdict"}, [
      el("span", {class: "icon", "aria-hidden": "true", text: right ? "✓" : "✗"}),
      right ? "Right." : "Not right."]));
    if (!right) {
      if (o.k === "source-error") {
        box.appendChild(el("p", {class: "made-by"}, ["This is the error made by "].concat(
          joinNodes(o.cite.map(function (c) { return sourceName(c[0]); }))).concat([":"])));
        o.cite.forEach(function (c) {  // each quote names its source when there are several
          box.appendChild(el("figure", {class: "citation"}, [
            el("blockquote", {class: "quote"}, [plain(el("p"), "“" + c[1] + "”")]),
            o.cite.length > 1 ? el("figcaption", {}, ["— ", sourceName(c[0])]) : null]));
        });
        o.why.forEach(function (w) {
          box.appendChild(el("p", {class: "why"}, [el("strong", {text: "Why it is wrong: "}), rich(el("span"), w)]));
        });
      } else if (o.k === "borrowed") {
        box.appendChild(el("p", {class: "why", text: "This is the right answer to another question, not to this one."}));
      } else {
        box.appendChild(el("p", {class: "why", text: "A plausible wrong answer; no source in this quiz states it."}));
      }
    }
    box.appendChild(el("p", {class: "answer"}, [el("strong", {text: "The right answer: "}), rich(el("span"), shown(key))]));
    if (q.accept.length) {
      var also = el("p", {class: "accept"}, [el("strong", {text: "Also right: "})]);
      q.accept.forEach(function (a, i) { if (i) add(also, "; "); rich(also, a); });
      box.appendChild(also);
    }
    if (q.explain) box.appendChild(rich(el("p", {class: "explain"}), q.explain));
    if (q.refs.length) {
      box.appendChild(el("p", {class: "refs-h", text: "References:"}));
      box.appendChild(el("ul", {class: "refs"}, q.refs.map(function (rid) {
        var r = quiz.refs[rid] || {title: rid};
        var item = el("li", {}, [link(r.title, r.url)]);
        if (r.by) plain(add(item, " — "), r.by);
        return item;
      })));
    }
    return box;
  }

  // ---- the end ---------------------------------------------------------------------------------

  function finish() {
    if (!state) return;
    state.finished = state.finished || now();
    state.cur = null;
    save();
    showSummary(true);
  }

  function showSummary(focus) {
    current = null;
    screen.textContent = "";
    status.textContent = "";
    var first = firstTries(state.answers), asked = Object.keys(first).map(Number).sort(function (a, b) { return a - b; });
    var right = asked.filter(function (q) { return first[q].correct; }).length;
    var h = el("h2", {id: "summary-h", tabindex: "-1", text: "Your results"});
    var box = el("section", {class: "screen summary", "aria-labelledby": "summary-h"}, [h]);
    var scoreText = state.mode === "practice" ? " right the first time" : " right";
    box.appendChild(el("p", {class: "score", text: "You answered " + right + " of " + asked.length + " question"
      + (asked.length === 1 ? "" : "s") + scoreText + (asked.length < N ? " (the quiz has " + N + ")." : ".")}));

    // By topic, first tries only.
    var topics = [], byTopic = {};
    asked.forEach(function (q) {
      var t = Q(q).topic;
      if (!byTopic[t]) { byTopic[t] = {right: 0, total: 0}; topics.push(t); }
      byTopic[t].total += 1;
      if (first[q].correct) byTopic[t].right += 1;
    });
    if (topics.length) {
      box.appendChild(el("h3", {text: "By topic"}));
      box.appendChild(el("table", {class: "topics"}, [
        el("thead", {}, [el("tr", {}, [el("th", {scope: "col", text: "Topic"}), el("th", {scope: "col", text: "Right"}),
                                       el("th", {scope: "col", text: "Questions"})])]),
        el("tbody", {}, topics.map(function (t) {
          return el("tr", {}, [plain(el("th", {scope: "row"}), t), el("td", {text: String(byTopic[t].right)}),
                               el("td", {text: String(byTopic[t].total)})]);
        }))]));
    }

    // By misconception: every source error picked at least once, grouped by the sources that make it.
    var claims = [], seenClaim = {}, bySource = {}, sourceOrder = [], other = 0;
    state.answers.forEach(function (a) {
      var o = Q(a.q).options[a.o], id = a.q + ":" + a.o;
      if (a.correct || seenClaim[id]) return;
      seenClaim[id] = true;
      if (o.k !== "source-error") { other += 1; return; }
      claims.push(a);
      o.cite.forEach(function (c) {
        if (!bySource[c[0]]) { bySource[c[0]] = []; sourceOrder.push(c[0]); }
        bySource[c[0]].push({a: a, quote: c[1]});
      });
    });
    box.appendChild(el("h3", {text: "Misconceptions"}));
    if (!claims.length) {
      box.appendChild(el("p", {text: "You picked none of the claims that the sources state wrongly."}));
    } else {
      box.appendChild(el("p", {class: "believed", text: "You believed " + claims.length + " claim" + (claims.length === 1 ? "" : "s")
        + " that " + (sourceOrder.length === 1 ? "this source makes" : "these sources make") + ":"}));
      sourceOrder.sort(function (x, y) { return bySource[y].length - bySource[x].length; });
      var list = el("ul", {class: "misconceptions"});
      sourceOrder.forEach(function (sid) {
        var items = el("ul", {}, bySource[sid].map(function (m) {
          var o = Q(m.a.q).options[m.a.o];
          return el("li", {}, [
            el("span", {class: "claim"}, [rich(el("strong"), shown(o))]),
            el("span", {class: "context"}, [" (the question: ", rich(el("span"), shown(Q(m.a.q))), ")"]),
            el("blockquote", {class: "quote"}, [plain(el("p"), "“" + m.quote + "”")]),
            el("p", {class: "why"}, [el("strong", {text: "Why it is wrong: "})].concat(o.why.map(function (w, i) {
              return rich(add(el("span"), i ? " " : null), w);
            })))]);
        }));
        list.appendChild(el("li", {}, [sourceName(sid), el("span", {text: ": " + bySource[sid].length + " claim" + (bySource[sid].length === 1 ? "" : "s")}), items]));
      });
      box.appendChild(list);
    }
    if (other) box.appendChild(el("p", {text: "Other wrong answers (claims no source in this quiz makes): " + other + "."}));

    // Test mode: the feedback, now.
    if (state.mode === "test" && asked.length) {
      box.appendChild(el("h3", {text: "Review of your answers"}));
      box.appendChild(el("ol", {class: "review"}, asked.map(function (q) {
        var a = first[q];
        return el("li", {}, [
          rich(el("p", {class: "review-q"}), shown(Q(q))),
          el("p", {class: "review-a"}, [el("span", {class: "label", text: "Your answer: "}), rich(el("span"), shown(Q(q).options[a.o]))]),
          feedbackBlock(q, a.o)]);
      })));
    }
    var again = el("button", {type: "button", id: "again", text: "Start again"});
    again.addEventListener("click", function () { tools.reset.click(); });  // asks first: nothing lost by a slip
    box.appendChild(el("p", {class: "buttons"}, [again]));
    screen.appendChild(box);
    showTools();
    if (focus) h.focus();
  }

  // ---- results file ------------------------------------------------------------------------------

  function results() {
    return {
      format: meta.results.format, version: meta.results.version,
      deck: {id: quiz.deck.id, title: quiz.deck.title},
      quiz_hash: meta.hash,
      student: state.student || "",
      mode: state.mode,
      started: state.started,
      finished: state.finished || null,
      answers: state.answers.map(function (a) {
        var q = Q(a.q);
        return {fact_id: q.id, question: q.t, chosen: q.options[a.o].t, correct: a.correct, attempt: a.attempt,
                time: a.time, position: a.position};
      })
    };
  }

  function fileName() {
    var who = (state.student || "").normalize("NFKC").replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 40);
    return quiz.deck.id + "-results-" + (who || "anonymous") + "-" + now().slice(0, 10) + ".json";
  }

  function downloadResults() {
    if (!state) return;
    var name = fileName();
    var url = URL.createObjectURL(new Blob([JSON.stringify(results(), null, 2) + "\n"], {type: "application/json"}));
    var a = el("a", {href: url, download: name, hidden: true});
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    notice("Downloaded " + name + ".");
  }

  function clearProgress() {
    state = null;
    if (store) { try { store.removeItem(KEY); } catch (e) { /* nothing kept anyway */ } }
  }

  function resetProgress() {
    clearProgress();
    showStart(true);
    notice("Your progress was deleted.");
  }

  // ---- keyboard ----------------------------------------------------------------------------------

  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || !current || !state || !state.cur) return;
    var t = ev.target, tag = t && t.tagName, type = t && t.type;
    if ((tag === "INPUT" && type !== "radio") || tag === "TEXTAREA" || tag === "SELECT") return;
    var cur = state.cur, key = ev.key;
    if (key === "Enter") {
      if (tag === "BUTTON" || tag === "A" || tag === "SUMMARY") return;  // their own action
      ev.preventDefault();
      if (cur.checked) advance(); else submit();
      return;
    }
    if (/^Arrow/.test(key)) {
      if (type !== "radio" && !cur.checked) {
        ev.preventDefault();
        current.radios[Math.max(0, cur.order.indexOf(cur.picked))].focus();
      }
      return;
    }
    if (!prefs.keys || key.length !== 1) return;
    var k = key.toLowerCase();
    if (k === "n") {
      ev.preventDefault();
      if (cur.checked) advance();
      else if (state.mode === "test") submit();
      else notice("Check your answer first: press Enter.");
      return;
    }
    var pos = "12345".indexOf(k);
    if (pos < 0) pos = "abcde".indexOf(k);
    if (pos >= 0 && pos < current.radios.length && !cur.checked) {
      ev.preventDefault();
      pick(pos, true);
    }
  });

  // ---- open where the student left off ----------------------------------------------------------

  if (state && state.finished) showSummary(false);
  else if (state && state.cur) showQuestion(false);
  else if (state) advance();
  else showStart(false);
  if (window.performance && performance.mark) performance.mark("errata-ready");  // read by bench/bench_html.py
})();
