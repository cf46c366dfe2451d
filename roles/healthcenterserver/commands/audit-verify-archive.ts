// `audit verify --archive FILE`: a file `audit archive` wrote, checked against the database's signed
// checkpoints. Its first record says where it starts: right after a checkpoint (or the genesis); the
// next checkpoint is the one that archive left, recording the file's last record and its SHA-256. The
// file's hash, the chain inside it from the start, and its end are checked; the first mismatch is named.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { UsageError } from "../../../shared/errors.ts";
import { audit_archive_line_bytes_max } from "../../../shared/limits.ts";
import { ChainVerifier, genesis_hash, type AuditRecord } from "../audit/chain.ts";
import type { Checkpoint } from "../store/audit-records.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { checkpointMac } from "./audit-archive.ts";

/** Every checkpoint, oldest first (one per archive). */
export async function allCheckpoints(db: CalendarDb): Promise<Checkpoint[]> {
  const rows = await db.all("SELECT seq, hash, at_ms, archive, mac FROM audit_checkpoint ORDER BY seq");
  return rows.map((r) => ({
    seq: Number(r.seq),
    hash: String(r.hash),
    atMs: Number(r.at_ms),
    archive: String(r.archive),
    mac: String(r.mac),
  }));
}

/** The file's lines and the SHA-256 of its bytes, read in chunks; a line over the limit is refused. */
async function* archiveLines(file: string, digest: ReturnType<typeof createHash>): AsyncGenerator<string> {
  let kind: string;
  try {
    const s = statSync(file);
    kind = s.isFile() ? "" : "not a regular file";
  } catch (err) {
    kind = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  if (kind) throw new UsageError(`cannot read the archive ${file}: ${kind}`, { hint: false });
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of Bun.file(file).stream()) {
    digest.update(chunk);
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop()!;
    if (rest.length > audit_archive_line_bytes_max)
      throw new UsageError(`archive ${file}: a line over ${audit_archive_line_bytes_max} bytes`, { hint: false });
    yield* lines;
  }
  rest += decoder.decode();
  if (rest !== "") yield rest;
}

function asRecord(line: string): AuditRecord | undefined {
  try {
    const r = JSON.parse(line) as AuditRecord;
    return Number.isSafeInteger(r?.seq) && typeof r.hash === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lines saying what was found: "archive FILE intact: ..." when all holds; otherwise each problem (the
 * checkpoint's signature, the hash, then the first record that breaks). `ok` false: verify exits 1.
 */
export async function verifyArchive(
  file: string,
  checkpoints: readonly Checkpoint[],
  key: Buffer,
): Promise<{ ok: boolean; lines: string[] }> {
  const digest = createHash("sha256");
  const problems: string[] = [];
  let verifier: ChainVerifier | undefined;
  let [end, n, first] = [undefined as Checkpoint | undefined, 0, 0];
  for await (const line of archiveLines(file, digest)) {
    n++;
    if (problems.length > 0) continue; // the first mismatch is named; the rest is only hashed
    const r = asRecord(line);
    if (r === undefined) {
      problems.push(`archive ${file} line ${n}: not an audit record`);
      continue;
    }
    if (verifier === undefined) {
      first = r.seq;
      const start = checkpoints.find((c) => c.seq === r.seq - 1);
      if (r.seq !== 1 && start === undefined) {
        problems.push(`archive ${file} line 1: audit record ${r.seq} starts after no checkpoint of this trail`);
        continue;
      }
      end = checkpoints.find((c) => c.seq >= r.seq);
      verifier = new ChainVerifier(start ?? { seq: 0, hash: genesis_hash });
    }
    const broken = end && r.seq > end.seq ? { seq: r.seq, why: `past the checkpoint at record ${end.seq}` } : undefined;
    const why = broken ?? verifier.check(r);
    if (why) problems.push(`archive ${file} line ${n}: audit record ${why.seq}: ${why.why}`);
  }
  const lines = finish(file, digest.digest("hex"), end, verifier, key, problems, first);
  return { ok: lines.length === 1 && / intact: /.test(lines[0]!), lines };
}

function finish(
  file: string,
  sha: string,
  end: Checkpoint | undefined,
  verifier: ChainVerifier | undefined,
  key: Buffer,
  problems: string[],
  first: number,
): string[] {
  if (verifier === undefined && problems.length === 0) return [`archive ${file} holds no records`];
  if (end === undefined)
    return [`archive ${file}: no checkpoint records its records (the trail has not archived them)`];
  const head: string[] = [];
  if (checkpointMac(key, end) !== end.mac)
    head.push(`archive ${file}: the checkpoint at record ${end.seq} is not signed by the key: it was changed`);
  const recorded = /sha256:([0-9a-f]{64})$/.exec(end.archive)?.[1];
  if (recorded !== sha)
    head.push(`archive ${file}: its SHA-256 ${sha} is not the one the checkpoint at record ${end.seq} records`);
  const last = verifier?.last;
  if (problems.length === 0 && last && (last.seq !== end.seq || last.hash !== end.hash))
    problems.push(
      last.seq !== end.seq
        ? `archive ${file} ends at record ${last.seq}; the checkpoint at record ${end.seq} ends it there`
        : `archive ${file}: record ${last.seq} is not the one the checkpoint signed (changed and rehashed)`,
    );
  const all = [...head, ...problems];
  if (all.length > 0) return all;
  return [
    `archive ${file} intact: records ${first}-${end.seq}, its SHA-256 that of the checkpoint at record ${end.seq}`,
  ];
}
