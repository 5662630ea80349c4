// Short notices ("Copied") read out by screen readers and gone after a
// few seconds.
export const toasts = $state({ items: [] as { id: number; text: string }[] });
let ids = 0;

export function toast(text: string): void {
  const id = ++ids;
  toasts.items.push({ id, text });
  setTimeout(() => (toasts.items = toasts.items.filter((t) => t.id !== id)), 3000);
}
