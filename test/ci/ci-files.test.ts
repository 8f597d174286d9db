import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";

const KEYWORDS = new Set([
  "stages",
  "variables",
  "default",
  "include",
  "workflow",
  "image",
  "services",
  "cache",
  "before_script",
  "after_script",
]);
type Job = {
  stage?: string;
  rules?: { if?: string; when?: string }[];
  extends?: string;
  script?: string[];
  when?: string;
  release?: unknown;
  parallel?: unknown;
};

describe("the project's .gitlab-ci.yml", () => {
  const ci = parse(readFileSync(join(repoRoot, ".gitlab-ci.yml"), "utf8")) as Record<
    string,
    unknown
  > & { stages: string[] };
  const jobs = Object.entries(ci).filter(
    ([name]) => !KEYWORDS.has(name) && !name.startsWith("."),
  ) as [string, Job][];
  const stageOf = (job: Job): string | undefined =>
    job.stage ?? (job.extends ? (ci[job.extends] as Job).stage : undefined);

  it("puts every job in a declared stage and gives it rules", () => {
    for (const [name, job] of jobs) {
      expect([...ci.stages, ".pre", ".post"], name).toContain(stageOf(job) ?? "test");
      expect(job.rules, `${name} has rules`).toBeDefined();
    }
  });

  it("tests on Node 20 and 22 and checks the generated files", () => {
    const test = ci.test as Job & { parallel: { matrix: { NODE: string[] }[] } };
    expect(test.parallel.matrix[0]!.NODE).toEqual(["20", "22"]);
    expect(test.script).toEqual(["npm test"]);
    expect((ci["generated-files"] as Job).script).toEqual([
      "node dist/cli.js schema --check",
      "node dist/cli.js build --check -c examples/envsync.yaml -o flows",
    ]);
  });

  it("publishes and releases only on a version tag, publishing only with the token set", () => {
    const publish = ci["publish-flows"] as Job;
    expect(publish.rules![0]!.if).toMatch(/\$CI_COMMIT_TAG/);
    expect(publish.rules![0]!.if).toMatch(/\$ENVSYNC_GITLAB_TOKEN/);
    expect(stageOf(publish)).toBe("release");
    expect((ci["release-components"] as Job).release).toBeDefined();
  });
});

describe("the CI/CD components", () => {
  for (const name of ["pipeline-doctor", "drift-check", "fleet-drift", "protect"]) {
    const text = readFileSync(join(repoRoot, "templates", `${name}.yml`), "utf8");
    const [specDoc, jobsDoc] = parseAllDocuments(text);
    const spec = specDoc!.toJS() as { spec: { inputs: Record<string, { default?: unknown }> } };
    const jobs = jobsDoc!.toJS() as Record<string, Job>;

    it(`${name}: starts with a spec:inputs header, every input with a default`, () => {
      expect(Object.keys(spec.spec.inputs).length).toBeGreaterThan(3);
      for (const [input, def] of Object.entries(spec.spec.inputs))
        expect(def, input).toHaveProperty("default");
      for (const input of ["stage", "image", "config", "token_variable"])
        expect(spec.spec.inputs).toHaveProperty(input);
    });

    it(`${name}: declares every $[[ inputs.x ]] it uses`, () => {
      const used = [...text.matchAll(/\$\[\[\s*inputs\.([\w-]+)/g)].map((m) => m[1]!);
      expect(used.length).toBeGreaterThan(3);
      for (const input of used) expect(Object.keys(spec.spec.inputs), input).toContain(input);
    });

    it(`${name}: constrains every text input with a regex or options`, () => {
      const inputs = spec.spec.inputs as Record<
        string,
        { type?: string; regex?: string; options?: unknown[] }
      >;
      for (const [input, def] of Object.entries(inputs)) {
        if (def.type === "boolean" || def.type === "number") continue;
        expect(def.regex ?? def.options, input).toBeDefined();
        if (!def.regex) continue;
        const pattern = new RegExp(def.regex);
        expect(pattern.test(String((def as { default?: unknown }).default)), input).toBe(true);
        for (const attack of ['x"; curl evil | sh; "', "$(id)", "`id`", "a\nb", "x y;z"])
          expect(pattern.test(attack), `${input} takes ${attack}`).toBe(false);
      }
    });

    it(`${name}: lets inputs reach the script only through quoted variables`, () => {
      for (const job of Object.values(jobs) as (Job & {
        script?: string[];
        before_script?: string[];
      })[]) {
        const scripts = [...(job.script ?? []), ...(job.before_script ?? [])].join("\n");
        expect(scripts).not.toContain("$[[");
        expect(scripts).not.toMatch(/npx\s+(--yes|-y)/);
      }
    });

    it(`${name}: pins its image to a version or a digest`, () => {
      const image = String((spec.spec.inputs.image as { default: string }).default);
      expect(image).toMatch(/:\d+\.\d+\.\d+|@sha256:[0-9a-f]{64}$/);
    });

    it(`${name}: runs its jobs only under rules`, () => {
      const runnable = Object.entries(jobs).filter(([jobName]) => !jobName.startsWith("."));
      expect(runnable.length).toBeGreaterThan(0);
      for (const [, job] of runnable) {
        const rules = job.rules ?? jobs[(job as { extends?: string }).extends ?? ""]?.rules;
        expect(rules?.length).toBeGreaterThan(0);
      }
    });
  }

  it("pipeline-doctor runs only when an earlier stage failed, never for schedules", () => {
    const job = Object.values(
      parseAllDocuments(
        readFileSync(join(repoRoot, "templates/pipeline-doctor.yml"), "utf8"),
      )[1]!.toJS() as Record<string, Job>,
    )[0]!;
    expect(job.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "schedule"', when: "never" },
      { when: "on_failure" },
    ]);
  });

  it("protect is offered by hand only when envsync.yaml changes on the default branch", () => {
    const job = Object.values(
      parseAllDocuments(
        readFileSync(join(repoRoot, "templates/protect.yml"), "utf8"),
      )[1]!.toJS() as Record<string, Job & { script: string[] }>,
    )[0]!;
    expect(job.rules).toEqual([
      {
        if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH',
        changes: ["$[[ inputs.config ]]"],
        when: "manual",
        allow_failure: true,
      },
    ]);
    expect(job.script.at(-1)).toBe('envsync protect -c "$ENVSYNC_CONFIG"');
  });

  it("drift-check runs on schedules, and on pushes to the commit_branches, with full history", () => {
    const job = Object.values(
      parseAllDocuments(
        readFileSync(join(repoRoot, "templates/drift-check.yml"), "utf8"),
      )[1]!.toJS() as Record<string, Job & { variables: Record<string, string> }>,
    )[0]!;
    expect(job.rules).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "schedule"' },
      {
        if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH =~ /^($[[ inputs.commit_branches ]])$/',
      },
    ]);
    expect(job.variables.GIT_DEPTH).toBe("0");
  });
});
