// A lock on a directory that one process writes: a training run's checkpoint directory, so that two
// runs on one --out fail at once instead of deleting each other's checkpoints.
//
//   DIR/.lock   {"pid":4242,"host":"lab-1","since":"2026-12-03T09:00:00.000Z"}
//
// Taking it: the holder's JSON is written to a file of our own and hard-linked to DIR/.lock; link fails
// when .lock exists, so of two runs only one succeeds, and a reader never sees a half-written lock.
// A lock naming a process of this host that is no longer alive (a run killed with kill -9) is stale:
// it is moved aside under a name of our own, checked to be still the stale one, deleted, and taking
// the lock is tried again. A lock of another host cannot be checked, so it counts as held.
// Left out: flock(2) (not in Node's fs), detecting a reused pid (the message says how to clear it).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assert, GptLabError } from './assert';

export const LOCK_FILE = '.lock';

/** Who holds a lock. */
interface Holder {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
}

/** A lock this process holds; release() gives it back (once). */
export interface DirLock {
  readonly dir: string;
  readonly file: string;
  release(): void;
}

/** The locks this process holds, by real path of the directory. */
const held = new Map<string, { lock: DirLock; me: Holder }>();

/** Whether process pid exists: isAlive(process.pid) → true. EPERM means it exists under another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text);
    return Number.isSafeInteger(h?.pid) && typeof h.host === 'string' ? h : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

const sameHolder = (a: Holder, b: Holder) => a.pid === b.pid && a.host === b.host && a.since === b.since;

/** A lock is stale when its process, on this host, is gone (or is us, without our holding it). */
function isStale(h: Holder, key: string): boolean {
  if (h.host !== os.hostname()) return false;
  return h.pid === process.pid ? !held.has(key) : !isAlive(h.pid);
}

/** Removes a stale lock, unless another run replaced it meanwhile (then puts that one back). */
function removeStale(file: string, stale: Holder): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another run removed it first
    throw e;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && moved !== 'unreadable' && !sameHolder(moved, stale)) {
    try {
      fs.linkSync(aside, file); // a live run's fresh lock: give it back
    } catch {
      // a third run took the lock in between; that one holds it now
    }
  }
  fs.rmSync(aside, { force: true });
}

/** mkdir -p, one level at a time: Node's recursive mkdir loops forever under /proc. */
function makeDir(dir: string): void {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs)) {
    assert(fs.statSync(abs).isDirectory(), () => `${dir} is not a directory; choose another output directory`);
    return;
  }
  if (path.dirname(abs) !== abs) makeDir(path.dirname(abs));
  try {
    fs.mkdirSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(abs).isDirectory()) return;
    throw new GptLabError(
      `cannot create the directory ${dir} (${(e as Error).message}); choose another output directory`);
  }
}

/**
 * Takes the lock on dir (creating dir), or throws a GptLabError naming the pid that holds it.
 *
 *   const lock = lockDir('out/baby');  ...train and save...  lock.release();
 */
export function lockDir(dir: string): DirLock {
  makeDir(dir);
  const key = fs.realpathSync(dir);
  const file = path.join(dir, LOCK_FILE);
  assert(!held.has(key), () => `${dir} is already in use by another run in this process (pid ${process.pid}); ` +
    'wait for it to finish or use another output directory');
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const mine = `${file}.new-${process.pid}`;
  try {
    fs.writeFileSync(mine, JSON.stringify(me) + '\n');
  } catch (e) {
    throw new GptLabError(`cannot write in ${dir} (${(e as Error).message}); choose another output directory`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(mine, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          const why = (e as Error).message;
          throw new GptLabError(`cannot create the lock file ${file} (${why}); choose another output directory`);
        }
      }
      const h = readHolder(file);
      assert(h !== 'unreadable', () => `${file} is not a lock gpt-lab wrote; if no run uses ${dir}, delete ${file}`);
      assert(attempt < 10,
        () => `cannot take the lock ${file}: other runs keep taking it; use another output directory`);
      if (h === undefined) continue; // released meanwhile
      assert(isStale(h, key), () => `${dir} is in use by another gpt-lab run (pid ${h.pid} on ${h.host}, since ` +
        `${h.since}); wait for it to finish, stop it, or use another output directory. If pid ${h.pid} is not a ` +
        `gpt-lab run, delete ${file}`);
      removeStale(file, h);
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  const lock: DirLock = {
    dir, file,
    release: () => {
      if (held.get(key)?.lock !== lock) return;
      held.delete(key);
      const h = readHolder(file);
      if (h !== undefined && h !== 'unreadable' && sameHolder(h, me)) fs.rmSync(file, { force: true });
    },
  };
  held.set(key, { lock, me });
  releaseAtExit();
  return lock;
}

/** Throws unless this process's lock on dir is still in place (nobody removed or replaced the lock file). */
function checkHeld(dir: string, key: string): void {
  const entry = held.get(key)!;
  const h = readHolder(entry.lock.file);
  const by = h === undefined || h === 'unreadable' ? 'someone' : `pid ${h.pid} on ${h.host}`;
  assert(h !== undefined && h !== 'unreadable' && sameHolder(h, entry.me),
    () => `the lock ${entry.lock.file} of this run (pid ${process.pid}) was removed or taken by ${by}; ` +
      `stopping so that two runs do not write ${dir}; use another output directory`);
}

/**
 * Runs fn with dir locked: under this process's lock when it holds one (checked to be still ours), else
 * under a lock taken for fn alone. Every checkpoint save goes through here.
 *
 *   withDirLock('out/baby', () => write())
 */
export function withDirLock<T>(dir: string, fn: () => T): T {
  makeDir(dir);
  const key = fs.realpathSync(dir);
  if (held.has(key)) {
    checkHeld(dir, key);
    return fn();
  }
  const lock = lockDir(dir);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

let exitHook = false;
/** Locks are released when the process exits normally (a kill -9 leaves a stale lock, taken over later). */
function releaseAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => { for (const { lock } of [...held.values()]) lock.release(); });
}
