// History plots (uPlot) with range presets: drawn once the API serves bucketed history.

import { h, notYet, section } from "./dom";
import type { Schema } from "./api";
import type { TwinDetail } from "./types";

export const PRESETS = [
  { label: "1 h", seconds: 3600 },
  { label: "8 h", seconds: 8 * 3600 },
  { label: "24 h", seconds: 86400 },
  { label: "7 d", seconds: 7 * 86400 },
] as const;

export function historySection(_twin: TwinDetail, schema: Schema): HTMLElement {
  if (!schema.has("Twin", "history")) {
    return section("History",
      h("div", { class: "presets", role: "group", "aria-label": "Range" },
        ...PRESETS.map((p) => h("button", { type: "button", disabled: true }, p.label))),
      notYet("History plots", "bucketed history (Twin.history) or events"));
  }
  return section("History", notYet("History plots", "a history shape this page knows"));
}
