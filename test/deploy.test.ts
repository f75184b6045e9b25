/**
 * The deployment files without a privileged container: deploy/kubernetes/ checked against the
 * Kubernetes and KEDA schemas (kubernetes-models, offline; test/deploy-validate.mjs), the fields
 * they must have, and against each other; KEDA's list shown to be the one BullMQ keeps waiting
 * jobs in (real Redis); the compose file's rootless service and the Dockerfile's rootless stage.
 * Docker is not on the test machine: nothing here builds or runs an image.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Queue, QueueKeys } from 'bullmq';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { CONFIG_KEYS } from '../src/config';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { freshQueueName, obliterate, REDIS_URL, ROOT } from './helpers/queue';

/** Parsed YAML: the fields these tests read, typed; the rest is whatever the file holds. */
type Doc = Record<string, unknown>;
interface Meta {
  name: string;
  labels?: Record<string, string>;
}
interface Container {
  name?: string;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  securityContext: Doc & { capabilities?: { drop?: string[]; add?: string[] } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  envFrom?: unknown[];
  readinessProbe?: { httpGet?: unknown };
}
interface PodSpec extends Doc {
  containers: Container[];
  securityContext: Doc;
}
interface Deployment {
  metadata: Meta;
  spec: Doc & { selector: { matchLabels: Record<string, string> }; template: { metadata: Meta; spec: PodSpec } };
}
interface ConfigMap {
  metadata: Meta;
  data: Record<string, string>;
}
interface Secret {
  metadata: Meta;
  stringData: Record<string, string>;
}
interface Service {
  spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> };
}
interface ScaledObject {
  spec: {
    scaleTargetRef: { name: string };
    triggers: Array<{ type: string; metadata: Record<string, string>; authenticationRef: { name: string } }>;
  };
}
interface TriggerAuthentication {
  metadata: Meta;
  spec: { secretTargetRef: Array<{ parameter: string; name: string; key: string }> };
}
interface Kinds {
  Deployment: Deployment;
  ConfigMap: ConfigMap;
  Secret: Secret;
  Service: Service;
  ScaledObject: ScaledObject;
  TriggerAuthentication: TriggerAuthentication;
}

const K8S = path.join(ROOT, 'deploy', 'kubernetes');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const kustomization = YAML.parse(read('deploy/kubernetes/kustomization.yaml')) as { resources: string[] };
const manifests: Array<{ file: string; doc: Doc }> = kustomization.resources.flatMap((file) =>
  YAML.parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Doc })),
);
function one<K extends keyof Kinds>(kind: K): Kinds[K] {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!.doc as unknown as Kinds[K];
}

/** Property names of a kubernetes-models type (its .d.ts), to catch misspelt fields the schema lets through. */
function knownFields(type: string): Set<string> {
  const dts = fs.readFileSync(path.join(ROOT, 'node_modules', 'kubernetes-models', 'v1', `${type}.d.ts`), 'utf8');
  return new Set([...dts.matchAll(/"([A-Za-z]+)"\??:/g)].map((m) => m[1]!));
}

describe('deploy/kubernetes', () => {
  it('lists in kustomization.yaml every manifest of the directory', () => {
    const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('validates against the Kubernetes and KEDA schemas', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'deploy-validate.mjs')], {
      input: JSON.stringify(manifests),
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.stderr).toBe('');
    const results = JSON.parse(r.stdout) as Array<{ file: string; kind: string; error: string | null }>;
    expect(results.map((x) => x.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'Namespace',
        'PersistentVolumeClaim',
        'ScaledObject',
        'Secret',
        'Service',
        'TriggerAuthentication',
      ].sort(),
    );
    expect(results.filter((x) => x.error !== null)).toEqual([]);
  });

  it('the schema check refuses a broken manifest (the check can fail)', () => {
    const broken = structuredClone(one('Deployment'));
    delete broken.spec.template.spec.containers[0]!.name;
    broken.spec.replicas = 'two';
    const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'deploy-validate.mjs')], {
      input: JSON.stringify([{ file: 'broken', doc: broken }]),
      encoding: 'utf8',
      cwd: ROOT,
    });
    const [result] = JSON.parse(r.stdout) as Array<{ error: string | null }>;
    expect(result?.error).toMatch(/replicas must be integer|must have required property name/);
  });

  it('runs the worker as non-root, without privilege escalation or any capability', () => {
    const pod = one('Deployment').spec.template.spec;
    const [worker, ...others] = pod.containers;
    expect(others).toEqual([]);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
    expect(worker!.securityContext).toMatchObject({
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(worker!.securityContext.capabilities?.add).toBeUndefined();
    expect(pod.hostUsers).toBe(false);
    for (const hostNs of ['hostPID', 'hostIPC', 'hostNetwork']) expect(pod[hostNs]).toBeUndefined();
    // Every field spelt as Kubernetes knows it (the schema alone ignores unknown fields).
    const check = (obj: object, type: string): void => {
      const known = knownFields(type);
      expect(Object.keys(obj).filter((k) => !known.has(k))).toEqual([]);
    };
    check(pod, 'PodSpec');
    check(pod.securityContext, 'PodSecurityContext');
    check(worker!, 'Container');
    check(worker!.securityContext, 'SecurityContext');
  });

  it('gives the worker resources, its configuration and Redis from the ConfigMap and Secret, and a readiness probe on /healthz', () => {
    const worker = one('Deployment').spec.template.spec.containers[0]!;
    for (const kind of ['requests', 'limits'] as const) {
      expect(Object.keys(worker.resources[kind] ?? {})).toEqual(expect.arrayContaining(['cpu', 'memory']));
    }
    expect(worker.envFrom).toEqual([
      { configMapRef: { name: one('ConfigMap').metadata.name } },
      { secretRef: { name: one('Secret').metadata.name } },
    ]);
    expect(one('Secret').stringData.CAGED_REDIS_URL).toMatch(/^rediss?:\/\//);
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    // Every variable the ConfigMap and Secret set is one the worker reads (no typo silently ignored).
    const known = new Set<string>([...Object.values(CONFIG_KEYS).map((k) => k.env)]);
    const set = [...Object.keys(one('ConfigMap').data), ...Object.keys(one('Secret').stringData).filter((k) => k.startsWith('CAGED_'))];
    expect(set.filter((k) => !known.has(k))).toEqual([]);
  });

  it('puts the state, runtime and image directories the ConfigMap names on volumes (the root filesystem is read-only)', () => {
    const worker = one('Deployment').spec.template.spec.containers[0]!;
    const config = one('ConfigMap').data;
    const mounts = worker.volumeMounts ?? [];
    const writableUnder = (dir: string): boolean =>
      mounts.some((m) => !m.readOnly && (dir === m.mountPath || dir.startsWith(`${m.mountPath}/`)));
    expect(worker.securityContext.readOnlyRootFilesystem).toBe(true);
    for (const dir of [config.CAGED_STATE_DIR!, config.CAGED_RUNTIME_DIR!, config.CAGED_JOBS_DIR!, '/tmp'])
      expect(writableUnder(dir)).toBe(true);
    // The job directories' volume is memory-backed (a tmpfs of its size limit): it caps what compiles write.
    const jobs = mounts.find((m) => m.mountPath === config.CAGED_JOBS_DIR);
    const spec = one('Deployment').spec.template.spec as {
      volumes?: { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[];
    };
    const volume = spec.volumes?.find((v) => v.name === jobs?.name);
    expect(volume?.emptyDir).toMatchObject({ medium: 'Memory', sizeLimit: expect.stringMatching(/^\d+Gi$/) as unknown });
    // The runtime directory is made by the worker below the mount, so that it is the worker's own.
    expect(mounts.map((m) => m.mountPath)).not.toContain(config.CAGED_RUNTIME_DIR);
    expect(mounts).toContainEqual(
      expect.objectContaining({ mountPath: path.posix.dirname(config.CAGED_IMAGE!).replace(/\/debian$/, ''), readOnly: true }),
    );
  });

  it('exposes the metrics port the worker listens on through the Service, on the pods of the Deployment', () => {
    const deployment = one('Deployment');
    const service = one('Service');
    const port = Number(one('ConfigMap').data.CAGED_METRICS_PORT);
    expect(port).toBeGreaterThan(0);
    const containerPort = deployment.spec.template.spec.containers[0]!.ports?.find((p) => p.name === 'metrics');
    expect(containerPort?.containerPort).toBe(port);
    expect(service.spec.ports).toEqual([expect.objectContaining({ name: 'metrics', port, targetPort: 'metrics' })]);
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(service.spec.selector));
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
  });

  it("scales with KEDA on BullMQ's waiting list of the configured queue and prefix", () => {
    const scaled = one('ScaledObject');
    const config = one('ConfigMap').data;
    expect(scaled.spec.scaleTargetRef.name).toBe(one('Deployment').metadata.name);
    const [trigger, ...more] = scaled.spec.triggers;
    expect(more).toEqual([]);
    expect(trigger!.type).toBe('redis');
    expect(trigger!.metadata.listName).toBe(new QueueKeys(config.CAGED_PREFIX).toKey(config.CAGED_QUEUE!, 'wait'));
    expect(trigger!.metadata.listName).toBe('bull:caged:wait');
    // The same database as the worker's URL, and credentials from the same Secret.
    const url = new URL(one('Secret').stringData.CAGED_REDIS_URL!);
    expect(trigger!.metadata.databaseIndex).toBe(url.pathname.slice(1) || '0');
    const auth = one('TriggerAuthentication');
    expect(trigger!.authenticationRef.name).toBe(auth.metadata.name);
    const secret = one('Secret');
    for (const ref of auth.spec.secretTargetRef) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
    expect(auth.spec.secretTargetRef.map((r) => r.parameter).sort()).toEqual(['address', 'password']);
    expect(secret.stringData['redis-address']).toBe(`${url.hostname}:${url.port}`);
  });

  it("that list holds exactly the queue's waiting jobs (real Redis, BullMQ's own producer)", async () => {
    const name = freshQueueName();
    const queue = new Queue(name, { connection: redisOptionsFromUrl(REDIS_URL), prefix: 'bull' });
    const redis = new Redis(redisOptionsFromUrl(REDIS_URL));
    try {
      await queue.add('judge', { n: 1 });
      await queue.add('judge', { n: 2 });
      await queue.add('judge', { n: 3 }, { delay: 60_000 }); // delayed: not waiting, not counted
      expect(await redis.llen(new QueueKeys('bull').toKey(name, 'wait'))).toBe(2);
      expect(await queue.getWaitingCount()).toBe(2);
    } finally {
      redis.disconnect();
      await queue.close();
      await obliterate(name);
    }
  });
});

describe("docker-compose.yml's worker-rootless service", () => {
  const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, Doc | undefined> };
  const service = compose.services['worker-rootless'] ?? {};

  it('is not privileged and adds no capability', () => {
    expect(service).toBeDefined();
    expect(service.privileged).toBeUndefined();
    expect(service.cap_add).toBeUndefined();
    expect(service.devices).toBeUndefined();
    expect(service.pid).toBeUndefined();
    expect(service.userns_mode).toBeUndefined();
    // Only the settings user namespaces need: seccomp, AppArmor and /proc masking, no other.
    expect([...(service.security_opt as string[])].sort()).toEqual(['apparmor=unconfined', 'seccomp=unconfined', 'systempaths=unconfined']);
    // Docker's default capabilities are dropped except SETUID and SETGID (newuidmap/newgidmap's bounding set).
    const defaults = [
      'AUDIT_WRITE',
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'NET_BIND_SERVICE',
      'NET_RAW',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'SYS_CHROOT',
    ];
    expect(defaults.filter((c) => !(service.cap_drop as string[]).includes(c))).toEqual(['SETGID', 'SETUID']);
  });

  it('runs as the non-root user of the Dockerfile stage it builds, with no rlimits-only setting (the worker has none)', () => {
    expect(service.user).toBe('10001:10001');
    expect(service.build).toMatchObject({ dockerfile: 'worker/Dockerfile', target: 'rootless' });
    // The host's hierarchy, where a subtree delegated on the host (bound read-write) is found by its path.
    expect(service.cgroup).toBe('host');
    expect(service.profiles).toEqual(['rootless']);
    const env = service.environment as Doc;
    const known = new Set<string>([...Object.values(CONFIG_KEYS).map((k) => k.env)]);
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
  });
});

describe("worker/Dockerfile's rootless stage", () => {
  const dockerfile = read('worker/Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string): string => {
    const found = stages.find((s) => new RegExp(`^\\S+ AS ${name}\\b`, 'm').test(s));
    if (found === undefined) throw new Error(`no stage ${name}`);
    return found;
  };

  it('ends as a non-root user with a subordinate id range and file-capability id mappers', () => {
    const rootless = stage('rootless');
    const users = [...rootless.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users).toEqual(['10001:10001']);
    // Nothing runs as root after USER.
    expect(rootless.slice(rootless.indexOf('\nUSER ')).match(/^RUN /m)).toBeNull();
    expect(rootless).toContain("echo 'caged:100000:65536' > /etc/subuid");
    expect(rootless).toContain("echo 'caged:100000:65536' > /etc/subgid");
    expect(rootless).toContain('useradd --uid 10001 --gid 10001');
    expect(rootless).toContain('setcap cap_setuid+ep /usr/bin/newuidmap');
    expect(rootless).toContain('setcap cap_setgid+ep /usr/bin/newgidmap');
    // The device slots the rootless sandbox binds (src/sandbox/rootless.ts), outside every volume.
    expect(rootless).toContain('d=/var/lib/caged/devices/caged/$slot');
    const volumes = JSON.parse(/^VOLUME (\[.*\])$/m.exec(rootless)?.[1] ?? '[]') as string[];
    expect(volumes.filter((v) => '/var/lib/caged/devices/caged'.startsWith(v))).toEqual([]);
    expect(rootless).toMatch(/CAGED_STATE_DIR=\/var\/lib\/caged\/state/);
  });

  it('leaves root mode the default target (the last stage)', () => {
    expect(stages[stages.length - 1]).toMatch(/^runtime AS root\b/);
  });
});
