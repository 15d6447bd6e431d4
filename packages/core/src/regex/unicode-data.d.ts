declare module 'unicode-property-aliases-ecmascript' {
  /** Property alias → canonical property name (ECMAScript's supported properties). */
  const aliases: Map<string, string>;
  export default aliases;
}
declare module 'unicode-property-value-aliases-ecmascript' {
  /** Property → (value alias → canonical value), for General_Category, Script, Script_Extensions. */
  const aliases: Map<string, Map<string, string>>;
  export default aliases;
}
