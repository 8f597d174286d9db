/** What the GitLab stand-in knows: projects, groups, and the AI Catalog. Tests seed and inspect it. */
import { GITLAB_TOOLS } from "../../src/generated/gitlab-reference.js";

export interface StandinProject {
  id: number;
  fullPath: string;
  defaultBranch: string;
}

export interface StandinGroup {
  id: number;
  fullPath: string;
}

export interface StandinVersion {
  id: number;
  versionName: string;
  released: boolean;
  createdAt: string;
  definition?: string;
  systemPrompt?: string;
  userPrompt?: string;
  toolIds?: number[];
}

export interface StandinItem {
  id: number;
  name: string;
  description: string;
  itemType: "AGENT" | "FLOW";
  projectId: number;
  visibility: "PRIVATE" | "RESTRICTED" | "PUBLIC";
  versions: StandinVersion[];
}

export interface StandinConsumer {
  id: number;
  itemId: number;
  groupId?: number;
  projectId?: number;
  parentId?: number;
  triggerTypes: string[];
  serviceAccount?: string;
}

export interface StandinPipeline {
  projectId: number;
  id: number;
  iid: number;
  ref: string;
  sha: string;
  status: string;
  createdAt: string;
  /** `push`, `schedule`, `web`, ... (`duo_workflow` for a flow's own workload pipeline). */
  source?: string;
  /** Who started it: a bot (a project or group access token) starts no flow. */
  user?: StandinUser & { bot?: boolean };
}

/** An `Ai::FlowTrigger` (ee/app/models/ai/flow_trigger.rb). */
export interface StandinFlowTrigger {
  id: number;
  projectId: number;
  /** The service account (18.9: always; newer: only with a config path). */
  userId?: number;
  description: string;
  eventTypes: number[];
  configPath?: string;
  consumerId?: number;
  filter?: Record<string, unknown>;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A flow GitLab started for a trigger, with the goal it gave it. */
export interface StandinFlowStart {
  triggerId: number;
  consumerId?: number;
  /** The catalog item's name, when the trigger points at a consumer. */
  itemName?: string;
  projectId: number;
  event: "pipeline_hooks";
  pipelineId: number;
  goal: string;
}

export interface StandinDeployment {
  projectId: number;
  id: number;
  iid: number;
  environment: string;
  ref: string;
  sha: string;
  status: string;
  createdAt: string;
  finishedAt: string;
  /** The job that deployed it (`deployable` in GitLab's answer). */
  jobId?: number;
}

/** A GitLab user as notes and issues name their author. */
export interface StandinUser {
  id: number;
  username: string;
}

/** Someone other than the stand-in's token: a guest or another member who writes notes and issues. */
export const GUEST: StandinUser = { id: 4242, username: "mallory" };

export class StandinState {
  projects: StandinProject[] = [];
  pipelines: StandinPipeline[] = [];
  notes: {
    projectId: number;
    kind: "merge_requests" | "issues";
    iid: number;
    id: number;
    body: string;
    created_at: string;
    /** Who wrote it: GitLab answers every note with its author. */
    author: StandinUser;
  }[] = [];
  issues: {
    projectId: number;
    id: number;
    iid: number;
    title: string;
    description: string;
    state: string;
    author: StandinUser;
    labels?: string[];
  }[] = [];
  workflows: { id: number; body: Record<string, unknown> }[] = [];
  jobs: {
    projectId: number;
    id: number;
    pipelineId: number;
    name: string;
    stage: string;
    status: string;
    log: string;
    allowFailure?: boolean;
    finishedAt?: string | undefined;
    /** False: GitLab will not retry it (an outdated deployment job, where that is prevented). */
    retryable?: boolean;
    /** A protected environment's deployers: only these users may run it again. */
    deployers?: number[];
  }[] = [];
  mergeRequests: {
    projectId: number;
    id: number;
    iid: number;
    source_branch: string;
    target_branch: string;
    title: string;
    description: string;
    labels: string[];
    state: string;
    created_at?: string;
    /** Set by `PUT …/merge` with merge_when_pipeline_succeeds. */
    merge_when_pipeline_succeeds?: boolean;
    /** ISO time of the last change; `updated_after` compares with it. */
    updated_at?: string;
    /** GitLab's `has_conflicts` (false when absent). */
    hasConflicts?: boolean;
    /** What merge-requests.ts adds: GitLab's fields for drafts, people, merge methods. */
    draft?: boolean;
    assignee_ids?: number[];
    reviewer_ids?: number[];
    milestone_id?: number | null;
    /** The MR's commits, oldest first. */
    commits?: string[];
    merge_commit_sha?: string | null;
    squash_commit_sha?: string | null;
    squash?: boolean;
  }[] = [];
  milestones: { projectId: number; id: number; iid: number; title: string }[] = [];
  deployments: StandinDeployment[] = [];
  /** Project id → the directory of the real git repository that backs it. */
  repositories = new Map<number, string>();
  /** Remember git answers (the benchmark's repositories never change while it runs). */
  cacheGit = false;
  readonly gitCache = new Map<string, string>();
  groups: StandinGroup[] = [];
  items: StandinItem[] = [];
  consumers: StandinConsumer[] = [];
  flowTriggers: StandinFlowTrigger[] = [];
  /** Pipeline schedules and their owners (a bot's start no flow). */
  schedules: {
    projectId: number;
    id: number;
    description: string;
    ref: string;
    cron: string;
    active: boolean;
    owner: StandinUser;
  }[] = [];
  /** Every flow a trigger started, in order: tests count them. */
  flowStarts: StandinFlowStart[] = [];
  /** GitLab's built-in tools, titled as the catalog titles them ("Get Repository File"). */
  builtInTools: { id: number; name: string; title: string }[];
  private nextId = 100;

  constructor() {
    this.builtInTools = [...GITLAB_TOOLS.read_only, ...GITLAB_TOOLS.mutating].map((name, i) => ({
      id: i + 1,
      name,
      // Titles are for people and GitLab renames them ("Ci Linter" became "CI Linter").
      title: name
        .split("_")
        .filter(Boolean)
        .map((w) => (w === "ci" ? "CI" : w[0]!.toUpperCase() + w.slice(1)))
        .join(" "),
    }));
  }

  id(): number {
    return this.nextId++;
  }

  addProject(fullPath: string, defaultBranch = "main"): StandinProject {
    const project = { id: this.id(), fullPath, defaultBranch };
    this.projects.push(project);
    return project;
  }

  addGroup(fullPath: string): StandinGroup {
    const group = { id: this.id(), fullPath };
    this.groups.push(group);
    return group;
  }

  /**
   * A flow as `envsync publish` leaves it: an item of the group's flows project, enabled in the
   * group (whose consumer has the service account GitLab created, if any) and in the project.
   */
  enableFlow(
    name: string,
    where: { group: string; projectId: number; serviceAccount?: string | undefined },
  ): { item: StandinItem; groupConsumer: StandinConsumer; projectConsumer: StandinConsumer } {
    const group = this.group(where.group) ?? this.addGroup(where.group);
    const ownerPath = `${where.group}/envsync-flows`;
    const owner = this.project(ownerPath) ?? this.addProject(ownerPath);
    const item: StandinItem = {
      id: this.id(),
      name,
      description: "d",
      itemType: "FLOW",
      projectId: owner.id,
      visibility: "PRIVATE",
      versions: [],
    };
    this.items.push(item);
    const groupConsumer: StandinConsumer = {
      id: this.id(),
      itemId: item.id,
      groupId: group.id,
      triggerTypes: [],
      ...(where.serviceAccount ? { serviceAccount: where.serviceAccount } : {}),
    };
    const projectConsumer: StandinConsumer = {
      id: this.id(),
      itemId: item.id,
      projectId: where.projectId,
      parentId: groupConsumer.id,
      triggerTypes: ["mention"],
    };
    this.consumers.push(groupConsumer, projectConsumer);
    return { item, groupConsumer, projectConsumer };
  }

  project(idOrPath: string | number): StandinProject | undefined {
    return this.projects.find((p) => p.id === Number(idOrPath) || p.fullPath === idOrPath);
  }

  group(idOrPath: string | number): StandinGroup | undefined {
    return this.groups.find((g) => g.id === Number(idOrPath) || g.fullPath === idOrPath);
  }
}
