// The prompts the model in use knows (its card's examplePrompts, Query.model): one click puts one in the
// prompt field, so a new user's first try is one the shipped model can do.
import { useEffect, useState } from "react";
import { MODEL } from "../queries";
import { useSession } from "../session";
import type { ModelCard } from "../types";

/** The model's card, or null while loading or when it cannot be read (the form works without it). */
export function useModelCard(): ModelCard | null {
  const { request } = useSession();
  const [card, setCard] = useState<ModelCard | null>(null);
  useEffect(() => {
    let live = true;
    request<{ model: ModelCard | null }>(MODEL).then((data) => { if (live) setCard(data.model); }, () => {});
    return () => { live = false; };
  }, [request]);
  return card;
}

export function ExamplePrompts({ card, onPick }: { card: ModelCard | null; onPick(prompt: string): void }) {
  if (!card || card.examplePrompts.length === 0) return null;
  return (
    <div className="examples" data-testid="example-prompts">
      <p className="hint" id="examples-hint">Prompts <code>{card.name}</code> {card.version} knows:</p>
      <ul aria-describedby="examples-hint">
        {card.examplePrompts.map((prompt) => (
          <li key={prompt}><button type="button" className="secondary small" data-testid="example-prompt" onClick={() => onPick(prompt)}>{prompt}</button></li>
        ))}
      </ul>
    </div>
  );
}
