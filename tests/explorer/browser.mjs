// Shared by the explorer's scenarios and benchmark: headless Debian Chromium through
// playwright-core, with the flags a closed network needs, and console-error capture.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// playwright-core is installed with the explorer's own packages (explorer/node_modules).
const explorerDir = process.env.TWINWEAVE_EXPLORER_DIR ?? fileURLToPath(new URL("../../explorer/", import.meta.url));
const require = createRequire(join(explorerDir, "package.json"));
const { chromium } = require("playwright-core");

export const CHROMIUM = process.env.TWINWEAVE_CHROMIUM ?? "/usr/bin/chromium";

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "tw-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 860 },
  });
  const problems = [];
  const watch = (page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  };
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Open the page and wait until the plant tree and first view are drawn. */
export async function openExplorer(page, base, hash = "", query = "") {
  await page.goto(`${base}/${query}${hash}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
}
