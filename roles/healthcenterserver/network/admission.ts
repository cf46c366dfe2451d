// Who gives way at the connection cap. Places held by connections that have not logged in are the
// ones a flood takes (half-open, dripping or reconnecting clients), so at the cap a newcomer displaces
// the oldest of those held by the address holding the most of them, never a logged-in patient; and an
// address already holding its share of them (`shareMax`) displaces only its own oldest, so neither one
// address's flood nor one spread over several can push out a patient holding one place
// (an address: IPv4, or an IPv6 /64, as the login throttle counts them).
// Pure bookkeeping: the listener tells the displaced connection and closes it.
import { addressKey } from "../../../shared/address-key.ts";
import type { Connection } from "./connection.ts";

type Holder = { data: Connection };

export class Admission<S extends Holder> {
  /**
   * Accepted and not known to be logged in, oldest first (a Set keeps insertion order): built from the places
   * (`places`, in accept order) when the cap is first reached, kept from then on. Below the cap a session
   * costs it nothing (no Set entry made and removed per connection).
   */
  private pending: Set<S> | undefined;
  /**
   * The pending by address: built when the cap is first reached (each address read then, once), kept from
   * then on. Below the cap no connection's address is read for it (each read is a getpeername).
   */
  private byAddress: Map<string, Set<S>> | undefined;

  constructor(
    private readonly shareMax: number,
    private readonly places: Iterable<S>,
  ) {}

  /** A connection took a place. */
  admitted(s: S): void {
    this.pending?.add(s);
    if (this.byAddress) index(this.byAddress, s);
  }

  /** The connection is gone, or displaced. */
  gone(s: S): void {
    if (!this.pending?.delete(s) || !this.byAddress) return;
    const address = addressKey(s.data.address);
    const mine = this.byAddress.get(address);
    mine?.delete(s);
    if (mine?.size === 0) this.byAddress.delete(address);
  }

  /** At the cap: the place a newcomer from `address` takes, or undefined when every place is a patient's. */
  victim(address: string): S | undefined {
    this.pending ??= new Set([...this.places].filter((p) => this.isPending(p)));
    if (!this.byAddress) {
      this.byAddress = new Map();
      for (const p of this.pending) index(this.byAddress, p);
    }
    const mine = this.byAddress.get(addressKey(address));
    if (mine && this.stillPending(mine) >= this.shareMax) return this.oldest(mine);
    return this.oldestOfLargest(this.byAddress);
  }

  /**
   * The oldest place of the address holding the most: a flood spread over several addresses, each under
   * its share, then displaces itself rather than a patient holding one place (the oldest of all, before).
   */
  private oldestOfLargest(byAddress: Map<string, Set<S>>): S | undefined {
    let most = 0;
    for (const set of byAddress.values()) most = Math.max(most, this.stillPending(set));
    const pending = this.pending!;
    for (const s of pending)
      if (this.isPending(s) && byAddress.get(addressKey(s.data.address))?.size === most) return s;
    return this.oldest(pending);
  }

  /** How many of `set` have not logged in; the logged-in and closed ones leave the bookkeeping. */
  private stillPending(set: Set<S>): number {
    for (const s of set) if (!this.isPending(s)) this.gone(s);
    return set.size;
  }

  private oldest(set: Set<S>): S | undefined {
    for (const s of set) {
      if (this.isPending(s)) return s;
      this.gone(s);
    }
    return undefined;
  }

  private isPending(s: S): boolean {
    return !s.data.loggedIn && s.data.isOpen;
  }
}

function index<S extends Holder>(byAddress: Map<string, Set<S>>, s: S): void {
  const address = addressKey(s.data.address);
  let mine = byAddress.get(address);
  if (!mine) byAddress.set(address, (mine = new Set()));
  mine.add(s);
}
