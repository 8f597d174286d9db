/**
 * The parts of `conflicts` that `envsync learn` calibrates: tier-2 categories of files, each with
 * its own confidence threshold, and where the record of past proposals is read. Kept apart from
 * schema.ts, which imports these two fields.
 */
import * as z from "zod";
import { globError } from "./glob.js";

/** The category of a file that matches none: its threshold is `ai_confidence_threshold`. */
export const OTHER_CATEGORY = "other";
/** A category name, as the flow writes it in a proposal's marker: short, no spaces or markup. */
export const CATEGORY_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** A GitLab username (letters, digits, `_`, `-`, `.`; no leading `-` or `.`). */
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;

const unit = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");

const categoryGlob = z.string().superRefine((value, ctx) => {
  const problem = globError(value);
  if (problem) ctx.addIssue({ code: "custom", message: `invalid glob '${value}': ${problem}` });
});

const categorySchema = z
  .strictObject({
    name: z
      .string()
      .regex(CATEGORY_NAME, "use lowercase letters, digits, '_' and '-', starting with a letter")
      .refine((name) => name !== OTHER_CATEGORY, {
        message: `'${OTHER_CATEGORY}' is the category of files that match none; pick another name`,
      })
      .describe("The category's name, as proposals and `envsync learn` report it."),
    paths: z
      .array(categoryGlob)
      .min(1, "list at least one path glob")
      .describe("Files in this category (the first category that matches a file is its own)."),
    threshold: unit
      .optional()
      .describe(
        "Tier-2 confidence threshold for these files (`envsync learn --write` calibrates it). " +
          "Default: `ai_confidence_threshold`.",
      ),
  })
  .describe("A tier-2 category of conflicting files with its own confidence threshold.");

export const categoriesSchema = z
  .array(categorySchema)
  .default([])
  .superRefine((categories, ctx) => {
    const seen = new Set<string>();
    categories.forEach((category, index) => {
      if (seen.has(category.name))
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `category '${category.name}' is listed twice`,
        });
      seen.add(category.name);
    });
  })
  .describe(
    `Tier-2 categories, first match wins; a file in none is in '${OTHER_CATEGORY}', whose ` +
      "threshold is `ai_confidence_threshold`.",
  );

export const learningSchema = z
  .strictObject({
    author: z
      .string()
      .regex(USERNAME, "must be a GitLab username, without '@'")
      .optional()
      .describe(
        "Username of the account the conflict-resolver flow posts as (its service account, " +
          "which `envsync publish` reports): only its notes' proposal markers count. Default: " +
          "the service account GitLab's AI Catalog names for the flow enabled in the project.",
      ),
    label: z
      .string()
      .min(1)
      .max(255)
      .default("envsync")
      .describe("Label of the merge requests whose proposals `envsync learn` reads."),
    target: unit
      .default(0.7)
      .describe(
        "Acceptance a threshold must show: the lowest confidence whose proposals' Wilson lower " +
          "bound of acceptance reaches it is recommended.",
      ),
  })
  .prefault({})
  .describe("Where `envsync learn` reads the record of tier-2 proposals, and what it aims for.");
