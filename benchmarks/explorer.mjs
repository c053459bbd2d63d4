// Chromium timings of the explorer, each beside a baseline that fetches the same data from
// the same page with no rendering (the GraphQL round trips alone):
//   node benchmarks/explorer.mjs <base url> <first-page|views> <twin with 20 signals> <runs>
// "first-page" wants the sample plant; "views" (twin, 7-day plot, 10,000 children) wants the
// plant server with --wide 10000 --signals 16 and 7 days of 1 Hz backfill on that twin.
// Prints one JSON line per figure: {name, page: [ms...], baseline: [ms...], answers}.
// benchmarks/explorer.py starts the plant, runs this and prints the table.
import { launchBrowser, newPage, openExplorer } from "../explorer/e2e/browser.mjs";

const [base, which, twin, runsText] = process.argv.slice(2);
const runs = Number(runsText ?? "5");
const WIDE = "acme/jkt1/packaging/wide";

const TREE_FIELDS = `id modelId properties parents { id } children(first: 1) { totalCount }
  signals(names: ["mode"]) { name value unit time quality batch } rollups { name signal aggregate value time }`;
const SIGNAL_FIELDS = "name value unit time quality batch";

// The API work behind each view, done by fetch in the page (same queries, no DOM).
async function apiFirstPage() {
  const post = async (query, variables = {}) =>
    (await (await fetch("graphql", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }) })).json()).data;
  const types = ["Query", "Mutation", "Subscription", "Twin"].map((t) => `${t}: __type(name: "${t}") { name fields { name } }`);
  await Promise.all([post(`{ ${types.join(" ")} }`),
    post("{ service { version graphStore capabilities { name ready } } }"), post("{ models { dtmi } }")]);
  const got = await post(`query Roots($first: Int!) { twins(filter: { root: true }, first: $first) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${window.__TREE_FIELDS} } } }`, { first: 25 });
  return got.twins.nodes.length;
}

async function timeIt(fn) {
  const started = performance.now();
  const answer = await fn();
  return { ms: performance.now() - started, answer };
}

function post(page, query, variables) {
  return page.evaluate(async ({ query, variables }) => {
    const started = performance.now();
    const response = await fetch("graphql", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }) });
    const body = await response.json();
    return { ms: performance.now() - started, data: body.data, errors: body.errors };
  }, { query, variables });
}

const browser = await launchBrowser();
const out = (name, page, baseline, answers, note) => console.log(JSON.stringify({ name, page, baseline, answers, note }));

try {
  // 1. first page ready on the sample plant: a fresh context (cold browser cache) each run
  if (which === "first-page") {
    const page = [], baseline = [], answers = new Set();
    for (let i = 0; i < runs; i++) {
      const ctx = await newPage(browser);
      const t = await timeIt(async () => {
        await openExplorer(ctx.page, base);
        return ctx.page.locator("ul[role=tree] > li[role=treeitem]").count();
      });
      page.push(t.ms);
      await ctx.page.evaluate((f) => { window.__TREE_FIELDS = f; }, TREE_FIELDS);
      const b = await ctx.page.evaluate(`(async () => { const s = performance.now(); const n = await (${apiFirstPage.toString()})(); return { ms: performance.now() - s, n }; })()`);
      baseline.push(b.ms);
      answers.add(`roots page=${t.answer} api=${b.n}`);
      if (ctx.problems.length) throw new Error(ctx.problems.join("; "));
      await ctx.close();
    }
    out("first page ready on the sample plant", page, baseline, [...answers], "cold browser cache, warm server");
  }
  if (which !== "views") process.exit(0);

  const settled = (page) => page.waitForSelector("ul[role=tree][data-complete=true]", { timeout: 120000 });
  const ctx = await newPage(browser);
  await openExplorer(ctx.page, base);
  await settled(ctx.page);
  const twinQuery = `query Twin($id: ID!) { twin(id: $id) { id modelId lifecycle etag properties createdAt updatedAt
    aliases { namespace value } parents { id } signals { ${SIGNAL_FIELDS} } rollups { name signal aggregate value time }
    outgoing: relationships(direction: OUTGOING) { name properties target { id } }
    incoming: relationships(direction: INCOMING) { name properties source { id } }
    model { dtmi extends uploadedAt uploadedBy contents { name kind schema unit semanticTypes writable target definedIn } } } }`;

  // 2. opening a twin with 20 live signals (page loaded; the twin view drawn with its signals)
  {
    const page = [], baseline = [], answers = new Set();
    for (let i = 0; i < runs; i++) {
      await ctx.page.evaluate(() => { location.hash = "#/models"; });
      await ctx.page.waitForSelector("details.model");
      const t = await timeIt(async () => {
        await ctx.page.evaluate((id) => { location.hash = `#/twin/${encodeURIComponent(id)}`; }, twin);
        await ctx.page.waitForFunction(() => document.querySelectorAll("table.signals tbody tr[data-signal]").length >= 20);
        return ctx.page.locator("table.signals tbody tr[data-signal]").count();
      });
      page.push(t.ms);
      const b = await post(ctx.page, twinQuery, { id: twin });
      baseline.push(b.ms);
      answers.add(`signals page=${t.answer} api=${b.data.twin.signals.length}`);
    }
    out("open a twin with 20 live signals", page, baseline, [...answers], "warm page and server");
  }

  // 3. a 7-day plot of 1 Hz data at the chosen resolution (the plot drawn by uPlot)
  {
    const page = [], baseline = [], answers = new Set();
    await ctx.page.waitForSelector(".history .plot[data-state=ready]");
    for (let i = 0; i < runs; i++) {
      await ctx.page.click('.presets button[data-range="1 h"]');
      await ctx.page.waitForFunction(() => document.querySelector('.presets button[data-range="1 h"]')?.getAttribute("aria-pressed") === "true"
        && document.querySelector(".history .plot")?.getAttribute("data-state") === "ready");
      const t = await timeIt(async () => {
        await ctx.page.click('.presets button[data-range="7 d"]');
        await ctx.page.waitForFunction(() => document.querySelector(".history .plot")?.getAttribute("data-state") === "ready"
          && /of 1200 s/.test(document.querySelector(".history p[role=status]")?.textContent ?? ""));
        return Number(await ctx.page.locator(".history .plot").getAttribute("data-points"));
      });
      page.push(t.ms);
      const step = 1200 * 1000;
      const now = Date.now();
      const from = Math.floor((now - 7 * 86400 * 1000) / step) * step;
      const to = Math.ceil(now / step) * step;
      const b = await post(ctx.page, `query H($id: ID!, $from: DateTime!, $to: DateTime!) { twin(id: $id) {
        history(signals: ["temperature", "power"], from: $from, to: $to, interval: 1200, aggregates: [MEAN, MIN, MAX]) { signal timestamps values }
        events(from: $from, to: $to, kinds: ["mode", "fault"], first: 500) { items { time kind code message } } } }`,
        { id: twin, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      baseline.push(b.ms);
      const xs = new Set(b.data.twin.history.flatMap((s) => s.timestamps));
      answers.add(`buckets page=${t.answer} api=${xs.size}`);
    }
    out("7-day plot of 1 Hz data (2 signals, 1,200 s buckets)", page, baseline, [...answers], "warm page and server");
  }
  if (ctx.problems.length) throw new Error(ctx.problems.join("; "));
  await ctx.close();

  // 4. expanding a level with 10,000 children (the first page of 25 drawn)
  {
    const page = [], baseline = [], answers = new Set();
    for (let i = 0; i < runs; i++) {
      const c = await newPage(browser);
      await openExplorer(c.page, base);
      await settled(c.page);
      for (const id of ["acme/jkt1", "acme/jkt1/packaging"]) {
        await c.page.locator(`li[data-twin="${id}"] > .row > .toggle`).click();
        await c.page.waitForSelector(`li[data-twin="${id}"][aria-expanded=true] > ul > li[role=treeitem]`);
      }
      const group = `li[data-twin="${WIDE}"] > ul`;
      const t = await timeIt(async () => {
        await c.page.locator(`li[data-twin="${WIDE}"] > .row > .toggle`).click();
        await c.page.waitForSelector(`${group} > li.more`);
        return c.page.locator(`${group} > li[data-twin]`).count();
      });
      page.push(t.ms);
      const b = await post(c.page, `query C($id: ID!) { twin(id: $id) { children(first: 25) {
        totalCount pageInfo { hasNextPage endCursor } nodes { ${TREE_FIELDS} } } } }`, { id: WIDE });
      baseline.push(b.ms);
      answers.add(`children page=${t.answer} api=${b.data.twin.children.nodes.length} of ${b.data.twin.children.totalCount}`);
      if (c.problems.length) throw new Error(c.problems.join("; "));
      await c.close();
    }
    out("expand a level of 10,000 children (first page of 25)", page, baseline, [...answers], "warm server, page loaded and settled");
  }
} finally {
  await browser.close();
}
