// A reference point for the benchmark only: a UDP doctor in the fewest lines Bun allows (no
// parsing, no logging, one send per datagram). Shows the floor Bun's UDP path sets on this machine.
const price = Buffer.from("30");
const socket = await Bun.udpSocket({
  hostname: "127.0.0.1",
  socket: {
    data(s, _buf, port, address) {
      s.send(price, port, address);
    },
  },
});
console.log(`naive doctor: static UDP port ${socket.port}`);
export {};
