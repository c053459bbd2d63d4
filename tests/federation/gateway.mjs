// Compose the twinweave subgraph (its live SDL) with the work-orders subgraph and serve
// both through Apollo Gateway. Usage: node gateway.mjs <twinweave-url>
// Prints one line "ready <gateway-url>" on stdout when it serves; composition errors go
// to stderr and end the process with exit code 2, hints are printed as warnings.
import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { parse } from "graphql";
import { startWorkOrders, typeDefs as workOrderTypeDefs } from "./workorders.mjs";

const twinweaveUrl = process.argv[2];
if (!twinweaveUrl) {
  console.error("usage: node gateway.mjs <twinweave-graphql-url>");
  process.exit(2);
}

const response = await fetch(twinweaveUrl, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query: "{ _service { sdl } }" }),
});
const sdl = (await response.json()).data._service.sdl;

const workOrders = await startWorkOrders(0);
const composed = composeServices([
  { name: "twinweave", url: twinweaveUrl, typeDefs: parse(sdl) },
  { name: "workorders", url: workOrders.url, typeDefs: workOrderTypeDefs },
]);
if (composed.errors) {
  for (const error of composed.errors) console.error(`composition error: ${error.message}`);
  process.exit(2);
}
for (const hint of composed.hints ?? []) console.error(`composition hint: ${hint.definition.code}: ${hint.message}`);

const gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
const { url } = await startStandaloneServer(gateway, { listen: { port: 0, host: "127.0.0.1" } });
console.log(`ready ${url}`);
