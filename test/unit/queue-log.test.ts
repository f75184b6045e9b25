/**
 * Logs that say what happened: errors with their class, message and stack (pino's error
 * serializer), and a Redis outage told once when it starts and once when it ends, with the
 * `caged_redis_connected` gauge following it.
 */
import { Writable } from 'node:stream';
import { Registry, Gauge } from 'prom-client';
import { HostError } from '../../src/errors';
import { createLogger, errorFields } from '../../src/queue/log';
import { isConnectionError, isFailoverNotice, RedisWatch, refusedReportJob } from '../../src/queue/redis-watch';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

const flush = () => new Promise((r) => setImmediate(r));

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
}

describe('an error in the logs', () => {
  it('has its class, message and stack', async () => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', destination: stream }).error(errorFields(new HostError('cgroup: EBUSY')), 'internal error');
    await flush();
    const err = lines[0]!.err as Record<string, unknown>;
    expect(err.type).toBe('HostError');
    expect(err.message).toBe('cgroup: EBUSY');
    expect(String(err.stack)).toMatch(/^HostError: cgroup: EBUSY\n\s+at /);
  });

  it('keeps its own properties and wraps what is not an Error', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.warn(errorFields(refused()), 'a');
    log.warn(errorFields('plain string'), 'b');
    await flush();
    expect(lines[0]!.err).toMatchObject({ type: 'Error', code: 'ECONNREFUSED' });
    expect(lines[1]!.err).toMatchObject({ type: 'Error', message: 'non-Error thrown: plain string' });
  });
});

describe('a Redis outage', () => {
  it('logs once when it starts and once when it ends, however many errors come between', async () => {
    const { lines, stream } = capture();
    const registry = new Registry();
    const gauge = new Gauge({ name: 'caged_redis_connected', help: 'x', registers: [registry] });
    const watch = new RedisWatch(createLogger({ level: 'info', destination: stream }), gauge);
    watch.up();
    expect((await gauge.get()).values[0]!.value).toBe(1);
    watch.down(); // the connection closed
    for (let i = 0; i < 20; i++) watch.error(refused()); // ioredis retrying, on two connections
    expect(watch.connected).toBe(false);
    expect((await gauge.get()).values[0]!.value).toBe(0);
    watch.up();
    watch.up(); // the second connection is back too
    await flush();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Redis connection lost: jobs wait until it is back (ioredis reconnects)'],
      [30, 'Redis connection back'],
    ]);
    expect(lines[1]).toMatchObject({ errors: 20 });
    expect((await gauge.get()).values[0]!.value).toBe(1);
  });

  it('is not declared for an error that is not about the connection', async () => {
    const { lines, stream } = capture();
    const watch = new RedisWatch(createLogger({ level: 'info', destination: stream }));
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    watch.error(new Error('ERR Error running script'));
    watch.error(new Error('ERR Error running script'));
    await flush();
    expect(watch.connected).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual(['queue error', 'queue error']);
  });

  it("on Redis Cluster: a slot without a reachable master is an outage; a failover's unblocking is not", async () => {
    for (const message of [
      'Failed to refresh slots cache.',
      'None of startup nodes is available',
      'CLUSTERDOWN The cluster is down',
      'Too many Cluster redirections. Last error: Error: Connection is closed.',
    ])
      expect(isConnectionError(new Error(message))).toBe(true);
    const unblocked = new Error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    expect([isConnectionError(unblocked), isFailoverNotice(unblocked)]).toEqual([false, true]);
    const { lines, stream } = capture();
    const watch = new RedisWatch(createLogger({ level: 'info', destination: stream }));
    watch.error(unblocked);
    await flush();
    expect(watch.connected).toBe(true);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[30, 'Redis Cluster failover: a blocking read was interrupted (retried)']]);
  });

  it("names the job of a report refused for want of its lock (BullMQ's codes -1, -2, -3, -6), and nothing else", () => {
    const coded = (message: string, code: number): Error => Object.assign(new Error(message), { code });
    expect(refusedReportJob(coded('Missing lock for job f-0. moveToFinished', -2))).toBe('f-0');
    expect(refusedReportJob(coded('Missing lock for job a. b. c. moveToDelayed', -2))).toBe('a. b. c');
    expect(refusedReportJob(coded('Lock mismatch for job 7. Cmd moveToFinished from active', -6))).toBe('7');
    expect(refusedReportJob(coded('Lock mismatch for job 7. Cmd moveToFinished from undefined', -6))).toBe('7');
    expect(refusedReportJob(coded('Job x y is not in the active state. moveToFinished', -3))).toBe('x y');
    expect(refusedReportJob(coded('Missing key for job gone. moveToFinished', -1))).toBe('gone');
    // The same words with another code, or without one, or another message with the code: not a refused report.
    expect(refusedReportJob(coded('Missing lock for job f-0. moveToFinished', -6))).toBeNull();
    expect(refusedReportJob(new Error('Missing lock for job f-0. moveToFinished'))).toBeNull();
    expect(refusedReportJob(coded('Job f-0 has pending dependencies. moveToFinished', -4))).toBeNull();
    expect(refusedReportJob(coded('ERR Error running script', -2))).toBeNull();
    expect(refusedReportJob('Missing lock for job f-0. moveToFinished')).toBeNull();
  });
});
