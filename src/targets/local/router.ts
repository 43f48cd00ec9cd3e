import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the router needs of a backend. */
export interface Backend {
  readonly name: string;
  readonly port: number;
  /** Only backends for which this is true get new requests. */
  readonly routable: boolean;
  inFlight: number;
}

export interface RouterStats {
  routed: number;
  /** Requests refused because no backend was ready. */
  unavailable: number;
  /** Upstream connection failures. */
  upstreamErrors: number;
}

/**
 * A reverse proxy over the ready replicas: least requests in flight, ties
 * broken round-robin. Responses are piped as they arrive (no buffering), so
 * streamed tokens reach the client when the replica sends them.
 */
export class Router {
  readonly stats: RouterStats = { routed: 0, unavailable: 0, upstreamErrors: 0 };
  private server?: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
  private next = 0;

  constructor(private readonly backends: () => readonly Backend[]) {}

  /** Listens on 127.0.0.1; port 0 picks a free one. Returns the port. */
  async listen(port = 0): Promise<number> {
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    server.on('connection', (s) => s.setNoDelay(true));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return (server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Picks the routable backend with the fewest requests in flight. */
  pick(): Backend | undefined {
    const all = this.backends();
    let best: Backend | undefined;
    const n = all.length;
    for (let i = 0; i < n; i++) {
      const b = all[(this.next + i) % n]!;
      if (b.routable && (!best || b.inFlight < best.inFlight)) best = b;
    }
    this.next = (this.next + 1) % Math.max(1, n);
    return best;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Request bodies are small JSON: read whole, so a request that meets a
    // keep-alive socket the replica just closed can be sent again.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => this.forward(req, res, Buffer.concat(chunks), 0));
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, attempt: number): void {
    const backend = this.pick();
    if (!backend) {
      this.stats.unavailable++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"no ready replica","type":"unavailable"}}');
      return;
    }
    if (attempt === 0) this.stats.routed++;
    backend.inFlight++;
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        backend.inFlight--;
      }
    };
    const upstream = request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.once('end', release);
        up.once('error', release);
      },
    );
    upstream.on('socket', (s) => s.setNoDelay(true));
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      release();
      // A reused keep-alive socket closed by the replica: send once more on a new one
      // (the pattern Node's documentation gives for request.reusedSocket).
      if (upstream.reusedSocket && !res.headersSent && attempt === 0 && !res.destroyed) {
        this.forward(req, res, body, attempt + 1);
        return;
      }
      this.stats.upstreamErrors++;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `replica ${backend.name}: ${err.message}`, type: 'bad_gateway' } }));
      } else {
        res.destroy(err);
      }
    });
    // A client that goes away takes its upstream request along.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
      release();
    });
    upstream.end(body);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
