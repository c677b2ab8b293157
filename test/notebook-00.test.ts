// Notebook 00's backend cell shows a short summary by default; the candidates tried (with details such as
// an npm alias standing in for tfjs-node, or a missing Vulkan loader) and the kernels filled in appear only
// with `verbose = true`. The cells run as the notebook holds them, through the real kernel.

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { PROJECT_ROOT } from '../src/notebook/jupyter';
import { runNotebook } from '../src/notebook/run';

/** Notebook 00's first two code cells (backend, candidates table), with verbose set, importing the project's dist/. */
function backendCells(dir: string, verbose: boolean): string {
  const nb = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'notebooks', '00-setup.ipynb'), 'utf8'));
  const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code').slice(0, 2);
  for (const c of code) {
    const text = (c.source as string[]).join('').split("'../dist/src/").join(`'${path.join(PROJECT_ROOT, 'dist', 'src')}/`);
    expect(text.includes('const verbose = false;') || c !== code[0], 'the first cell sets verbose = false').to.equal(true);
    c.source = text.replace('const verbose = false;', `const verbose = ${verbose};`);
  }
  const file = path.join(dir, `00-backend-${verbose ? 'verbose' : 'short'}.ipynb`);
  fs.writeFileSync(file, JSON.stringify({ ...nb, cells: code }));
  return file;
}

/** The text a cell printed. */
function printed(executed: string, cell: number): string {
  const nb = JSON.parse(fs.readFileSync(executed, 'utf8'));
  return nb.cells[cell].outputs.map((o: { text?: string[]; data?: Record<string, string[]> }) =>
    (o.text ?? o.data?.['text/html'] ?? []).join('')).join('');
}

describe('notebook 00: the backend summary', function () {
  this.timeout(240_000);
  let dir: string;
  // Inside the project (out/ is git-ignored), so the kernel resolves '@tensorflow/tfjs' from node_modules.
  before(() => {
    fs.mkdirSync(path.join(PROJECT_ROOT, 'out'), { recursive: true });
    dir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'out', 'test-nb00-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is short by default and lists every candidate and kernel with verbose = true', async () => {
    const choice = await initBackend(); // what the kernel will choose too (same machine, same packages)
    const notChosen = choice.tried.filter((t) => t.name !== choice.name);
    const env = { GPTLAB_PROFILE: 'ci' };

    const short = await runNotebook(backendCells(dir, false), { outDir: path.join(dir, 'out'), env });
    expect(short.errors).to.deep.equal([]);
    const summary = printed(short.executed, 0);
    expect(summary).to.include(`backend: ${choice.name} on ${choice.device}`);
    expect(summary).to.include('verbose = true lists them');
    expect(summary).to.not.include('tried:');
    for (const t of notChosen) expect(summary + printed(short.executed, 1)).to.not.include(t.why);

    const verbose = await runNotebook(backendCells(dir, true), { outDir: path.join(dir, 'out'), env });
    expect(verbose.errors).to.deep.equal([]);
    const full = printed(verbose.executed, 0);
    expect(full).to.include('tried:');
    for (const t of choice.tried) expect(full).to.include(t.why);
    expect(printed(verbose.executed, 1)).to.include(notChosen[0]?.why.split(' ')[0] ?? choice.name);
  });
});
