// `gpt-lab lab` as a user runs it: Jupyter starts on the notebooks with the project's tslab kernel.

import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { PROJECT_ROOT } from '../src/notebook/jupyter';

const CLI = path.join(PROJECT_ROOT, 'bin', 'gpt-lab.js');

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  expect(res.status, url).to.equal(200);
  return res.json();
}

describe('gpt-lab lab', function () {
  this.timeout(120_000);

  it('serves the notebooks with the tslab kernel registered inside the project', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const token = 'gptlab-test';
    const child = spawn(process.execPath, [CLI, 'lab', '--', '--no-browser', `--port=${port}`, `--NotebookApp.token=${token}`],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    try {
      const base = `http://127.0.0.1:${port}/api`;
      let specs: any;
      for (let i = 0; i < 120 && specs === undefined; i++) {
        await new Promise((r) => setTimeout(r, 500));
        specs = await getJson(`${base}/kernelspecs?token=${token}`).catch(() => undefined);
      }
      expect(specs, log).to.not.equal(undefined);
      const tslab = specs.kernelspecs.tslab;
      expect(tslab.spec.argv[0]).to.equal(process.execPath);
      expect(tslab.spec.argv[1]).to.equal(path.join(PROJECT_ROOT, 'node_modules', 'tslab', 'bin', 'tslab'));
      const contents = await getJson(`${base}/contents?token=${token}`);
      expect(contents.content.map((c: { name: string }) => c.name)).to.include('00-setup.ipynb');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });

  it('stops with the exact install line when Jupyter is missing', () => {
    const r = spawnSync(process.execPath, [CLI, 'lab'], { encoding: 'utf8', env: { ...process.env, GPTLAB_JUPYTER: '/nonexistent/jupyter' } });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel');
    expect(r.stderr).to.contain('python3 -m pip install notebook nbconvert nbclient ipykernel');
    expect(r.stderr).to.not.match(/at .*\.js:\d+/);
  });
});
