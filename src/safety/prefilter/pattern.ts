// PATTERN rules run on RE2 (re2js: a pure-JavaScript port of RE2, no native build): matching takes time
// linear in the prompt whatever an admin writes, so a catastrophic pattern such as `(a+)+$` cannot hang
// the API the way it hangs a backtracking engine (V8's RegExp takes minutes on 30 characters of it).
// RE2 has no lookaround and no backreferences: such a pattern is refused when it is saved, with RE2's
// message, and a stored one that does not compile is left out of the rule set (rules.ts: skipped).
import { RE2JS } from "re2js";

export interface CompiledPattern { test(text: string): boolean }

/** The compiled pattern, or the reason it cannot be one. */
export function compilePattern(source: string): CompiledPattern | { error: string } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { test: (text) => re.matcher(text).find() };
}
