// `npm run docs:authorization`: writes docs/AUTHORIZATION.md from the matrix in src/api/authorization.ts
// (test/authorization.test.ts fails when the file is stale).
import { writeFileSync } from "node:fs";
import { renderAuthorizationTable } from "../src/api/authorization.js";

writeFileSync(new URL("../docs/AUTHORIZATION.md", import.meta.url), renderAuthorizationTable());
