// The patient's menu on a real terminal (tmux) whose machine is in another zone than the clinic's: "tomorrow"
// in the search is the clinic's tomorrow, the day the slots' dates are in. Before, it was the machine's: a
// patient's laptop in Pago Pago (11 hours behind London) searched London's today for "tomorrow".
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, loopback, onTerminal, root, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, zone } from "./calendar-helpers.ts";

const tmp = tempDir();
let server: Running;

beforeAll(async () => {
  const db = ["--db", join(tmp.dir, "zone.db")];
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "00:00", "--end", "24:00", "--minutes", "60"];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  server = await startServer([...db, "--time-zone", zone]);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

test.skipIf(Bun.which("tmux") === null)(
  "on a machine in another zone, the menu's search for tomorrow finds the clinic's tomorrow",
  async () => {
    // A zone whose date is not London's now: 14 hours ahead from 10:00 London time, 11 behind before it.
    const london = Temporal.Now.zonedDateTimeISO(zone);
    const machine = london.hour >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
    expect(Temporal.Now.plainDateISO(machine).equals(london.toPlainDate())).toBe(false);
    const tomorrow = london.toPlainDate().add({ days: 1 });
    const month = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ")[tomorrow.month - 1];
    const weekday = "Mon Tue Wed Thu Fri Sat Sun".split(" ")[tomorrow.dayOfWeek - 1];
    const first = `${weekday} ${tomorrow.day} ${month}, 00:00, 60 min, Doctor1`;

    const patient = `${bun} roles/patient.ts patient1 --server ${loopback}:${server.port} --udp-timeout-ms 50`;
    const term = onTerminal("zone", `cd ${root} && TZ=${machine} NO_COLOR=1 ${patient}; sleep 30`);
    const { waitScreen } = term;
    try {
      await waitScreen(/What would you like to do\?/);
      term.keys("Enter");
      await waitScreen(/Pick an appointment[\s\S]*Search:/);
      // Filter the slots out, leaving More, Search and Back; then to Search.
      term.keys("-l", "zzz");
      await waitScreen(/0 of the 1,000 slots loaded match/);
      const focused = () => {
        const lines = term.screen().split("\n");
        return lines.slice(lines.findLastIndex((l) => l.includes("◆"))).find((l) => /^│\s+●/.test(l)) ?? "";
      };
      for (let i = 0; i < 6 && !focused().includes("Search the whole schedule"); i++) {
        term.keys("Down");
        await Bun.sleep(100);
      }
      term.keys("Enter");
      await waitScreen(/Day, date and\/or doctor/);
      term.keys("C-u");
      term.keys("-l", "tomorrow");
      term.keys("Enter");
      const found = await waitScreen(/│  tomorrow\n[\s\S]*◆[\s\S]*\d{2}:\d{2}, 60 min, Doctor1/);
      const open = found.slice(found.lastIndexOf("◆"));
      expect(open).toContain(first);
    } finally {
      term.close();
    }
  },
  60_000,
);
