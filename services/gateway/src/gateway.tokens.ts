/** The injection token of the gateway's GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
