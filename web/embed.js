/* subreg embed: the sub-processor list on any page, from the registry's public JSON.
 * <div data-subreg></div><script src="https://REGISTRY/embed.js" data-lang="fr" defer></script>
 * Renders into a Shadow DOM (the host's styles do not leak in, nor ours out), with no inline
 * script or style: a strict Content-Security-Policy of the host page needs only script-src
 * and connect-src for the registry's origin. Falls back to a link to the full page. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var origin = new URL(me.src, document.baseURI).origin;
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "en").slice(0, 2);
  var T = {
    en: { caption: "Our sub-processors", name: "Sub-processor", purpose: "Purpose", where: "Where data is stored, processed or accessed", safeguard: "Safeguard outside the EEA", none: "inside the EEA", full: "See the full list of our sub-processors", storage: "stored", processing: "processed", access: "accessed remotely" },
    fr: { caption: "Nos sous-traitants ult\u00e9rieurs", name: "Sous-traitant", purpose: "Finalit\u00e9", where: "O\u00f9 les donn\u00e9es sont stock\u00e9es, trait\u00e9es ou consult\u00e9es", safeguard: "Garantie hors EEE", none: "dans l'EEE", full: "Voir la liste compl\u00e8te de nos sous-traitants ult\u00e9rieurs", storage: "stockage", processing: "traitement", access: "acc\u00e8s \u00e0 distance" },
    nl: { caption: "Onze subverwerkers", name: "Subverwerker", purpose: "Doel", where: "Waar gegevens worden opgeslagen, verwerkt of ingezien", safeguard: "Waarborg buiten de EER", none: "binnen de EER", full: "Bekijk de volledige lijst van onze subverwerkers", storage: "opslag", processing: "verwerking", access: "toegang op afstand" }
  }[lang] || null;
  if (!T) { lang = "en"; T = null; }
  var W = T || { caption: "Our sub-processors", name: "Sub-processor", purpose: "Purpose", where: "Where data is stored, processed or accessed", safeguard: "Safeguard outside the EEA", none: "inside the EEA", full: "See the full list of our sub-processors", storage: "stored", processing: "processed", access: "accessed remotely" };
  var MECH = { adequacy: "adequacy decision", dpf: "EU-US Data Privacy Framework", scc: "EU Standard Contractual Clauses (2021)", bcr: "binding corporate rules", "code-of-conduct": "code of conduct", certification: "certification", "ad-hoc-clauses": "authorised clauses", derogation: "Art. 49 derogation" };
  var CSS = ":host{display:block;font:inherit;color:inherit}table{border-collapse:collapse;width:100%}" +
    "caption{text-align:left;font-weight:600;padding:.3em 0}th,td{border-top:1px solid #c8c8c8;padding:.4em;text-align:left;vertical-align:top}" +
    "thead th{border-bottom:2px solid currentColor}.wrap{overflow-x:auto}ul{margin:0;padding-left:1.1em}";

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fallback(root) {
    var p = el("p"), a = el("a", W.full);
    a.href = origin + "/?lang=" + lang;
    p.appendChild(a);
    root.replaceChildren(p);
  }

  function render(root, list, eea) {
    var wrap = el("div"), table = el("table"), head = el("thead"), tr = el("tr"), body = el("tbody");
    wrap.className = "wrap";
    table.appendChild(el("caption", W.caption));
    [W.name, W.purpose, W.where, W.safeguard].forEach(function (h) {
      var th = el("th", h); th.scope = "col"; tr.appendChild(th);
    });
    head.appendChild(tr);
    table.appendChild(head);
    var today = new Date().toISOString().slice(0, 10);
    list.forEach(function (s) {
      // sub-processors in force only: an independent controller is no sub-processor, and a
      // planned vendor is not one before its day
      if (s.recipient === "controller" || (s.effective && s.effective > today)) return;
      var row = el("tr"), name = el("th"), where = el("ul"), safe = el("ul");
      name.scope = "row";
      if (/^https?:\/\//.test(s.website || "")) {
        var a = el("a", s.name); a.href = s.website; a.rel = "noopener noreferrer"; name.appendChild(a);
      } else {
        name.textContent = s.name;
      }
      (s.locations || []).forEach(function (l) {
        if (l.effective && l.effective > today) return;
        where.appendChild(el("li", l.country + " (" + (W[l.use] || l.use) + ")"));
      });
      (s.transfers || []).forEach(function (t) {
        if (eea.indexOf(t.country) < 0) safe.appendChild(el("li", t.country + ": " + (MECH[t.mechanism] || t.mechanism)));
      });
      if (!safe.children.length) safe.appendChild(el("li", W.none));
      row.appendChild(name);
      row.appendChild(el("td", (s.purpose_i18n && s.purpose_i18n[lang]) || s.purpose));
      var c1 = el("td"); c1.appendChild(where); row.appendChild(c1);
      var c2 = el("td"); c2.appendChild(safe); row.appendChild(c2);
      body.appendChild(row);
    });
    table.appendChild(body);
    wrap.appendChild(table);
    var more = el("p"), link = el("a", W.full);
    link.href = origin + "/?lang=" + lang;
    more.appendChild(link);
    root.replaceChildren(wrap, more);
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
      Promise.all([
        fetch(origin + "/v1/subprocessors", { credentials: "omit" }).then(function (r) { if (!r.ok) throw r; return r.json(); }),
        fetch(origin + "/v1/reference/countries", { credentials: "omit" }).then(function (r) { if (!r.ok) throw r; return r.json(); })
      ]).then(function (res) {
        render(root, res[0].subprocessors || [], res[1].eea || []);
        host.setAttribute("data-subreg-count", String((res[0].subprocessors || []).length));
      }).catch(function () { fallback(root); host.setAttribute("data-subreg-count", "0"); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
