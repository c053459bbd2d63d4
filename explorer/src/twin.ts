// One twin: properties, live signals (polled; a subscription once the API has one),
// relationships both ways, lifecycle, its model's contents, lineage and AAS when served.

import { gql, type Schema } from "./api";
import { clear, errorNote, h, notYet, section } from "./dom";
import { ageSeconds, formatAge, formatValue, isStale, modeBadge, modeOf, newestTime, unitSymbol } from "./status";
import { aasSection } from "./aas";
import { historySection } from "./history";
import { lifecycleSection } from "./lifecycle";
import { follow, POLL_MS } from "./live";
import type { Relationship, SignalValue, TwinDetail } from "./types";
import { displayName, shortModel } from "./types";

const SIGNAL_FIELDS = "name value unit time quality batch";

const twinQuery = (extra: string): string => `query Twin($id: ID!) {
  twin(id: $id) {
    id modelId lifecycle etag properties createdAt updatedAt ${extra}
    aliases { namespace value }
    parents { id }
    signals { ${SIGNAL_FIELDS} }
    rollups { name signal aggregate value time }
    outgoing: relationships(direction: OUTGOING) { name properties target { id } }
    incoming: relationships(direction: INCOMING) { name properties source { id } }
    model { dtmi extends uploadedAt uploadedBy
      contents { name kind schema unit semanticTypes writable target definedIn } }
  }
}`;

// `at` the clicked value's time: the lineage of that value, even if a newer one has arrived.
const LINEAGE_QUERY = `query Lineage($id: ID!, $signal: String!, $at: DateTime) {
  twin(id: $id) { lineage(signal: $signal, at: $at) {
    value time quality batch receivedAt principal pipelineVersion modelVersions countIn accepted rejected
    sources { kind topic partition firstOffset lastOffset topics path } } }
}`;

interface Lineage {
  value: unknown;
  time: string | null;
  quality: string | null;
  batch: string | null;
  receivedAt: string | null;
  principal: string | null;
  pipelineVersion: string | null;
  modelVersions: string[];
  countIn: number | null;
  accepted: number | null;
  rejected: Record<string, number> | null;
  sources: { kind: string; topic: string | null; partition: number | null; firstOffset: number | null;
    lastOffset: number | null; topics: string[]; path: string | null }[];
}


export interface TwinViewOptions {
  schema: Schema;
  ready: Set<string>;
  openTwin: (id: string) => void;
}

function twinLink(id: string, open: (id: string) => void): HTMLElement {
  return h("a", { href: `#/twin/${encodeURIComponent(id)}`, onclick: (e: Event) => {
    e.preventDefault();
    open(id);
  } }, id);
}

function keyValueTable(caption: string, rows: [string, unknown][]): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, `No ${caption.toLowerCase()}.`);
  return h(
    "table",
    { class: "kv" },
    h("caption", { class: "sr-only" }, caption),
    h("tbody", {}, ...rows.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, formatValue(v))))),
  );
}

function relationshipTable(
  caption: string,
  rows: Relationship[],
  end: "source" | "target",
  open: (id: string) => void,
): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, `None ${caption.toLowerCase()}.`);
  return h(
    "table",
    { class: "grid" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "relationship"),
      h("th", { scope: "col" }, end === "target" ? "to" : "from"), h("th", { scope: "col" }, "properties"))),
    h("tbody", {}, ...rows.map((r) => {
      const other = r[end];
      return h("tr", {}, h("td", {}, r.name), h("td", {}, other ? twinLink(other.id, open) : "(hidden)"),
        h("td", {}, Object.keys(r.properties).length ? JSON.stringify(r.properties) : "—"));
    })),
  );
}

export class TwinView {
  readonly element: HTMLElement;
  private timer: number | undefined;
  private signalBody: HTMLTableSectionElement | null = null;
  private signals: SignalValue[] = [];
  private twinId: string | null = null;
  private lineage: HTMLElement;
  private liveNote: HTMLElement | null = null;
  /** The heading's mode badge: follows the live ``mode`` signal like the tree's. */
  private headMode: HTMLElement | null = null;
  private shownMode: string | null = null;
  private unfollow: (() => void) | null = null;

  constructor(private readonly options: TwinViewOptions) {
    this.element = h("div", { class: "twin-view", "aria-live": "off" },
      h("p", { class: "hint" }, "Pick a twin in the plant tree, or search by id or alias (erp:EQ-10023)."));
    this.lineage = h("div", { class: "lineage", role: "region", "aria-label": "Lineage", hidden: true });
  }

  stop(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    this.unfollow?.();
    this.unfollow = null;
  }

  async show(id: string): Promise<void> {
    this.stop();
    this.twinId = id;
    clear(this.element, h("p", { class: "loading" }, `Loading ${id}…`));
    let twin: TwinDetail | null;
    try {
      const extra = this.options.schema.has("Twin", "allowedTransitions") ? "allowedTransitions" : "";
      twin = (await gql<{ twin: TwinDetail | null }>(twinQuery(extra), { id })).twin;
    } catch (error) {
      clear(this.element, errorNote(String(error)));
      return;
    }
    if (this.twinId !== id) return;
    if (!twin) {
      clear(this.element, errorNote(`No twin ${id} (or you may not read it).`));
      return;
    }
    this.render(twin);
    this.unfollow = follow(this.options.schema, id, () => this.signals, (signals, mode) => {
      if (this.twinId !== id) return;
      this.signals = signals;
      if (this.liveNote) {
        this.liveNote.textContent = mode === "subscription"
          ? "Live through a GraphQL subscription. Click a value for its lineage."
          : `Updated every ${POLL_MS / 1000} s by polling (the server offers no subscription). Click a value for its lineage.`;
      }
      this.signalBody?.closest("table")?.setAttribute("data-live", mode);
      this.renderSignals();
    });
    // ages grow between updates
    this.timer = window.setInterval(() => this.renderSignals(), POLL_MS);
  }

  private render(twin: TwinDetail): void {
    const open = this.options.openTwin;
    this.signals = twin.signals;
    this.signalBody = h("tbody", {});
    this.liveNote = h("p", { class: "note", "data-role": "live-note" });
    this.headMode = h("span", { class: "head-mode" });
    this.shownMode = null;
    this.lineage.hidden = true;
    clear(
      this.element,
      h("header", { class: "twin-head" },
        h("h2", { id: "twin-title", tabindex: -1 }, displayName(twin)),
        this.headMode,
        h("p", { class: "twin-id" }, h("code", {}, twin.id), " · ", shortModel(twin.modelId),
          twin.parents.length > 1 ? h("span", { class: "shared" }, ` shared by ${twin.parents.length} parents`) : null)),
      section("Live signals",
        this.liveNote,
        h("table", { class: "grid signals" },
          h("caption", { class: "sr-only" }, "Live signals"),
          h("thead", {}, h("tr", {}, ...["signal", "value", "unit", "quality", "age"].map((c) => h("th", { scope: "col" }, c)))),
          this.signalBody),
        this.lineage),
      section("Properties", keyValueTable("Properties", Object.entries(twin.properties)),
        keyValueTable("Identity", [
          ["etag", twin.etag], ["created", twin.createdAt], ["updated", twin.updatedAt],
          ...twin.aliases.map((a): [string, unknown] => [`alias ${a.namespace}`, a.value]),
        ])),
      lifecycleSection(twin, () => void this.show(twin.id)),
      section("Relationships",
        relationshipTable("Outgoing", twin.outgoing, "target", open),
        relationshipTable("Incoming", twin.incoming, "source", open),
        h("p", {}, "Contained by: ", ...twin.parents.flatMap((p, i) => [i ? ", " : "", twinLink(p.id, open)]),
          twin.parents.length ? "" : "nothing (a root)")),
      historySection(twin, this.options.schema),
      section("Model", this.modelContents(twin)),
      aasSection(twin.id),
    );
    this.renderSignals();
  }

  private modelContents(twin: TwinDetail): HTMLElement {
    const model = twin.model;
    if (!model) return errorNote(`The model ${twin.modelId} is not held.`);
    return h("div", {},
      h("p", {}, h("code", {}, model.dtmi), model.extends.length ? ` extends ${model.extends.join(", ")}` : "",
        ` · uploaded by ${model.uploadedBy}`),
      h("table", { class: "grid" },
        h("caption", { class: "sr-only" }, "Model contents"),
        h("thead", {}, h("tr", {}, ...["name", "kind", "schema", "unit", "semantic type", "defined in"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...model.contents.map((c) => h("tr", {},
          h("td", {}, c.name), h("td", {}, c.kind), h("td", {}, c.schema ?? c.target ?? "—"),
          h("td", {}, c.unit ?? "—"), h("td", {}, c.semanticTypes.join(", ") || "—"),
          h("td", {}, shortModel(c.definedIn)))))));
  }

  /** Update the rows in place (a focused value keeps its focus), adding and removing as needed. */
  private renderSignals(): void {
    const body = this.signalBody;
    if (!body) return;
    const mode = modeOf(this.signals);
    if (this.headMode && mode !== this.shownMode) {
      this.shownMode = mode;
      clear(this.headMode, modeBadge(mode));
    }
    const now = Date.now();
    if (this.signals.length === 0) {
      clear(body, h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No live values yet.")));
      return;
    }
    body.querySelector(":scope > tr:not([data-signal])")?.remove();
    const rows = new Map([...body.querySelectorAll<HTMLTableRowElement>(":scope > tr[data-signal]")]
      .map((r) => [r.dataset["signal"] ?? "", r]));
    const wanted = new Set(this.signals.map((s) => s.name));
    for (const [name, row] of rows) if (!wanted.has(name)) row.remove();
    let previous: HTMLTableRowElement | null = null;
    const newest = newestTime(this.signals);
    for (const s of this.signals) {
      let row = rows.get(s.name);
      if (!row) {
        row = h("tr", { "data-signal": s.name },
          h("th", { scope: "row" }, s.name),
          h("td", {}, h("button", { type: "button", class: "value", "data-signal": s.name,
            onclick: () => this.showLineage(this.signals.find((x) => x.name === s.name) ?? s) })),
          h("td", { class: "unit" }), h("td", { class: "quality" }), h("td", { class: "age" }));
      }
      if (previous ? previous.nextSibling !== row : body.firstChild !== row) {
        if (previous) previous.after(row);
        else body.prepend(row);
      }
      previous = row;
      const stale = isStale(s, newest, now);
      row.classList.toggle("stale", stale);
      const [, valueCell, unitCell, qualityCell, ageCell] = row.children;
      const button = valueCell?.firstElementChild;
      const text = formatValue(s.value);
      if (button && button.textContent !== text) button.textContent = text;
      button?.setAttribute("aria-label", `${s.name} ${text}${s.unit ? ` ${s.unit}` : ""}: show lineage`);
      if (unitCell) {
        unitCell.textContent = unitSymbol(s.unit);
        if (s.unit) unitCell.setAttribute("title", s.unit);
      }
      if (qualityCell) qualityCell.textContent = stale ? "STALE" : (s.quality ?? "—");
      if (ageCell) {
        ageCell.textContent = formatAge(ageSeconds(s.time, now));
        ageCell.setAttribute("title", s.time);
      }
    }
  }

  private showLineage(signal: SignalValue): void {
    const id = this.twinId;
    this.lineage.hidden = false;
    const close = h("button", { type: "button", onclick: () => { this.lineage.hidden = true; } }, "Close");
    const body = h("div", { class: "lineage-body" });
    clear(this.lineage, h("h4", {}, `Lineage of ${signal.name} = ${formatValue(signal.value)}`), body, close);
    close.focus();
    if (!id || !this.options.schema.can("Twin", "lineage", "lineage")) {
      clear(body, keyValueTable("Lineage", [["batch", signal.batch ?? "(none recorded)"], ["time", signal.time]]),
        notYet("Source positions, pipeline and model versions, principal", "lineage (Twin.lineage)"));
      return;
    }
    clear(body, h("p", { class: "loading" }, "Loading…"));
    void gql<{ twin: { lineage: Lineage | null } | null }>(LINEAGE_QUERY, { id, signal: signal.name, at: signal.time })
      .then((data) => {
        const lineage = data.twin?.lineage;
        if (!lineage) {
          clear(body, h("p", { class: "empty" }, "No lineage recorded for this value."));
          return;
        }
        clear(body,
          keyValueTable("Lineage", [
            ["value", lineage.value], ["time", lineage.time], ["quality", lineage.quality],
            ["batch", lineage.batch], ["received", lineage.receivedAt], ["principal", lineage.principal],
            ["pipeline version", lineage.pipelineVersion], ["model versions", lineage.modelVersions.join(", ") || null],
            ["samples in / accepted", `${lineage.countIn ?? "?"} / ${lineage.accepted ?? "?"}`],
            ["rejected", lineage.rejected && Object.keys(lineage.rejected).length ? lineage.rejected : "none"],
          ]),
          h("table", { class: "grid sources" }, h("caption", {}, "Sources"),
            h("thead", {}, h("tr", {}, ...["kind", "topic", "partition", "offsets", "path"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, ...lineage.sources.map((src) => h("tr", {},
              h("td", {}, src.kind), h("td", {}, src.topic ?? (src.topics.join(", ") || "—")),
              h("td", {}, src.partition ?? "—"),
              h("td", {}, src.firstOffset !== null ? `${src.firstOffset}–${src.lastOffset ?? "?"}` : "—"),
              h("td", {}, src.path ?? "—"))))));
      })
      .catch((error: unknown) => clear(body, errorNote(String(error))));
  }
}
