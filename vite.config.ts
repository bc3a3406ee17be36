// Builds Kinema Studio (web/) into web/dist, which the API serves at / (src/api/static.ts).
// Offline and quick: no plugins; Vite's own transform handles TSX with the automatic JSX runtime.
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => ({
  root: "web",
  base: "/",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  // A production bundle (React's production build, no JSX dev helpers) even when the caller's NODE_ENV
  // says otherwise, e.g. a test runner's "test".
  ...(mode === "production" ? {
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    oxc: { jsx: { runtime: "automatic" as const, development: false } },
  } : {}),
}));
