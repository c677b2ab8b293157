// `gpt-lab backend`: prints the tfjs backend gpt-lab picks here, why, and what it had to patch.
//
//   gpt-lab backend                    the choice, its device, every candidate tried, fallback kernels
//   gpt-lab backend --backend cpu      the same for a forced backend (an error if it cannot run here)
//   gpt-lab backend --json             the same as one JSON object
// Leaves out: benchmarking the backends (see bench/).

import { parseArgs } from './args';
import { initBackend, parseBackendName } from '../backend';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['backend'], ['json']);
  const raw = args.options.backend;
  const backend = raw === undefined ? undefined : parseBackendName(raw, '--backend');
  const choice = await initBackend({ backend, source: '--backend' });
  if (args.options.json === 'true') {
    const { name, reason, device, tried, kernels } = choice;
    console.log(JSON.stringify({ name, reason, device, tried, kernels }, null, 2));
  } else {
    console.log(choice.describe());
  }
  return 0;
}
