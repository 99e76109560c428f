// The `rx-ssm` command line built from the sources, as `packages/server/bin/rx-ssm.js` runs the
// built package: the capacity benchmark starts `rx-ssm serve` (and its workers) from this bundle.
import { main } from '../../packages/server/src/cli/cli.js';

process.exitCode = await main(process.argv);
