// The GraphQL client: the page uses only the public API at /graphql.

export interface GraphQLErrorItem {
  message: string;
  extensions?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly errors: GraphQLErrorItem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface Response<T> {
  data?: T | null;
  errors?: GraphQLErrorItem[];
}

const ENDPOINT = "graphql";

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: globalThis.Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`the server did not answer: ${String(error)}`);
  }
  let body: Response<T>;
  try {
    body = (await response.json()) as Response<T>;
  } catch {
    throw new ApiError(`the server answered HTTP ${response.status} without JSON`);
  }
  if (body.errors && body.errors.length > 0) {
    throw new ApiError(body.errors.map((e) => e.message).join("; "), body.errors);
  }
  if (body.data === undefined || body.data === null) {
    throw new ApiError(`the server answered HTTP ${response.status} with no data`);
  }
  return body.data;
}

/** The types whose fields the page checks before it uses them. */
export const SCHEMA_TYPES = ["Query", "Mutation", "Subscription", "Twin"] as const;
export const SCHEMA_QUERY = `{ ${SCHEMA_TYPES.map((t) => `${t}: __type(name: "${t}") { name fields { name } }`).join(" ")} }`;

/** Which fields the schema has, by type: the page asks before it uses a field that may not exist yet. */
export class Schema {
  /** Capabilities the server says are ready (`service { capabilities }`). */
  ready = new Set<string>();

  private constructor(private readonly fields: Map<string, Set<string>>) {}

  /** The field exists and, when a capability is named, the server says it is ready. */
  can(type: string, field: string, capability?: string): boolean {
    return this.has(type, field) && (capability === undefined || this.ready.has(capability));
  }

  /** The fields of the types the page asks about (one small introspection, not the whole schema). */
  static async load(): Promise<Schema> {
    const data = await gql<Record<string, { name: string; fields: { name: string }[] | null } | null>>(
      SCHEMA_QUERY);
    const fields = new Map<string, Set<string>>();
    for (const type of Object.values(data)) {
      if (type?.fields) fields.set(type.name, new Set(type.fields.map((f) => f.name)));
    }
    return new Schema(fields);
  }

  has(type: string, field: string): boolean {
    return this.fields.get(type)?.has(field) ?? false;
  }

  hasType(type: string): boolean {
    return this.fields.has(type);
  }
}
