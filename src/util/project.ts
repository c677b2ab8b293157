// Where the project lives: the root holds package.json, notebooks/, the caches and out/.
//
// Found from this module's own location (dist/src/util when compiled), so it does not depend on the
// working directory; in a bundle run elsewhere (the GPU machine) there is no project, and the
// working directory stands in.

import * as fs from 'fs';
import * as path from 'path';

/**
 * The first directory at or above `from` holding gpt-lab's package.json, or undefined.
 *
 *   findProjectRoot('/work/main/dist/src/data') → '/work/main'
 */
export function findProjectRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'gpt-lab') return dir;
    } catch {
      // no package.json here (or not JSON): keep climbing
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The project's root, or the working directory when running outside the project (a bundle). */
export const PROJECT_ROOT = findProjectRoot(__dirname) ?? process.cwd();
