// `ics` on a calendar shared in PostgreSQL: the UID of a booking is the one its webhook carried
// (read from the outbox), a move keeps it one sequence up, and an appointment booked while the
// outbox was off gets the derived UID. Over real TCP, against a real PostgreSQL.
import { expect } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { login, runPatient, startServer, tempDir, writeDataDir } from "./helpers.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { parseIcs, webhookReceiver } from "./notify-helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { derivedUid } from "../roles/healthcenterserver/notify/outbox-plan.ts";
import { decodeSlotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const tmp = tempDir();
const hook = webhookReceiver();

const cluster = postgresForFile(() => {
  hook.server.stop(true);
  tmp.cleanup();
});
const { pgTest, running } = cluster;

pgTest(
  "on PostgreSQL, ics names each appointment by its webhook's UID, and one booked with the outbox off by the derived UID",
  async () => {
    cluster.pg.createDatabase("ics");
    const db = ["--db", cluster.pg.url("ics"), "--db-password-file", cluster.pg.passwordFile, "--time-zone", zone];
    expect((await availability(db.slice(0, 4), ...rule_doc1, "--port", "41000")).code).toBe(0);
    const data = await writeDataDir(join(tmp.dir, "data"), 1, { "patient1insurance.txt": "insurance1\nphone +1555\n" });
    chmodSync(join(data, "patient1.txt"), 0o600);
    const day = localDate(2);

    // The outbox off: an appointment with no message.
    const off = await startServer([...db, "--data", data]);
    running.push(off);
    const c0 = await login(off.port);
    const ids = (await listing(c0, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]!);
    expect(await c0.request(`selection ${ids[0]}`)).toBe("doc1 41000");
    c0.close();
    await off.stop();

    // The outbox on (a webhook): a booking and a move.
    writeFileSync(join(tmp.dir, "hook.secret"), "k\n");
    const config = join(tmp.dir, "deploy.toml");
    writeFileSync(
      config,
      `[notify]\nwebhook = "http://127.0.0.1:${hook.server.port}/"\nwebhook_secret_file = "hook.secret"\n` +
        `quiet = "none"\nclinic = "Riverside Clinic"\n`,
    );
    const on = await startServer([...db, "--data", data, "--config", config]);
    running.push(on);
    const c = await login(on.port);
    expect(await c.request(`selection ${ids[1]}`)).toBe("doc1 41000");
    expect(await c.request(`reschedule ${ids[1]} ${ids[2]}`)).toBe("doc1 41000");
    await within(1000, async () => hook.received.length >= 2);
    const [booked, moved] = hook.received.map((h) => h.body);
    expect([booked!.kind, moved!.kind, moved!.appointment, moved!.sequence]).toEqual([
      "booked",
      "moved",
      booked!.appointment,
      1,
    ]);

    const lines = await listing(c, "ics");
    expect(lines.slice(0, 3)).toEqual([`zone ${zone}`, 'clinic "Riverside Clinic"', 'address ""']);
    const events = lines.slice(3).map((l) => l.split(" "));
    const first = decodeSlotId(Number(ids[0]));
    const derived = derivedUid({ doctor: first.doctorNumber, startMs: first.startMs, patient: "patient1" });
    expect(events.map((e) => `${e[1]} ${e[2]} ${e[3]}`)).toEqual([
      `0 ${derived} ${ids[0]}`,
      `1 ${booked!.appointment} ${ids[2]}`,
    ]);
    c.close();

    // The patient's file says the same, read by python3-icalendar.
    const file = join(tmp.dir, "cluster.pg.ics");
    const run = await runPatient(["patient1", "--data", data, "--server", `127.0.0.1:${on.port}`, "--ics", file]);
    expect(run.code).toBe(0);
    expect(parseIcs([file]).map((e) => `${e.uid} ${e.sequence} ${e.location}`)).toEqual([
      `${derived} 0 Riverside Clinic`,
      `${booked!.appointment} 1 Riverside Clinic`,
    ]);
  },
  90_000,
);
