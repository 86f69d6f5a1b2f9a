import { resetProof, printProof } from './proof';

export default function setup() {
  resetProof();
  return () => printProof();
}
