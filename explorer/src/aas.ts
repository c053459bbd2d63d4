// The twin's AAS exports as downloads, from the AAS Part 2 API the server serves at
// /aas/api/v3.1: its shell with every submodel (and concept descriptions) as JSON, XML or
// an AASX package, through GET /serialization. The shell id is urn:twinweave:aas:<twin id>
// (docs/aas.md, "Identifiers").

import { clear, errorNote, h, section } from "./dom";

export const AAS_API = "aas/api/v3.1";
const SHELL_PREFIX = "urn:twinweave:aas:";

const FORMATS = [
  { label: "JSON", accept: "application/json", ext: "json" },
  { label: "XML", accept: "application/xml", ext: "xml" },
  { label: "AASX package", accept: "application/asset-administration-shell-package+xml", ext: "aasx" },
] as const;

/** base64url of the UTF-8 text, no padding (how the AAS API takes ids). */
export function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

interface Reference {
  keys: { type: string; value: string }[];
}

async function submodelIds(shell: string): Promise<string[] | null> {
  const response = await fetch(`${AAS_API}/shells/${base64url(shell)}/submodel-refs?limit=1000`, {
    headers: { accept: "application/json" },
  });
  if (!response.ok) return null;
  const body = (await response.json()) as { result?: Reference[] };
  return (body.result ?? []).flatMap((r) => r.keys.filter((k) => k.type === "Submodel").map((k) => k.value));
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function aasSection(twinId: string): HTMLElement {
  const shell = `${SHELL_PREFIX}${twinId}`;
  const body = h("div", { class: "aas" }, h("p", { class: "loading" }, "Asking the AAS API…"));
  const status = h("p", { role: "status", class: "note" });
  void submodelIds(shell).then((submodels) => {
    if (submodels === null) {
      clear(body, errorNote(`The AAS API at /${AAS_API} does not serve a shell for this twin.`));
      return;
    }
    const query = [`aasIds=${base64url(shell)}`, ...submodels.map((s) => `submodelIds=${base64url(s)}`)].join("&");
    const url = `${AAS_API}/serialization?${query}`;
    const file = twinId.replace(/[^A-Za-z0-9._-]+/g, "_");
    clear(body,
      h("p", {}, `The shell `, h("code", {}, shell), ` and its ${submodels.length} submodels, with concept descriptions:`),
      h("div", { class: "downloads", role: "group", "aria-label": "AAS downloads" },
        ...FORMATS.map((f) => {
          const button = h("button", { type: "button", "data-format": f.ext }, `Download ${f.label}`);
          button.addEventListener("click", () => {
            status.textContent = `Preparing ${f.label}…`;
            void fetch(url, { headers: { accept: f.accept } }).then(async (response) => {
              if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
              save(await response.blob(), `${file}.${f.ext}`);
              status.textContent = `${f.label} downloaded (${file}.${f.ext}).`;
            }).catch((error: unknown) => { status.textContent = `${f.label} failed: ${String(error)}`; });
          });
          return button;
        })),
      h("p", { class: "note" }, "From ", h("a", { href: url }, `GET /${AAS_API}/serialization`), "."),
      status);
  }).catch((error: unknown) => clear(body, errorNote(`The AAS API did not answer: ${String(error)}`)));
  return section("AAS export", body);
}
