// A change the server answered `error ... outcome unknown, see mine` (its database stopped answering
// under the commit) is settled by asking `mine`, never by telling the patient to try again: the
// list says whether it was stored. While the database still does not answer, `mine` answers an
// error too; it is asked again a bounded number of times, then the patient is told to look later.
import { NetworkError } from "../../shared/errors.ts";
import { outcome_settle_pause_ms, outcome_settle_tries } from "../../shared/limits.ts";
import { formatMine, type SlotLine } from "../../shared/protocol.ts";
import type { LineClient } from "./line-client.ts";
import { parseSlotLine } from "./replies.ts";

/** The patient's stored bookings by `mine`, asked until the server can tell (bounded); `what` names the change. */
export async function settleWithMine(client: LineClient, what: string): Promise<SlotLine[]> {
  let last = "";
  for (let attempt = 0; attempt < outcome_settle_tries; attempt++) {
    if (attempt > 0) await Bun.sleep(outcome_settle_pause_ms);
    client.write(formatMine());
    const lines = await client.list();
    if (lines.length === 1 && lines[0]!.startsWith("error ")) {
      last = lines[0]!.slice(6);
      continue;
    }
    return lines.map((line) => {
      const slot = parseSlotLine(line);
      if (!slot.ok) throw new NetworkError(slot.error);
      return slot.value;
    });
  }
  throw new NetworkError(
    `the server could not tell whether ${what} was stored (${last}); ask for your appointments later (--list)`,
  );
}
