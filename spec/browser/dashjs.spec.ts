import { describePlayerGuide } from './support/player-guide-spec.js';

describePlayerGuide({ doc: 'docs/dashjs.md', name: 'dashjs', label: 'dash.js', account: 'dash' });
