import { describePlayerGuide } from './support/player-guide-spec.js';

describePlayerGuide({ doc: 'docs/hlsjs.md', name: 'hlsjs', label: 'hls.js', account: 'hls' });
