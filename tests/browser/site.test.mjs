// Browser tests of a site built by testpress, in headless Chromium.
//
//   npm ci --prefix tests/browser
//   DEMO_SITE=/tmp/demo-site HOSTILE_SITE=/tmp/hostile-site node --test tests/browser/
//
// DEMO_SITE is `testpress build content-samples -o DIR`, HOSTILE_SITE is
// `testpress build tests/fixtures/hostile -o DIR`. Every page is opened from
// file:// with no server: the site must work from disk.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = '/tmp/testpress-run.png';
const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

/** The site folder named by an env var, or an error that says what to do. */
function siteRoot(envName, buildFrom) {
  const dir = process.env[envName];
  if (!dir) {
    throw new Error(
      `${envName} is not set. Build the site first and point ${envName} at it, e.g.\n` +
        `  cargo build --release && ./target/release/testpress build ${buildFrom} -o /tmp/site\n` +
        `  ${envName}=/tmp/site node --test tests/browser/`,
    );
  }
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    throw new Error(`${envName}=${dir} has no index.html: is it a site built by testpress build?`);
  }
  return realpathSync(dir);
}

/** file:// URL without query and fragment. */
function bare(url) {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return u.href;
}

function isInside(root, p) {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Short name of a page for messages: its path inside the site. */
function rel(root, url) {
  return path.relative(root, fileURLToPath(url)) || 'index.html';
}

/** Every *.html file under dir (to compare with what the crawl reached). */
function htmlFilesOnDisk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFilesOnDisk(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

let browser;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

after(async () => {
  await browser?.close();
});

async function newPage(width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/**
 * Opens one URL in `page` (a reused tab) and records what happened: every
 * request, failed request, console error, uncaught exception and dialog, and
 * what the DOM holds.
 */
async function visit(page, url) {
  const rec = {
    url,
    requests: [],
    failed: [],
    consoleErrors: [],
    dialogs: [],
    loadError: null,
    dom: null,
  };
  page.rec = rec;
  try {
    await page.goto(url, { waitUntil: 'load' });
    rec.dom = await page.evaluate(() => {
      const links = [];
      for (const el of document.querySelectorAll('[href], [src]')) {
        const attr = el.hasAttribute('href') ? 'href' : 'src';
        // Resolved by hand: inside SVG, el.href is an SVGAnimatedString, not a URL.
        let abs = '';
        try {
          abs = new URL(el.getAttribute(attr), document.baseURI).href;
        } catch {}
        links.push({ tag: el.tagName.toLowerCase(), rel: el.getAttribute('rel'), attr, raw: el.getAttribute(attr), abs });
      }
      const handlers = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
          if (a.name.toLowerCase().startsWith('on')) handlers.push(`${el.tagName.toLowerCase()}[${a.name}]`);
        }
      }
      const rows = [...document.querySelectorAll('table.outcomes tbody tr')];
      return {
        links,
        handlers,
        h1: document.querySelector('h1')?.textContent ?? null,
        // testpress draws its own charts as svg.strip / svg.chart; any other svg came from input.
        dangerous: [...document.querySelectorAll('img, script, svg:not(.strip):not(.chart), iframe, object, embed, svg script, svg foreignObject')].map((e) => e.outerHTML.slice(0, 120)),
        jsLinks: [...document.querySelectorAll('a[href^="javascript:" i]')].map((a) => a.getAttribute('href')),
        isGroup: rows.length > 0 || !!document.querySelector('.filterable'),
        isRun: !!document.querySelector('table.groups.attempts'),
        failedRows: rows.filter((r) => r.classList.contains('o-failed')).length,
        ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
        passedRows: rows.filter((r) => r.classList.contains('o-passed')).length,
      };
    });
    // A second round trip: events the page sent before it (late console
    // messages, a dialog from a timer) are delivered to this record.
    await page.waitForTimeout(10);
    await page.evaluate(() => 0);
  } catch (e) {
    rec.loadError = String(e.message || e).split('\n')[0];
  }
  return rec;
}

/** A tab whose events go to the record of the URL it currently shows. */
async function crawlTab(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('request', (r) => page.rec?.requests.push(r.url()));
  page.on('requestfailed', (r) => page.rec?.failed.push(`${r.url()} (${r.failure()?.errorText})`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.rec?.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.rec?.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('dialog', async (d) => {
    page.rec?.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  return page;
}

/**
 * Follows every <a href> of the site that points to an .html file inside it,
 * starting at index.html. Returns Map(url -> record).
 */
/** History pages (tests/*.html) are many and alike: a sample of them is loaded. */
const HISTORY_PAGES_LOADED = 40;

async function crawl(root) {
  const start = pathToFileURL(path.join(root, 'index.html')).href;
  const seen = new Map();
  let historyPages = 0;
  const queue = [start];
  const queued = new Set(queue);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // A few tabs at a time in one Chromium.
    const tabs = await Promise.all([1, 2, 3].map(() => crawlTab(context)));
    while (queue.length) {
      const batch = queue.splice(0, tabs.length);
      const recs = await Promise.all(batch.map((url, i) => visit(tabs[i], url)));
      for (const rec of recs) {
        seen.set(rec.url, rec);
        for (const l of rec.dom?.links ?? []) {
          if (l.tag !== 'a' || !l.abs) continue;
          let u;
          try {
            u = new URL(l.abs);
          } catch {
            continue;
          }
          if (u.protocol !== 'file:') continue;
          const target = bare(u.href);
          if (!target.endsWith('.html')) continue;
          if (!isInside(root, fileURLToPath(target))) continue;
          if (!queued.has(target)) {
            queued.add(target);
            if (target.includes('/tests/')) {
              if (historyPages >= HISTORY_PAGES_LOADED) continue;
              historyPages += 1;
            }
            queue.push(target);
          }
        }
      }
    }
  } finally {
    await context.close();
  }
  seen.linked = queued;
  return seen;
}

const crawls = new Map();
/** One crawl per site, shared by the tests that need it. */
function crawlOnce(root) {
  if (!crawls.has(root)) crawls.set(root, crawl(root));
  return crawls.get(root);
}

function kinds(pages) {
  const all = [...pages.values()].filter((r) => r.dom);
  return {
    groups: all.filter((r) => r.dom.isGroup),
    runs: all.filter((r) => r.dom.isRun),
  };
}

/** Clicks a link and waits until the new page has loaded. */
async function clickAndWait(page, locator) {
  const before = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== before, { waitUntil: 'load' }), locator.click()]);
}

describe('demo site', () => {
  let root;
  before(() => {
    root = siteRoot('DEMO_SITE', 'content-samples');
  });

  test('every page reachable from index.html loads from file:// with no errors and no network', async () => {
    const pages = await crawlOnce(root);
    const { groups, runs } = kinds(pages);
    // The demo site has 2 testbeds and several runs: a crawl that stops early is a failure too.
    assert.ok(pages.size >= 10, `crawl reached only ${pages.size} page(s)`);
    assert.ok(runs.length >= 2, `crawl reached ${runs.length} run page(s)`);
    assert.ok(groups.length >= 2, `crawl reached ${groups.length} group attempt page(s)`);

    const problems = [];
    for (const rec of pages.values()) {
      const name = rel(root, rec.url);
      if (rec.loadError) problems.push(`${name}: does not load: ${rec.loadError}`);
      for (const c of rec.consoleErrors) problems.push(`${name}: console error: ${c}`);
      for (const f of rec.failed) problems.push(`${name}: failed request: ${f}`);
      for (const r of rec.requests) {
        if (!r.startsWith('file://')) problems.push(`${name}: request outside file://: ${r}`);
      }
      for (const d of rec.dialogs) problems.push(`${name}: dialog: ${d}`);
      if (rec.dom && !rec.requests.some((r) => r.endsWith('/static/testpress.css'))) {
        problems.push(`${name}: never requested static/testpress.css`);
      }
    }
    assert.deepEqual(problems, []);

    // Every generated page is linked from somewhere: nothing on disk is unreachable.
    // Reached: loaded, or linked from a loaded page (history pages are only sampled).
    const reached = new Set([...pages.linked].map((u) => fileURLToPath(u)));
    const orphans = htmlFilesOnDisk(root).filter((p) => !reached.has(p)).map((p) => path.relative(root, p));
    assert.deepEqual(orphans, [], 'HTML pages on disk that no link leads to');
  });

  test('every relative link and stylesheet resolves to an existing file inside the site', async () => {
    const pages = await crawlOnce(root);
    const problems = [];
    const checkedTargets = new Set();
    let checked = 0;
    let fragments = 0;
    for (const rec of pages.values()) {
      if (!rec.dom) continue;
      const name = rel(root, rec.url);
      for (const l of rec.dom.links) {
        const where = `${name}: <${l.tag} ${l.attr}="${l.raw}">`;
        const stylesheet = l.tag === 'link' && /stylesheet/i.test(l.rel || '');
        const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(l.raw);
        if (hasScheme && !stylesheet && l.tag === 'a') {
          // External link (https:, mailto:): not followed, only its scheme is checked.
          const proto = new URL(l.abs).protocol;
          if (!['http:', 'https:', 'mailto:'].includes(proto)) problems.push(`${where}: unexpected scheme ${proto}`);
          continue;
        }
        if (l.raw.startsWith('/')) {
          problems.push(`${where}: root-relative or scheme-relative link breaks from file://`);
          continue;
        }
        let u;
        try {
          u = new URL(l.abs);
        } catch {
          problems.push(`${where}: does not parse as a URL`);
          continue;
        }
        if (u.protocol !== 'file:') {
          problems.push(`${where}: resolves to ${u.protocol}, not a file of the site`);
          continue;
        }
        // fileURLToPath decodes percent-encoding (%2C, %40, %20, ...).
        const target = fileURLToPath(bare(u.href));
        checked++;
        checkedTargets.add(target);
        if (!isInside(root, target)) {
          problems.push(`${where}: points outside the site, to ${target}`);
        } else if (!existsSync(target)) {
          problems.push(`${where}: missing file ${path.relative(root, target)}`);
        } else if (!statSync(target).isFile()) {
          problems.push(`${where}: is a folder, not a file: ${path.relative(root, target)}`);
        } else if (u.hash.length > 1) {
          // A link into a page (a test on its module's history page): the element is there,
          // on the pages the crawl loaded.
          const dom = pages.get(bare(u.href))?.dom;
          if (dom) {
            fragments++;
            const id = decodeURIComponent(u.hash.slice(1));
            if (!dom.ids.includes(id)) problems.push(`${where}: no element with id "${id}" in ${path.relative(root, target)}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 100, `only ${checked} relative links checked`);
    assert.ok(fragments > 20, `only ${fragments} links to an element of a page checked`);
    // The demo site has group attempt folders such as "RUN-TESTS_STANDARD,a@5f2a-...":
    // make sure links into folders with ',' and '@' were among those checked.
    const targets = [...checkedTargets].map((t) => path.relative(root, t));
    assert.ok(targets.some((t) => t.includes(',') && t.includes('@')), 'no link into a folder with "," and "@" was checked');
    assert.ok(targets.some((t) => t === path.join('static', 'testpress.css')), 'no stylesheet link was checked');
    assert.ok(targets.some((t) => /\.(txt|log)$/.test(t)), 'no link to a raw log/testresults file was checked');
  });

  test('the CSS outcome filter shows only the rows of the clicked outcome', async () => {
    const pages = await crawlOnce(root);
    const candidates = kinds(pages).groups.filter((r) => r.dom.failedRows > 0 && r.dom.passedRows > 0);
    assert.ok(candidates.length > 0, 'no group attempt page with both failed and passed outcomes was found');
    // The smallest such page keeps the test fast.
    candidates.sort((a, b) => a.dom.failedRows + a.dom.passedRows - (b.dom.failedRows + b.dom.passedRows));
    const rec = candidates[0];

    const page = await newPage();
    try {
      await page.goto(rec.url);
      const rowState = () =>
        page.$$eval('table.outcomes tbody tr', (rows) =>
          rows.map((r) => ({ cls: r.className, visible: r.getClientRects().length > 0 && getComputedStyle(r).display !== 'none' })),
        );
      const initial = await rowState();
      const total = initial.length;
      const failed = initial.filter((r) => r.cls.split(/\s+/).includes('o-failed')).length;
      const passed = initial.filter((r) => r.cls.split(/\s+/).includes('o-passed')).length;
      assert.ok(failed > 0 && passed > 0 && total >= failed + passed);
      assert.equal(initial.filter((r) => r.visible).length, total, 'not all rows are visible before any click');

      // Labels tell how many rows each choice shows.
      assert.match(await page.locator('label[for=f-all]').innerText(), new RegExp(`\\(${total}\\)`));
      assert.match(await page.locator('label[for=f-failed]').innerText(), new RegExp(`\\(${failed}\\)`));
      assert.match(await page.locator('label[for=f-passed]').innerText(), new RegExp(`\\(${passed}\\)`));

      await page.locator('label[for=f-failed]').click();
      assert.equal(await page.locator('#f-failed').isChecked(), true, '#f-failed not checked after clicking its label');
      let now = await rowState();
      let shown = now.filter((r) => r.visible);
      assert.equal(shown.length, failed, `after clicking "failed", ${shown.length} rows visible, expected ${failed}`);
      assert.ok(shown.every((r) => r.cls.split(/\s+/).includes('o-failed')), 'a row that is not o-failed is visible');
      assert.equal(await page.locator('tr.o-failed').first().isVisible(), true);
      assert.equal(await page.locator('tr.o-passed').first().isVisible(), false);

      await page.locator('label[for=f-passed]').click();
      now = await rowState();
      shown = now.filter((r) => r.visible);
      assert.equal(shown.length, passed, `after clicking "passed", ${shown.length} rows visible, expected ${passed}`);
      assert.ok(shown.every((r) => r.cls.split(/\s+/).includes('o-passed')), 'a row that is not o-passed is visible');

      await page.locator('label[for=f-all]').click();
      assert.equal(await page.locator('#f-all').isChecked(), true);
      now = await rowState();
      assert.equal(now.filter((r) => r.visible).length, total, 'clicking "all" does not show every row again');
    } finally {
      await page.context().close();
    }
  });

  test('a failing test\'s name leads to its section of the history page, marked', async () => {
    const pages = await crawlOnce(root);
    // A run of the generated 33-run history (content-samples/history): its strips are long.
    const group = [...pages.values()].find(
      (r) =>
        r.dom?.isGroup &&
        /\/ch_hans_1_2026(10|11)\d\d-\d+\//.test(r.url) &&
        r.dom.failedRows > 0 &&
        r.dom.links.some((l) => l.raw.includes('tests/') && l.raw.includes('#')),
    );
    assert.ok(group, 'no group page with a failing test that has a history');
    const page = await newPage();
    try {
      await page.goto(group.url);
      const link = page.locator('table.outcomes tr.o-failed td:first-child a[href*="tests/"]').first();
      const name = (await link.innerText()).trim();
      await clickAndWait(page, link);
      assert.match(page.url(), /\/tests\/[0-9a-f]{12}(-\d+)?\.html#[0-9a-f]{12}/);
      const target = page.locator('section.test:target');
      assert.equal(await target.count(), 1, 'one section is the target');
      const shown = (await target.locator('h2 a').first().innerText()).trim();
      assert.ok(name.endsWith(shown), `section "${shown}" is not the test "${name}"`);
      const box = await target.boundingBox();
      const viewport = page.viewportSize();
      assert.ok(box && box.y >= -1 && box.y < viewport.height, `section not scrolled into view (y=${box?.y})`);
      const border = await target.evaluate((e) => getComputedStyle(e).borderLeftColor);
      const other = await page.locator('section.test:not(:target)').first().evaluate((e) => getComputedStyle(e).borderLeftColor).catch(() => null);
      assert.notEqual(border, other, 'the target section looks like the others');
      assert.ok((await target.locator('.strip a').count()) > 0, 'the section has a strip');
      // On a phone, a strip wider than the screen shows its newest end first: looked at on
      // the history pages of the 33-run testbed until one has such a strip (flip_flop's).
      await page.setViewportSize({ width: 320, height: 700 });
      const wideStrips = () => page.evaluate(() =>
        [...document.querySelectorAll('.strip-scroll')]
          .filter((c) => c.scrollWidth > c.clientWidth + 1)
          .map((c) => {
            const box = c.getBoundingClientRect();
            const open = c.querySelector('a.open').getBoundingClientRect();
            const first = c.querySelector('a').getBoundingClientRect();
            return { newest: open.left >= box.left - 1 && open.right <= box.right + 1, oldestHidden: first.right < box.left + 1 };
          }),
      );
      let strips = await wideStrips();
      const histories = [...pages.values()].filter((r) => r.dom && /\/ch_hans_1\/tests\/[0-9a-f]{12}(-\d+)?\.html$/.test(bare(r.url)));
      for (const h of histories) {
        if (strips.length > 0) break;
        await page.goto(h.url);
        strips = await wideStrips();
      }
      assert.ok(strips.length > 0, `no strip wider than a phone on ${histories.length} history pages`);
      assert.ok(strips.every((x) => x.newest && x.oldestHidden), JSON.stringify(strips.slice(0, 5)));
    } finally {
      await page.context().close();
    }
  });

  test('on a 390 px phone screen no page scrolls sideways: wide tables scroll by themselves', async () => {
    const pages = await crawlOnce(root);
    // Up to 8 pages of each kind (index and testbeds, runs, group attempts, history, lists):
    // every page would take minutes.
    const byKind = new Map();
    for (const r of [...pages.values()].filter((r) => r.dom)) {
      const p = rel(root, r.url);
      const kind = r.dom.isRun ? 'run' : r.dom.isGroup ? 'group' : /(^|\/)tests\//.test(p) ? 'history' : /list-/.test(p) ? 'list' : 'other';
      if (!byKind.has(kind)) byKind.set(kind, []);
      byKind.get(kind).push(r.url);
    }
    for (const kind of ['run', 'group', 'history', 'other']) assert.ok(byKind.get(kind)?.length, `no ${kind} page reached`);
    const urls = [...byKind.values()].flatMap((list) => list.filter((_, i) => i % Math.ceil(list.length / 8) === 0));
    const page = await newPage(390);
    const wide = [];
    try {
      for (const url of urls) {
        await page.goto(url, { waitUntil: 'load' });
        const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        if (scroll > client + 1) wide.push(`${rel(root, url)}: ${scroll} px wide`);
      }
    } finally {
      await page.context().close();
    }
    assert.deepEqual(wide, []);
  });

  test('navigation by clicks: index -> testbed -> run -> group attempt', async () => {
    const page = await newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(pathToFileURL(path.join(root, 'index.html')).href);
      assert.equal((await page.locator('h1').innerText()).trim(), 'Testbeds');

      // Testbed: the heading link of the first testbed section.
      const testbedLink = page.locator('section.testbed h2 a').first();
      const testbed = (await testbedLink.innerText()).trim();
      await clickAndWait(page, testbedLink);
      assert.equal((await page.locator('h1').innerText()).trim(), testbed, 'testbed page h1');
      assert.match(await page.locator('p.lead').innerText(), /\d+ runs?, newest first/);

      // Run: the first run of that testbed.
      const runLink = page.locator('table.runs tbody tr.run td:first-child a').first();
      const run = (await runLink.innerText()).trim();
      await clickAndWait(page, runLink);
      assert.equal((await page.locator('h1').innerText()).trim(), run, 'run page h1');
      assert.match(await page.locator('header .crumbs').innerText(), new RegExp(testbed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Group attempt: the first attempt in "All group attempts".
      const row = page.locator('table.groups.attempts tbody tr').first();
      const group = (await row.locator('td').nth(0).innerText()).trim();
      const tentacle = (await row.locator('td').nth(2).innerText()).trim();
      await clickAndWait(page, row.locator('td:first-child a'));
      const h1 = page.locator('h1');
      assert.ok((await h1.innerText()).trim().startsWith(group), `group page h1 "${await h1.innerText()}" does not start with "${group}"`);
      assert.ok((await h1.locator('small').innerText()).includes(tentacle), 'group page h1 does not name the tentacle');
      const crumbs = await page.locator('header .crumbs').innerText();
      assert.ok(crumbs.includes(testbed) && crumbs.includes(run), `crumbs "${crumbs}" miss testbed or run`);

      // And back up through the crumbs and the brand link.
      await clickAndWait(page, page.locator('header .crumbs a', { hasText: run }));
      assert.equal((await page.locator('h1').innerText()).trim(), run);
      await clickAndWait(page, page.locator('header a.brand'));
      assert.equal((await page.locator('h1').innerText()).trim(), 'Testbeds');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });
});

describe('hostile site', () => {
  let root;
  before(() => {
    root = siteRoot('HOSTILE_SITE', 'tests/fixtures/hostile');
  });

  test('hostile inputs stay text: no dialog, no injected element, no javascript: link', async () => {
    const pages = await crawlOnce(root);
    const { groups, runs } = kinds(pages);
    assert.ok(runs.length >= 1, 'crawl reached no run page');
    assert.ok(groups.length >= 1, 'crawl reached no group attempt page');

    const problems = [];
    for (const rec of pages.values()) {
      const name = rel(root, rec.url);
      if (rec.loadError) {
        problems.push(`${name}: does not load: ${rec.loadError}`);
        continue;
      }
      for (const d of rec.dialogs) problems.push(`${name}: dialog opened: ${d}`);
      for (const e of rec.dom.dangerous) problems.push(`${name}: element in DOM: ${e}`);
      for (const j of rec.dom.jsLinks) problems.push(`${name}: javascript: link: ${j}`);
      for (const h of rec.dom.handlers) problems.push(`${name}: event handler attribute: ${h}`);
      for (const l of rec.dom.links) {
        if (l.abs && /^(javascript|data|vbscript):/i.test(l.abs)) problems.push(`${name}: <${l.tag} ${l.attr}="${l.raw}">`);
      }
      for (const r of rec.requests) {
        if (!r.startsWith('file://')) problems.push(`${name}: request outside file://: ${r}`);
      }
      for (const f of rec.failed) problems.push(`${name}: failed request: ${f}`);
      for (const c of rec.consoleErrors) problems.push(`${name}: console error: ${c}`);
    }
    assert.deepEqual(problems, []);

    // The test named "<img src=x onerror=alert(1)>" (in the Octoprobe run) is shown as that text.
    for (const rec of [...runs, ...groups].filter((r) => r.url.includes('evil_20260101-000000'))) {
      const page = await newPage();
      try {
        await page.goto(rec.url);
        const text = await page.locator('main').innerText();
        assert.ok(text.includes(HOSTILE_NAME), `${rel(root, rec.url)}: text ${HOSTILE_NAME} not shown`);
        const cell = page.getByText(HOSTILE_NAME, { exact: true }).first();
        assert.equal(await cell.isVisible(), true, `${rel(root, rec.url)}: ${HOSTILE_NAME} not visible`);
        assert.equal(await page.locator('img, script, svg:not(.strip):not(.chart)').count(), 0);
      } finally {
        await page.context().close();
      }
    }
  });
});
