// node's tls.Server and https.Server are old-style constructors: `tls.Server(options)` without
// `new` builds a server too, and code written for them (and node's own tests) calls them so.

/** A class that may also be called without `new`, as node's constructor functions. */
export type CallableClass<C extends new (...args: never[]) => unknown> = C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

/**
 * `cls`, callable without `new`: a call constructs. `new`, `instanceof`, static members and
 * subclassing go to the class itself.
 */
export function callableClass<C extends new (...args: never[]) => unknown>(cls: C): CallableClass<C> {
  return new Proxy(cls, {
    apply: (target, _thisArg, args: unknown[]) => Reflect.construct(target, args),
  }) as CallableClass<C>;
}
