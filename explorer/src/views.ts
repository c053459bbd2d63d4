// The models view, feed health and shift handover.

import { gql, type Schema } from "./api";
import { clear, errorNote, h, notYet, section } from "./dom";
import type { ModelSummary } from "./types";
import { shortModel } from "./types";

const MODELS_QUERY = `{ models { dtmi extends uploadedAt uploadedBy
  contents { name kind schema unit semanticTypes writable target definedIn } } }`;

export const MAX_UPLOAD_BYTES = 1024 * 1024;

export async function modelsView(schema: Schema): Promise<HTMLElement> {
  const upload = h("input", { type: "file", id: "model-file", accept: ".json,application/json",
    disabled: !schema.has("Mutation", "uploadModels") });
  const out = h("div", { class: "models" });
  const view = h("div", {},
    h("h2", { tabindex: -1 }, "Models"),
    section("Upload a model",
      h("label", { for: "model-file" }, "DTDL file (JSON)"), upload,
      schema.has("Mutation", "uploadModels") ? null
        : notYet("Model upload", "the model-upload mutation (validator diagnostics with line and column)")),
    out);
  try {
    const { models } = await gql<{ models: ModelSummary[] }>(MODELS_QUERY);
    clear(out, ...models.map((m) => h("details", { class: "card model" },
      h("summary", {}, h("strong", {}, shortModel(m.dtmi)), " ", h("code", {}, m.dtmi),
        ` · ${m.contents.length} contents`),
      m.extends.length ? h("p", {}, `extends ${m.extends.join(", ")}`) : null,
      h("ul", {}, ...m.contents.map((c) => h("li", {}, h("strong", {}, c.name), ` ${c.kind}`,
        c.schema ? ` (${c.schema})` : "", c.unit ? ` in ${c.unit}` : "",
        c.target ? ` → ${shortModel(c.target)}` : "",
        c.definedIn !== m.dtmi ? ` · from ${shortModel(c.definedIn)}` : ""))))));
    if (models.length === 0) clear(out, h("p", { class: "empty" }, "No models yet."));
  } catch (error) {
    clear(out, errorNote(String(error)));
  }
  return view;
}

export function feedsView(schema: Schema): HTMLElement {
  return h("div", {}, h("h2", { tabindex: -1 }, "Feed health"),
    schema.has("Query", "feeds") ? notYet("Feed health", "a feed shape this page knows")
      : notYet("Feed health", "feeds (last arrival, rate, rejects by reason, staleness)"));
}

export function changesView(schema: Schema): HTMLElement {
  return h("div", {}, h("h2", { tabindex: -1 }, "Shift handover"),
    schema.has("Query", "changes") ? notYet("What changed since", "a change shape this page knows")
      : notYet("What changed since", "changes (mode changes, faults, lifecycle and structure edits)"));
}
