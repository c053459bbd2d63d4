// Builds the explorer into the Python package (server/explorer/static), served at "/".
// `npm run dev` proxies the API to a local `twinweave demo` on port 8000.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    outDir: "../server/explorer/static",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { "/graphql": "http://127.0.0.1:8000", "/healthz": "http://127.0.0.1:8000" },
  },
});
