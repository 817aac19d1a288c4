// The page's main thread: UI only. Crypto requests go to the worker.
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map();
worker.onmessage = ({ data }) => {
  const p = pending.get(data.id);
  if (!p) return;
  pending.delete(data.id);
  if (data.ok) p.resolve(data.result);
  else p.reject(Object.assign(new Error(data.error.message), { code: data.error.code }));
};

/** Sends one request to the crypto worker. */
export function call(op, args = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, ...args }, transfer);
  });
}

const status = document.getElementById('status');
call('version')
  .then((v) => {
    status.textContent = `Sẵn sàng — signet-crypto ${v.package}`;
    status.dataset.state = 'ready';
  })
  .catch((err) => {
    status.textContent = `Lỗi: ${err.message}`;
    status.dataset.state = 'error';
  });
