// The audit trail as files other tools read: CSV (RFC 4180) and FHIR R4 AuditEvent resources.
import type { AuditRecord } from "./chain.ts";

const csv_columns = [
  "seq",
  "at",
  "actor",
  "role",
  "via",
  "address",
  "action",
  "subject",
  "before",
  "after",
  "reason",
  "hash",
] as const;

export function csvHeader(): string {
  return `${csv_columns.join(",")}\r\n`;
}

export function csvRow(r: AuditRecord): string {
  const values = [
    String(r.seq),
    new Date(r.atMs).toISOString(),
    r.actor,
    r.role,
    r.via,
    r.address,
    r.action,
    r.subject,
    r.before,
    r.after,
    r.reason,
    r.hash,
  ];
  return `${values.map(csvField).join(",")}\r\n`;
}

function csvField(value: string): string {
  // A leading = + - @ would be a formula in a spreadsheet: quoted and prefixed so it stays text.
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
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
    recorded: new Date(r.atMs).toISOString(),
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
