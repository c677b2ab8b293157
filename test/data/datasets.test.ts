// The datasets/ folder at the project root: the manifests the code reads, and the task world's
// generated sample, which must equal what the generator makes today.

import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DATASETS, manifestSpec, resolveCacheDir } from '../../src/data';
import { taskWorldFiles } from '../../src/data/world/sample';
import { GptLabError } from '../../src/util/assert';

const ROOT = path.resolve(__dirname, '..', '..', '..'); // dist/test/data → project root
const DATASETS_DIR = path.join(ROOT, 'datasets');

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Every .ts file under a directory. */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

describe('datasets/', () => {
  it("pins Tiny Shakespeare in its manifest, with license and citation", () => {
    const m = readJson(path.join(DATASETS_DIR, 'tinyshakespeare', 'manifest.json'));
    // Independent pins: the size and checksum of char-rnn's input.txt as nanoGPT's users know it.
    expect(m.sha256).to.equal('86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed');
    expect(m.bytes).to.equal(1115394);
    expect(m.url).to.equal('https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt');
    for (const key of ['name', 'license', 'citation', 'description', 'fileName']) {
      expect(m[key], key).to.be.a('string').with.length.above(3);
    }
    expect(m.license).to.match(/public domain/i);
    expect(m.citation).to.include('char-rnn');
  });

  it('registry reads the manifest, and no source file repeats its pins', () => {
    const m = readJson(path.join(DATASETS_DIR, 'tinyshakespeare', 'manifest.json'));
    expect({ ...DATASETS.tinyshakespeare }).to.deep.equal(m);
    const repeating = tsFiles(path.join(ROOT, 'src')).filter((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return text.includes(String(m.sha256)) || text.includes(String(m.url));
    });
    expect(repeating.map((f) => path.relative(ROOT, f))).to.deep.equal([]);
  });

  it('rejects a manifest with a missing or mistyped field, naming it', () => {
    const m = readJson(path.join(DATASETS_DIR, 'tinyshakespeare', 'manifest.json'));
    expect(() => manifestSpec({ ...m, bytes: '1115394' })).to.throw(GptLabError, 'bytes must be a number');
    expect(() => manifestSpec({ ...m, license: undefined })).to.throw(GptLabError, 'license must be a string');
    expect(() => manifestSpec({ ...m, sha256: 'abc' })).to.throw(GptLabError, "sha256 'abc'");
  });

  it('holds the task world exactly as the generator makes it (regenerate with node dist/src/data/world/sample.js)', () => {
    const dir = path.join(DATASETS_DIR, 'task-world');
    const files = taskWorldFiles();
    expect(fs.readdirSync(dir).sort()).to.deep.equal(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(dir, name), 'utf8'), `datasets/task-world/${name} is stale`).to.equal(text);
    }
  });

  it("shows every task kind and the world preset's settings", () => {
    const sample = fs.readFileSync(path.join(DATASETS_DIR, 'task-world', 'samples.md'), 'utf8');
    for (const kind of ['facts', 'retrieval', 'arithmetic', 'calculator', 'sft', 'preferences']) {
      expect(sample, kind).to.include(`## ${kind}\n`).and.include(`${kind} #`);
    }
    const m = readJson(path.join(DATASETS_DIR, 'task-world', 'manifest.json'));
    const world = (m.settings as { world: { preset: string; config: unknown } }).world;
    // The stages' world (src/sft/stages.ts: makeWorld(), the 'small' preset), as documented there.
    expect(world).to.deep.include({ preset: 'small', config: { seed: 1, towns: 8, people: 60, animals: 40, heldOut: 0.25 } });
    for (const key of ['name', 'license', 'citation', 'description']) expect(m[key], key).to.be.a('string');
  });

  it('keeps the download cache in datasets/.cache, ignored by git, with the text never committed', () => {
    expect(resolveCacheDir({ env: {} })).to.equal(path.join(DATASETS_DIR, '.cache'));
    let ignored: string;
    try {
      ignored = execFileSync('git', ['check-ignore', 'datasets/.cache/tinyshakespeare.txt', 'datasets/tinyshakespeare/input.txt'], { cwd: ROOT, encoding: 'utf8' });
    } catch (e) {
      // git check-ignore exits 1 when nothing is ignored; without git (a tarball) read .gitignore instead.
      if ((e as { status?: number }).status === 1) throw new Error('datasets/.cache or the Tiny Shakespeare text is not git-ignored');
      const lines = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n');
      expect(lines).to.include.members(['datasets/.cache/', 'datasets/**/*.txt']);
      return;
    }
    expect(ignored.trim().split('\n')).to.deep.equal(['datasets/.cache/tinyshakespeare.txt', 'datasets/tinyshakespeare/input.txt']);
  });
});
