// A twin's lifecycle: its state and the moves the API offers (Twin.allowedTransitions),
// each made with setLifecycle after an inline confirmation.

import { gql } from "./api";
import { clear, errorNote, h, notYet, section } from "./dom";
import type { TwinDetail } from "./types";

const SET_LIFECYCLE = `mutation Move($id: ID!, $to: Lifecycle!) { setLifecycle(id: $id, to: $to) { lifecycle } }`;

const VERB: Record<string, string> = {
  ACTIVE: "Activate", PASSIVE: "Make passive", RETIRED: "Retire", PROVISIONED: "Provision",
};

export function lifecycleSection(twin: TwinDetail, reload: () => void): HTMLElement {
  const state = h("p", {}, "State: ", h("strong", { class: "lifecycle" }, twin.lifecycle));
  const moves = twin.allowedTransitions;
  if (moves === undefined) {
    return section("Lifecycle", state, notYet("Allowed transitions", "Twin.allowedTransitions"));
  }
  if (moves.length === 0) {
    return section("Lifecycle", state, h("p", { class: "note", "data-role": "no-moves" },
      twin.lifecycle === "RETIRED" ? "Retired: no further moves." : "No moves offered (you may not change this twin)."));
  }
  const out = h("div", { "aria-live": "polite", class: "lifecycle-confirm" });
  const ask = (to: string): void => {
    const yes = h("button", { type: "button", "data-confirm": to }, `Yes, ${(VERB[to] ?? to).toLowerCase()}`);
    const no = h("button", { type: "button" }, "Cancel");
    no.addEventListener("click", () => clear(out));
    yes.addEventListener("click", () => {
      yes.disabled = true;
      void gql(SET_LIFECYCLE, { id: twin.id, to })
        .then(reload)
        .catch((error: unknown) => clear(out, errorNote(String(error instanceof Error ? error.message : error))));
    });
    clear(out, h("p", {}, `Move ${twin.id} from ${twin.lifecycle} to ${to}?`), yes, " ", no);
    yes.focus();
  };
  const buttons = h("div", { class: "moves", role: "group", "aria-label": "Allowed lifecycle moves" },
    ...moves.map((to) => h("button", { type: "button", "data-to": to, onclick: () => ask(to) },
      `${VERB[to] ?? to} (${to})`)));
  return section("Lifecycle", state, buttons, out);
}
