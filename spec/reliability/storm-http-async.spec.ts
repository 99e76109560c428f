import { httpStormSpec } from '../support/http-storm-spec.js';

httpStormSpec('async');
