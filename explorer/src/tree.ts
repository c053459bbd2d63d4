// The plant hierarchy as an ARIA tree: lazy expansion, paged wide levels, shared twins marked.
// Keyboard: Up/Down move, Right expands or enters, Left collapses or leaves, Home/End,
// Enter or Space opens the twin (or loads the next page on a "more" row).

import { gql, type Schema } from "./api";
import { watch } from "./live";
import { errorNote, h } from "./dom";
import { formatValue, keyRollup, modeBadge, modeOf } from "./status";
import { type Page, TREE_TWIN_FIELDS, type TreeTwin, displayName, shortModel } from "./types";

/** Rows a level asks for at first (small: a wide level opens fast), then per "Show more". */
export const FIRST_PAGE = 25;
export const PAGE_SIZE = 100;
/** Mode badges in the tree update at most once a second. */
const MODE_INTERVAL_S = 1;

const CHILDREN_QUERY = `query Children($id: ID!, $first: Int!, $after: String) {
  twin(id: $id) {
    children(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { ${TREE_TWIN_FIELDS} }
    }
  }
}`;

const ROOTS_QUERY = `query Roots($first: Int!, $after: String) {
  twins(filter: { root: true }, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${TREE_TWIN_FIELDS} }
  }
}`;

const PATH_QUERY = `query Path($id: ID!) {
  twin(id: $id) { id parents { id } ancestors { id parents { id } } }
}`;

let uid = 0;

/** Twins by id, up to 30 per request (the API's alias limit). */
export async function twinsById(ids: string[]): Promise<TreeTwin[]> {
  const found: TreeTwin[] = [];
  for (let start = 0; start < ids.length; start += 25) {
    const chunk = ids.slice(start, start + 25);
    const vars = chunk.map((_, i) => `$i${i}: ID!`).join(", ");
    const fields = chunk.map((_, i) => `t${i}: twin(id: $i${i}) { ${TREE_TWIN_FIELDS} }`).join("\n");
    const variables = Object.fromEntries(chunk.map((id, i) => [`i${i}`, id]));
    const data = await gql<Record<string, TreeTwin | null>>(
      `query Twins(${vars}) { ${fields} }`,
      variables,
    );
    for (let i = 0; i < chunk.length; i++) {
      const twin = data[`t${i}`];
      if (twin) found.push(twin);
    }
  }
  return found;
}

export function twinRow(twin: TreeTwin, labelId?: string): HTMLElement {
  const rollup = keyRollup(twin.rollups);
  const shared = twin.parents.length > 1;
  return h(
    "span",
    { class: "row-label", id: labelId },
    h("span", { class: "name" }, displayName(twin)),
    h("span", { class: "model" }, shortModel(twin.modelId)),
    modeBadge(modeOf(twin.signals)),
    rollup
      ? h("span", { class: "rollup", title: `${rollup.aggregate} of ${rollup.signal}` },
          `${rollup.name} ${formatValue(rollup.value)}`)
      : null,
    shared
      ? h("span", { class: "shared", title: `contained by ${twin.parents.map((p) => p.id).join(" and ")}` },
          `shared (${twin.parents.length} parents)`)
      : null,
  );
}

interface Level {
  group: HTMLUListElement;
  level: number;
  /** null: the top level (twins with no parent). */
  parentId: string | null;
  loaded: number;
  after: string | null;
}

export class PlantTree {
  readonly element: HTMLUListElement;
  private selected: HTMLLIElement | null = null;
  /** Settles when the first page of top-level twins is drawn. */
  complete: Promise<void> = Promise.resolve();

  constructor(private readonly onOpen: (id: string) => void) {
    this.element = h("ul", { role: "tree", "aria-label": "Plant hierarchy", class: "tree" });
    this.element.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Resolves once the first page of top-level twins (`twins(filter: {root: true})`) is drawn. */
  async loadRoots(): Promise<void> {
    this.element.replaceChildren(h("li", { role: "none", class: "loading" }, "Loading the plant…"));
    delete this.element.dataset["loaded"];
    delete this.element.dataset["after"];
    const level: Level = { group: this.element, level: 1, parentId: null, loaded: 0, after: null };
    this.complete = this.loadPage(level).finally(() => {
      this.element.querySelector(":scope > li.loading")?.remove();
      if (this.element.querySelector(":scope > li") === null) {
        this.element.append(h("li", { role: "none", class: "empty" }, "No twins yet."));
      }
      this.focusable(this.items()[0] ?? null);
      this.element.dataset["complete"] = "true";
    });
    await this.complete;
  }

  /** Keep the mode badges of drawn rows current through the subscription (when served). */
  followModes(schema: Schema): void {
    if (!schema.can("Subscription", "signalChanges", "subscriptions")) return;
    const roots = [...this.element.querySelectorAll<HTMLLIElement>(":scope > li[role=treeitem]")];
    for (const root of roots) {
      const id = root.dataset["twin"];
      if (!id) continue;
      watch(id, ["mode"], MODE_INTERVAL_S, (changes) => {
        for (const change of changes) {
          const mode = modeOf([{ ...change, name: change.signal, unit: null }]);
          for (const row of this.element.querySelectorAll(`li[data-twin="${CSS.escape(change.twin)}"] > .row > .row-label`)) {
            const badge = modeBadge(mode);
            const old = row.querySelector(":scope > .mode");
            if (old && badge) old.replaceWith(badge);
            else if (badge) row.querySelector(":scope > .model")?.after(badge);
            else old?.remove();
          }
        }
      }, () => undefined);
    }
  }

  firstRoot(): string | null {
    return this.element.querySelector<HTMLLIElement>(":scope > li[role=treeitem]")?.dataset["twin"] ?? null;
  }

  private item(twin: TreeTwin, level: number, pos: number, size: number): HTMLLIElement {
    const labelId = `tw-${++uid}`;
    const expandable = twin.children.totalCount > 0;
    const li = h("li", {
      role: "treeitem",
      tabindex: -1,
      "aria-level": level,
      "aria-posinset": pos,
      "aria-setsize": size,
      "aria-selected": "false",
      "aria-expanded": expandable ? "false" : null,
      "aria-labelledby": labelId,
      "data-twin": twin.id,
    });
    const toggle = h("span", { class: "toggle", "aria-hidden": "true" }, expandable ? "▸" : "·");
    const row = h("div", { class: "row" }, toggle, twinRow(twin, labelId));
    row.addEventListener("click", (e) => {
      this.focusable(li);
      li.focus();
      if (expandable && e.target === toggle) void this.toggle(li);
      else this.select(li);
    });
    toggle.addEventListener("dblclick", (e) => e.stopPropagation());
    li.append(row);
    if (expandable) {
      li.append(h("ul", { role: "group", hidden: true }));
    }
    return li;
  }

  private rootLevel(): Level {
    const group = this.element;
    return { group, level: 1, parentId: null, loaded: Number(group.dataset["loaded"] ?? "0"),
      after: group.dataset["after"] ?? null };
  }

  private levelOf(li: HTMLLIElement): Level | null {
    const group = li.querySelector(":scope > ul[role=group]");
    if (!(group instanceof HTMLUListElement)) return null;
    return {
      group,
      level: Number(li.getAttribute("aria-level")) + 1,
      parentId: li.dataset["twin"] ?? "",
      loaded: Number(group.dataset["loaded"] ?? "0"),
      after: group.dataset["after"] ?? null,
    };
  }

  async toggle(li: HTMLLIElement): Promise<void> {
    if (li.getAttribute("aria-expanded") === "true") this.collapse(li);
    else await this.expand(li);
  }

  collapse(li: HTMLLIElement): void {
    const level = this.levelOf(li);
    if (!level) return;
    li.setAttribute("aria-expanded", "false");
    level.group.hidden = true;
    this.setToggle(li, "▸");
  }

  async expand(li: HTMLLIElement): Promise<void> {
    const level = this.levelOf(li);
    if (!level || li.getAttribute("aria-expanded") === "true") return;
    li.setAttribute("aria-expanded", "true");
    level.group.hidden = false;
    this.setToggle(li, "▾");
    if (level.group.dataset["loaded"] === undefined) await this.loadPage(level);
  }

  private setToggle(li: HTMLLIElement, glyph: string): void {
    const toggle = li.querySelector(":scope > .row > .toggle");
    if (toggle) toggle.textContent = glyph;
  }

  /** One request per page (the rows' fields included), drawn in one DOM insertion. */
  private async loadPage(level: Level): Promise<void> {
    const { group } = level;
    group.querySelector(":scope > li.more")?.remove();
    group.setAttribute("aria-busy", "true");
    const first = level.loaded === 0 ? FIRST_PAGE : PAGE_SIZE;
    try {
      let page: Page<TreeTwin> | undefined;
      if (level.parentId === null) {
        page = (await gql<{ twins: Page<TreeTwin> }>(ROOTS_QUERY, { first, after: level.after })).twins;
      } else {
        const data = await gql<{ twin: { children: Page<TreeTwin> } | null }>(CHILDREN_QUERY, {
          id: level.parentId, first, after: level.after,
        });
        page = data.twin?.children;
      }
      group.querySelector(":scope > li.loading")?.remove();
      if (!page) {
        group.append(h("li", { role: "none" }, errorNote(`${level.parentId ?? "the plant"} is gone`)));
        return;
      }
      const rows = document.createDocumentFragment();
      const total = page.totalCount;
      page.nodes.forEach((twin, i) => rows.append(this.item(twin, level.level, level.loaded + i + 1, total)));
      const loaded = level.loaded + page.nodes.length;
      if (page.pageInfo.hasNextPage && page.pageInfo.endCursor) {
        group.dataset["after"] = page.pageInfo.endCursor;
        rows.append(this.moreItem(level.level, loaded, total));
      }
      group.dataset["loaded"] = String(loaded);
      group.append(rows);
    } catch (error) {
      group.append(h("li", { role: "none" }, errorNote(String(error))));
    } finally {
      group.removeAttribute("aria-busy");
    }
  }

  private moreItem(level: number, loaded: number, total: number): HTMLLIElement {
    const more = Math.min(PAGE_SIZE, total - loaded);
    const li = h(
      "li",
      { role: "treeitem", tabindex: -1, class: "more", "aria-level": level },
      h("div", { class: "row" }, h("span", { class: "toggle", "aria-hidden": "true" }, "+"),
        h("span", { class: "row-label" }, `Show ${more} more (${loaded} of ${total.toLocaleString("en")} shown)`)),
    );
    li.addEventListener("click", () => void this.loadMore(li));
    return li;
  }

  private async loadMore(more: HTMLLIElement): Promise<void> {
    const group = more.parentElement;
    const owner = group?.parentElement;
    const level = group === this.element ? this.rootLevel()
      : owner instanceof HTMLLIElement ? this.levelOf(owner) : null;
    if (!level) return;
    const before = level.loaded;
    await this.loadPage(level);
    const next = level.group.querySelectorAll<HTMLLIElement>(":scope > li[role=treeitem]")[before];
    if (next) {
      this.focusable(next);
      next.focus();
    }
  }

  select(li: HTMLLIElement): void {
    if (li.classList.contains("more")) {
      void this.loadMore(li);
      return;
    }
    this.mark(li);
    const id = li.dataset["twin"];
    if (id) this.onOpen(id);
  }

  private mark(li: HTMLLIElement): void {
    this.selected?.setAttribute("aria-selected", "false");
    li.setAttribute("aria-selected", "true");
    this.selected = li;
  }

  selectedId(): string | null {
    return this.selected?.dataset["twin"] ?? null;
  }

  /** Expand the path from a root to `id` and mark it selected (the first path if shared). */
  async reveal(id: string): Promise<boolean> {
    const data = await gql<{
      twin: { id: string; parents: { id: string }[]; ancestors: { id: string; parents: { id: string }[] }[] } | null;
    }>(PATH_QUERY, { id });
    if (!data.twin) return false;
    const parentsOf = new Map<string, string[]>([[data.twin.id, data.twin.parents.map((p) => p.id)]]);
    for (const a of data.twin.ancestors) parentsOf.set(a.id, a.parents.map((p) => p.id));
    const path = [id];
    for (let cur = id; (parentsOf.get(cur) ?? []).length > 0 && path.length < 64; ) {
      cur = (parentsOf.get(cur) ?? [])[0] ?? "";
      path.unshift(cur);
    }
    let scope: HTMLElement = this.element;
    for (const step of path) {
      const li = await this.findChild(scope, step);
      if (!li) return false;
      if (step === id) {
        this.focusable(li);
        this.mark(li);
        li.scrollIntoView({ block: "nearest" });
        return true;
      }
      await this.expand(li);
      const level = this.levelOf(li);
      if (!level) return false;
      scope = level.group;
    }
    return false;
  }

  private async findChild(scope: HTMLElement, id: string): Promise<HTMLLIElement | null> {
    for (;;) {
      const hit = [...scope.children].find(
        (c): c is HTMLLIElement => c instanceof HTMLLIElement && c.dataset["twin"] === id,
      );
      if (hit) return hit;
      const more = scope.querySelector<HTMLLIElement>(":scope > li.more");
      if (!more) return null;
      await this.loadMore(more);
    }
  }

  private items(): HTMLLIElement[] {
    return [...this.element.querySelectorAll<HTMLLIElement>("li[role=treeitem]")].filter(
      (li) => li.parentElement?.closest("ul[hidden]") === null && !li.parentElement?.hidden,
    );
  }

  private focusable(li: HTMLLIElement | null): void {
    for (const other of this.element.querySelectorAll("li[tabindex='0']")) {
      other.setAttribute("tabindex", "-1");
    }
    li?.setAttribute("tabindex", "0");
  }

  private move(li: HTMLLIElement | undefined): void {
    if (!li) return;
    this.focusable(li);
    li.focus();
    li.scrollIntoView({ block: "nearest" });
  }

  private onKey(event: KeyboardEvent): void {
    const current = (event.target as Element).closest("li[role=treeitem]");
    if (!(current instanceof HTMLLIElement)) return;
    const items = this.items();
    const index = items.indexOf(current);
    const expanded = current.getAttribute("aria-expanded");
    let handled = true;
    switch (event.key) {
      case "ArrowDown":
        this.move(items[index + 1]);
        break;
      case "ArrowUp":
        this.move(items[index - 1]);
        break;
      case "Home":
        this.move(items[0]);
        break;
      case "End":
        this.move(items[items.length - 1]);
        break;
      case "ArrowRight":
        if (expanded === "false") void this.expand(current);
        else if (expanded === "true") this.move(items[index + 1]);
        break;
      case "ArrowLeft":
        if (expanded === "true") this.collapse(current);
        else {
          const parent = current.parentElement?.closest("li[role=treeitem]");
          if (parent instanceof HTMLLIElement) this.move(parent);
        }
        break;
      case "Enter":
      case " ":
        this.select(current);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  }
}
