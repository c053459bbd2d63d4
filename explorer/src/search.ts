// Search by id or alias ("erp:EQ-10023"), and the model filter's paged list.

import { gql } from "./api";
import { clear, errorNote, h } from "./dom";
import { twinRow, twinsById } from "./tree";
import { type Page, TREE_TWIN_FIELDS, type TreeTwin } from "./types";

const ALIAS_QUERY = `query ByAlias($ns: String!, $value: String!) {
  twin(alias: { namespace: $ns, value: $value }) { ${TREE_TWIN_FIELDS} }
}`;

const BY_MODEL_QUERY = `query ByModel($model: String!, $first: Int!, $after: String) {
  twins(filter: { model: $model }, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${TREE_TWIN_FIELDS} }
  }
}`;

export const MAX_QUERY_CHARS = 1024;

/** The twins a search text names: by id, and by alias when it reads namespace:value. */
export async function findTwins(text: string): Promise<TreeTwin[]> {
  const query = text.trim();
  if (!query || query.length > MAX_QUERY_CHARS) return [];
  const found = new Map<string, TreeTwin>();
  for (const twin of await twinsById([query])) found.set(twin.id, twin);
  const colon = query.indexOf(":");
  if (colon > 0 && colon < query.length - 1) {
    const data = await gql<{ twin: TreeTwin | null }>(ALIAS_QUERY, {
      ns: query.slice(0, colon),
      value: query.slice(colon + 1),
    });
    if (data.twin) found.set(data.twin.id, data.twin);
  }
  return [...found.values()];
}

function resultItem(twin: TreeTwin, open: (id: string) => void): HTMLLIElement {
  return h("li", {}, h("button", { type: "button", class: "result", "data-twin": twin.id,
    onclick: () => open(twin.id) }, twinRow(twin)));
}

export function renderResults(
  target: HTMLElement,
  label: string,
  twins: TreeTwin[],
  open: (id: string) => void,
): HTMLUListElement {
  const list = h("ul", { class: "results", "aria-label": label }, ...twins.map((t) => resultItem(t, open)));
  clear(target, h("p", { role: "status" }, twins.length ? `${label}:` : `${label}: nothing found.`), list);
  return list;
}

export async function listByModel(
  target: HTMLElement,
  model: string,
  open: (id: string) => void,
  after: string | null = null,
  list: HTMLUListElement | null = null,
): Promise<void> {
  try {
    const data = await gql<{ twins: Page<TreeTwin> }>(BY_MODEL_QUERY, { model, first: 50, after });
    const page = data.twins;
    const ul = list ?? renderResults(target, `${page.totalCount.toLocaleString("en")} twins of ${model}`, [], open);
    target.querySelector(".status-empty")?.remove();
    ul.append(...page.nodes.map((t) => resultItem(t, open)));
    target.querySelector("button.more")?.remove();
    if (page.pageInfo.hasNextPage) {
      target.append(h("button", { type: "button", class: "more", onclick: () =>
        void listByModel(target, model, open, page.pageInfo.endCursor, ul) }, "Show 50 more"));
    }
  } catch (error) {
    target.append(errorNote(String(error)));
  }
}
