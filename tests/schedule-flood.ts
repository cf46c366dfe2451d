// A flood of GET /api/schedule from a process of its own (tests/staff-budget.test.ts), so the patient whose
// bookings are timed shares no event loop with the flood. Lines on stdin: "on" starts eight loops (said back
// as "on N" once the first answer came), "off" stops them (said back as "off N" once all have stopped); at
// the end of stdin it prints the answers counted per second and the refusals as JSON, and exits.
export {};
const url = process.argv[2]!;
const answered = new Map<number, number>();
let refused = 0;
let flooding = false;
let loops: Promise<void>[] = [];
let firstAnswer: (() => void) | undefined;
let round = 0;

async function loop(): Promise<void> {
  for (let i = 0; i < 20_000 && flooding; i++) {
    const r = await fetch(url);
    await r.arrayBuffer();
    if (r.status === 200) {
      const second = Math.floor(Date.now() / 1000);
      answered.set(second, (answered.get(second) ?? 0) + 1);
    } else refused++;
    firstAnswer?.();
  }
}

for await (const line of console) {
  if (line === "on" && !flooding) {
    flooding = true;
    const started = new Promise<void>((resolve) => (firstAnswer = resolve));
    loops = Array.from({ length: 8 }, loop);
    await started;
    console.log(`on ${++round}`);
  } else if (line === "off") {
    flooding = false;
    await Promise.all(loops);
    console.log(`off ${round}`);
  }
}
flooding = false;
await Promise.all(loops);
console.log(JSON.stringify({ answered: [...answered.values()], refused }));
