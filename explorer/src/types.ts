// The shapes the page reads from the GraphQL API.

export interface Alias {
  namespace: string;
  value: string;
}

export interface SignalValue {
  name: string;
  value: unknown;
  unit: string | null;
  time: string;
  quality: string | null;
  batch: string | null;
}

export interface RollupValue {
  name: string;
  signal: string;
  aggregate: string;
  value: number | null;
  time: string | null;
}

export interface TreeTwin {
  id: string;
  modelId: string;
  properties: Record<string, unknown>;
  parents: { id: string }[];
  children: { totalCount: number };
  signals: SignalValue[];
  rollups: RollupValue[];
}

export interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

export interface Content {
  name: string;
  kind: string;
  schema: string | null;
  unit: string | null;
  semanticTypes: string[];
  writable: boolean;
  target: string | null;
  definedIn: string;
}

export interface ModelSummary {
  dtmi: string;
  extends: string[];
  uploadedAt: string;
  uploadedBy: string;
  contents: Content[];
}

export interface Relationship {
  name: string;
  properties: Record<string, unknown>;
  source?: { id: string } | null;
  target?: { id: string } | null;
}

export interface TwinDetail {
  id: string;
  modelId: string;
  lifecycle: string;
  /** Only when the server has Twin.allowedTransitions. */
  allowedTransitions?: string[];
  etag: string;
  properties: Record<string, unknown>;
  aliases: Alias[];
  createdAt: string;
  updatedAt: string;
  parents: { id: string }[];
  signals: SignalValue[];
  rollups: RollupValue[];
  outgoing: Relationship[];
  incoming: Relationship[];
  model: ModelSummary | null;
}

/** The fields a tree row shows, selected the same way everywhere. */
export const TREE_TWIN_FIELDS = `
  id modelId properties
  parents { id }
  children(first: 1) { totalCount }
  signals(names: ["mode"]) { name value unit time quality batch }
  rollups { name signal aggregate value time }
`;

export function displayName(twin: { id: string; properties: Record<string, unknown> }): string {
  const name = twin.properties["name"];
  if (typeof name === "string" && name.length > 0) return name;
  const last = twin.id.split("/").pop();
  return last && last.length > 0 ? last : twin.id;
}

export function shortModel(dtmi: string): string {
  const match = /:([^:;]+);\d+$/.exec(dtmi);
  return match?.[1] ?? dtmi;
}
