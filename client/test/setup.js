// What the browser gives the client's modules and Node does not: localStorage (a Map,
// emptied by each test that needs it). Loaded with --import before every test file.

class MemoryStorage {
  #items = new Map();
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    this.#items.set(key, String(value));
  }
  removeItem(key) {
    this.#items.delete(key);
  }
  clear() {
    this.#items.clear();
  }
}

globalThis.localStorage = new MemoryStorage();
