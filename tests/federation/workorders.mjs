// A small second subgraph: maintenance work orders, extending the twinweave Twin entity.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import gql from "graphql-tag";

export const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type WorkOrder {
    id: ID!
    title: String!
    twin: Twin!
  }

  type Twin @key(fields: "id") {
    id: ID!
    workOrders: [WorkOrder!]!
  }

  type Query {
    workOrders: [WorkOrder!]!
  }
`;

const ORDERS = [
  { id: "WO-1", title: "Calibrate probe", twinId: "acme/jkt1/machining/cell1/cmm1" },
  { id: "WO-2", title: "Replace spindle bearing", twinId: "acme/jkt1/machining/cell1/lathe1" },
  { id: "WO-3", title: "Inspect coolant pump", twinId: "acme/jkt1/machining/cell1/lathe1" },
];

const resolvers = {
  Query: { workOrders: () => ORDERS },
  WorkOrder: { twin: (order) => ({ __typename: "Twin", id: order.twinId }) },
  Twin: {
    __resolveReference: (ref) => ({ id: ref.id }),
    workOrders: (twin) => ORDERS.filter((o) => o.twinId === twin.id),
  },
};

export async function startWorkOrders(port) {
  const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
  const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
  return { server, url };
}
