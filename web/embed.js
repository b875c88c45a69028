/* subreg embed: the sub-processor list on any page, drawn from GET /v1/widget.
 * <div data-subreg></div><script src="https://REGISTRY/embed.js" data-lang="fr" defer></script>
 * The registry renders the widget with the public page's own functions (what is in force,
 * what is upcoming, every word in the visitor's language: registry/page.c, page_widget); this
 * script only draws that fragment into a Shadow DOM (the host's styles do not leak in, nor ours
 * out), as inert markup: no inline script or style, so a strict Content-Security-Policy of the
 * host page needs only script-src and connect-src for the registry's origin. Falls back to a
 * link to the full page. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var origin = new URL(me.src, document.baseURI).origin;
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "en").slice(0, 2);
  var FULL = { en: "See the full list of our sub-processors", fr: "Voir la liste compl\u00e8te de nos sous-traitants ult\u00e9rieurs",
               nl: "Bekijk de volledige lijst van onze subverwerkers" };
  var CSS = ":host{display:block;font:inherit;color:inherit}table{border-collapse:collapse;width:100%}" +
    "caption{text-align:left;font-weight:600;padding:.3em 0}th,td{border-top:1px solid #c8c8c8;padding:.4em;text-align:left;vertical-align:top}" +
    "thead th{border-bottom:2px solid currentColor}.scroll{overflow-x:auto}ul{margin:0;padding-left:1.1em}" +
    ".ai{display:block;margin-top:.3em;font-size:.92em}";

  function fallback(root) {
    var p = document.createElement("p"), a = document.createElement("a");
    a.textContent = FULL[lang] || FULL.en;
    a.href = origin + "/?lang=" + lang;
    p.appendChild(a);
    root.replaceChildren(p);
  }

  function draw(root, w) {
    var tpl = document.createElement("template");
    tpl.innerHTML = w.html; /* a template's content is inert: nothing in it runs */
    Array.prototype.forEach.call(tpl.content.querySelectorAll("script, style, [style]"), function (n) { n.remove(); });
    Array.prototype.forEach.call(tpl.content.querySelectorAll("a[href]"), function (a) {
      var href = a.getAttribute("href");
      if (href.charAt(0) === "/") a.href = origin + href;            /* the registry's own pages */
      else if (!/^https?:\/\//.test(href)) a.removeAttribute("href");
    });
    root.replaceChildren(tpl.content);
  }

  function start() {
    var hosts = document.querySelectorAll("[data-subreg]");
    Array.prototype.forEach.call(hosts, function (host) {
      var root = host.shadowRoot || host.attachShadow({ mode: "open" });
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) { /* an old browser: unstyled, still readable */ }
      fetch(origin + "/v1/widget?lang=" + encodeURIComponent(lang), { credentials: "omit" })
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function (w) {
          draw(root, w);
          host.setAttribute("data-subreg-count", String(root.querySelectorAll("tbody tr").length));
        })
        .catch(function () { fallback(root); host.setAttribute("data-subreg-count", "0"); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
