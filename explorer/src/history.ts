// History plots (uPlot) of one or several signals: range presets, drag to zoom (the API is
// asked again at the finer resolution), events (mode changes, faults) marked on the time axis.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { gql, type Schema } from "./api";
import { clear, errorNote, h, notYet, section } from "./dom";
import type { TwinDetail } from "./types";

export const PRESETS = [
  { label: "1 h", seconds: 3600 },
  { label: "8 h", seconds: 8 * 3600 },
  { label: "24 h", seconds: 86400 },
  { label: "7 d", seconds: 7 * 86400 },
] as const;

/** At most about this many buckets across the plot, whatever the range. */
export const TARGET_BUCKETS = 600;
const NUMERIC = new Set(["double", "float", "integer", "long"]);
const COLOURS = ["#1a5fd0", "#c2410c", "#15803d", "#7c3aed", "#0e7490", "#a16207"];
const EVENT_COLOURS: Record<string, string> = { fault: "#b3261e", mode: "#6b7280" };

const HISTORY_QUERY = `query History($id: ID!, $signals: [String!]!, $from: DateTime!, $to: DateTime!, $interval: Int!) {
  twin(id: $id) {
    history(signals: $signals, from: $from, to: $to, interval: $interval, aggregates: [MEAN, MIN, MAX]) {
      signal timestamps values
    }
    events(from: $from, to: $to, kinds: ["mode", "fault"], first: 500) {
      items { time kind code message }
    }
  }
}`;

interface Series {
  signal: string;
  timestamps: number[];
  values: Record<string, (number | null)[]>;
}

interface TwinEvent {
  time: string;
  kind: string;
  code: string;
  message: string;
}

/** Bucket sizes the page asks for: whole minutes and hours let the API answer from its tiers. */
export const NICE_INTERVALS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600,
  7200, 10800, 21600, 43200, 86400];

export function intervalFor(seconds: number): number {
  const wanted = seconds / TARGET_BUCKETS;
  return NICE_INTERVALS.find((n) => n >= wanted) ?? NICE_INTERVALS[NICE_INTERVALS.length - 1] ?? 86400;
}

/** The window widened to whole buckets, so every bucket is complete (and tier-aligned). */
export function aligned(from: number, to: number, intervalS: number): [number, number] {
  const step = intervalS * 1000;
  return [Math.floor(from / step) * step, Math.ceil(to / step) * step];
}

/** One x array for every series (the union of bucket starts, in seconds), gaps as null. */
export function align(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.timestamps))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    const mean = s.values["mean"] ?? [];
    s.timestamps.forEach((t, i) => {
      const at = index.get(t);
      if (at !== undefined) column[at] = mean[i] ?? null;
    });
    return column;
  });
  return [xs.map((x) => x / 1000), ...ys];
}

function eventMarks(events: TwinEvent[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const ctx = u.ctx;
          ctx.save();
          for (const event of events) {
            const x = Math.round(u.valToPos(Date.parse(event.time) / 1000, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = EVENT_COLOURS[event.kind] ?? "#6b7280";
            ctx.lineWidth = event.kind === "fault" ? 2 : 1;
            ctx.setLineDash(event.kind === "fault" ? [] : [4, 4]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
}

export function plottableSignals(twin: TwinDetail): { name: string; unit: string | null }[] {
  const fromModel = (twin.model?.contents ?? [])
    .filter((c) => c.kind === "Telemetry" && c.schema !== null && NUMERIC.has(c.schema))
    .map((c) => ({ name: c.name, unit: c.unit }));
  const known = new Set(fromModel.map((c) => c.name));
  const live = twin.signals
    .filter((s) => typeof s.value === "number" && !known.has(s.name))
    .map((s) => ({ name: s.name, unit: s.unit }));
  return [...fromModel, ...live];
}

class HistoryPlot {
  readonly element: HTMLElement;
  private plot: uPlot | null = null;
  private seconds = 86400;
  private window: [number, number] | null = null;
  private readonly chosen = new Set<string>();
  private readonly area = h("div", { class: "plot", role: "img", "aria-label": "History plot" });
  private readonly status = h("p", { class: "note", role: "status" });
  private readonly eventList = h("ul", { class: "events", "aria-label": "Events in the range" });
  private readonly resetZoom = h("button", { type: "button", hidden: true }, "Reset zoom");

  constructor(
    private readonly twinId: string,
    private readonly signals: { name: string; unit: string | null }[],
  ) {
    for (const s of signals.slice(0, 2)) this.chosen.add(s.name);
    const presets = h("div", { class: "presets", role: "group", "aria-label": "Range" },
      ...PRESETS.map((p) => {
        const button = h("button", { type: "button", "data-range": p.label, "aria-pressed": String(p.seconds === this.seconds) }, p.label);
        button.addEventListener("click", () => {
          this.seconds = p.seconds;
          this.window = null;
          for (const b of presets.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
          void this.load();
        });
        return button;
      }), this.resetZoom);
    this.resetZoom.addEventListener("click", () => {
      this.window = null;
      void this.load();
    });
    const picks = h("fieldset", { class: "signal-picks" }, h("legend", {}, "Signals"),
      ...signals.map((s) => {
        const id = `hist-${s.name}`;
        const box = h("input", { type: "checkbox", id, checked: this.chosen.has(s.name), "data-signal": s.name });
        box.addEventListener("change", () => {
          if (box.checked) this.chosen.add(s.name);
          else this.chosen.delete(s.name);
          void this.load();
        });
        return h("label", { for: id }, box, ` ${s.name}${s.unit ? ` (${s.unit})` : ""}`);
      }));
    this.element = h("div", { class: "history" }, presets, picks, this.status, this.area,
      h("details", {}, h("summary", {}, "Events in the range"), this.eventList));
  }

  private range(): [number, number] {
    if (this.window) return this.window;
    const to = Date.now();
    return [to - this.seconds * 1000, to];
  }

  async load(): Promise<void> {
    const signals = this.signals.map((s) => s.name).filter((n) => this.chosen.has(n));
    this.plot?.destroy();
    this.plot = null;
    if (signals.length === 0) {
      clear(this.area);
      this.status.textContent = "Pick a signal to plot.";
      return;
    }
    const [wantFrom, wantTo] = this.range();
    const interval = intervalFor((wantTo - wantFrom) / 1000);
    const [from, to] = aligned(wantFrom, wantTo, interval);
    this.status.textContent = "Loading…";
    this.area.dataset["state"] = "loading";
    let data: { twin: { history: Series[]; events: { items: TwinEvent[] } } | null };
    try {
      data = await gql(HISTORY_QUERY, {
        id: this.twinId, signals, from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval,
      });
    } catch (error) {
      clear(this.area, errorNote(String(error)));
      this.status.textContent = "";
      return;
    }
    const series = data.twin?.history ?? [];
    const events = data.twin?.events.items ?? [];
    const columns = align(series);
    const points = columns[0].length;
    this.status.textContent = `${points.toLocaleString("en")} buckets of ${interval} s, ${events.length} events` +
      (this.window ? " (zoomed: drag again to zoom in)" : " (drag across the plot to zoom)");
    clear(this.eventList, ...events.map((e) => h("li", { class: `event-${e.kind}` },
      `${new Date(e.time).toLocaleString()} ${e.kind} ${e.code}${e.message ? `: ${e.message}` : ""}`)));
    this.area.setAttribute("aria-label",
      `History of ${series.map((s) => s.signal).join(", ")}: ${points} points, ${events.length} events`);
    this.area.dataset["points"] = String(points);
    this.area.dataset["events"] = String(events.length);
    this.resetZoom.hidden = this.window === null;
    clear(this.area);
    const units = new Map(this.signals.map((s) => [s.name, s.unit]));
    const scales = [...new Set(series.map((s) => units.get(s.signal) ?? s.signal))];
    const width = Math.max(280, this.area.clientWidth || 640);
    this.plot = new uPlot({
      width,
      height: 260,
      scales: { x: { time: true, range: () => [from / 1000, to / 1000] } },
      series: [{}, ...series.map((s, i) => ({
        label: s.signal, stroke: COLOURS[i % COLOURS.length] ?? "#000", width: 1.5,
        scale: units.get(s.signal) ?? s.signal, spanGaps: false,
      }))],
      axes: [{}, ...scales.slice(0, 2).map((scale, i) => ({ scale, side: i === 0 ? 3 : 1, label: scale,
        grid: { show: i === 0 } }))],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [(u: uPlot) => {
          if (u.select.width < 4) return;
          const a = u.posToVal(u.select.left, "x") * 1000;
          const b = u.posToVal(u.select.left + u.select.width, "x") * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          this.window = [Math.floor(a), Math.ceil(b)];
          void this.load();
        }],
      },
      plugins: [eventMarks(events)],
    }, columns, this.area);
    this.area.dataset["state"] = "ready";
  }

  destroy(): void {
    this.plot?.destroy();
  }
}

let current: HistoryPlot | null = null;

export function historySection(twin: TwinDetail, schema: Schema): HTMLElement {
  current?.destroy();
  current = null;
  if (!schema.can("Twin", "history", "history")) {
    return section("History", notYet("History plots", "bucketed history (Twin.history)"));
  }
  const signals = plottableSignals(twin);
  if (signals.length === 0) {
    return section("History", h("p", { class: "empty" }, "This twin has no numeric signals to plot."));
  }
  current = new HistoryPlot(twin.id, signals);
  const plot = current;
  queueMicrotask(() => void plot.load());
  return section("History", plot.element);
}
