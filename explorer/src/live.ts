// Live signal values: a GraphQL subscription (graphql-transport-ws over a WebSocket at
// /graphql) when the server has one, else polling the public twin query.

import { type Client, createClient } from "graphql-ws";
import { gql, type Schema } from "./api";
import type { SignalValue } from "./types";

export const POLL_MS = 1000;
/** The server coalesces changes into at most one message per this many seconds. */
export const MIN_INTERVAL_S = 0.25;

const SUBSCRIPTION = `subscription Live($under: ID!, $signals: [String!], $after: String, $min: Float!) {
  signalChanges(under: $under, signals: $signals, minInterval: $min, after: $after) {
    cursor changes { twin signal value time quality batch }
  }
}`;

const SIGNALS_QUERY = `query Signals($id: ID!) {
  twin(id: $id) { signals { name value unit time quality batch } }
}`;

export interface Change {
  twin: string;
  signal: string;
  value: unknown;
  time: string;
  quality: string | null;
  batch: string | null;
}

export type LiveMode = "subscription" | "polling";

let socket: Client | null = null;

function client(): Client {
  socket ??= createClient({
    url: new URL("graphql", location.href).href.replace(/^http/, "ws"),
    lazy: true,
    retryAttempts: 3,
  });
  return socket;
}

/**
 * Signal changes under a twin (its subtree), `signals` only when given, at most one message
 * per `minInterval` seconds. Returns a function that stops it; `onError` when the socket fails.
 */
export function watch(
  under: string,
  signals: string[] | null,
  minInterval: number,
  onChanges: (changes: Change[]) => void,
  onError: () => void,
): () => void {
  return client().subscribe<{ signalChanges: { cursor: string; changes: Change[] } }>(
    { query: SUBSCRIPTION, variables: { under, signals, after: null, min: minInterval } },
    {
      next: (message) => {
        const batch = message.data?.signalChanges;
        if (batch) onChanges(batch.changes);
      },
      error: onError,
      complete: () => undefined,
    },
  );
}

/**
 * Keeps `twinId`'s signals current: `onSignals` gets whole lists (polling) or merged
 * changes (subscription). Returns a function that stops it.
 */
export function follow(
  schema: Schema,
  twinId: string,
  current: () => SignalValue[],
  onSignals: (signals: SignalValue[], mode: LiveMode) => void,
): () => void {
  let stopped = false;
  let timer: number | undefined;
  const poll = (): void => {
    if (timer !== undefined) return;
    onSignals(current(), "polling");
    timer = window.setInterval(() => {
      void gql<{ twin: { signals: SignalValue[] } | null }>(SIGNALS_QUERY, { id: twinId })
        .then((data) => {
          if (!stopped && data.twin) onSignals(data.twin.signals, "polling");
        })
        .catch(() => undefined); // a missed poll shows as growing ages; the next one retries
    }, POLL_MS);
  };
  if (!schema.can("Subscription", "signalChanges", "subscriptions")) {
    poll();
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }
  const dispose = watch(twinId, null, MIN_INTERVAL_S, (changes) => {
    if (stopped) return;
    const byName = new Map(current().map((s) => [s.name, s]));
    for (const change of changes) {
      if (change.twin !== twinId) continue;
      const before = byName.get(change.signal);
      byName.set(change.signal, {
        name: change.signal, value: change.value, unit: before?.unit ?? null,
        time: change.time, quality: change.quality, batch: change.batch,
      });
    }
    onSignals([...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), "subscription");
  }, () => {
    if (!stopped) poll(); // the socket failed for good: fall back to polling
  });
  onSignals(current(), "subscription");
  return () => {
    stopped = true;
    dispose();
    window.clearInterval(timer);
  };
}
