// The @neo4j/graphql side of benchmarks/graphql.py: the twins a Twinweave Neo4j store wrote,
// served by the library a team would otherwise put on the same database, set up the way
// its "self-hosting" guide does (Neo4jGraphQL with typeDefs and a driver, Apollo Server).
//
//   node server.mjs --uri bolt://127.0.0.1:17687 --namespace bench_x [--workers N]
//
// Prints "ready <url>" on stdout once it serves (the benchmark reads that line).
// The typeDefs map the store's layout (ontology/graph/neo4j/_cypher.py):
//   (:<ns>_Twin {id, model, lifecycle, props})-[:CONTAINS]->(:<ns>_Twin)
//   (:<ns>_Signal {twin, signal, value (JSON text), time})  -- joined on Signal.twin = Twin.id
// With --workers N it runs N processes (node:cluster) on one port, as our server runs N.
import cluster from "node:cluster";
import net from "node:net";
import { parseArgs } from "node:util";

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const NAMESPACE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

const { values } = parseArgs({
  options: {
    uri: { type: "string", default: "bolt://127.0.0.1:17687" },
    namespace: { type: "string" },
    workers: { type: "string", default: "1" },
    port: { type: "string", default: "0" },
  },
});
const ns = values.namespace ?? "";
if (!NAMESPACE.test(ns)) {
  console.error(`--namespace ${JSON.stringify(ns)}: expected a label prefix like bench_1a2b`);
  process.exit(2);
}
const workers = Number.parseInt(values.workers, 10);
if (!(workers >= 1 && workers <= 16)) {
  console.error(`--workers ${values.workers}: expected 1 to 16`);
  process.exit(2);
}

function typeDefs(prefix) {
  // labels are the namespace's (a validated label prefix); every value is a parameter
  return `#graphql
    type Twin @node(labels: ["${prefix}_Twin"]) {
      id: ID!
      model: String!
      lifecycle: String!
      children: [Twin!]! @relationship(type: "CONTAINS", direction: OUT)
      parents: [Twin!]! @relationship(type: "CONTAINS", direction: IN)
      signals: [Signal!]!
        @cypher(
          statement: "MATCH (s:${prefix}_Signal {twin: this.id}) RETURN s"
          columnName: "s"
        )
    }

    type Signal @node(labels: ["${prefix}_Signal"]) {
      twin: ID!
      signal: String!
      value: String!
      time: String!
    }
  `;
}

async function freePort() {
  return await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function serve(port) {
  const driver = neo4j.driver(values.uri); // the shared Neo4j runs with auth off
  const neoSchema = new Neo4jGraphQL({ typeDefs: typeDefs(ns), driver });
  const server = new ApolloServer({ schema: await neoSchema.getSchema() });
  const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
  return url;
}

if (cluster.isPrimary && workers > 1) {
  const port = values.port === "0" ? await freePort() : Number.parseInt(values.port, 10);
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork({ BENCH_PORT: String(port) });
    worker.on("message", (message) => {
      ready += message === "ready" ? 1 : 0;
      if (ready === workers) console.log(`ready http://127.0.0.1:${port}/`);
    });
  }
  cluster.on("exit", (_worker, code) => {
    if (code !== 0) process.exit(1);
  });
} else {
  const port = Number.parseInt(process.env.BENCH_PORT ?? values.port, 10);
  const url = await serve(port);
  if (cluster.isWorker) process.send("ready");
  else console.log(`ready ${url}`);
}
