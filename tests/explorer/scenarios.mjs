// The explorer's end-to-end scenarios, each in a fresh browser context of one Chromium:
//   node scenarios.mjs <base url> <all|scenario[,scenario...]> [control folder]
// Prints one JSON line {scenario, ok, detail, problems} per scenario and exits 0 only when
// every scenario held and the browser logged no error or warning. tests/explorer/test_e2e.py
// runs them all once and checks each.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, newPage, openExplorer } from "../../explorer/e2e/browser.mjs";

const FILLER = "acme/jkt1/packaging/line1/filler1";
const CAPPER = "acme/jkt1/packaging/line1/capper1";
const MACHINING_FEED = "feed/sim:machining";
const PACKAGING_FEED = "feed/sim:packaging";

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function expandByClick(page, id) {
  const item = page.locator(`li[role=treeitem][data-twin="${id}"]`).first();
  await item.locator(":scope > .row > .toggle").click();
  await page.waitForSelector(`li[role=treeitem][data-twin="${id}"][aria-expanded=true] > ul > li[role=treeitem]`);
}

async function cellText(page, signal) {
  return page.locator(`tr[data-signal="${signal}"] button.value`).textContent();
}

const scenarios = {
  async smoke(page, base) {
    await openExplorer(page, base);
    check((await page.title()) === "Twinweave explorer", `title: ${await page.title()}`);
    const roots = await page.locator("ul[role=tree] > li[role=treeitem]").count();
    check(roots >= 1, `roots in the tree: ${roots}`);
    const graphiql = await page.locator('nav a[href="graphql"]').count();
    return { roots, graphiql };
  },

  async tree(page, base) {
    // expand the tree to a machine with the mouse, then open it
    await openExplorer(page, base);
    for (const id of ["acme/jkt1", "acme/jkt1/packaging", "acme/jkt1/packaging/line1"]) {
      await expandByClick(page, id);
    }
    const machine = page.locator(`li[data-twin="${FILLER}"]`).first();
    check(await machine.getAttribute("aria-level") === "4", "the filler is on level 4");
    await machine.locator(":scope > .row .name").click();
    await page.waitForSelector("#twin-title");
    check(page.url().includes(encodeURIComponent(FILLER)), `url: ${page.url()}`);
    check(await machine.getAttribute("aria-selected") === "true", "the machine is selected");
    const mode = await machine.locator(":scope > .row .mode").first().textContent();
    check(["RUNNING", "IDLE", "FAULT", "STOP"].includes(mode ?? ""), `mode badge: ${mode}`);
    const rollup = await page.locator('li[data-twin="acme/jkt1/packaging/line1"] > .row .rollup').textContent();
    check(/powerTotal \d/.test(rollup ?? ""), `line rollup: ${rollup}`);
    // mode badges follow the subscription (the plant changes modes every 3 s in the tests)
    const badges = () => page.locator('li[data-twin="acme/jkt1/packaging/line1"] > ul > li > .row .mode').allTextContents();
    const modesBefore = (await badges()).join();
    await page.waitForFunction((old) => [...document.querySelectorAll('li[data-twin="acme/jkt1/packaging/line1"] > ul > li > .row .mode')]
      .map((b) => b.textContent).join() !== old, modesBefore, { timeout: 10000 });
    const modesAfter = (await badges()).join();
    const shared = await page.locator("li[role=treeitem] > .row .shared").count();
    await expandByClick(page, "acme/jkt1/packaging/line1/conveyor2").catch(() => undefined);
    const sharedAfter = await page.locator("li[role=treeitem] > .row .shared").count();
    return { mode, rollup, sharedBefore: shared, sharedAfter, modesBefore, modesAfter };
  },

  async keyboard(page, base) {
    await openExplorer(page, base);
    const first = page.locator("ul[role=tree] > li[role=treeitem]").first();
    check(await first.getAttribute("tabindex") === "0", "the first tree item takes focus");
    await first.focus();
    await page.keyboard.press("ArrowRight"); // expand the site
    await page.waitForSelector("ul[role=tree] > li[aria-expanded=true] > ul > li[role=treeitem]");
    await page.keyboard.press("ArrowRight"); // into its first child
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-twin"));
    const child = await focused();
    check(child?.startsWith("acme/jkt1/") ?? false, `focus moved to a child: ${child}`);
    await page.keyboard.press("ArrowLeft"); // back to the parent
    check((await focused()) === "acme/jkt1", `ArrowLeft returns to the parent: ${await focused()}`);
    await page.keyboard.press("ArrowLeft"); // collapse it
    check(await first.getAttribute("aria-expanded") === "false", "ArrowLeft collapses");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#twin-title");
    const title = await page.locator("#twin-title").textContent();
    check(title === "Jakarta plant", `Enter opens the twin: ${title}`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, button")].filter((el) => {
        const id = el.getAttribute("id");
        const label = id ? document.querySelector(`label[for="${id}"]`) : null;
        return !label && !el.getAttribute("aria-label") && !el.textContent?.trim();
      }).length);
    check(unlabelled === 0, `controls without a label: ${unlabelled}`);
    return { child, title };
  },

  async search(page, base) {
    await openExplorer(page, base);
    await page.fill("#search", "erp:EQ-10001");
    await page.press("#search", "Enter");
    const result = page.locator(`button.result[data-twin="${FILLER}"]`);
    await result.waitFor();
    await result.click();
    await page.waitForSelector(`li[data-twin="${FILLER}"][aria-selected=true]`);
    const title = await page.locator("#twin-title").textContent();
    await page.fill("#search", "erp:NO-SUCH-THING");
    await page.press("#search", "Enter");
    await page.waitForSelector("text=nothing found");
    await page.selectOption("#model-filter", "dtmi:twinweave:sample:Machine;1");
    await page.waitForSelector("button.result");
    const machines = await page.locator("button.result").count();
    check(await page.locator("ul[role=tree]").isHidden(), "the tree hides while a model filter is on");
    return { title, machines };
  },

  async live(page, base) {
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    await page.waitForSelector('tr[data-signal="temperature"]');
    const before = await cellText(page, "temperature");
    const started = Date.now();
    await page.waitForFunction(
      (old) => document.querySelector('tr[data-signal="temperature"] button.value')?.textContent !== old,
      before, { timeout: 2000 });
    const changedWithinMs = Date.now() - started;
    const after = await cellText(page, "temperature");
    const stale = await page.locator("tr.stale").count();
    check(stale === 0, `fresh values look stale: ${stale}`);
    const mode = await page.locator("table.signals").getAttribute("data-live");
    return { before, after, changedWithinMs, mode };
  },

  async headMode(page, base) {
    // the heading's mode badge follows the live mode like the tree's (it kept the first one)
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    await page.waitForSelector('tr[data-signal="mode"]');
    const head = () => page.locator(".twin-head .mode").textContent();
    const first = await head();
    check(first === await cellText(page, "mode"), `heading ${first}, mode ${await cellText(page, "mode")}`);
    await page.waitForFunction((old) =>
      document.querySelector('tr[data-signal="mode"] button.value')?.textContent !== old, first, { timeout: 15000 });
    await page.waitForTimeout(100);
    const [now, cell] = [await head(), await cellText(page, "mode")];
    check(now === cell, `the heading shows ${now} while the mode is ${cell}`);
    return { first, now };
  },

  async stale(page, base, controlDir) {
    // the plant server pauses a twin's feed while a pause-<twin> file exists in its control folder
    const pauseFile = join(controlDir, `pause-${CAPPER.replaceAll("/", "_")}`);
    await openExplorer(page, base, `#/twin/${encodeURIComponent(CAPPER)}`, "?staleAfter=4");
    await page.waitForSelector('tr[data-signal="temperature"]');
    check(await page.locator("tr.stale").count() === 0, "values are fresh while the feed runs");
    writeFileSync(pauseFile, "paused by the stale scenario\n");
    await page.waitForSelector('tr.stale[data-signal="temperature"]', { timeout: 15000 });
    const quality = await page.locator('tr[data-signal="temperature"] td').nth(2).textContent();
    check(quality === "STALE", `quality cell: ${quality}`);
    return { quality };
  },

  async lineage(page, base) {
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    await page.locator('tr[data-signal="power"] button.value').click();
    const region = page.locator("div.lineage[role=region]");
    await region.locator("table.sources").waitFor();
    const text = (await region.textContent()) ?? "";
    // the heading names the value as it was clicked (live values move on meanwhile)
    const clicked = (await region.locator("h4").textContent())?.split(" = ")[1];
    const value = await region.locator("table.kv tr", { hasText: "value" }).first().locator("td").textContent();
    check(value === clicked, `the lineage is of the value clicked (${clicked}), not ${value}`);
    for (const wanted of [/batch\s*sim-\d+/, /principal\s*explorer-plant/, /pipeline version\s*explorer-plant 1/,
      /model versions\s*dtmi:twinweave:sample:Machine;1/, /sim\s*explorer-plant/]) {
      check(wanted.test(text), `lineage lacks ${wanted}: ${text}`);
    }
    return { text };
  },

  async history(page, base) {
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    const plot = page.locator(".history .plot");
    await page.waitForSelector(".history .plot[data-state=ready]");
    const day = { points: Number(await plot.getAttribute("data-points")), events: Number(await plot.getAttribute("data-events")) };
    check(day.points > 100, `24 h plot points: ${day.points}`);
    check(await page.locator(".history canvas").count() >= 1, "uPlot drew a canvas");
    await page.click('.presets button[data-range="1 h"]');
    await page.waitForFunction(() => document.querySelector(".history .plot")?.getAttribute("data-state") === "ready"
      && document.querySelector('.presets button[data-range="1 h"]')?.getAttribute("aria-pressed") === "true");
    await page.waitForSelector(".history .plot[data-state=ready]");
    const hour = Number(await plot.getAttribute("data-points"));
    // zoom: drag across the middle of the plot; the API is asked again for the narrower window
    const over = page.locator(".history .u-over");
    const box = await over.boundingBox();
    check(box !== null, "the plot has a drag area");
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector(".presets button:has-text('Reset zoom'):visible");
    await page.waitForSelector(".history .plot[data-state=ready]");
    const status = await page.locator(".history p[role=status]").textContent();
    check(/zoomed/.test(status ?? ""), `status after zoom: ${status}`);
    return { day, hour, status };
  },

  async changes(page, base) {
    await openExplorer(page, base, "#/changes");
    await page.waitForSelector("table.changes tbody tr");
    const rows = await page.locator("table.changes tbody tr").count();
    const kinds = await page.locator("table.changes tbody tr td:nth-child(3)").allTextContents();
    check(kinds.includes("fault"), `kinds: ${[...new Set(kinds)]}`);
    return { rows, kinds: [...new Set(kinds)].sort() };
  },

  async upload(page, base) {
    await openExplorer(page, base, "#/models");
    await page.waitForSelector("details.model");
    const broken = [
      "{",
      '  "@context": "dtmi:dtdl:context;3",',
      '  "@id": "dtmi:twinweave:test:Broken;1",',
      '  "@type": "Interface",',
      '  "contents": [',
      '    {"@type": "Property", "name": "speed"}',
      "  ]",
      "}",
    ].join("\n");
    await page.setInputFiles("#model-file", { name: "Broken.json", mimeType: "application/json", buffer: Buffer.from(broken) });
    const row = page.locator("table.diagnostics tr.diagnostic").first();
    await row.waitFor();
    const line = await row.locator("td.line").textContent();
    const column = await row.locator("td.column").textContent();
    const message = await row.locator("td").nth(3).textContent();
    const good = broken.replace('"name": "speed"}', '"name": "speed", "schema": "double"}');
    await page.setInputFiles("#model-file", { name: "Good.json", mimeType: "application/json", buffer: Buffer.from(good) });
    await page.waitForSelector("text=Accepted: dtmi:twinweave:test:Broken;1");
    await page.waitForSelector('details.model[data-dtmi="dtmi:twinweave:test:Broken;1"]');
    return { line, column, message };
  },

  async views(page, base) {
    await openExplorer(page, base, "#/models");
    await page.waitForSelector("details.model");
    const models = await page.locator("details.model").count();
    const sample = await page.locator('details.model[data-dtmi^="dtmi:twinweave:sample:"]').count();
    check(sample === 9, `sample models listed: ${sample} of ${models}`);
    const upload = await page.locator("#model-file").isEnabled();
    await page.click('nav a[data-route="feeds"]');
    await page.waitForSelector("text=Feed health");
    return { models, upload };
  },

  async degraded(page, base) {
    // a server without history and subscriptions: polling, and "not available yet" notes
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    await page.waitForSelector('table.signals[data-live] tr[data-signal="temperature"]');
    const mode = await page.locator("table.signals").getAttribute("data-live");
    const before = await cellText(page, "temperature");
    await page.waitForFunction(
      (old) => document.querySelector('tr[data-signal="temperature"] button.value')?.textContent !== old,
      before, { timeout: 2500 });
    const history = await page.locator("section", { has: page.locator("h3", { hasText: "History" }) }).textContent();
    await page.locator('tr[data-signal="power"] button.value').click();
    const lineage = await page.locator("div.lineage").textContent();
    await page.click('nav a[data-route="changes"]');
    await page.waitForSelector("h2:has-text('Shift handover')");
    const changes = await page.locator("main").textContent();
    return { mode, history, lineage, changes };
  },

  async narrow(page, base) {
    await page.setViewportSize({ width: 380, height: 800 });
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    await page.waitForSelector('tr[data-signal="temperature"]');
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const twin = await sideways();
    await page.evaluate(() => { location.hash = "#/feeds"; });
    await page.waitForSelector("table.feeds tr[data-feed]");
    const feeds = await sideways();
    const overflow = Math.max(twin, feeds);
    check(overflow <= 0, `the page scrolls sideways at 380 px: twin ${twin} px, feeds ${feeds} px`);
    return { overflow };
  },

  async paging(page, base) {
    await openExplorer(page, base);
    await expandByClick(page, "acme/jkt1");
    await expandByClick(page, "acme/jkt1/packaging");
    await expandByClick(page, "acme/jkt1/packaging/wide");
    const group = 'li[data-twin="acme/jkt1/packaging/wide"] > ul';
    const shown = () => page.locator(`${group} > li[data-twin]`).count();
    const first = await shown();
    const more = page.locator(`${group} > li.more`);
    const label = await more.textContent();
    await more.click();
    await page.waitForFunction((sel) => document.querySelectorAll(`${sel} > li[data-twin]`).length > 50, group);
    const second = await shown();
    const setsize = await page.locator(`${group} > li[data-twin]`).first().getAttribute("aria-setsize");
    const left = await page.locator(`${group} > li.more`).count();
    check(first === 25 && second === 120 && left === 0, `pages: ${first} then ${second}, ${left} more rows`);
    // the top level pages too: twins(filter: {root: true}), not a scan of every twin
    const roots = await page.locator("ul[role=tree] > li[role=treeitem][data-twin]").allTextContents();
    return { first, second, label, setsize, roots: roots.length };
  },

  async feeds(page, base, controlDir) {
    // pause one simulated feed (sim:machining): its row turns red while the page is open
    const pauseFile = join(controlDir, `pause-${MACHINING_FEED.replaceAll("/", "_")}`);
    await openExplorer(page, base, "#/feeds");
    const row = (id) => page.locator(`table.feeds tr[data-feed="${id}"]`);
    await page.waitForSelector(`table.feeds tr[data-feed="${MACHINING_FEED}"][data-state=ok]`);
    await page.waitForSelector(`table.feeds tr[data-feed="${PACKAGING_FEED}"][data-state=ok]`);
    await page.waitForFunction(() => [...document.querySelectorAll("table.feeds tr[data-feed] td:nth-child(6)")]
      .every((td) => /\w+: \d/.test(td.textContent ?? "")), null, { timeout: 15000 });
    const before = { state: await row(MACHINING_FEED).getAttribute("data-state"),
      cells: await row(MACHINING_FEED).locator("th, td").allTextContents() };
    check(/ago$|just now/.test(before.cells[2]) && /\/s/.test(before.cells[3]), `a running feed: ${before.cells}`);
    check(/range: \d+/.test(before.cells[5]), `rejects by reason: ${before.cells[5]}`);
    check(/the feed's limit/.test(before.cells[6]), `staleness against the feed's own limit: ${before.cells[6]}`);
    const started = Date.now();
    writeFileSync(pauseFile, "paused by the feeds scenario\n");
    let after;
    try {
      await page.waitForSelector(`table.feeds tr.silent[data-feed="${MACHINING_FEED}"]`, { timeout: 20000 });
      after = { state: await row(MACHINING_FEED).getAttribute("data-state"),
        cells: await row(MACHINING_FEED).locator("th, td").allTextContents(),
        colour: await row(MACHINING_FEED).locator("td").first().evaluate((td) => getComputedStyle(td).color),
        okColour: await row(PACKAGING_FEED).locator("td").first().evaluate((td) => getComputedStyle(td).color),
        other: await row(PACKAGING_FEED).getAttribute("data-state"),
        alert: await page.locator("[data-role=feed-alerts]").textContent(),
        silentAfterMs: Date.now() - started };
    } finally {
      rmSync(pauseFile, { force: true });
    }
    await page.waitForSelector(`table.feeds tr[data-feed="${MACHINING_FEED}"][data-state=ok]`, { timeout: 20000 });
    return { before, after, resumed: await row(MACHINING_FEED).getAttribute("data-state") };
  },

  async lifecycle(page, base) {
    // the allowed moves come from the API; one is made with setLifecycle after a confirmation
    await openExplorer(page, base, `#/twin/${encodeURIComponent(CAPPER)}`);
    const moves = page.locator(".moves button[data-to]");
    await moves.first().waitFor();
    const state = await page.locator("strong.lifecycle").textContent();
    const offered = await moves.evaluateAll((bs) => bs.map((b) => b.getAttribute("data-to")));
    const target = offered.find((to) => to !== "RETIRED");
    check(target !== undefined, `moves offered: ${offered}`);
    await page.click(`.moves button[data-to="${target}"]`);
    await page.click(`button[data-confirm="${target}"]`);
    await page.waitForFunction((t) => document.querySelector("strong.lifecycle")?.textContent === t, target);
    const offeredAfter = await page.locator(".moves button[data-to]").evaluateAll((bs) => bs.map((b) => b.getAttribute("data-to")));
    return { state, offered, target, offeredAfter };
  },

  async aas(page, base) {
    // the twin's AAS exports download from /aas/api/v3.1/serialization
    await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
    const json = page.locator('.downloads button[data-format="json"]');
    await json.waitFor();
    const files = {};
    let shells = [];
    for (const format of ["json", "xml", "aasx"]) {
      const [download] = await Promise.all([page.waitForEvent("download"),
        page.click(`.downloads button[data-format="${format}"]`)]);
      const bytes = readFileSync(await download.path());
      files[format] = { name: download.suggestedFilename(), size: bytes.length, head: bytes.subarray(0, 40).toString("latin1") };
      if (format === "json") shells = JSON.parse(bytes.toString("utf8")).assetAdministrationShells ?? [];
    }
    return { files, shellIds: shells.map((s) => s.id) };
  },
};

// Run in this order: "views" counts the models before "upload" adds one.
const ORDER = ["smoke", "tree", "keyboard", "search", "live", "headMode", "lineage", "history", "changes",
  "views", "upload", "narrow", "paging", "aas", "feeds", "lifecycle", "stale"];

const [base, name, argument] = process.argv.slice(2);
// "all", one name, or several joined by commas (run in the order given, one browser)
const names = name === "all" ? ORDER : (name ?? "").split(",");
if (!base || names.some((n) => !scenarios[n])) {
  console.error(`usage: node scenarios.mjs <base url> <all|${ORDER.join("|")}>[,...] [control folder]`);
  process.exit(2);
}
const browser = await launchBrowser();
let failed = 0;
try {
  for (const scenarioName of names) {
    const { page, problems, close } = await newPage(browser);
    let result;
    try {
      const detail = await scenarios[scenarioName](page, base, argument);
      result = { scenario: scenarioName, ok: problems.length === 0, detail, problems };
    } catch (error) {
      result = { scenario: scenarioName, ok: false, error: String(error?.stack ?? error), problems };
    } finally {
      await close();
    }
    if (!result.ok) failed += 1;
    console.log(JSON.stringify(result));
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
