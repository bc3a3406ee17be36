// Query.model: the card of the model in use (model.json's name, version and examplePrompts), which the
// studio's prompt form offers. Both shipped models' cards list prompts; the API reads the configured one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { modelCard } from "../src/engine/card.js";
import { EXAMPLE_PROMPTS } from "../model/kinema-tiny/config.js";

let db: TestDatabase;
let app: TestKinema;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe("the model card", () => {
  it("answers the model in use, with the prompts its card lists, to any key", async () => {
    const user = await app.account("FREE");
    const { model } = await user.client.data(`{ model { name version trained examplePrompts } }`);
    expect(model).toEqual({ name: "kinema-tiny", version: "0.1.0", trained: false, examplePrompts: [...EXAMPLE_PROMPTS] });
    // Each example passes the safety pre-filter: a new user's first try is accepted.
    for (const prompt of model.examplePrompts) {
      const { generateVideo } = await user.client.data(`mutation($p: String!) { generateVideo(input: { prompt: $p, durationSeconds: 1 }) { userErrors { code } } }`, { p: prompt });
      expect(generateVideo.userErrors, prompt).toEqual([]);
    }
    expect((await app.client("").request(`{ model { name } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("reads kinema-shapes' card (the shipped default), its demo prompt first, and null for a folder without one", async () => {
    const shapes = await modelCard("models/kinema-shapes");
    expect(shapes?.name).toBe("kinema-shapes");
    expect(shapes?.trained).toBe(true);
    expect(shapes?.examplePrompts[0]).toBe("a red circle moving left on a blue background");
    expect(shapes!.examplePrompts.length).toBeGreaterThanOrEqual(3);
    expect(await modelCard("/nonexistent/model")).toBeNull();
  });
});
