// The twin explorer: the plant tree and search on the left, the selected view on the right.
// Routes: #/ (plant), #/twin/<id>, #/models, #/feeds, #/changes.

import "./style.css";
import { gql, Schema } from "./api";
import { clear, errorNote, h } from "./dom";
import { findTwins, listByModel, MAX_QUERY_CHARS, renderResults } from "./search";
import { PlantTree } from "./tree";
import { TwinView } from "./twin";
import { feedsView } from "./feeds";
import { changesView, modelsView } from "./views";

interface ServiceInfo {
  service: { version: string; graphStore: string; capabilities: { name: string; ready: boolean }[] };
}

function navLink(route: string, label: string): HTMLAnchorElement {
  return h("a", { href: `#/${route}`, "data-route": route }, label);
}

async function start(app: HTMLElement): Promise<void> {
  let schema: Schema;
  let info: ServiceInfo;
  // The tree needs neither the schema nor the service: its first requests go out at once.
  let route: () => Promise<void> = async () => undefined;
  const openTwin = (id: string): void => {
    const hash = `#/twin/${encodeURIComponent(id)}`;
    if (location.hash !== hash) location.hash = hash;
    else void route();
  };
  const tree = new PlantTree(openTwin);
  const rootsDrawn = tree.loadRoots();
  // The roots first, alone: the server answers one request faster than four at once.
  await rootsDrawn.catch(() => undefined);
  try {
    [schema, info] = await Promise.all([
      Schema.load(),
      gql<ServiceInfo>("{ service { version graphStore capabilities { name ready } } }"),
    ]);
  } catch (error) {
    clear(app, errorNote(`The explorer could not reach the API at /graphql: ${String(error)}`));
    return;
  }
  const ready = new Set(info.service.capabilities.filter((c) => c.ready).map((c) => c.name));
  schema.ready = ready;
  const main = h("main", { id: "main", class: "detail", tabindex: -1 });
  const twinView = new TwinView({ schema, ready, openTwin });

  const searchInput = h("input", { type: "search", id: "search", name: "search", maxlength: MAX_QUERY_CHARS,
    placeholder: "id or alias, e.g. erp:EQ-10023", autocomplete: "off" });
  const modelSelect = h("select", { id: "model-filter", name: "model" }, h("option", { value: "" }, "all models (tree)"));
  const results = h("div", { class: "search-results", "aria-live": "polite" });
  const searchForm = h("form", { role: "search", class: "search", "aria-label": "Find twins" },
    h("label", { for: "search" }, "Find a twin"), searchInput,
    h("button", { type: "submit" }, "Find"),
    h("label", { for: "model-filter" }, "Filter by model"), modelSelect);
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      const text = searchInput.value;
      if (!text.trim()) {
        results.replaceChildren();
        return;
      }
      try {
        const found = await findTwins(text);
        renderResults(results, `Twins matching ${text.trim()}`, found, openTwin); // the route reveals it in the tree
      } catch (error) {
        clear(results, errorNote(String(error)));
      }
    })();
  });
  modelSelect.addEventListener("change", () => {
    const model = modelSelect.value;
    tree.element.hidden = model !== "";
    results.replaceChildren();
    if (model) void listByModel(results, model, openTwin);
  });
  void gql<{ models: { dtmi: string }[] }>("{ models { dtmi } }").then(({ models }) => {
    modelSelect.append(...models.map((m) => h("option", { value: m.dtmi }, m.dtmi)));
  }).catch(() => undefined);

  const nav = h("nav", { "aria-label": "Views" }, navLink("", "Plant"), navLink("models", "Models"),
    navLink("feeds", "Feed health"), navLink("changes", "Shift handover"),
    h("a", { href: "graphql" }, "GraphiQL"));
  clear(app,
    h("a", { href: "#main", class: "skip", onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, "Skip to the details"),
    h("header", { class: "top" }, h("h1", {}, "Twinweave explorer"), nav,
      h("span", { class: "server" }, `v${info.service.version} · ${info.service.graphStore}`)),
    h("div", { class: "layout" },
      h("aside", { class: "plant", "aria-label": "Plant" }, searchForm, results, tree.element),
      main));

  let lastTwin: string | null = null;
  let stopView: () => void = () => undefined;
  route = async (): Promise<void> => {
    stopView();
    stopView = () => undefined;
    const hash = location.hash.replace(/^#\/?/, "");
    for (const a of nav.querySelectorAll("a[data-route]")) {
      const current = (a.getAttribute("data-route") ?? "") === hash.split("/")[0];
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    if (hash.startsWith("twin/")) {
      const id = decodeURIComponent(hash.slice("twin/".length));
      lastTwin = id;
      if (tree.selectedId() !== id) void rootsDrawn.then(() => tree.reveal(id)).catch(() => false);
      if (!main.contains(twinView.element)) clear(main, twinView.element);
      await twinView.show(id);
      return;
    }
    twinView.stop();
    if (hash === "models") clear(main, await modelsView(schema));
    else if (hash === "feeds") {
      const view = feedsView(schema);
      stopView = view.stop;
      clear(main, view.element);
    }
    else if (hash === "changes") {
      await rootsDrawn;
      clear(main, changesView(schema, lastTwin ?? tree.firstRoot() ?? "", openTwin));
    }
    else clear(main, twinView.element);
  };
  window.addEventListener("hashchange", () => void route());
  document.body.dataset["ready"] = "loading";
  await Promise.all([rootsDrawn, route()]);
  document.body.dataset["ready"] = "true";
  void tree.complete.then(() => tree.followModes(schema));
}

const app = document.getElementById("app");
if (app) void start(app);
