// The notebook as a reader sees it: execute 00-setup, export it to HTML, open that in headless
// Chromium and check that plotly really drew every plot and that the table is there.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderedDom } from '../src/notebook/browser';
import { PROJECT_ROOT } from '../src/notebook/jupyter';
import { runNotebook } from '../src/notebook/run';

describe('notebook in a browser', function () {
  this.timeout(300_000);
  let dom = '';

  before(async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-nb-'));
    const r = await runNotebook(path.join(PROJECT_ROOT, 'notebooks', '00-setup.ipynb'), { outDir, html: true, env: { GPTLAB_PROFILE: 'ci' } });
    expect(r.errors, r.errors.join('\n')).to.deep.equal([]);
    expect(r.html).to.be.a('string');
    dom = renderedDom(r.html!);
  });

  it('draws every plot as a non-empty plotly SVG', () => {
    // Each figure div is followed by the next one (or the end of the page); plotly draws inside it.
    const plots = dom.split(/<div id="gptlab-plot-[^"]*" class="gptlab-plot[ "]/).slice(1);
    expect(plots.length).to.be.at.least(3);   // the heatmap, the matMul line chart, the live loss curve
    for (const p of plots) expect(p).to.contain('class="main-svg"');
  });

  it('draws the lines of the line chart (paths with data)', () => {
    const lines = [...dom.matchAll(/class="js-line"[^>]*d="([^"]*)"/g)].map((m) => m[1]);
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.every((d) => d.length > 10)).to.equal(true);
  });

  it('draws the heatmap', () => {
    expect(dom).to.match(/class="hm"/);
  });

  it('shows the table with its rows', () => {
    const table = dom.slice(dom.indexOf('<table class="gptlab-table"'));
    expect(table).to.contain('>backend</th>');
    expect((table.match(/<tr>/g) ?? []).length).to.be.greaterThan(2);
  });
});
