// The models view and shift handover.

import { ApiError, gql, type Schema } from "./api";
import { clear, errorNote, h, notYet, section } from "./dom";
import type { ModelSummary } from "./types";
import { shortModel } from "./types";

const MODELS_QUERY = `{ models { dtmi extends uploadedAt uploadedBy
  contents { name kind schema unit semanticTypes writable target definedIn } } }`;

export const MAX_UPLOAD_BYTES = 1024 * 1024;

const UPLOAD_MUTATION = `mutation Upload($texts: [String!]!) { uploadModels(texts: $texts) { dtmi } }`;

interface Diagnostic {
  line?: number | null;
  column?: number | null;
  severity?: string;
  message?: string;
  code?: string;
  property?: string | null;
}

function diagnosticsOf(error: unknown): Diagnostic[] {
  if (!(error instanceof ApiError)) return [];
  return error.errors.flatMap((e) => {
    const found = e.extensions?.["diagnostics"];
    return Array.isArray(found) ? (found as Diagnostic[]) : [];
  });
}

async function upload(file: File, out: HTMLElement, refresh: () => Promise<void>): Promise<void> {
  if (file.size > MAX_UPLOAD_BYTES) {
    clear(out, errorNote(`${file.name}: ${file.size.toLocaleString("en")} bytes; the limit is ${MAX_UPLOAD_BYTES.toLocaleString("en")}`));
    return;
  }
  clear(out, h("p", { class: "loading" }, `Uploading ${file.name}…`));
  const text = await file.text();
  try {
    const data = await gql<{ uploadModels: { dtmi: string }[] }>(UPLOAD_MUTATION, { texts: [text] });
    clear(out, h("p", { class: "ok", role: "status" },
      `Accepted: ${data.uploadModels.map((m) => m.dtmi).join(", ")}`));
    await refresh();
  } catch (error) {
    const diagnostics = diagnosticsOf(error);
    if (diagnostics.length === 0) {
      clear(out, errorNote(`${file.name} was refused: ${String(error instanceof Error ? error.message : error)}`));
      return;
    }
    clear(out, h("div", { role: "alert", class: "error" },
      h("p", {}, `${file.name} was refused: ${diagnostics.length} finding(s).`),
      h("table", { class: "grid diagnostics" },
        h("caption", { class: "sr-only" }, "Validator diagnostics"),
        h("thead", {}, h("tr", {}, ...["line", "column", "severity", "message"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...diagnostics.map((d) => h("tr", { class: "diagnostic" },
          h("td", { class: "line" }, d.line ?? "—"), h("td", { class: "column" }, d.column ?? "—"),
          h("td", {}, d.severity ?? "error"), h("td", {}, d.message ?? d.code ?? "")))))));
  }
}

export async function modelsView(schema: Schema): Promise<HTMLElement> {
  const canUpload = schema.can("Mutation", "uploadModels", "graphql-mutations");
  const input = h("input", { type: "file", id: "model-file", accept: ".json,application/json", disabled: !canUpload });
  const result = h("div", { class: "upload-result", "aria-live": "polite" });
  const list = h("div", { class: "models" });
  const refresh = async (): Promise<void> => {
    try {
      const { models } = await gql<{ models: ModelSummary[] }>(MODELS_QUERY);
      clear(list, ...models.map((m) => h("details", { class: "card model", "data-dtmi": m.dtmi },
        h("summary", {}, h("strong", {}, shortModel(m.dtmi)), " ", h("code", {}, m.dtmi),
          ` · ${m.contents.length} contents`),
        m.extends.length ? h("p", {}, `extends ${m.extends.join(", ")}`) : null,
        h("ul", {}, ...m.contents.map((c) => h("li", {}, h("strong", {}, c.name), ` ${c.kind}`,
          c.schema ? ` (${c.schema})` : "", c.unit ? ` in ${c.unit}` : "",
          c.target ? ` → ${shortModel(c.target)}` : "",
          c.definedIn !== m.dtmi ? ` · from ${shortModel(c.definedIn)}` : ""))))));
      if (models.length === 0) clear(list, h("p", { class: "empty" }, "No models yet."));
    } catch (error) {
      clear(list, errorNote(String(error)));
    }
  };
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) void upload(file, result, refresh);
  });
  await refresh();
  return h("div", {},
    h("h2", { tabindex: -1 }, "Models"),
    section("Upload a model",
      h("label", { for: "model-file" }, "DTDL file (JSON): the validator's findings show here with line and column"),
      " ", input, result,
      canUpload ? null : notYet("Model upload", "the model-upload mutation (uploadModels)")),
    list);
}

const CHANGES_QUERY = `query Changes($since: DateTime!, $under: ID!, $after: String) {
  changes(since: $since, under: $under, first: 100, after: $after) {
    items { twin time kind code message } nextCursor
  }
}`;

interface Change {
  twin: string;
  time: string;
  kind: string;
  code: string;
  message: string;
}

const SINCE = [
  { label: "the last hour", hours: 1 },
  { label: "the last shift (8 h)", hours: 8 },
  { label: "the last 24 h", hours: 24 },
  { label: "the last 7 days", hours: 168 },
];

export function changesView(schema: Schema, under: string, open: (id: string) => void): HTMLElement {
  if (!schema.can("Query", "changes", "events")) {
    return h("div", {}, h("h2", { tabindex: -1 }, "Shift handover"),
      notYet("What changed since", "changes (mode changes, faults, lifecycle and structure edits)"));
  }
  const underInput = h("input", { id: "changes-under", name: "under", value: under, maxlength: 1024 });
  const since = h("select", { id: "changes-since", name: "since" },
    ...SINCE.map((s) => h("option", { value: s.hours, selected: s.hours === 8 }, s.label)));
  const body = h("tbody", {});
  const status = h("p", { role: "status", class: "note" });
  const more = h("button", { type: "button", hidden: true }, "Show more");
  let cursor: string | null = null;
  const load = async (append: boolean): Promise<void> => {
    const hours = Number(since.value);
    const sinceTime = new Date(Date.now() - hours * 3600 * 1000).toISOString();
    try {
      const data = await gql<{ changes: { items: Change[]; nextCursor: string | null } }>(CHANGES_QUERY, {
        since: sinceTime, under: underInput.value.trim(), after: append ? cursor : null,
      });
      if (!append) body.replaceChildren();
      body.append(...data.changes.items.map((c) => h("tr", { class: `change-${c.kind}` },
        h("td", {}, new Date(c.time).toLocaleString()),
        h("td", {}, h("a", { href: `#/twin/${encodeURIComponent(c.twin)}`, onclick: (e: Event) => {
          e.preventDefault();
          open(c.twin);
        } }, c.twin)),
        h("td", {}, c.kind), h("td", {}, c.code), h("td", {}, c.message))));
      cursor = data.changes.nextCursor;
      more.hidden = cursor === null;
      status.textContent = `${body.children.length} change(s) under ${underInput.value.trim()} since ${new Date(sinceTime).toLocaleString()}`;
    } catch (error) {
      status.replaceChildren(errorNote(String(error)));
    }
  };
  const form = h("form", { class: "changes-form", "aria-label": "What changed since" },
    h("label", { for: "changes-under" }, "Under"), underInput,
    h("label", { for: "changes-since" }, "Since"), since,
    h("button", { type: "submit" }, "Show changes"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(false);
  });
  more.addEventListener("click", () => void load(true));
  void load(false);
  return h("div", {}, h("h2", { tabindex: -1 }, "Shift handover"), form, status,
    h("table", { class: "grid changes" }, h("caption", { class: "sr-only" }, "Changes"),
      h("thead", {}, h("tr", {}, ...["time", "twin", "kind", "code", "message"].map((c) => h("th", { scope: "col" }, c)))),
      body), more);
}
