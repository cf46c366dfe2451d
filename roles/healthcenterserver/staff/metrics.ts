// Counters, gauges and histograms rendered in the Prometheus text format (version 0.0.4).
// No dependency: the format is a few lines, and the hot path is an increment on a number.

type Labels = Record<string, string>;

interface Metric {
  render(out: string[]): void;
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function header(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** A counter with one label whose values are known up front (an outcome), so `inc` is a property bump. */
export class Counter<L extends string = never> implements Metric {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly label?: string,
    known: readonly L[] = [],
  ) {
    if (!label) this.values.set("", 0);
    for (const k of known) this.values.set(k, 0);
  }

  inc(labelValue: L | "" = "", by = 1): void {
    this.values.set(labelValue, (this.values.get(labelValue) ?? 0) + by);
  }

  get(labelValue: L | "" = ""): number {
    return this.values.get(labelValue) ?? 0;
  }

  render(out: string[]): void {
    header(out, this.name, this.help, "counter");
    for (const [k, v] of this.values) out.push(`${this.name}${this.label ? labelText({ [this.label]: k }) : ""} ${v}`);
  }
}

/** A value read when scraped (free slots, open connections, uptime);
 * a counter kept elsewhere may be read the same way. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
    private readonly type: "gauge" | "counter" = "gauge",
  ) {}

  render(out: string[]): void {
    header(out, this.name, this.help, this.type);
    out.push(`${this.name} ${this.read()}`);
  }
}

/** Observations in seconds, counted into fixed upper bounds; one series per label value. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
    private readonly label?: string,
  ) {
    for (let i = 1; i < bounds.length; i++)
      if (!(bounds[i - 1]! < bounds[i]!)) throw new Error(`${name}: bucket bounds must increase`);
  }

  observe(seconds: number, labelValue = ""): void {
    let s = this.series.get(labelValue);
    if (!s) {
      s = { counts: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(labelValue, s);
    }
    s.sum += seconds;
    s.count += 1;
    for (let i = 0; i < this.bounds.length; i++) {
      if (seconds <= this.bounds[i]!) {
        s.counts[i]! += 1;
        break;
      }
    }
  }

  count(labelValue = ""): number {
    return this.series.get(labelValue)?.count ?? 0;
  }

  render(out: string[]): void {
    header(out, this.name, this.help, "histogram");
    for (const [k, s] of this.series) {
      const labels: Labels = this.label ? { [this.label]: k } : {};
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        out.push(`${this.name}_bucket${labelText(labels, ["le", String(bound)])} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${labelText(labels, ["le", "+Inf"])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(labels)} ${s.count}`);
    }
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join("\n") + "\n";
  }
}
