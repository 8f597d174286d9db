/**
 * Loads the Handlebars templates (templates/flows, templates/prompts, templates/partials) into one
 * isolated Handlebars environment. Helpers are few and each escapes for exactly one context:
 * `json` for a YAML scalar, `placeholder` for a Jinja placeholder GitLab fills at run time, `prompt`
 * for a rendered prompt embedded as a YAML scalar.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import Handlebars from "handlebars";
import { BuildError } from "../errors.js";

export interface TemplateSet {
  dir: string;
  flows: Map<string, Handlebars.TemplateDelegate>;
  prompts: Map<string, Handlebars.TemplateDelegate>;
}

const COMPILE_OPTIONS: CompileOptions = { noEscape: true, strict: true, preventIndent: true };
type CompileOptions = Parameters<typeof Handlebars.compile>[1];

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new BuildError(`cannot read templates in ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function loadTemplates(dir: string): Promise<TemplateSet> {
  const hb = Handlebars.create();
  const prompts = new Map<string, Handlebars.TemplateDelegate>();
  const flows = new Map<string, Handlebars.TemplateDelegate>();
  const compile = (source: string, file: string) => {
    try {
      const template = hb.compile(source, COMPILE_OPTIONS);
      return (context: unknown) => {
        try {
          return template(context);
        } catch (error) {
          throw new BuildError(`template ${relative(dir, file)}: ${(error as Error).message.split("\n")[0]}`);
        }
      };
    } catch (error) {
      throw new BuildError(`template ${relative(dir, file)}: ${(error as Error).message.split("\n")[0]}`);
    }
  };

  for (const file of await listFiles(join(dir, "partials"), ".hbs")) {
    hb.registerPartial(relative(join(dir, "partials"), file).replace(/\.hbs$/, ""), await readFile(file, "utf8"));
  }
  for (const file of await listFiles(join(dir, "prompts"), ".hbs")) {
    prompts.set(relative(join(dir, "prompts"), file).replace(/\.hbs$/, ""), compile(await readFile(file, "utf8"), file));
  }
  for (const file of await listFiles(join(dir, "flows"), ".yml.hbs")) {
    flows.set(relative(join(dir, "flows"), file).replace(/\.yml\.hbs$/, ""), compile(await readFile(file, "utf8"), file));
  }

  hb.registerHelper("json", (value: unknown) => JSON.stringify(value));
  hb.registerHelper("placeholder", (name: unknown) => `{{${String(name)}}}`);
  hb.registerHelper("prompt", (name: unknown, options: Handlebars.HelperOptions) => {
    const template = prompts.get(String(name));
    if (!template) throw new BuildError(`prompt template '${String(name)}' does not exist under ${join(dir, "prompts")}`);
    // Prompts always see the whole view model, wherever the helper is called. Surrounding blank
    // lines are template layout, not prompt text.
    return JSON.stringify(`${template(options.data.root).trim()}\n`);
  });
  return { dir, flows, prompts };
}
