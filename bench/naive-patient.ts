// A reference point for the benchmark only: the patient's piped seed session in the fewest lines Bun allows
// (`naive-patient patient1 --server HOST:PORT`, one index on stdin): log in, list, pick, the doctor's quote over
// UDP, the same protocol lines as the real patient, and the transcript's lines in one write. No limits, no
// timeouts, no retries, no checks, no colours, the seed's two patients built in. bench/startup.ts compiles it
// as it compiles the hello world, and reports the real patient's start-up against it: the part of the gap to
// the hello world that is Bun's own (issue 28).
const name = Bun.argv[2]!;
const [host, portText] = Bun.argv[4]!.split(":");
const seed: Record<string, [string, string]> = {
  patient1: ["password111", "insurance1"],
  patient2: ["password222", "insurance2"],
};
const [password, insurance] = seed[name]!;

let received = "";
let wake: (() => void) | undefined;
const socket = await Bun.connect({
  hostname: host!,
  port: Number(portText),
  socket: {
    data(_s, bytes) {
      received += bytes.toString();
      wake?.();
    },
  },
});
/** The server's reply up to `end`, once it is all in (a whole list in one piece: no function runs per line). */
async function reply(end: string): Promise<string> {
  let at: number;
  while ((at = received.indexOf(end)) < 0) await new Promise<void>((resolve) => (wake = resolve));
  const text = received.slice(0, at);
  received = received.slice(at + end.length);
  return text;
}

let out = `Phase1: ${name} has TCP port number: ${socket.localPort} and IP Address: ${socket.localAddress}\n`;
socket.write(`authenticate ${name} ${password}\n`);
out += `Phase1: ${name} authentication result: ${await reply("\n")}\n`;
socket.write("available\n");
out += `Phase2: The following appointments are available for ${name}:\n`;
out += `${await reply("\n\n")}\n`;
out += "\nPlease enter the preferred appointment index and press enter:\n";
const stdin = Bun.stdin.stream().getReader();
let typed = "";
while (!typed.includes("\n")) {
  const { value, done } = await stdin.read();
  if (done) break;
  typed += Buffer.from(value).toString();
}
const index = typed.split("\n")[0]!.trim();
socket.write(`selection ${index}\n`);
const [doctor, doctorPort, doctorHost] = (await reply("\n")).split(" ");
socket.end();
out += `${index}\nPhase2: The requested appointment is available. The assigned doctor port number is ${doctorPort}\n`;

const price = await new Promise<string>(async (resolve) => {
  const udp = await Bun.udpSocket({
    socket: {
      data(s, buf) {
        resolve(buf.toString());
        s.close();
      },
    },
  });
  out += `Phase3: ${name} has a dynamic UDP port number: ${udp.port} and IP Address: ${udp.address.address}\n`;
  udp.send(`${name} ${insurance}`, Number(doctorPort), doctorHost ?? "127.0.0.1");
});
out += `Phase3: ${name} receive $ ${price} estimation cost from ${doctor} with port number ${doctorPort}\n`;
console.log(out);
// Exits at once, as the patient does (a stdin reader left open would keep the loop a while).
process.exit(0);
export {};
