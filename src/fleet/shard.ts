/**
 * Splitting a fleet across CI jobs: project `path` belongs to shard `1 + hash(path) mod count`,
 * so a project stays on its shard from one run to the next whatever else joins or leaves the
 * fleet, every project is on exactly one shard, and the shards are near even in size.
 */
import { createHash } from "node:crypto";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function shardOf(path: string, count: number): number {
  const hash = createHash("sha1").update(path).digest();
  return 1 + (hash.readUInt32BE(0) % count);
}

export function inShard<T extends { path: string }>(projects: readonly T[], shard: Shard): T[] {
  return projects.filter((p) => shardOf(p.path, shard.count) === shard.index);
}

/** `I/N` as commander gives it; a message for people when it is not one. */
export function parseShard(value: string): Shard | string {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) return "It takes I/N, e.g. 2/8: this job's shard and the number of shards.";
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1 || count > 1000) return "N is between 1 and 1000.";
  if (index < 1 || index > count) return `I is between 1 and ${count}.`;
  return { index, count };
}
