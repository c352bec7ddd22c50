/**
 * Escapes text for HTML element content and quoted attribute values (HTML Living Standard §13.1.2.3, and
 * OWASP's XSS rule #1/#2): the five characters that can end a text run or an attribute. Everything the trip
 * report shows comes from the ledger or from devices, so every string goes through here.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
