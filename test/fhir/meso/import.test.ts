import { importFlows } from './support/import-flows';
import { MINI_MAPPING } from './support/mini-mapping';

// The import machinery on a test-only mapping of part of the document (support/mini-mapping.ts): independent
// of the sections. import-sections.test.ts runs the same flows on the real mapping.
describe('MESO document import (test mapping)', () => {
  importFlows(MINI_MAPPING);
});
