// The notebook runner must fail a notebook whose cell fails, and say which cell and why.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runNotebook } from '../src/notebook/run';

function writeNotebook(dir: string, name: string, cells: string[]): string {
  const nb = {
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4, nbformat_minor: 5,
  };
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

describe('notebook runner', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-run-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes a notebook whose cells all run, and keeps their outputs', async () => {
    const nb = writeNotebook(dir, 'good.ipynb', ['const x: number = 6 * 7;\nconsole.log(`x = ${x}`);']);
    const r = await runNotebook(nb, { outDir: path.join(dir, 'out') });
    expect(r.errors).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(fs.readFileSync(r.executed, 'utf8')).to.contain('x = 42');
  });

  it('fails on a runtime error, naming the cell and the message', async () => {
    const nb = writeNotebook(dir, 'throws.ipynb', ['console.log("first")', 'throw new Error("boom 42")', 'console.log("never")']);
    const r = await runNotebook(nb, { outDir: path.join(dir, 'out') });
    expect(r.ok).to.equal(false);
    expect(r.errors.join('\n')).to.contain('cell 1:').and.contain('boom 42');
    expect(fs.readFileSync(r.executed, 'utf8')).to.not.contain('"never\\n"');
  });

  it('fails on a type error, with the compiler message', async () => {
    const nb = writeNotebook(dir, 'types.ipynb', ['const n: number = "seven";']);
    const r = await runNotebook(nb, { outDir: path.join(dir, 'out') });
    expect(r.ok).to.equal(false);
    expect(r.errors.join('\n')).to.contain("Type 'string' is not assignable to type 'number'");
  });
});
