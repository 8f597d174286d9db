// What bench/fleet-status.mjs bundles of the stand-in.
export { GitLabStandin } from "./server.js";
export { attachRepositoryRoutes } from "./repository.js";
