// Drives Debian's chromium with playwright-core: loads the public page and a page of another
// origin that embeds the widget, and prints what a person (and axe-core) would find, as JSON.
// usage: node check_page.js PAGE_URL WIDGET_URL OUT_DIR (WIDGET_URL "-": no widget)
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");

const [pageUrl, widgetUrl, outDir] = process.argv.slice(2);
const axePath = require.resolve("axe-core/axe.min.js");

// The words of the page drawn on more than one line: broken inside (a break at a hyphen or
// between words is fine, so words are split at both).
async function brokenWords(page) {
  return page.evaluate(() => {
    const bad = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walker.nextNode())) {
      const re = /[^\s\-\u2010\u2011\u2013\u2014/]+/g;
      let m;
      while ((m = re.exec(n.data))) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top)));
        if (tops.size > 1) bad.push(m[0]);
      }
    }
    return bad;
  });
}

async function collect(page, sink) {
  page.on("console", (m) => { if (m.type() === "error") sink.push(m.text()); });
  page.on("pageerror", (e) => sink.push(String(e)));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window.__csp = window.__csp || []).push(e.violatedDirective + " " + e.blockedURI);
    });
  });
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
                                          args: ["--no-sandbox"] });
  const out = {};
  try {
    // the page, as a visitor sees it
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = [];
    await collect(page, errors);
    const resp = await page.goto(pageUrl, { waitUntil: "load" });
    out.status = resp.status();
    out.headers = resp.headers();
    out.lang = await page.evaluate(() => document.documentElement.lang);
    out.rows = await page.$$eval("table tbody th[scope=row]", (ths) => ths.map((t) => t.textContent.trim()));
    out.upcoming = await page.$$eval("ul.upcoming li", (lis) => lis.map((l) => l.textContent.trim()));
    out.rowTexts = await page.$$eval("table tbody tr", (trs) => trs.map((t) => [t.id, t.innerText.trim()]));
    out.text = await page.evaluate(() => document.body.innerText);
    out.html = await page.content();
    out.scripts = await page.$$eval("script", (s) => s.length);
    out.images = await page.$$eval("img", (s) => s.length);
    out.hrefs = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")));
    out.svg = await page.$$eval("svg[role=img]", (s) => s.map((x) => x.getAttribute("aria-labelledby")));
    out.xss = await page.evaluate(() => window.__xss === true);
    out.csp = await page.evaluate(() => window.__csp || []);
    out.errors = errors;
    out.brokenWords = await brokenWords(page);
    await page.screenshot({ path: path.join(outDir, "page.png"), fullPage: true });
    // a phone: one card per vendor, nothing wider than the screen, no word broken
    await page.setViewportSize({ width: 390, height: 844 });
    out.mobileOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    out.mobileBrokenWords = await brokenWords(page);
    await page.screenshot({ path: path.join(outDir, "page-mobile.png"), fullPage: true });
    await ctx.close();

    // axe-core, in a context that lets its script in past the page's CSP
    const actx = await browser.newContext({ bypassCSP: true });
    const apage = await actx.newPage();
    await apage.goto(pageUrl, { waitUntil: "load" });
    await apage.addScriptTag({ path: axePath });
    out.axe = await apage.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map((v) => v.id + ": " + v.help + " (" + v.nodes.length + ")");
    });
    await actx.close();

    // the widget on another origin, whose page has a strict CSP of its own
    if (widgetUrl !== "-") {
      const wctx = await browser.newContext();
      const wpage = await wctx.newPage();
      const werrors = [];
      await collect(wpage, werrors);
      await wpage.goto(widgetUrl, { waitUntil: "load" });
      await wpage.waitForSelector("[data-subreg-count]", { timeout: 15000 });
      out.widgetRows = await wpage.evaluate(() => {
        const host = document.querySelector("[data-subreg]");
        return Array.from(host.shadowRoot.querySelectorAll("tbody th")).map((t) => t.textContent.trim());
      });
      out.widgetRowTexts = await wpage.evaluate(() => {
        const host = document.querySelector("[data-subreg]");
        return Array.from(host.shadowRoot.querySelectorAll("tbody tr")).map((t) => [t.id, t.innerText.trim()]);
      });
      out.widgetUpcoming = await wpage.evaluate(() => {
        const host = document.querySelector("[data-subreg]");
        return Array.from(host.shadowRoot.querySelectorAll("ul.upcoming li")).map((l) => l.textContent.trim());
      });
      out.widgetCsp = await wpage.evaluate(() => window.__csp || []);
      out.widgetErrors = werrors;
      await wpage.screenshot({ path: path.join(outDir, "widget.png"), fullPage: true });
      await wctx.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
