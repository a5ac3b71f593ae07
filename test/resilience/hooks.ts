/** Root hook of `npm run test:resilience`: the figures of every scenario, printed at the end. */
import { printFigures } from './figures.js';

export const mochaHooks = {
  afterAll() {
    printFigures();
  },
};
