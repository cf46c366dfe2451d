// What the kernel holds for one connection counts too: left alone, Linux grows a socket's send buffer to
// tcp_wmem's maximum (4 MiB), so a thousand clients that never read pin gigabytes in kernel buffers while
// every reply "left the process". One setsockopt(SO_SNDBUF) caps it (the kernel doubles the value for its
// bookkeeping): on the listening socket, whose accepted sockets inherit it, so no call per connection.
// Where the call is not available (not Linux, no descriptor), the kernel's own limits apply.
import { dlopen, FFIType, ptr } from "bun:ffi";

const SOL_SOCKET = 1;
const SO_SNDBUF = 7;

type SetSockOpt = (fd: number, level: number, name: number, value: number, size: number) => number;

let setsockopt: SetSockOpt | null | undefined;

function load(): SetSockOpt | null {
  if (process.platform !== "linux") return null;
  try {
    const libc = dlopen("libc.so.6", {
      setsockopt: {
        args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32],
        returns: FFIType.i32,
      },
    });
    return libc.symbols.setsockopt as unknown as SetSockOpt;
  } catch {
    return null;
  }
}

const value = new Int32Array(1);

/** Caps the send buffer of `socket` (or a listener's) at about `bytes` (Linux counts twice that). True if set. */
export function capSendBuffer(socket: unknown, bytes: number): boolean {
  const fd = (socket as { fd?: unknown }).fd;
  if (typeof fd !== "number" || fd < 0) return false;
  setsockopt ??= load();
  if (setsockopt === null) return false;
  value[0] = bytes;
  return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, ptr(value) as unknown as number, 4) === 0;
}
