// Shared by the explorer's browser tests (tests/explorer) and benchmark (benchmarks/explorer.py): headless Debian Chromium through
// playwright-core, with the flags a closed network needs, and console-error capture.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.TWINWEAVE_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Debian's Chromium, headless, on a fresh profile (Playwright makes a new --user-data-dir). */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A fresh context and page that records console errors and warnings, page errors and failed requests. */
export async function newPage(browser, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    // a request cut short by leaving the page is not a failure of the page
    if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return { context, page, problems, close: () => context.close() };
}

/** Open the page and wait until the plant tree and first view are drawn. */
export async function openExplorer(page, base, hash = "", query = "") {
  await page.goto(`${base}/${query}${hash}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
}
