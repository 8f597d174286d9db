/**
 * How many requests to keep in flight, from how GitLab answers. It starts low and adds one per
 * round of answers while latency stays near what GitLab takes without load; when latency climbs
 * far above it (GitLab queueing), it cuts back by a third. Never more than the configured bound, never
 * fewer than one.
 */
export class LatencyGovernor {
  private current: number;
  private usual = 0;
  private recent = 0;
  /** The lowest `usual` seen, drifting up slowly: what GitLab takes without load. */
  private unloaded = Infinity;
  private answers = 0;
  private sinceDecision = 0;

  constructor(private readonly max: number) {
    this.current = Math.min(4, max);
  }

  get limit(): number {
    return this.current;
  }

  observe(ms: number): void {
    // Two averages of the same answers: a slow one for what this GitLab usually takes (whatever
    // mix of endpoints a run asks), a fast one for what it takes now.
    this.usual = this.answers === 0 ? ms : this.usual * 0.95 + ms * 0.05;
    this.recent = this.answers === 0 ? ms : this.recent * 0.7 + ms * 0.3;
    this.answers++;
    // Decide once per round of answers, so one slow answer does not swing the bound.
    if (++this.sinceDecision < this.current) return;
    this.sinceDecision = 0;
    // Drifting up lets a run whose later requests are slower by nature (bigger compares) recover.
    this.unloaded = Math.min(this.unloaded * 1.01, this.usual);
    if (this.recent > 2 * this.unloaded)
      this.current = Math.max(1, Math.floor(this.current * 0.67));
    else if (this.recent < 1.3 * this.unloaded) this.current = Math.min(this.max, this.current + 1);
  }
}
