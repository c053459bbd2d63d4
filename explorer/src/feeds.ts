// Feed health: every feed twin (feed/<name>, model dtmi:twinweave:ingest:Feed;2, written by
// the ingest worker) with its last arrival, rate, reject rate and rejects by reason, and its
// staleness against its freshness limit. The page polls the feeds every 2 s and recomputes
// staleness every second from lastArrival, so a feed that stops turns red while the page is
// open even when nothing reports it; the worker's own feed/silent event does too. Each
// feed's name links to its twin (history of its health signals, its events).

import { gql, type Schema } from "./api";
import { clear, errorNote, h, notYet } from "./dom";
import { formatAge } from "./status";

export const FEED_MODEL = "dtmi:twinweave:ingest:Feed;2";
export const FEED_POLL_MS = 2000;
/** The ingest worker's freshness limit when the pipeline names none (docs/ingest.md). */
export const DEFAULT_LIMIT_S = 60;
/** Feeds per request (the API's cost limit allows about this many with their events). */
const MAX_FEEDS = 50;
const REJECT_WINDOW_MS = 3600 * 1000;
/** The worker's silent/resumed events are read over this window, at most 50 of them. */
const EVENT_WINDOW_MS = 600 * 1000;

interface FeedTwin {
  id: string;
  properties: Record<string, unknown>;
  signals: { name: string; value: unknown; time: string }[];
  events?: { items: { time: string; code: string; message: string }[] };
  rejectCounts?: { reason: string; count: number }[];
}

function feedsQuery(history: boolean): string {
  const extra = history
    ? `events(from: $since, to: $to, kinds: ["feed"], first: 50) { items { time code message } }
       rejectCounts(from: $from, to: $to) { reason count }`
    : "";
  const times = history ? ", $from: DateTime!, $since: DateTime!, $to: DateTime!" : "";
  return `query Feeds($model: String!, $first: Int!${times}) {
    twins(filter: { model: $model }, first: $first) {
      totalCount nodes { id properties signals { name value time } ${extra} }
    }
  }`;
}

/** The limit: the feed twin's `freshness` property, else `?feedLimit=N` in the address, else 60 s. */
export function limitOf(feed: FeedTwin): { seconds: number; source: string } {
  const own = feed.properties["freshness"];
  if (typeof own === "number" && own > 0) return { seconds: own, source: "the feed's" };
  const raw = new URLSearchParams(location.search).get("feedLimit");
  const given = raw === null ? Number.NaN : Number(raw);
  if (Number.isFinite(given) && given > 0) return { seconds: given, source: "the page's" };
  return { seconds: DEFAULT_LIMIT_S, source: "the default" };
}

function signal(feed: FeedTwin, name: string): number | null {
  const value = feed.signals.find((s) => s.name === name)?.value;
  return typeof value === "number" ? value : null;
}

/** Seconds since the feed's last arrival, now (null: it never sent anything). */
export function stalenessOf(feed: FeedTwin, now: number): number | null {
  const last = signal(feed, "lastArrival");
  if (last !== null) return Math.max(0, now / 1000 - last);
  const reported = feed.signals.find((s) => s.name === "staleness");
  if (reported && typeof reported.value === "number") {
    return reported.value + Math.max(0, (now - Date.parse(reported.time)) / 1000);
  }
  return null;
}

function oneDecimal(value: number): string {
  return value.toLocaleString("en", { maximumFractionDigits: 1 });
}

/** Seconds as "4.2 s" up to two minutes, then as an age ("5 min"). */
function seconds(value: number): string {
  return value < 120 ? `${oneDecimal(value)} s` : formatAge(value);
}

function percent(value: number | null): string {
  return value === null ? "—" : `${(value * 100).toLocaleString("en", { maximumFractionDigits: 2 })} %`;
}

export function feedsView(schema: Schema): { element: HTMLElement; stop: () => void } {
  const title = h("h2", { tabindex: -1 }, "Feed health");
  if (!schema.has("Query", "twins")) {
    return { element: h("div", {}, title, notYet("Feed health", "twins")), stop: () => undefined };
  }
  const history = schema.can("Twin", "rejectCounts", "history") && schema.can("Twin", "events", "events");
  const body = h("tbody", {});
  const status = h("p", { class: "note", role: "status" }, "Loading the feeds…");
  const alerts = h("div", { class: "sr-only", "aria-live": "assertive", "data-role": "feed-alerts" });
  let feeds: FeedTwin[] | null = null;
  const silentBefore = new Set<string>();

  const draw = (): void => {
    const now = Date.now();
    if (feeds === null) return;
    if (feeds.length === 0) {
      clear(body, h("tr", {}, h("td", { colspan: 7, class: "empty" },
        "No feeds yet: the ingest worker creates a feed twin (feed/<name>) when a feed first sends.")));
      return;
    }
    body.querySelector(":scope > tr:not([data-feed])")?.remove();
    const rows = new Map([...body.querySelectorAll<HTMLTableRowElement>(":scope > tr[data-feed]")]
      .map((r) => [r.dataset["feed"] ?? "", r]));
    for (const feed of feeds) {
      let row = rows.get(feed.id);
      if (!row) {
        row = h("tr", { "data-feed": feed.id },
          h("th", { scope: "row" }, h("a", { href: `#/twin/${encodeURIComponent(feed.id)}` })),
          ...Array.from({ length: 6 }, () => h("td", {})));
        body.append(row);
      }
      const name = typeof feed.properties["feed"] === "string" ? feed.properties["feed"] : feed.id;
      const staleness = stalenessOf(feed, now);
      const limit = limitOf(feed);
      const lastEvent = feed.events?.items.at(-1);
      const reportedSilent = lastEvent?.code === "silent";
      const silent = (staleness !== null && staleness > limit.seconds) || reportedSilent;
      row.classList.toggle("silent", silent);
      row.dataset["state"] = silent ? "silent" : staleness === null ? "waiting" : "ok";
      const last = signal(feed, "lastArrival");
      const rate = signal(feed, "rate");
      const inter = signal(feed, "interArrival");
      const reasons = feed.rejectCounts;
      const [nameCell, stateCell, lastCell, rateCell, rejectCell, reasonCell, staleCell] = row.children;
      const link = nameCell?.firstElementChild;
      if (link && link.textContent !== name) link.textContent = name;
      if (stateCell) {
        stateCell.textContent = silent ? "SILENT" : staleness === null ? "no data yet" : "OK";
        stateCell.setAttribute("title", reportedSilent && lastEvent ? lastEvent.message : "");
      }
      if (lastCell) {
        const age = last === null ? 0 : now / 1000 - last;
        lastCell.textContent = last === null ? "never" : age < 1 ? "just now" : `${formatAge(age)} ago`;
        if (last !== null) lastCell.setAttribute("title", new Date(last * 1000).toISOString());
      }
      if (rateCell) {
        rateCell.textContent = rate === null ? "—" : `${oneDecimal(rate)} samples/s` +
          (inter === null ? "" : `, a batch every ${oneDecimal(inter)} s`);
      }
      if (rejectCell) rejectCell.textContent = percent(signal(feed, "rejectRate"));
      if (reasonCell) {
        reasonCell.textContent = reasons === undefined ? "—"
          : reasons.length === 0 ? "none" : reasons.map((r) => `${r.reason}: ${r.count.toLocaleString("en")}`).join(", ");
      }
      if (staleCell) {
        staleCell.textContent = (staleness === null ? "—"
          : `${seconds(staleness)} of ${seconds(limit.seconds)} (${limit.source} limit)`) +
          (reportedSilent && lastEvent ? `; the worker: ${lastEvent.message}` : "");
        staleCell.setAttribute("aria-label", staleness === null ? "no arrival yet"
          : `${Math.round(staleness)} seconds since the last arrival; the limit is ${limit.seconds} seconds`);
      }
      if (silent && !silentBefore.has(feed.id)) alerts.textContent = `Feed ${name} is silent.`;
      if (!silent && silentBefore.has(feed.id)) alerts.textContent = `Feed ${name} sends again.`;
      if (silent) silentBefore.add(feed.id);
      else silentBefore.delete(feed.id);
    }
  };

  const load = async (): Promise<void> => {
    const to = new Date(Date.now() + 1000);
    const vars: Record<string, unknown> = { model: FEED_MODEL, first: MAX_FEEDS };
    if (history) {
      vars["from"] = new Date(to.getTime() - REJECT_WINDOW_MS).toISOString();
      vars["since"] = new Date(to.getTime() - EVENT_WINDOW_MS).toISOString();
      vars["to"] = to.toISOString();
    }
    try {
      const data = await gql<{ twins: { totalCount: number; nodes: FeedTwin[] } }>(feedsQuery(history), vars);
      feeds = data.twins.nodes;
      const shown = data.twins.totalCount > feeds.length ? ` (the first ${feeds.length} shown)` : "";
      status.textContent = `${data.twins.totalCount} feed(s)${shown}; refreshed every ${FEED_POLL_MS / 1000} s.` +
        (history ? " Rejects by reason over the last hour." : " Rejects by reason need a history store.");
      draw();
    } catch (error) {
      clear(status, errorNote(String(error)));
    }
  };
  void load();
  const polling = window.setInterval(() => void load(), FEED_POLL_MS);
  const ticking = window.setInterval(draw, 1000);
  const element = h("div", { class: "feeds" }, title, status,
    h("div", { class: "table-scroll" }, h("table", { class: "grid feeds" }, h("caption", { class: "sr-only" }, "Feeds"),
      h("thead", {}, h("tr", {}, ...["feed", "state", "last arrival", "rate", "reject rate",
        "rejects by reason (1 h)", "staleness / limit"].map((c) => h("th", { scope: "col" }, c)))),
      body)),
    alerts);
  return { element, stop: () => { window.clearInterval(polling); window.clearInterval(ticking); } };
}
