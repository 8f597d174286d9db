/**
 * The stand-in's GraphQL schema, derived from vendor/gitlab/gitlab.graphql (GitLab's own type
 * definitions, transcribed), in the two forms EnvSync meets: GitLab 18.9 and the newer one. Also
 * what SDL cannot say and production GitLab enforces: introspection refused in named operations,
 * and query complexity scored as GitLab scores it and capped at 250 for a signed-in user.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  buildSchema,
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  valueFromASTUntyped,
} from "graphql";

export type GitLabVariant = "18.9" | "newer";

/** vendor/gitlab/gitlab.graphql, found upwards (the benchmark runs a bundled copy elsewhere). */
function vendoredSdl(): string {
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const file = new URL("vendor/gitlab/gitlab.graphql", dir);
    if (existsSync(file)) return readFileSync(file, "utf8");
    if (dir.pathname === "/") throw new Error("vendor/gitlab/gitlab.graphql not found");
  }
}

/** The SDL of one variant: `#@ newer` lines dropped for 18.9, `#@ 18.9: TEXT` lines replaced. */
export function gitlabSdl(variant: GitLabVariant, source = vendoredSdl()) {
  return source
    .split("\n")
    .flatMap((line) => {
      if (line.trimStart().startsWith("#")) return [line];
      const newer = /#@ newer\s*$/.test(line);
      const older = /#@ 18\.9: (.*)$/.exec(line);
      if (variant === "18.9") {
        if (newer) return [];
        if (older) return [older[1]!];
      }
      return [line.replace(/\s*#@ .*$/, "")];
    })
    .join("\n");
}

const schemas = new Map<GitLabVariant, GraphQLSchema>();

export function gitlabSchema(variant: GitLabVariant): GraphQLSchema {
  let schema = schemas.get(variant);
  if (!schema) {
    schema = buildSchema(gitlabSdl(variant));
    schemas.set(variant, schema);
  }
  return schema;
}

/**
 * Production GitLab disables the introspection entry points: `__schema` and `__type` do not exist
 * on Query (`disable_introspection_entry_points`), so a named operation asking for them fails
 * validation like any unknown field.
 */
export function introspectionErrors(document: DocumentNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const name = selection.name.value;
      if (name === "__schema" || name === "__type")
        errors.push(new GraphQLError(`Field '${name}' doesn't exist on type 'Query'`));
    }
  }
  return errors;
}

/** GitLab's limit for a signed-in request (GitlabSchema::AUTHENTICATED_COMPLEXITY). */
export const MAX_COMPLEXITY = 250;
const DEFAULT_MAX_PAGE_SIZE = 100;

/**
 * How GitLab scores a field (Types::BaseField): a plain field costs 1 (2 when it calls Gitaly) plus
 * its children; a field with a constant complexity costs that plus its children; a field with a
 * resolver costs its children plus the resolver's own complexity (1, +1 with `sort`, +5 with
 * `search`, more for some resolvers), +1 when it calls Gitaly, and a connection multiplies that by
 * 1 + 1% per item it may load (`first`, at most the page size).
 */
interface FieldCost {
  resolver?: boolean;
  gitaly?: boolean;
  constant?: number;
  connection?: boolean;
  /** Resolver complexity beyond BaseResolver's, by argument. */
  extra?: (args: Record<string, unknown>) => number;
}

const PIPELINES: FieldCost = {
  resolver: true,
  connection: true,
  // ResolvesPipelines.resolver_complexity: +2 for sha, +2 for ref.
  extra: (args) => (args.sha ? 2 : 0) + (args.ref ? 2 : 0),
};

const FIELD_COSTS: Record<string, FieldCost> = {
  "Query.project": { resolver: true },
  "Query.group": { resolver: true },
  "Query.aiCatalogItems": { resolver: true, connection: true },
  "Query.aiCatalogBuiltInTools": { resolver: true, connection: true },
  "Query.aiCatalogConfiguredItems": { resolver: true, connection: true },
  "Project.pipelines": PIPELINES,
  "Project.environment": { resolver: true },
  "Repository.tree": { resolver: true, gitaly: true },
  "Tree.lastCommit": { constant: 10 },
  "Environment.lastDeployment": { resolver: true },
  "AiCatalogAgentVersion.tools": { resolver: true, connection: true },
  "Mutation.aiCatalogAgentCreate": { resolver: true },
  "Mutation.aiCatalogAgentUpdate": { resolver: true },
  "Mutation.aiCatalogFlowCreate": { resolver: true },
  "Mutation.aiCatalogFlowUpdate": { resolver: true },
  "Mutation.aiCatalogItemConsumerCreate": { resolver: true },
  "Project.aiFlowTriggers": { resolver: true, connection: true },
  "Mutation.aiFlowTriggerCreate": { resolver: true },
  "Mutation.aiFlowTriggerUpdate": { resolver: true },
  "Mutation.aiFlowTriggerDelete": { resolver: true },
};

/** The complexity GitLab computes for the operation to be run. */
export function queryComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations[0];
  if (!operation) return 0;
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : schema.getQueryType();
  return root ? selectionCost(schema, root, operation.selectionSet, variables) : 0;
}

function selectionCost(
  schema: GraphQLSchema,
  parent: GraphQLObjectType | GraphQLInterfaceType,
  selectionSet: SelectionSetNode,
  variables: Record<string, unknown>,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      total += fieldCost(schema, parent, selection, variables);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value;
      const type = typeName ? schema.getType(typeName) : parent;
      if (type && (isObjectType(type) || "getFields" in type))
        total += selectionCost(
          schema,
          type as GraphQLObjectType,
          selection.selectionSet,
          variables,
        );
    }
  }
  return total;
}

function fieldCost(
  schema: GraphQLSchema,
  parent: GraphQLObjectType | GraphQLInterfaceType,
  node: FieldNode,
  variables: Record<string, unknown>,
): number {
  if (node.name.value === "__typename") return 0;
  const field = parent.getFields()[node.name.value];
  if (!field) return 0;
  const type = getNamedType(field.type);
  const children =
    node.selectionSet && "getFields" in type
      ? selectionCost(
          schema,
          type as GraphQLObjectType | GraphQLInterfaceType,
          node.selectionSet,
          variables,
        )
      : 0;
  const cost = FIELD_COSTS[`${parent.name}.${field.name}`] ?? {};
  if (cost.constant) return cost.constant + children;
  if (!cost.resolver) return 1 + (cost.gitaly ? 1 : 0) + children;
  const args = Object.fromEntries(
    (node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]),
  );
  let complexity =
    children + 1 + (args.sort ? 1 : 0) + (args.search ? 5 : 0) + (cost.extra?.(args) ?? 0);
  if (cost.gitaly) complexity += 1;
  if (cost.connection) {
    const limit = Math.min(
      ...[args.first, args.last, DEFAULT_MAX_PAGE_SIZE].filter(
        (n): n is number => typeof n === "number",
      ),
    );
    complexity += complexity * limit * 0.01;
  }
  return Math.trunc(complexity);
}

export function complexityError(complexity: number): GraphQLError {
  return new GraphQLError(
    `Query has complexity of ${complexity}, which exceeds max complexity of ${MAX_COMPLEXITY}`,
  );
}
