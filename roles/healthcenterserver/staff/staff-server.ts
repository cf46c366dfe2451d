// The staff page server (Bun.serve, in the server process): the live schedule page, /metrics,
// /healthz and /readyz. Same habits as the TCP side: bounded requests, live pages and bodies,
// an idle timeout, and every answer carries the security headers. Patient names go only to
// signed-in staff, and a doctor account's only on its own doctor's appointments.
import type { Server } from "bun";
import {
  staff_body_bytes_max,
  staff_connections_max,
  staff_idle_timeout_ms,
  staff_requests_max,
  staff_schedule_per_second_max,
} from "../../../shared/limits.ts";
import { plainAddress } from "../../../shared/address-key.ts";
import type { Log } from "../../../shared/log.ts";
import { may, namesShownTo } from "./accounts.ts";
import { page_assets } from "./assets.ts";
import { reply, text } from "./http-reply.ts";
import { pageActor, type AuditSink, type Route, type Routes } from "./routes.ts";
import type { Grid } from "./grid.ts";
import { ScheduleAnswers } from "./schedule-answers.ts";
import { StaffConnections } from "./staff-connections.ts";
import { health_paths, requestPath, type Readiness } from "./health.ts";
import type { ServerMetrics } from "./server-metrics.ts";
import type { StaffAuth } from "./staff-auth.ts";
import { isCrossSite, type StaffMember } from "./staff-sessions.ts";
import type { TypedViews, Watchers } from "./watchers.ts";

export type StaffServerOptions = {
  host: string;
  port: number;
  grid: Grid;
  /** On a typed calendar, the week per type (`type=` on /api/schedule and /api/events). */
  views?: TypedViews;
  watchers: Watchers;
  auth: StaffAuth;
  /** The API beyond the page itself: sign-in, the front desk (routes.ts). */
  routes: Routes;
  audit: AuditSink | undefined;
  metrics: ServerMetrics;
  readiness: () => Promise<Readiness>;
  log: Log;
};

export class StaffServer {
  private server: Server<undefined> | undefined;
  private readonly schedule: ScheduleAnswers;
  private readonly connections = new StaffConnections(staff_connections_max, staff_idle_timeout_ms);

  constructor(private readonly options: StaffServerOptions) {
    this.schedule = new ScheduleAnswers(options.grid, staff_schedule_per_second_max, options.views);
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  start(): void {
    const host = this.options.host;
    if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(host)) {
      this.options.log.warn(
        `the staff page on ${host} is plain HTTP reachable from other machines ` +
          "(a token would cross the network in clear); " +
          "keep --http on 127.0.0.1 and reach it through `ssh -L` or a TLS reverse proxy",
      );
    }
    this.server = Bun.serve({
      hostname: this.options.host,
      port: this.options.port,
      idleTimeout: staff_idle_timeout_ms / 1000,
      maxRequestBodySize: staff_body_bytes_max,
      fetch: (req, server) => this.handle(req, server),
      error: (err) => {
        this.options.log.error(`staff page: ${err.stack ?? err}`, { cause: "internal errors" });
        return text("internal error\n", 500);
      },
    });
  }

  async stop(): Promise<void> {
    this.options.watchers.stop();
    await this.server?.stop(true);
  }

  private async handle(req: Request, server: Server<undefined>): Promise<Response> {
    const peer = server.requestIP(req);
    const connection = peer ? `${peer.address}:${peer.port}` : "?";
    if (this.connections.admit(connection, Date.now())) return this.route(req, server, connection);
    // Past its share of descriptors the connection is closed after the answer; only a health check gets one.
    const path = requestPath(req.url);
    if (!(path && (req.method === "GET" || req.method === "HEAD") && health_paths.has(path)))
      return text("too many connections to the staff page\n", 503, { "Retry-After": "1", Connection: "close" });
    const answer = await this.route(req, server, connection);
    answer.headers.set("Connection", "close");
    return answer;
  }

  private async route(req: Request, server: Server<undefined>, connection: string): Promise<Response> {
    const path = requestPath(req.url);
    if (path === undefined) return text("bad request\n", 400);
    const get = req.method === "GET" || req.method === "HEAD";
    // pendingRequests counts this one, and every live page; health checks never wait behind them.
    if (server.pendingRequests > staff_requests_max && !(get && health_paths.has(path)))
      return text("too many requests, try again later\n", 503, { "Retry-After": "1" });
    switch (`${get ? "GET" : req.method} ${path}`) {
      case "GET /":
        return reply(page_assets.html, 200, "text/html; charset=utf-8");
      case "GET /page.css":
        return reply(page_assets.css, 200, "text/css; charset=utf-8");
      case "GET /page.js":
        return reply(page_assets.script, 200, "text/javascript; charset=utf-8");
      case "GET /favicon.ico":
        return reply(null, 204, "image/x-icon");
      case "GET /api/schedule": {
        const type = this.viewType(req);
        if (typeof type !== "string") return type;
        const member = this.member(req, server);
        const json = this.schedule.json(namesShownTo(member), Date.now(), type);
        if (json !== undefined && member) await this.recordRead(member, req, server);
        if (json === undefined)
          return text("too many schedule requests, try again later\n", 503, { "Retry-After": "1" });
        return reply(json, 200, "application/json");
      }
      case "GET /api/events":
        return this.events(req, server, connection);
      case "GET /metrics":
        return reply(this.options.metrics.render(), 200, "text/plain; version=0.0.4; charset=utf-8");
      case "GET /healthz":
        return text("ok\n");
      case "GET /readyz": {
        const r = await this.options.readiness();
        return r.ready ? text("ready\n") : text(`not ready: ${r.reason}\n`, 503);
      }
    }
    const route = this.options.routes[`${get ? "GET" : req.method} ${path}`];
    if (route) return this.routed(route, req, server, path);
    const known = [
      ...Object.keys(this.options.routes).map((k) => k.split(" ")[1]!),
      "/",
      "/page.css",
      "/page.js",
      "/api/schedule",
      "/api/events",
      "/metrics",
      "/healthz",
      "/readyz",
    ];
    return known.includes(path) ? text("method not allowed\n", 405) : text("not found\n", 404);
  }

  private member(req: Request, server: Server<undefined>): StaffMember | undefined {
    return this.options.auth.member(req, addressOf(req, server), Date.now());
  }

  /** Cross-site refusal for changes, then the role check (401 / 403, recorded), then the handler. */
  private async routed(route: Route, req: Request, server: Server<undefined>, path: string): Promise<Response> {
    if (route.changes && isCrossSite(req)) return text("cross-site request refused\n", 403);
    const address = addressOf(req, server);
    const now = Date.now();
    const member = this.options.auth.member(req, address, now);
    if (route.action !== undefined) {
      if (member === undefined) return text("sign in first\n", 401);
      if (!may(member.role, route.action)) {
        await this.options.audit?.append({
          atMs: now,
          ...pageActor(member, address),
          action: "staff.forbidden",
          subject: `${req.method} ${path}`,
          before: "",
          after: "",
          reason: `${anA(member.role)} may not ${route.action}`,
        });
        return text(`forbidden: ${anA(member.role)} may not ${route.action}\n`, 403);
      }
    }
    return route.handle({ req, member, address, now });
  }

  /** A signed-in member is about to read every patient's appointments (the names): recorded first. */
  private async recordRead(member: StaffMember, req: Request, server: Server<undefined>): Promise<void> {
    const who = pageActor(member, addressOf(req, server));
    const at = { atMs: Date.now(), before: "", after: "", reason: "" };
    await this.options.audit?.append({ ...at, ...who, action: "schedule.read", subject: "schedule" });
  }

  /** `type=` of a typed view: the name ("" when not given), or a 400 naming the nearest type. */
  private viewType(req: Request): string | Response {
    const type = new URL(req.url, "http://x").searchParams.get("type") ?? "";
    const refusal = type.length > 64 ? "type= is at most 64 characters" : this.options.views?.refusal(type);
    return refusal === undefined ? type : text(`${refusal}\n`, 400);
  }

  private async events(req: Request, server: Server<undefined>, connection: string): Promise<Response> {
    const type = this.viewType(req);
    if (typeof type !== "string") return type;
    const watchers = this.options.watchers;
    const member = this.member(req, server);
    if (watchers.fullFor(member !== undefined))
      return text("too many live pages, try again later\n", 503, { "Retry-After": "5" });
    if (member) await this.recordRead(member, req, server);
    // Heartbeats keep the stream busy; the idle timeout is for connections with nothing in progress.
    server.timeout(req, 0);
    this.connections.live(connection, req.signal, Date.now());
    const stream = watchers.open(namesShownTo(member), req.signal, type);
    return reply(stream, 200, "text/event-stream; charset=utf-8");
  }
}

function addressOf(req: Request, server: Server<undefined>): string {
  return plainAddress(server.requestIP(req)?.address ?? "?");
}

/** "an auditor", "an admin", "a doctor". */
const anA = (word: string) => `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
