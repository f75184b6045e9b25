/**
 * Where a webhook may go: http(s) only, and never to a private, loopback, link-local, shared,
 * multicast or reserved address unless that network is allowed (CAGED_WEBHOOK_ALLOW_NETWORKS).
 * The host name is resolved and EVERY address checked; the connection then goes to a checked
 * address (the lookup below is the socket's own), so a name that resolves differently a moment
 * later (DNS rebinding) cannot slip through. An address literal is checked as it is.
 */
import dns from 'node:dns';
import net from 'node:net';
import { InvalidRequestError } from '../errors';

/** The target is refused (no retry can help). */
export class RefusedTargetError extends InvalidRequestError {}

const REFUSED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const REFUSED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

export class TargetGuard {
  private readonly refused = new net.BlockList();
  private readonly allowed = new net.BlockList();

  /** `allowNetworks`: CIDRs ("10.1.0.0/16,::1/128") exempted from the refusal. */
  constructor(allowNetworks = '') {
    for (const [a, p] of REFUSED_V4) this.refused.addSubnet(a, p, 'ipv4');
    for (const [a, p] of REFUSED_V6) this.refused.addSubnet(a, p, 'ipv6');
    for (const cidr of allowNetworks.split(',').filter((c) => c.trim() !== '')) {
      const [addr, bits] = cidr.trim().split('/');
      const family = net.isIP(addr ?? '');
      if (!family || bits === undefined)
        throw new InvalidRequestError(`${JSON.stringify(cidr)} is not a CIDR`, 'CAGED_WEBHOOK_ALLOW_NETWORKS');
      this.allowed.addSubnet(addr!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Why `address` is refused, or null when it may be used. */
  refusal(address: string): string | null {
    let family = net.isIP(address);
    let a = address;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) {
      a = mapped[1]!;
      family = 4;
    }
    if (!family) return `${address} is not an address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(a, type)) return null;
    return this.refused.check(a, type) ? `${address} is a private, loopback or reserved address` : null;
  }

  /** Refuses a URL that is not http(s) or whose host is a refused address literal. */
  checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new RefusedTargetError('is not a URL', 'callback.url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedTargetError('must be http:// or https://', 'callback.url');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (net.isIP(host)) {
      const why = this.refusal(host);
      if (why) throw new RefusedTargetError(why, 'callback.url');
    }
    return url;
  }

  /** A `lookup` for http.request: resolves, refuses if any address is refused, connects to a checked one. */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.map((a) => this.refusal(a.address)).find((why) => why !== null);
      if (bad || addresses.length === 0) {
        const e = new RefusedTargetError(`${hostname}: ${bad ?? 'no address'}`, 'callback.url') as Error as NodeJS.ErrnoException;
        return callback(e, '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
