// The clinic's webhook receiver for bench/commit-costs.ts, in a process of its own (as it would be on
// another machine) so its work does not slow the bench's own clients: answers every POST "ok" and
// counts them; GET /count tells the count. Prints its port.
export {};
let posted = 0;
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req) => (req.method === "POST" ? (posted++, new Response("ok")) : new Response(String(posted))),
});
console.log(`receiver port: ${receiver.port}`);
