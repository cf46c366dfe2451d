// For /readyz on a shared PostgreSQL: is this server following the others' changes? Bun's LISTEN
// reconnects by itself and says nothing when its connection is gone, so the probe asks end to end:
// it sends a notice of its own on the channel and waits for it to come back on the LISTEN
// connection, which it shares with the mirror (one connection carries every registration). A
// database that does not take the NOTIFY, or a notice that does not come back in time, is the
// reason the server is not ready. Probes are reused for a moment, so a flood of /readyz sends few.
import type { SQL } from "bun";
import { database_probe_reuse_ms, database_probe_timeout_ms } from "../../../../shared/limits.ts";
import { withinTimeout } from "./pg-committer.ts";

/** A probe's notice: `probe <instance> <n>`. Not a change notice: the mirror leaves it alone. */
export const listen_probe_prefix = "probe ";

export class ListenProbe {
  private sent = 0;
  private readonly waiting = new Map<number, () => void>();
  private probing: Promise<string | undefined> | undefined;
  private probedMs = 0;
  private subscription: { unlisten(): Promise<void> } | undefined;

  private constructor(
    private readonly sql: SQL,
    private readonly channel: string,
    private readonly instance: string,
    private readonly shown: string,
  ) {}

  /** Registers on the channel (the mirror's LISTEN connection); call once the mirror listens. */
  static async start(sql: SQL, channel: string, instance: string, shown: string): Promise<ListenProbe> {
    const probe = new ListenProbe(sql, channel, instance, shown);
    probe.subscription = await sql.listen(channel, (payload) => probe.heard(payload));
    return probe;
  }

  async close(): Promise<void> {
    await this.subscription?.unlisten().catch(() => {});
  }

  /** Undefined when this server's own notice came back; else why it is not following the others. */
  checkNow(): Promise<string | undefined> {
    const now = Date.now();
    if (this.probing === undefined || now - this.probedMs > database_probe_reuse_ms) {
      this.probedMs = now;
      this.probing = this.probe();
    }
    return this.probing;
  }

  private async probe(): Promise<string | undefined> {
    const n = ++this.sent;
    const back = new Promise<void>((resolve) => this.waiting.set(n, resolve));
    try {
      const payload = `${listen_probe_prefix}${this.instance} ${n}`;
      await withinTimeout(this.sql`SELECT pg_notify(${this.channel}, ${payload})`.execute(), database_probe_timeout_ms);
    } catch (err) {
      this.waiting.delete(n);
      return `PostgreSQL at ${this.shown} does not answer (${(err as Error).message})`;
    }
    try {
      await withinTimeout(back, database_probe_timeout_ms);
      return undefined;
    } catch {
      return (
        `not following the other servers' changes: this server's LISTEN on PostgreSQL at ${this.shown} ` +
        `did not hear its own notice within ${database_probe_timeout_ms / 1000} s`
      );
    } finally {
      this.waiting.delete(n);
    }
  }

  private heard(payload: string): void {
    if (!payload.startsWith(listen_probe_prefix)) return;
    const [instance, n] = payload.slice(listen_probe_prefix.length).split(" ");
    if (instance === this.instance) this.waiting.get(Number(n))?.();
  }
}
