// Screenshots of the explorer's main views for docs/, from a running plant server:
//   node explorer/e2e/screenshots.mjs <base url> <out folder> <control folder>
// (python -m benchmarks.explorer_plant --port 8010 --backfill-hours 24 --control <folder>
// serves one; the feed health shot pauses its sim:machining feed for a few seconds.)
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, newPage, openExplorer } from "./browser.mjs";

const [base, out, control] = process.argv.slice(2);
if (!base || !out || !control) {
  console.error("usage: node screenshots.mjs <base url> <out folder> <control folder>");
  process.exit(2);
}
const FILLER = "acme/jkt1/packaging/line1/filler1";
const browser = await launchBrowser();
try {
  const { page, problems } = await newPage(browser, { width: 1360, height: 900 });
  await openExplorer(page, base, `#/twin/${encodeURIComponent(FILLER)}`);
  await page.waitForSelector(`li[data-twin="${FILLER}"][aria-selected=true]`); // revealed by the route
  await page.waitForSelector(".history .plot[data-state=ready]");
  await page.screenshot({ path: join(out, "explorer-twin.png") });
  await page.waitForSelector(".moves button[data-to]");
  await page.waitForSelector(".downloads button[data-format]");
  const card = (title) => page.locator("section.card", { has: page.locator("h3", { hasText: title }) });
  await card("Lifecycle").screenshot({ path: join(out, "explorer-lifecycle.png") });
  await card("AAS export").screenshot({ path: join(out, "explorer-aas.png") });
  await page.locator('tr[data-signal="power"] button.value').click();
  await page.waitForSelector("div.lineage table.sources");
  await page.locator("div.lineage").screenshot({ path: join(out, "explorer-lineage.png") });
  await page.locator("section", { has: page.locator(".history") }).screenshot({ path: join(out, "explorer-history.png") });
  await page.evaluate(() => { location.hash = "#/changes"; });
  await page.waitForSelector("table.changes tbody tr");
  await page.screenshot({ path: join(out, "explorer-changes.png") });
  const pause = join(control, "pause-feed_sim:machining");
  await page.evaluate(() => { location.hash = "#/feeds"; });
  await page.waitForSelector('table.feeds tr[data-feed="feed/sim:packaging"][data-state=ok]');
  writeFileSync(pause, "paused for the screenshot\n");
  try {
    await page.waitForSelector('table.feeds tr.silent[data-feed="feed/sim:machining"]', { timeout: 30000 });
    await page.screenshot({ path: join(out, "explorer-feeds.png") });
  } finally {
    rmSync(pause, { force: true });
  }
  await page.evaluate(() => { location.hash = "#/models"; });
  await page.waitForSelector("details.model");
  const broken = '{\n  "@context": "dtmi:dtdl:context;3",\n  "@id": "dtmi:example:Broken;1",\n  "@type": "Interface",\n' +
    '  "contents": [\n    {"@type": "Property", "name": "speed"}\n  ]\n}';
  await page.setInputFiles("#model-file", { name: "Broken.json", mimeType: "application/json", buffer: Buffer.from(broken) });
  await page.waitForSelector("table.diagnostics");
  await page.screenshot({ path: join(out, "explorer-models.png") });
  const narrow = await newPage(browser, { width: 390, height: 844 });
  await openExplorer(narrow.page, base, `#/twin/${encodeURIComponent(FILLER)}`);
  await narrow.page.waitForSelector('tr[data-signal="temperature"]');
  await narrow.page.screenshot({ path: join(out, "explorer-narrow.png") });
  if (problems.length || narrow.problems.length) throw new Error([...problems, ...narrow.problems].join("; "));
} finally {
  await browser.close();
}
