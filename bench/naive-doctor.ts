// A reference point for the benchmark only: a UDP doctor in the fewest lines Bun allows (no
// parsing, no logging, one send per datagram). Shows the floor Bun's UDP path sets on this machine.
// A reply to a client that has gone throws ECONNREFUSED: ignored, as a real doctor must.
const price = Buffer.from("30");
const socket = await Bun.udpSocket({
  hostname: "127.0.0.1",
  socket: {
    data(s, _buf, port, address) {
      try {
        s.send(price, port, address);
      } catch {}
    },
    error() {},
  },
});
console.log(`naive doctor: static UDP port ${socket.port}`);
export {};
