// The audit trail as files other tools read: CSV (RFC 4180) and FHIR R4 AuditEvent resources.
import { audit_fields, type AuditRecord } from "./chain.ts";

/** Columns: the record's number, its content in the order the chain hashes it (atMs as an ISO "at"), its hash. */
const csv_columns = ["seq", ...audit_fields.map((f) => (f === "atMs" ? "at" : f)), "hash"];

export function csvHeader(): string {
  return `${csv_columns.join(",")}\r\n`;
}

export function csvRow(r: AuditRecord): string {
  const content = audit_fields.map((f) => (f === "atMs" ? isoAt(r.atMs) : String(r[f])));
  return `${[String(r.seq), ...content, r.hash].map(csvField).join(",")}\r\n`;
}

/**
 * A record's time as ISO 8601; one stored as no time (a row changed by hand, which verify names) says so,
 * so that the export of a tampered trail still has every record instead of stopping at it.
 */
function isoAt(ms: number): string {
  const at = new Date(ms);
  return Number.isNaN(at.getTime()) ? `not a time: ${ms}` : at.toISOString();
}

function csvField(value: string): string {
  // A leading = + - @ would be a formula in a spreadsheet (spaces before it too: some trim them, and a
  // leading tab or CR is one of those): quoted and prefixed so it stays text.
  const guarded = /^[\s]*[=+\-@]|^[\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n']/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** FHIR AuditEvent action codes: C create, R read, U update, D delete, E execute. */
function actionCode(action: string): "C" | "R" | "U" | "D" | "E" {
  if (action.endsWith(".booked") || action.endsWith(".added")) return "C";
  if (action.endsWith(".read")) return "R";
  if (action.endsWith(".cancelled") || action.endsWith(".removed")) return "D";
  if (action.startsWith("staff.signin") || action.startsWith("staff.signout")) return "E";
  return "U";
}

export function fhirAuditEvent(r: AuditRecord): object {
  const failed = action_failed.test(r.action);
  return {
    resourceType: "AuditEvent",
    id: String(r.seq),
    type: { system: "http://terminology.hl7.org/CodeSystem/audit-event-type", code: "rest" },
    subtype: [{ system: "urn:healthcenter:audit-action", code: r.action }],
    action: actionCode(r.action),
    recorded: isoAt(r.atMs),
    outcome: failed ? "4" : "0",
    ...(r.reason ? { outcomeDesc: r.reason } : {}),
    agent: [
      {
        who: { display: r.actor },
        role: [{ text: r.role }],
        requestor: true,
        ...(r.address ? { network: { address: r.address, type: "2" } } : {}),
      },
    ],
    source: { observer: { display: "healthcenterserver" }, type: [{ code: r.via }] },
    entity: [
      {
        what: { display: r.subject },
        detail: [
          ...(r.before ? [{ type: "before", valueString: r.before }] : []),
          ...(r.after ? [{ type: "after", valueString: r.after }] : []),
          { type: "hash", valueString: r.hash },
        ],
      },
    ],
  };
}

const action_failed = /\.(failed|refused|forbidden)$/;
