import { importFlows } from './support/import-flows';
import { SECTION_MAPPING } from '../../../src/fhir/meso/import';

// The import flows on the real document mapping (src/fhir/meso/sections): they pass once every section is
// mapped (until the care-plan section plans a CarePlan, every import is 501).
describe('MESO document import (sections)', () => {
  importFlows(SECTION_MAPPING);
});
