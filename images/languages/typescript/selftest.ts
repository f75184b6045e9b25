// Type-checked against Node's declarations (@types/node): a layer without them fails here.
import * as fs from 'fs';
const answer: string = typeof fs.readFileSync === 'function' && process.versions.node ? 'OK' : 'FAIL';
console.log(answer);
