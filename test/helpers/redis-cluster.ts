/**
 * A throwaway Redis Cluster of real `redis-server` processes on loopback, for the cluster
 * tests: three masters, each with one replica (`redis-cli --cluster create --cluster-replicas
 * 1`), as an operator runs it (docs/queue.md, "Redis Cluster"). Every node writes an
 * append-only file synced at every write, so a master killed and started again comes back with
 * its data, and its replica can take over for it (CLUSTER FAILOVER).
 *
 * Ports are free ones picked at start; data directories live in one temporary directory;
 * `stop()` kills every node it started (also half-started ones) and removes the directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import net from 'node:net';
import { sleep, until } from './queue';

const run = promisify(execFile);

/** Every node process started here, killed when the test process exits whatever happened. */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

/** How long a master may be unreachable before its replica is promoted (cluster-node-timeout). */
export const NODE_TIMEOUT_MS = 15_000;

export interface ClusterNode {
  port: number;
  dir: string;
  process: ChildProcess | undefined;
}

export class RedisCluster {
  readonly nodes: ClusterNode[] = [];

  private constructor(readonly dir: string) {}

  /** Starts six nodes and joins them into a cluster of three masters with a replica each; stops what it started on failure. */
  static async start(): Promise<RedisCluster> {
    const cluster = new RedisCluster(fs.mkdtempSync(path.join(os.tmpdir(), 'caged-redis-cluster-')));
    try {
      for (const port of await clusterPorts(6)) {
        const dir = path.join(cluster.dir, String(port));
        fs.mkdirSync(dir);
        cluster.nodes.push({ port, dir, process: undefined });
      }
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n)));
      await run('redis-cli', [
        '--cluster',
        'create',
        ...cluster.nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
      await cluster.waitHealthy();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** A seed URL (any node will do: the client learns the others from it). */
  get url(): string {
    return `redis://127.0.0.1:${this.nodes[0]!.port}`;
  }

  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  /** `redis-cli -p PORT ARGS…`, its output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
    return stdout;
  }

  /**
   * The node serving `key`'s slot as master now (as the node itself tells: the others learn of a
   * failover a moment later), and its replica (as the master tells).
   */
  async ownerOf(key: string): Promise<{ master: ClusterNode; replica: ClusterNode }> {
    const running = this.nodes.filter((n) => n.process);
    const slot = Number((await this.cli(running[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
    let master: ClusterNode | undefined;
    for (const n of running) {
      const myself = (await this.cli(n.port, 'CLUSTER', 'NODES')).split('\n').find((l) => l.split(' ')[2]?.includes('myself'));
      const [, , flags, , , , , , ...ranges] = (myself ?? '').trim().split(' ');
      if (!flags?.includes('master')) continue;
      if (ranges.some((r) => ((a, b) => slot >= a && slot <= (b ?? a))(...(r.split('-').map(Number) as [number, number?])))) master = n;
    }
    if (!master) throw new Error(`no node claims slot ${slot} as its master`);
    // A replica that has just (re)joined its master may still be syncing: wait for it.
    let replicas: number[] = [];
    await until(
      async () => (replicas = await this.replicasOf(master.port)).length === 1,
      15_000,
      `master ${master.port} to have one replica in sync`,
    );
    return { master, replica: this.node(replicas[0]!) };
  }

  private node(port: number): ClusterNode {
    const n = this.nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no node of this cluster on port ${port}`);
    return n;
  }

  /** Ports of the replicas connected to the master on `port` (its INFO replication). */
  async replicasOf(port: number): Promise<number[]> {
    const info = await this.cli(port, 'INFO', 'replication');
    return [...info.matchAll(/^slave\d+:.*\bport=(\d+),state=online/gm)].map((m) => Number(m[1]));
  }

  /**
   * A manual failover (CLUSTER FAILOVER on `replica`: its master stops taking writes until the
   * replica has them all, then the replica takes over). The masters vote for it only once gossip
   * has told them the node is a replica; a failover not done within Redis's 5 s is asked again.
   */
  async failover(key: string, replica: ClusterNode): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.cli(replica.port, 'CLUSTER', 'FAILOVER');
      try {
        await until(async () => (await this.ownerOf(key)).master === replica, 6000, `${replica.port} to take over`);
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
      }
    }
  }

  /** Kills a node at once (SIGKILL: no shutdown, no last write); resolves once it is gone. */
  async kill(node: ClusterNode): Promise<void> {
    const p = node.process;
    node.process = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  /** Starts a node (again) on its port and directory: it reads its nodes.conf and append-only file. */
  async startNode(node: ClusterNode): Promise<void> {
    node.process = spawn(
      'redis-server',
      [
        '--port', String(node.port),
        '--bind', '127.0.0.1',
        '--dir', node.dir,
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
        '--appendonly', 'yes',
        '--appendfsync', 'always',
        '--save', '',
        '--maxmemory-policy', 'noeviction',
        // A replica's first full sync starts at once (Redis waits 5 s for more replicas by default).
        '--repl-diskless-sync-delay', '0',
      ], // prettier-ignore
      { stdio: 'ignore' },
    );
    const child = node.process;
    started.add(child);
    child.once('exit', () => started.delete(child));
    const probe = new Redis({ port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await until(
        () =>
          probe.connect().then(
            () => probe.ping().then(() => true),
            () => false,
          ),
        10_000,
        `redis-server on port ${node.port} to start`,
      );
    } finally {
      probe.disconnect();
    }
  }

  /** Until every running node says cluster_state:ok, three masters serve all 16384 slots, each with a replica in sync. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await until(
      async () => {
        for (const n of this.nodes.filter((x) => x.process)) {
          if (!(await this.cli(n.port, 'CLUSTER', 'INFO').catch(() => '')).includes('cluster_state:ok')) return false;
          const masters = await this.masters(n.port).catch(() => []);
          const covered = masters.reduce((s, m) => s + m.slots.reduce((t, [a, b]) => t + b - a + 1, 0), 0);
          if (masters.length !== 3 || covered !== 16384) return false;
        }
        const masters = await this.masters(this.nodes.find((x) => x.process)!.port);
        for (const m of masters) if ((await this.replicasOf(m.master).catch(() => [])).length !== 1) return false;
        return true;
      },
      timeoutMs,
      'the cluster to be healthy',
    );
  }

  /** Kills every node and removes the data. Safe to call on a half-started cluster, and twice. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    await sleep(10);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The masters as `port`'s CLUSTER SLOTS shows them, with their slot ranges. */
  private async masters(port: number): Promise<Array<{ master: number; slots: Array<[number, number]> }>> {
    const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const slots = (await probe.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]]]>;
      const byMaster = new Map<number, { master: number; slots: Array<[number, number]> }>();
      for (const [from, to, [, master]] of slots) {
        const entry = byMaster.get(master) ?? { master, slots: [] };
        entry.slots.push([from, to]);
        byMaster.set(master, entry);
      }
      return [...byMaster.values()];
    } finally {
      probe.disconnect();
    }
  }
}

/** Whether nobody listens on 127.0.0.1:port now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * `n` ports for nodes, each with its cluster bus port (port + 10000) free too: picked at random in
 * 12000-21999, so that both stay below the kernel's ephemeral range (outgoing connections take theirs there).
 */
async function clusterPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    if (tries > 1000) throw new Error('no free ports for a Redis Cluster in 12000-21999');
    const port = 12_000 + Math.floor(Math.random() * 10_000);
    if (!ports.includes(port) && (await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  return ports;
}
