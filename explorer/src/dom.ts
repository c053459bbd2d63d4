// A tiny element builder: h("div", {class: "x"}, "text", child).

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(key.replace(/^on/, ""), value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A "not available yet" notice that names what the API still lacks. */
export function notYet(what: string, needs: string): HTMLElement {
  return h(
    "p",
    { class: "not-yet", role: "note" },
    h("strong", {}, `${what}: not available yet. `),
    `The API does not serve ${needs} yet.`,
  );
}

export function errorNote(message: string): HTMLElement {
  return h("p", { class: "error", role: "alert" }, message);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h(
    "section",
    { class: "card", "aria-labelledby": id },
    h("h3", { id }, title),
    ...children,
  );
}
