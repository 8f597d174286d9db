import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderConfigJsonSchema } from "../../src/config/json-schema.js";
import { envsync, repoRoot, tempDir } from "../helpers/cli.js";

const committed = join(repoRoot, "schema", "envsync.schema.json");

describe("schema/envsync.schema.json", () => {
  it("is what `envsync schema` generates (run `npm run schema:update` after changing the zod schema)", () => {
    expect(readFileSync(committed, "utf8")).toBe(renderConfigJsonSchema());
  });

  it("lets an editor validate the examples and catch a typo", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(committed, "utf8")));
    for (const name of ["envsync.yaml", "minimal.yaml", "multi-project.yaml"]) {
      const data = parse(readFileSync(join(repoRoot, "examples", name), "utf8"));
      expect(validate(data), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const typo = parse("version: 1\nenvironments:\n  dev: { branch: develop, protectd: true }\n");
    expect(validate(typo)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === "additionalProperties")).toBe(true);
  });

  it("carries descriptions and defaults for editor help", () => {
    const schema = JSON.parse(renderConfigJsonSchema());
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const threshold = schema.properties.conflicts.properties.ai_confidence_threshold;
    expect(threshold.default).toBe(0.8);
    expect(threshold.description).toMatch(/tier 3 below/);
    expect(schema.required).toEqual(["version", "environments"]);
  });
});

describe("envsync schema", () => {
  it("writes the file, then reports it current", async () => {
    const out = join(tempDir(), "schema", "envsync.schema.json");
    const first = await envsync("schema", "-o", out);
    expect(first).toMatchObject({ code: 0, out: `wrote ${out}\n` });
    expect(readFileSync(out, "utf8")).toBe(renderConfigJsonSchema());
    const check = await envsync("schema", "--check", "-o", out);
    expect(check).toMatchObject({ code: 0, out: `${out} is up to date\n` });
  });

  it("--check fails on a stale or missing file and writes nothing", async () => {
    const dir = tempDir();
    const out = join(dir, "envsync.schema.json");
    const missing = await envsync("schema", "--check", "-o", out);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("is missing");
    writeFileSync(out, "{}\n");
    const stale = await envsync("schema", "--check", "-o", out, "--json");
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.out)).toMatchObject({
      file: out,
      fresh: false,
      error: { code: "schema-stale" },
    });
    expect(stale.err).toContain("envsync schema");
    expect(readFileSync(out, "utf8")).toBe("{}\n");
  });
});
