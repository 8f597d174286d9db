/** Library entry: the core that the CLI uses, for scripts and other tools. */
export { loadConfig, parseConfig, MAX_CONFIG_BYTES } from "./config/load.js";
export { configSchema } from "./config/schema.js";
export { configJsonSchema } from "./config/json-schema.js";
export { findEnvironment } from "./config/resolve.js";
export type * from "./config/types.js";
export { ConfigError, EnvsyncError, ExitCode, formatError, type Problem } from "./errors.js";
