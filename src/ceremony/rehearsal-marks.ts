/** How rehearsal outputs are marked (the mark lives in util/ so that `sign` and `verify` can recognise it). */
export { markUserId, REHEARSAL } from '../util/rehearsal-mark.js';
