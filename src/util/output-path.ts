// Output paths checked before any work: a run that trains for minutes and then cannot save has lost
// them. Every command that writes (pretrain, sft, reward, rlhf, tokenizer train, notebooks) calls
// checkOutputPath on its --out first.
//
// A directory output may be missing (the save creates it, with its parents); a file output needs its
// directory to exist. Either way the nearest existing directory must be a writable directory on a real
// filesystem: writing is tried there (a file created and removed at once), since permission bits alone
// do not tell (root ignores them; a read-only mount does not show in them).
// Left out: free disk space (how much a run needs is not known up front).

import * as fs from 'fs';
import * as path from 'path';
import { assert, GptLabError } from './assert';

/** Filesystems that hold no user files (statfs f_type): writing there fails, or loops (mkdir -p under /proc). */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2',
};

/** What is at p: 'dir', 'file' (or another non-directory), or undefined when nothing is. */
function kindAt(p: string): 'dir' | 'file' | undefined {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // ENOTDIR: a file stands where a directory of the path should be; the walk up finds it.
    if (code === 'ENOTDIR') return undefined;
    throw new GptLabError(`cannot inspect ${p} (${code}); choose another output path`);
  }
}

/** Creates and removes a file in dir, so that any reason writing fails shows now. */
function tryWriting(dir: string, option: string, target: string): void {
  const probe = path.join(dir, `.gpt-lab-write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // a probe of ours left by a crash: the directory is writable
    throw new GptLabError(`${option} ${target}: cannot write in ${dir} (${code}); choose a directory you can write to`);
  }
}

/**
 * Checks that `target` can be written as a directory ('dir') or a file ('file') before any work, with a
 * one-line error naming the option, the path and the fix. Returns target unchanged.
 *
 *   checkOutputPath('out/baby', 'dir')       → 'out/baby' (out/ need not exist)
 *   checkOutputPath('/etc/passwd/x', 'dir')  throws "--out /etc/passwd/x: /etc/passwd is a file, not a directory; ..."
 *   checkOutputPath('/proc/run', 'dir')      throws "--out /proc/run: /proc is on the proc filesystem ..."
 */
export function checkOutputPath(target: string, kind: 'dir' | 'file', option = '--out'): string {
  assert(target.trim() !== '', () => `${option} is empty; give a ${kind === 'dir' ? 'directory' : 'file'} path`);
  const abs = path.resolve(target);
  const here = kindAt(abs);
  if (here !== undefined) {
    assert(kind === 'file' || here === 'dir',
      () => `${option} ${target} is a file, not a directory; choose a directory (it is created if missing)`);
    assert(kind === 'dir' || here === 'file',
      () => `${option} ${target} is a directory, not a file; ` +
        `give a file name inside it, e.g. ${path.join(target, 'tok.json')}`);
  }
  // The nearest existing ancestor (the target itself for an existing directory).
  let dir = here === 'dir' ? abs : path.dirname(abs);
  while (kindAt(dir) === undefined && path.dirname(dir) !== dir) dir = path.dirname(dir);
  assert(kindAt(dir) === 'dir', () => `${option} ${target}: ${dir} is a file, not a directory; choose another path`);
  const fsType = typeof fs.statfsSync === 'function' ? VIRTUAL_FS[fs.statfsSync(dir).type] : undefined;
  assert(fsType === undefined,
    () => `${option} ${target}: ${dir} is on the ${fsType} filesystem, which holds no files of ours; ` +
      'choose a directory on a disk');
  assert(kind === 'dir' || here !== undefined || dir === path.dirname(abs),
    () => `${option} ${target}: the directory ${path.dirname(abs)} does not exist; ` +
      `create it (mkdir -p ${path.dirname(target)}) or choose another path`);
  tryWriting(dir, option, target);
  if (here === 'file') {
    try {
      fs.accessSync(abs, fs.constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new GptLabError(`${option} ${target}: the file is not writable (${code}); choose another path`);
    }
  }
  return target;
}
