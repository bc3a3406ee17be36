// The model's card as the API serves it (Query.model): name, version, description and the prompts it
// knows, read from model.json in the model folder. The API process never loads the model itself (the
// workers do), so this reads the file only, once per folder, and checks it against the same contract.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { manifestSchema } from "./manifest.js";

export interface ModelCard { name: string; version: string; description: string; trained: boolean; examplePrompts: string[] }

const cardSchema = manifestSchema.pick({ id: true, version: true, description: true, trained: true, examplePrompts: true });
const cards = new Map<string, Promise<ModelCard | null>>();

async function read(modelDir: string): Promise<ModelCard | null> {
  try {
    const card = cardSchema.parse(JSON.parse(await readFile(join(modelDir, "model.json"), "utf8")));
    return { name: card.id, version: card.version, description: card.description, trained: card.trained, examplePrompts: card.examplePrompts ?? [] };
  } catch {
    return null;
  }
}

/** The card of the model in `modelDir`; null when model.json is missing or does not follow the contract (tried again next time). */
export function modelCard(modelDir: string): Promise<ModelCard | null> {
  let card = cards.get(modelDir);
  if (!card) {
    card = read(modelDir);
    cards.set(modelDir, card);
    void card.then((c) => { if (!c) cards.delete(modelDir); });
  }
  return card;
}
