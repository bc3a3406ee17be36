// The configuration's error, in a module of its own so the CLI can recognise it without loading zod.
export class ConfigError extends Error {}
