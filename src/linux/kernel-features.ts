/**
 * What the running kernel offers, read once at start-up. The sandbox decides with it (an overlay
 * /box without overlayfs becomes a per-run copy); the rootfs layer asks it to choose its mode.
 */
import fs from 'node:fs';

/** True when the kernel offers overlayfs (built in, or loaded). */
export function overlaySupported(filesystems = '/proc/filesystems'): boolean {
  try {
    return /\boverlay$/m.test(fs.readFileSync(filesystems, 'utf8'));
  } catch {
    return false;
  }
}
