// The interviewer key travels in the URL fragment (`#key=…`): browsers never send fragments to servers.
export function parseKeyFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const key = params.get('key');
  return key || undefined;
}
