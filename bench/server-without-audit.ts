// The server with its audit appends made no-ops: the "without" side of bench/commit-costs.ts, so the
// audit's cost is measured on the whole server over TCP (same code, same start-up), never shipped.
import { runMain } from "../shared/cli.ts";
import { SqliteAudit } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";
import { main } from "../roles/healthcenterserver.ts";

SqliteAudit.prototype.append = () => {};
runMain("healthcenterserver", () => main(process.argv.slice(2))).then((code) => process.exit(code));
