// docType names a document's type as people know it ("PDF", "Word"),
// never as a MIME type.
const types: [RegExp, string][] = [
  [/pdf/, 'PDF'],
  [/wordprocessingml|msword/, 'Word'],
  [/presentationml|powerpoint/, 'PowerPoint'],
  [/spreadsheetml|ms-excel/, 'Excel'],
  [/csv/, 'CSV'],
  [/markdown/, 'Markdown'],
  [/html/, 'HTML'],
  [/json/, 'JSON'],
  [/^audio\/|^video\//, 'audio'],
  [/^image\//, 'image'],
  [/^text\//, 'text'],
];

// docType returns a label key's value: a name, or "" when the type is not
// one people would recognise.
export function docType(mimetype: string | undefined): string {
  const m = (mimetype ?? '').toLowerCase();
  return types.find(([re]) => re.test(m))?.[1] ?? '';
}
