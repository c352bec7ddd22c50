/**
 * node-serialport's binding types, for the agent's serial line and the firmware simulator alike.
 * @serialport/bindings-interface 1.2.2 lists no `types` in its `exports` map, so an ESM importer under
 * NodeNext finds none; resolving it the way `require` does reaches its index.d.ts.
 * (`import type ... with { 'resolution-mode': 'require' }` would do the same, but biome rejects attributes on
 * type-only imports.)
 */
export type BindingInterface<T extends BindingPortInterface = BindingPortInterface> =
  import('@serialport/bindings-interface', { with: { 'resolution-mode': 'require' }}).BindingInterface<T>;
export type BindingPortInterface = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).BindingPortInterface;
export type OpenOptions = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).OpenOptions;
export type PortInfo = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).PortInfo;
export type PortStatus = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).PortStatus;
export type SetOptions = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).SetOptions;
export type UpdateOptions = import('@serialport/bindings-interface', { with: {
  'resolution-mode': 'require',
}}).UpdateOptions;
