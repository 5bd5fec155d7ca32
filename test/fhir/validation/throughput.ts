/* Measures nl-core-Patient validations per second on one core: `npx jest --testRegex throughput.ts` is not
 * needed; run it with the compiled build (see profiles/README.md). */
import { ResourceValidator } from '../../../src/fhir/validation/validator';
import { example, loadExamples } from './nl-core-examples';

export async function measureThroughput(seconds = 3): Promise<number> {
  const v = await ResourceValidator.load();
  const patient = example(loadExamples(), 'nl-core-Patient-01.json');
  for (let i = 0; i < 200; i++) v.validate(patient); // warm-up: compile profiles, JIT
  let n = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (let i = 0; i < 100; i++) v.validate(patient);
    n += 100;
  }
  return n / seconds;
}

if (require.main === module) {
  void measureThroughput().then((rate) => console.log(`${Math.round(rate)} nl-core-Patient validations/s`));
}
