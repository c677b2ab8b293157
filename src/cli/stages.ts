// `gpt-lab stages`: every stage of a profile got ahead of time, so each notebook then loads its models
// instead of training them (a workshop's facilitator runs it the day before); or, with --list, where
// each stage stands.
//
//   gpt-lab stages --list --profile workshop     stage, starts from, notebook, code, directory, status
//   gpt-lab stages --profile workshop            every stage in table order: loaded if finished, else trained
//   gpt-lab stages --only tokenizer,base         just those two
//   gpt-lab stages --notebooks 07,08             the stages notebooks 07 and 08 show (think-sft, think-verifier, ...)
//   gpt-lab stages --only sft-tools --force      train sft-tools again (e.g. its settings changed since it was trained)
//
// Each stage is got as the notebooks get it, getStage(name, { profile, seed, log }), so a stage it
// starts from that is missing is trained on the way; every model is disposed at once. The status comes
// from the checkpoint's small state file (the tokenizer's: its tokenizer.json), never from the weights.
// Left out: each stage's own options (--steps, --from, --out, progress bars): `gpt-lab sft`,
// `reward` and `rlhf` take those; a stage trained with other settings is not what the notebooks load.

import * as path from 'path';
import { parseArgs } from './args';
import { stageArgs } from './stage-args';
import { initBackend } from '../backend';
import { assert } from '../util/assert';
import { checkOutputPath } from '../util/output-path';
import { Profile, runSeed } from '../profile';
import { tableText } from '../viz/table';
import {
  getStage, PIPELINE, runsRoot, stageDir, stageFingerprint, stageSpec, StageName, StageResults, StageStatus, STAGES,
  stageStatus,
} from '../pipeline';

/**
 * With a seed, notebooks 07-09 train their own stages from the profile's unseeded base or SFT model (so
 * only those stages change with the seed), and so does this command: the same parent, the same fingerprint.
 */
const UNSEEDED_PARENT: ReadonlySet<StageName> = new Set(['think-sft', 'encoder', 'openbook', 'sft-tools']);

/**
 * The directory a stage starts from when this command (and the notebooks) get it with a seed, or
 * undefined for the table's own parent in the same runs tree.
 *
 *   parentDirOf('sft-tools', 'workshop', 2) → 'runs/workshop/sft';  parentDirOf('sft', 'workshop', 2) → undefined
 */
function parentDirOf(name: StageName, prof: Profile, seed?: number): string | undefined {
  const parent = stageSpec(name).from;
  if (seed === undefined || parent === undefined) return undefined;
  if (UNSEEDED_PARENT.has(name)) return stageDir(parent, prof);
  // think-verifier: from the seeded think-sft that was itself trained from the unseeded base
  if (UNSEEDED_PARENT.has(parent)) return stageDir(parent, prof, seed);
  return undefined;
}

/** A comma-separated option as its items: commaList(' a, b,,c ') → ['a', 'b', 'c']. */
function commaList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The stages `--only` and `--notebooks` select (both: either's), in table order; neither: every stage.
 * A notebook is named as its row has it (07-think) or by its number (07).
 *
 *   selectStages('base,tokenizer') → ['tokenizer', 'base']
 *   selectStages(undefined, '07') → ['think-sft', 'think-verifier']
 */
export function selectStages(only?: string, notebooks?: string): StageName[] {
  if (only === undefined && notebooks === undefined) return [...STAGES];
  const chosen = new Set<string>();
  if (only !== undefined) {
    const names = commaList(only);
    assert(names.length > 0,
      () => `--only needs stage names, e.g. --only tokenizer,base; the stages are: ${STAGES.join(', ')}`);
    const unknown = names.filter((n) => !(STAGES as readonly string[]).includes(n));
    assert(unknown.length === 0, () => `--only: no stage named ${unknown.map((n) => `'${n}'`).join(', ')}; ` +
      `the stages are: ${STAGES.join(', ')}`);
    names.forEach((n) => chosen.add(n));
  }
  if (notebooks !== undefined) {
    const wanted = commaList(notebooks);
    const all = [...new Set(PIPELINE.map((s) => s.notebook))];
    assert(wanted.length > 0,
      () => `--notebooks needs notebook numbers, e.g. --notebooks 07,08; those with stages: ${all.join(', ')}`);
    const matches = (nb: string, w: string) => nb === w || nb.startsWith(`${w}-`);
    const unknown = wanted.filter((w) => !all.some((nb) => matches(nb, w)));
    assert(unknown.length === 0, () => `--notebooks: no stage is shown in notebook ` +
      `${unknown.map((w) => `'${w}'`).join(', ')}; the notebooks with stages: ${all.join(', ')}`);
    for (const s of PIPELINE) if (wanted.some((w) => matches(s.notebook, w))) chosen.add(s.name);
  }
  return STAGES.filter((s) => chosen.has(s));
}

/** One row of `--list`. */
export interface StageRow {
  stage: StageName;
  /** The stage it starts from (null for the tokenizer). */
  from: StageName | null;
  notebook: string;
  code: string;
  /** Its directory, absolute. */
  dir: string;
  status: StageStatus;
}

/** The --list rows of the chosen stages for a profile and seed. */
export function stageRows(chosen: StageName[], prof: Profile, seed?: number): StageRow[] {
  return PIPELINE.filter((s) => chosen.includes(s.name)).map((s) => {
    const dir = stageDir(s.name, prof, seed);
    const expected = stageFingerprint(s.name, { profile: prof, seed, from: parentDirOf(s.name, prof, seed) });
    const status = stageStatus(s.name, dir, expected);
    return { stage: s.name, from: s.from ?? null, notebook: s.notebook, code: s.code, dir, status };
  });
}

/** A path as a reader types it: relative to the working directory when under it, else absolute. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Frees what getStage gave: a model (GPT), a reward model, or nothing (the tokenizer). */
function disposeStage(r: StageResults[StageName]): void {
  if ('model' in r) r.model.dispose();
  if ('rm' in r) r.rm.dispose();
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['profile', 'seed', 'only', 'notebooks', 'backend'], ['list', 'json', 'force']);
  const o = args.options;
  assert(args.positional.length === 0, () => `takes no positional arguments (got '${args.positional.join(' ')}'); ` +
    'choose stages with --only STAGE,... or --notebooks NN,...');
  const common = stageArgs(args, 'stages');
  const prof = common.profile;
  const seed = common.seed ?? runSeed(); // the notebooks read GPTLAB_SEED: the same tree they will load
  const chosen = selectStages(o.only, o.notebooks);
  const json = o.json === 'true';
  const where = `profile ${prof}${seed !== undefined ? `, seed ${seed}` : ''}, runs in ${shown(runsRoot())}`;

  if (o.list === 'true') {
    const rows = stageRows(chosen, prof, seed);
    if (json) console.log(JSON.stringify({ profile: prof, seed: seed ?? null, stages: rows }, null, 2));
    else console.log(tableText(rows.map((r) => ({ ...r, from: r.from ?? '', dir: shown(r.dir) })), where));
    return 0;
  }

  checkOutputPath(path.dirname(stageDir('tokenizer', prof, seed)), 'dir', 'the runs directory');
  const choice = await initBackend({ backend: common.backend, source: '--backend' });
  // --json: stdout holds the JSON alone
  const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  log(`backend ${choice.name}; ${chosen.length} stage(s), ${where}`);
  const done: { stage: StageName; result: 'loaded' | 'trained'; seconds: number }[] = [];
  const start = performance.now();
  for (const [i, name] of chosen.entries()) {
    log(`[${i + 1}/${chosen.length}] ${name}`);
    const t0 = performance.now();
    try {
      const from = parentDirOf(name, prof, seed);
      const parent = stageSpec(name).from;
      if (from !== undefined && parent !== undefined) {
        // the parent first (trained if missing), got the way its own notebook gets it
        const unseeded = UNSEEDED_PARENT.has(name);
        const up = unseeded ? {} : { seed, from: parentDirOf(parent, prof, seed) };
        disposeStage(await getStage(parent, { profile: prof, log, ...up }));
      }
      const r = await getStage(name, { profile: prof, seed, log, force: o.force === 'true', from });
      disposeStage(r);
      const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      done.push({ stage: name, result: r.loaded ? 'loaded' : 'trained', seconds });
    } catch (e) {
      const before = done.map((d) => d.stage).join(', ') || 'no stage';
      console.error(`stages: stopped at ${name}; ${before} finished before it (saved)`);
      throw e;
    }
  }
  const total = Number(((performance.now() - start) / 1000).toFixed(1));
  if (json) {
    console.log(JSON.stringify({ profile: prof, seed: seed ?? null, stages: done, seconds: total }, null, 2));
  } else {
    const rows = done.map((d) => ({ ...d, seconds: d.seconds.toFixed(1) }));
    console.log(tableText(rows, `\n${chosen.length} stage(s) ready in ${total.toFixed(1)} s (${where}):`));
  }
  return 0;
}
