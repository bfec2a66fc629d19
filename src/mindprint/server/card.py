"""The profile card: an MCP App view (SEP-1865) of ``get_user_factors``.

Hosts that render MCP Apps (Claude Desktop advertises it) read ``ui://mindprint/profile``
because ``get_user_factors`` names it in ``_meta.ui.resourceUri``, show it in a sandboxed
iframe, and pass it the tool's result over ``postMessage``: the card then shows the
user's stated preferences (their words, stance and firmness), top factors and how well
mindprint predicted their past answers. Clients without
app support get the same text result as before.

The document is self-contained: its one style sheet and one script are inline and
pinned by hash in its own Content-Security-Policy, which allows no network request at
all. The script writes stored text only through ``textContent`` (never as markup), with
its format characters (bidi overrides, zero-width ones) shown as escapes.
"""

from __future__ import annotations

import base64
import hashlib

PROFILE_APP_URI = "ui://mindprint/profile"

_STYLE = """
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #1f2328; background: transparent; }
main { padding: 12px 14px; }
h1 { font-size: 16px; margin: 0 0 4px; }
#sentence { font-weight: 600; margin: 6px 0 10px; }
ol { margin: 0; padding-left: 20px; }
li { margin: 4px 0; }
.effect { font-variant-numeric: tabular-nums; font-weight: 600; }
.up { color: #1a7f37; } .down { color: #cf222e; } .effect:not(.clear) { font-weight: 400; }
.why { color: #59636e; display: block; font-size: 13px; }
#status { color: #59636e; }
h2 { font-size: 14px; margin: 10px 0 4px; }
ul { margin: 0 0 8px; padding-left: 18px; }
.stance { color: #0969da; }
.firmness { font-size: 12px; border: 1px solid #d1d9e0; border-radius: 9px; padding: 0 6px; color: #59636e; }
"""

# The View side of the MCP Apps handshake: ui/initialize, then initialized; the host
# then sends the tool's result (ui/notifications/tool-result), which is rendered.
_SCRIPT = """
(function () {
  "use strict";
  var main = document.getElementById("card");
  // Format characters (bidi overrides, zero-width and invisible ones) shown as escapes,
  // as the dashboard and the CLI show them; the joiners of emoji stay.
  function inert(s) {
    return s.replace(/\\p{Cf}/gu, function (c) {
      if (c === "\\u200c" || c === "\\u200d") { return c; }
      var code = c.codePointAt(0).toString(16);
      return code.length <= 4 ? "\\\\u" + code.padStart(4, "0") : "\\\\U" + code.padStart(8, "0");
    });
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = inert(String(text)); }
    if (cls) { e.className = cls; }
    return e;
  }
  // The same legend as the CLI and the dashboard (views.EFFECT_LEGEND).
  var LEGEND = "Effects are beyond what a model of everyone reads in the text, with 95% " +
    "intervals. Green: you answer higher (for a quantity: as it doubles); red: lower; " +
    "bold: clear after testing every factor.";
  function sign(v) { return (v >= 0 ? "+" : "") + v.toFixed(2); }
  function data(result) {
    if (!result) { return null; }
    if (result.structuredContent) { return result.structuredContent; }
    var c = result.content || [];
    for (var i = 0; i < c.length; i++) {
      if (c[i].type === "text") { try { return JSON.parse(c[i].text); } catch (e) { return null; } }
    }
    return null;
  }
  // What the person said about themselves: their words, stance and firmness.
  function said(d) {
    var prefs = d.preferences || [];
    if (!prefs.length) { return; }
    main.appendChild(el("h2", "What they told you"));
    var list = el("ul"); list.id = "preferences";
    prefs.slice(0, 8).forEach(function (p) {
      var li = el("li"); li.className = "preference";
      li.appendChild(el("b", p.stance, "stance"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("q", p.quote, "quote"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", p.firmness, "firmness"));
      var why = [p.domain].concat(p.chosen ? ["chose " + p.chosen] : []);
      li.appendChild(el("span", why.join("; "), "why"));
      list.appendChild(li);
    });
    main.appendChild(list);
    var more = (d.preferences_total || prefs.length) - Math.min(prefs.length, 8);
    if (more > 0) { main.appendChild(el("p", more + " more in the dashboard.", "why")); }
    if (d.factors.length) { main.appendChild(el("h2", "What moves their answers")); }
  }
  function render(d) {
    if (!d || !d.factors) { return; }
    main.replaceChildren();
    main.appendChild(el("h1", "How mindprint sees " + d.user_id));
    if (d.backtest) { main.appendChild(el("p", d.backtest, "sentence")).id = "sentence"; }
    said(d);
    var list = el("ol"); list.id = "factors";
    d.factors.slice(0, 8).forEach(function (f) {
      var li = el("li"); li.className = "factor";
      li.appendChild(el("b", f.name, "name"));
      if (typeof f.effect === "number") {
        var ci = f.effect_ci95 ? " [" + sign(f.effect_ci95[0]) + ", " + sign(f.effect_ci95[1]) + "]" : "";
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", sign(f.effect) + ci,
                          "effect " + (f.effect >= 0 ? "up" : "down") + (f.clear ? " clear" : "")));
      }
      li.appendChild(el("span", f.evidence || f.description || (f.n_items + " items"), "why"));
      list.appendChild(li);
    });
    main.appendChild(list);
    if (d.factors.some(function (f) { return typeof f.effect === "number"; })) {
      main.appendChild(el("p", LEGEND, "why legend"));
    }
    main.appendChild(el("p", d.history_size + " items in the history.", "why"));
  }
  var pending = {};
  var next = 1;
  function send(method, params, onResult) {
    var msg = { jsonrpc: "2.0", method: method, params: params || {} };
    if (onResult) { msg.id = next++; pending[msg.id] = onResult; }
    window.parent.postMessage(msg, "*");
  }
  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (ev.source !== window.parent || !m || m.jsonrpc !== "2.0") { return; }
    if (m.id !== undefined && pending[m.id]) {
      var done = pending[m.id]; delete pending[m.id]; done(m.result); return;
    }
    if (m.method === "ui/notifications/tool-result") { render(data(m.params)); }
    else if (m.method === "ui/resource-teardown" && m.id !== undefined) {
      window.parent.postMessage({ jsonrpc: "2.0", id: m.id, result: {} }, "*");
    }
  });
  send("ui/initialize", {
    protocolVersion: "2026-01-26",
    appInfo: { name: "mindprint profile card", version: "1" },
    appCapabilities: {}
  }, function () { send("ui/notifications/initialized"); });
})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = (
    f"default-src 'none'; style-src {_sha256(_STYLE)}; script-src {_sha256(_SCRIPT)}; "
    "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

CARD_HTML = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
    f"<title>mindprint profile</title><style>{_STYLE}</style></head>"
    "<body><main id=\"card\"><p id=\"status\">Waiting for the profile from mindprint…</p></main>"
    f"<script>{_SCRIPT}</script></body></html>"
)
