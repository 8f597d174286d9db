import { defineConfig } from "vitest/config";

// Three tiers, fastest first:
// - unit: pure modules, no git, no network, no files (`*.unit.test.ts`);
// - integration: the CLI in-process against real git repositories and the GitLab stand-in;
// - bin: the built binary in a child process (`*.bin.test.ts`); builds dist/ first.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.unit.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.unit.test.ts", "test/**/*.bin.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "bin",
          include: ["test/**/*.bin.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
        },
      },
    ],
  },
});
