/**
 * Loads the Handlebars templates (templates/flows, templates/prompts, templates/partials) into one
 * isolated Handlebars environment. Helpers are few and each escapes for exactly one context:
 * `json` for a YAML scalar, `placeholder` for a Jinja placeholder GitLab fills at run time, `prompt`
 * for a rendered prompt embedded as a YAML scalar.
 *
 * `npm run build` precompiles the bundled templates into dist/precompiled-templates.js. A template
 * whose source still hashes to its precompiled version skips Handlebars' compiler (the larger part
 * of a build's time); an edited or custom template is compiled here, so output never goes stale.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type Handlebars from "handlebars";
import { EnvsyncError } from "../errors.js";
import { readText } from "../output/files.js";
import { packageRoot } from "../package-root.js";
import type { FlowViewModel } from "./view-model.js";

/** A flow or prompt template: it renders the whole view model (docs/flows.md, the contract). */
export type ViewTemplate = Handlebars.TemplateDelegate<FlowViewModel>;

export interface TemplateSet {
  dir: string;
  flows: Map<string, ViewTemplate>;
  prompts: Map<string, ViewTemplate>;
}

interface TemplateSource {
  /** e.g. partials/projects, prompts/core/classify, flows/core */
  key: string;
  file: string;
  text: string;
}

type Precompiled = Record<
  string,
  { hash: string; spec: Parameters<typeof Handlebars.template>[0] }
>;

export const COMPILE_OPTIONS = { noEscape: true, strict: true, preventIndent: true } as const;
const KINDS = [
  ["partials", ".hbs"],
  ["prompts", ".hbs"],
  ["flows", ".yml.hbs"],
] as const;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export async function readTemplateSources(dir: string): Promise<TemplateSource[]> {
  const sources: TemplateSource[] = [];
  for (const [kind, suffix] of KINDS) {
    const root = join(dir, kind);
    let entries;
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch (error) {
      throw new EnvsyncError(
        "templates-unreadable",
        `cannot read templates in ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    const files = entries
      .filter((e) => e.isFile() && e.name.endsWith(suffix))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    const texts = await Promise.all(files.map((file) => readText(file)));
    files.forEach((file, i) =>
      sources.push({
        key: `${kind}/${relative(root, file).slice(0, -suffix.length)}`,
        file,
        text: texts[i]!,
      }),
    );
  }
  return sources;
}

async function loadPrecompiled(): Promise<Precompiled> {
  const file = join(packageRoot(), "dist", "precompiled-templates.js");
  if (!existsSync(file)) return {};
  return ((await import(pathToFileURL(file).href)) as { default: Precompiled }).default;
}

export async function loadTemplates(dir: string): Promise<TemplateSet> {
  const sources = await readTemplateSources(dir);
  const precompiled = await loadPrecompiled();
  const fresh = (s: TemplateSource) => precompiled[s.key]?.hash === sha256(s.text);
  const needsCompiler = sources.some((s) => !fresh(s));
  // The runtime alone is a fraction of the full package; load the compiler only when needed.
  const hb: typeof Handlebars = needsCompiler
    ? (await import("handlebars")).default.create()
    : (await import("handlebars/runtime")).default.create();

  const where = (s: TemplateSource) => relative(dir, s.file);
  // A partial renders whatever context it is called in (a list item inside {{#each}}); flows and
  // prompts render the view model.
  const toTemplate = <T>(s: TemplateSource): Handlebars.TemplateDelegate<T> => {
    let template: Handlebars.TemplateDelegate<T>;
    try {
      template = fresh(s)
        ? hb.template(precompiled[s.key]!.spec)
        : hb.compile(s.text, COMPILE_OPTIONS);
    } catch (error) {
      throw new EnvsyncError(
        "template-failed",
        `template ${where(s)}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    return (context: T, options?: Handlebars.RuntimeOptions) => {
      try {
        return template(context, options);
      } catch (error) {
        if (error instanceof EnvsyncError) throw error;
        throw new EnvsyncError(
          "template-failed",
          `template ${where(s)}: ${(error as Error).message.split("\n")[0]}`,
        );
      }
    };
  };

  const prompts = new Map<string, ViewTemplate>();
  const flows = new Map<string, ViewTemplate>();
  for (const s of sources) {
    const [kind] = s.key.split("/", 1);
    const name = s.key.slice(kind!.length + 1);
    // Partials are registered compiled: one registered as source is recompiled on every render.
    if (kind === "partials") hb.registerPartial(name, toTemplate<unknown>(s));
    else if (kind === "prompts") prompts.set(name, toTemplate<FlowViewModel>(s));
    else flows.set(name, toTemplate<FlowViewModel>(s));
  }

  hb.registerHelper("json", (value: unknown) => JSON.stringify(value));
  hb.registerHelper("placeholder", (name: unknown) => `{{${String(name)}}}`);
  hb.registerHelper("prompt", (name: unknown, options: Handlebars.HelperOptions) => {
    const template = prompts.get(String(name));
    if (!template)
      throw new EnvsyncError(
        "prompt-missing",
        `prompt template '${String(name)}' does not exist under ${join(dir, "prompts")}`,
      );
    // Prompts always see the whole view model, wherever the helper is called. Surrounding blank
    // lines are template layout, not prompt text. The text goes into a side table and the YAML
    // gets a short token: parsing kilobytes of quoted prompt back out of YAML costs more than the
    // rest of the build.
    const data = options.data as { renderedPrompts: string[]; root: FlowViewModel };
    data.renderedPrompts.push(`${template(data.root).trim()}\n`);
    return JSON.stringify(promptToken(data.renderedPrompts.length - 1));
  });
  return { dir, flows, prompts };
}

export function promptToken(index: number): string {
  return `envsync-prompt-${index}`;
}

/** Renders a flow template; prompt texts come back separately, referenced by promptToken(). */
export function renderFlowTemplate(
  template: ViewTemplate,
  view: FlowViewModel,
): { text: string; prompts: string[] } {
  const prompts: string[] = [];
  return { text: template(view, { data: { renderedPrompts: prompts } }), prompts };
}

/**
 * Source of dist/precompiled-templates.js for a templates directory.
 * @public scripts/bundle-cli.mjs calls it from the compiled dist/ module.
 */
export async function precompiledModule(dir: string): Promise<string> {
  const { default: handlebars } = await import("handlebars");
  const entries = (await readTemplateSources(dir)).map((s) => {
    // precompile() is typed as a spec object but returns its JavaScript source.
    const spec = handlebars.precompile(s.text, COMPILE_OPTIONS) as unknown as string;
    return `  ${JSON.stringify(s.key)}: { hash: ${JSON.stringify(sha256(s.text))}, spec: ${spec} },`;
  });
  return `// Generated by scripts/bundle-cli.mjs from templates/: precompiled Handlebars specs.\nexport default {\n${entries.join("\n")}\n};\n`;
}
