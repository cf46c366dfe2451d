// `healthcenterserver audit verify|export|archive`: the audit trail read from the bookings database
// (SQLite or PostgreSQL) by the command line. verify walks the whole chain from the genesis or the
// last signed checkpoint; export writes CSV or FHIR AuditEvent JSON; archive moves old records to a
// file and leaves a signed checkpoint so verify still works.
import { existsSync } from "node:fs";
import { loadConfig } from "../../../shared/config.ts";
import { exit_code, UsageError } from "../../../shared/errors.ts";
import { parseFlags, type Options } from "../../../shared/flags.ts";
import { audit_page_rows } from "../../../shared/limits.ts";
import { ChainVerifier } from "../audit/chain.ts";
import { csvHeader, csvRow, fhirAuditEvent } from "../audit/export.ts";
import { auditRecords, latestCheckpoint, missingAuditTable } from "../store/audit-records.ts";
import { openCalendarDb, SqliteCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { parseDbTarget, readDbPassword, type DbTarget } from "../store/db-target.ts";
import { archiveAudit, checkpointMac, readAuditKey } from "./audit-archive.ts";
import { allCheckpoints, verifyArchive } from "./audit-verify-archive.ts";

import { verbOrUsage } from "./operator-command.ts";
const usage = `Usage:
  healthcenterserver audit verify [--key FILE] [--head SEQ:HASH] [--archive FILE ...]
                                   check the whole chain; exit 1 naming the first bad record
                                   (--head: a head printed before and kept elsewhere must still be there;
                                   --archive: a file archive wrote, against its checkpoint's SHA-256 and chain)
  healthcenterserver audit export --from DATE --to DATE --format csv|json   records of those UTC days, to stdout
  healthcenterserver audit archive --before DATE FILE [--key FILE]
                                   move older records to FILE (JSON lines), leaving a signed checkpoint
Every command takes --db FILE|URL (default: the deployment file's, else healthcenter.db), --config FILE.
--key: the checkpoints' HMAC key (default: <db>.audit-key beside a SQLite file; archive creates it).`;

const options = {
  db: { type: "string", value: "FILE|URL", help: "the bookings database" },
  "db-password-file": { type: "string", value: "FILE", help: "PostgreSQL password file" },
  config: { type: "string", value: "FILE", help: "deployment file" },
  key: { type: "string", value: "FILE", help: "the checkpoints' HMAC key" },
  from: { type: "string", value: "DATE", help: "first day (UTC, YYYY-MM-DD)" },
  to: { type: "string", value: "DATE", help: "last day (UTC, YYYY-MM-DD)" },
  before: { type: "string", value: "DATE", help: "archive records before this day (UTC)" },
  format: { type: "string", value: "csv|json", help: "export format" },
  archive: { type: "string", value: "FILE", help: "an archive file to check against its checkpoint", multiple: true },
  head: {
    type: "string",
    value: "SEQ:HASH",
    help: "a head verify printed before, kept elsewhere: it must still be there",
  },
} as const satisfies Options;

type Values = ReturnType<typeof parseFlags<typeof options>>["values"];
const verbs = ["verify", "export", "archive"];

export async function runAuditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 2);
  const verb = verbOrUsage(values.help, positionals[0], usage, "audit command", verbs);
  if (typeof verb === "number") return verb;
  const file = positionals[1];
  const config = loadConfig(values.config);
  const target = parseDbTarget(values.db ?? config.server.db ?? "healthcenter.db");
  const keyFile = values.key ?? (target.kind === "sqlite" ? `${target.path}.audit-key` : undefined);
  if (verb === "export") checkExport(values);
  if (verb === "archive" && (values.before === undefined || file === undefined))
    throw new UsageError("audit archive needs --before DATE and the FILE to write the records to");
  if (verb === "archive" && keyFile === undefined) throw new UsageError("give --key FILE (the checkpoints' key)");
  // Opening a path with no file would make an empty database there and report on it.
  if (target.kind === "sqlite" && !existsSync(target.path))
    throw new UsageError(`no booking database at ${target.path} (give --db, or --config naming one)`);
  const db = await openAuditDb(target, readDbPassword(values["db-password-file"] ?? config.server.dbPasswordFile));
  try {
    const missing = await missingAuditTable(db);
    if (missing !== undefined) {
      const where = target.kind === "sqlite" ? target.path : target.shown;
      const why = "(dropped, or the file predates the trail)";
      const line = `no audit trail in ${where}: its ${missing} table is missing ${why}`;
      if (verb !== "verify") throw new UsageError(line, { hint: false });
      console.log(`${line}; nothing can be verified`);
      return exit_code.refused;
    }
    if (verb === "verify") {
      const archives = await verifyArchives(db, keyFile, values.archive ?? []);
      const chain = await verify(db, keyFile, parseHead(values.head));
      return archives ? chain : exit_code.refused;
    }
    if (verb === "export") return await exportRecords(db, values);
    const moved = await archiveAudit(db, dayStartMs("--before", values.before!), file!, keyFile!);
    console.log(moved);
    return exit_code.done;
  } finally {
    await db.close();
  }
}

/** SQLite: the file as it is (no calendar tables added); PostgreSQL: migrated as the server would. */
async function openAuditDb(target: DbTarget, password: string | undefined): Promise<CalendarDb> {
  return target.kind === "sqlite" ? SqliteCalendarDb.open(target.path) : openCalendarDb(target, password);
}

async function verify(db: CalendarDb, keyFile: string | undefined, kept: Head | undefined): Promise<number> {
  const checkpoint = await latestCheckpoint(db);
  if (checkpoint) {
    if (keyFile === undefined) throw new UsageError("the trail starts at a checkpoint: give --key FILE to check it");
    const key = readAuditKey(keyFile, false);
    if (checkpointMac(key, checkpoint) !== checkpoint.mac) {
      console.log(`audit checkpoint at record ${checkpoint.seq} is not signed by ${keyFile}: it was changed`);
      return exit_code.refused;
    }
  }
  const verifier = new ChainVerifier(checkpoint ?? undefined);
  for await (const page of auditRecords(db, audit_page_rows)) {
    for (const r of page) {
      const broken = verifier.check(r);
      if (broken) {
        console.log(`audit record ${broken.seq}: ${broken.why}`);
        return exit_code.refused;
      }
      if (kept && r.seq === kept.seq && r.hash !== kept.hash) {
        console.log(`audit record ${r.seq}: not the head kept (--head): the trail was rewritten up to there`);
        return exit_code.refused;
      }
    }
  }
  if (kept && kept.seq > verifier.last.seq) {
    console.log(`audit record ${kept.seq} (the head kept, --head) is missing: the trail was cut short`);
    return exit_code.refused;
  }
  const from = checkpoint ? ` after the checkpoint at record ${checkpoint.seq}` : "";
  const head = verifier.last;
  console.log(`audit trail intact: ${verifier.count} records${from}; head ${head.seq} ${head.hash}`);
  return exit_code.done;
}

/** Each archive file named, checked against its checkpoint (audit-verify-archive.ts); false: one is not intact. */
async function verifyArchives(db: CalendarDb, keyFile: string | undefined, files: string[]): Promise<boolean> {
  if (files.length === 0) return true;
  if (keyFile === undefined) throw new UsageError("give --key FILE (the checkpoints' key) to check an archive");
  const key = readAuditKey(keyFile, false);
  const checkpoints = await allCheckpoints(db);
  let ok = true;
  for (const file of files) {
    const found = await verifyArchive(file, checkpoints, key);
    for (const line of found.lines) console.log(line);
    ok &&= found.ok;
  }
  return ok;
}

type Head = { seq: number; hash: string };

function parseHead(text: string | undefined): Head | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text);
  if (!m) throw new UsageError("--head is SEQ:HASH, as verify prints them (e.g. 42:9f86d0...)");
  return { seq: Number(m[1]), hash: m[2]! };
}

function checkExport(values: Values): void {
  if (values.from === undefined || values.to === undefined) throw new UsageError("audit export needs --from and --to");
  if (values.format !== "csv" && values.format !== "json")
    throw new UsageError(`--format is csv or json, not ${JSON.stringify(values.format ?? "")}`);
}

async function exportRecords(db: CalendarDb, values: Values): Promise<number> {
  const fromMs = dayStartMs("--from", values.from!);
  const toMs = dayStartMs("--to", values.to!) + 86_400_000;
  if (toMs <= fromMs) throw new UsageError("--to is before --from");
  try {
    await writeRecords(db, values, fromMs, toMs);
  } catch (err) {
    // The reader went away (`| head`): what it wanted it has; nothing is wrong here.
    if ((err as NodeJS.ErrnoException)?.code !== "EPIPE") throw err;
  }
  return exit_code.done;
}

async function writeRecords(db: CalendarDb, values: Values, fromMs: number, toMs: number): Promise<void> {
  const out = Bun.stdout.writer();
  const csv = values.format === "csv";
  out.write(csv ? csvHeader() : '{"resourceType":"Bundle","type":"collection","entry":[');
  let first = true;
  for await (const page of auditRecords(db, audit_page_rows)) {
    for (const r of page) {
      if (r.atMs < fromMs || r.atMs >= toMs) continue;
      if (csv) out.write(csvRow(r));
      else out.write(`${first ? "" : ","}\n${JSON.stringify({ resource: fhirAuditEvent(r) })}`);
      first = false;
    }
    await out.flush();
  }
  if (!csv) out.write("\n]}\n");
  await out.flush();
}

/** A UTC day (YYYY-MM-DD) as the epoch ms it starts at. */
export function dayStartMs(flag: string, text: string): number {
  try {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error();
    return Temporal.PlainDate.from(text).toZonedDateTime("UTC").epochMilliseconds;
  } catch {
    throw new UsageError(`${flag} expects a date YYYY-MM-DD, not ${JSON.stringify(text.slice(0, 40))}`);
  }
}
