// What each top-level function, class or constant of a bundle of bench/size-budget.json costs
// it, gzipped (statementCosts in bundle-size.mjs): what deleting it would save.
//
//   npm run size:why -- [bundle] [rows]     e.g. npm run size:why -- core 30
import { sizeBudgets, statementCosts } from './bundle-size.mjs';

const [name = 'core', rows = '40'] = process.argv.slice(2);
const bundle = sizeBudgets().find((b) => b.name === name);
if (!bundle) throw new Error(`no bundle "${name}" in bench/size-budget.json`);
const { whole, statements } = await statementCosts(bundle);
console.log(
  `${name}: ${whole} B gzipped (minified without tree-shaking); bytes each statement adds:`,
);
for (const { bytes, label } of statements.slice(0, Number(rows))) {
  console.log(`${String(bytes).padStart(6)}  ${label}`);
}
