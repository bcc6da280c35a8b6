export { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { ReferenceHub, type ReferenceHubOptions, type HubStats, type HubEvents } from './hub.js';
export type { HubEventRow } from './hub-db.js';
export type { FacilityView, ResendRange } from './facilities.js';
