/** cgroup: one BoxCgroup per run behind CgroupManager; detectCgroupManager picks v1 or v2. */
export type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';
export { CgroupV1Manager, writeV1MemoryLimit, type CgroupV1Options, type V1Controller } from './v1';
export { CgroupV2Manager, realCgroupFs, type CgroupFs, type CgroupV2Options, type V2Controller } from './v2';
export { detectCgroupManager, parseMounts, type DetectOptions, type MountEntry } from './detect';
