// All crypto runs here, off the main thread. The page only posts requests and
// receives results (or errors carrying their stable `code`).
import { init, getVersion } from '../pkg/index.js';

const ready = init();

self.onmessage = async (event) => {
  const { id, op } = event.data;
  try {
    await ready;
    let result;
    switch (op) {
      case 'version':
        result = getVersion();
        break;
      default:
        throw Object.assign(new Error(`unknown operation ${op}`), { code: 'INVALID_ARGUMENT' });
    }
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: { code: err.code ?? 'INTERNAL', message: String(err.message ?? err) } });
  }
};
